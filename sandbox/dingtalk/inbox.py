"""`/_sim/inbox`: a user's DingTalk as HTML — the bot chat with live cards, and work notices."""

from __future__ import annotations

import json
from datetime import datetime
from html import escape

from aiohttp import web

from sandbox.dingtalk.middleware import SIM_KEY
from sandbox.dingtalk.render import card_html, message_html
from sandbox.dingtalk.state import Sim, now_ms

STYLE = """
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;margin:0;
background:#f2f3f5}
header{background:#1677ff;color:#fff;padding:10px 16px;display:flex;gap:12px;align-items:center}
header form{margin-left:auto}main{display:flex;gap:16px;padding:16px}
section{background:#fff;border-radius:8px;padding:12px;flex:2;min-width:0}
section.side{flex:1}h2{font-size:15px;margin:0 0 8px}
.item{margin:10px 0;display:flex}.item.me{justify-content:flex-end}
.bubble{background:#f5f6f7;border-radius:8px;padding:8px 10px;max-width:75%}
.me .bubble{background:#d6e8ff}.time{font-size:11px;color:#999}
.card{border:1px solid #dfe3e8;border-radius:8px;padding:10px;background:#fff;width:420px}
.card-title{font-size:12px;color:#1677ff}.card-head{font-weight:600;margin:4px 0 8px}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 12px}
.field span{color:#888;font-size:12px;margin-right:6px}.md{margin:8px 0}
.dim{display:flex;gap:8px;align-items:center;font-size:13px}.dim span:first-child{width:70px}
.bar{flex:1;height:8px;background:#eee;border-radius:4px}
.bar i{display:block;height:100%;background:#1677ff;border-radius:4px}
.status{margin-top:8px;color:#389e0d;font-size:13px}.buttons{margin-top:8px;display:flex;gap:6px;flex-wrap:wrap}
.btn{border:1px solid #ccd;border-radius:4px;padding:4px 10px;background:#fff;cursor:pointer;
text-decoration:none;color:#333;font-size:13px}.btn.primary{background:#1677ff;color:#fff;border-color:#1677ff}
.btn.danger{color:#cf1322;border-color:#cf1322}.meta{font-size:11px;color:#aaa;margin-top:6px}
.recalled{color:#999;font-style:italic}#send{display:flex;gap:8px;margin-top:12px}
#send input{flex:1;padding:6px}#note{color:#cf1322;font-size:13px;min-height:1em}
"""

SCRIPT = """
const USER = document.body.dataset.user;
function note(t){document.getElementById('note').textContent = t || '';}
async function post(path, body){
  const r = await fetch(path, {method:'POST', headers:{'Content-Type':'application/json'},
                               body: JSON.stringify(body)});
  return r.json();
}
async function clickCard(btn){
  const card = btn.closest('[data-card]');
  const params = JSON.parse(btn.dataset.params || '{}');
  if (btn.dataset.input) {
    const sel = btn.parentElement.querySelector('select');
    if (sel) params[btn.dataset.input] = sel.value;
  }
  note('回调中…');
  const res = await post('/_sim/cards/' + encodeURIComponent(card.dataset.card) + '/click',
                         {userid: USER, action_ids: [btn.dataset.action], params: params});
  if (!res.delivered) { note('回调失败：' + (res.error || '未知错误')); return; }
  location.reload();
}
async function countReplies(){
  const r = await fetch('/_sim/messages?userid=' + encodeURIComponent(USER));
  return (await r.json()).messages.length;
}
async function sendText(ev){
  ev.preventDefault();
  const box = document.getElementById('text');
  if (!box.value) return false;
  const before = await countReplies();
  const res = await post('/_sim/bot-messages', {userid: USER, text: box.value});
  if (!res.delivered) note('机器人未连接（没有 Stream 连接），消息未送达');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && (await countReplies()) === before) {
    await new Promise(r => setTimeout(r, 200));
  }
  location.reload();
  return false;
}
"""


def _time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).astimezone().strftime("%m-%d %H:%M:%S")


def _picker(sim: Sim, userid: str, lang: str) -> str:
    groups = {"staff": "员工 Staff", "candidate": "候选人 Candidates"}
    html = []
    for kind, title in groups.items():
        options = "".join(
            f'<option value="{escape(u.userid)}"{" selected" if u.userid == userid else ""}>'
            f"{escape(u.name)} ({escape(u.userid)})</option>"
            for u in sim.org.users.values()
            if u.kind == kind
        )
        html.append(f'<optgroup label="{title}">{options}</optgroup>')
    return (
        f'<form method="get"><input type="hidden" name="lang" value="{escape(lang)}">'
        f'<select name="userid" onchange="this.form.submit()">{"".join(html)}</select>'
        f"<noscript><button>查看</button></noscript></form>"
    )


def _chat_items(sim: Sim, userid: str, lang: str) -> list[tuple[int, str]]:
    items: list[tuple[int, str]] = []
    for entry in sim.store.user_inputs:
        if entry["userid"] == userid:
            body = f'<div class="bubble">{escape(entry["text"])}</div>'
            items.append((entry["time"], f'<div class="item me">{body}</div>'))
    for msg in sim.store.messages:
        if msg["userid"] != userid or msg["kind"] == "work_notification":
            continue
        inner = (
            '<span class="recalled">此消息已撤回</span>'
            if msg["recalled"]
            else message_html(msg["msgtype"], msg["content"])
        )
        items.append(
            (
                msg["time"],
                f'<div class="item"><div class="bubble">{inner}'
                f'<div class="time">{_time(msg["time"])}</div></div></div>',
            )
        )
    for card in sim.store.cards.values():
        if userid in card.recipients:
            html = card_html(card, sim.templates.get(card.template_id), userid, lang)
            items.append((card.created_at, f'<div class="item">{html}</div>'))
    return sorted(items, key=lambda pair: pair[0])


def _notices(sim: Sim, userid: str) -> str:
    rows = []
    for msg in reversed(sim.store.messages):
        if msg["userid"] == userid and msg["kind"] == "work_notification":
            inner = (
                '<span class="recalled">此消息已撤回</span>'
                if msg["recalled"]
                else message_html(msg["msgtype"], msg["content"])
            )
            rows.append(
                f'<div class="item"><div class="bubble">{inner}'
                f'<div class="time">{_time(msg["time"])}</div></div></div>'
            )
    return "".join(rows) or '<p class="time">暂无工作通知</p>'


def mark_read(sim: Sim, userid: str) -> None:
    """Opening the chat reads everything in it, which read-status and send-result report."""
    for msg in sim.store.messages:
        if msg["userid"] == userid and not msg["read"]:
            msg.update(read=True, read_time=now_ms())


def render_page(sim: Sim, userid: str, lang: str) -> str:
    user = sim.org.users[userid]
    chat = (
        "".join(html for _, html in _chat_items(sim, userid, lang))
        or '<p class="time">还没有消息</p>'
    )
    other = "en" if lang == "zh" else "zh"
    return f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<title>钉钉沙箱收件箱 · {escape(user.name)}</title><style>{STYLE}</style></head>
<body data-user="{escape(userid)}"><header><b>钉钉沙箱 DingTalk sandbox</b>
<span>{escape(sim.org.name)}</span>
<a style="color:#fff" href="?userid={escape(userid)}&lang={other}">{other.upper()}</a>
{_picker(sim, userid, lang)}</header><main>
<section id="chat"><h2>与机器人的会话 · {escape(user.name)}（{escape(user.title)}）</h2>{chat}
<div id="note"></div>
<form id="send" onsubmit="return sendText(event)"><input id="text" name="text"
placeholder="给机器人发消息…" autocomplete="off"><button class="btn primary">发送</button></form>
</section><section class="side" id="notices"><h2>工作通知</h2>{_notices(sim, userid)}</section>
</main><script>{SCRIPT}</script></body></html>"""


async def page(request: web.Request) -> web.Response:
    sim = request.app[SIM_KEY]
    lang = "en" if request.query.get("lang") == "en" else "zh"
    userid = request.query.get("userid") or next(iter(sim.org.users), "")
    if userid not in sim.org.users:
        return web.Response(
            status=404, text=f"unknown userid {escape(userid)}", content_type="text/plain"
        )
    mark_read(sim, userid)
    return web.Response(text=render_page(sim, userid, lang), content_type="text/html")


async def index(request: web.Request) -> web.Response:
    raise web.HTTPFound("/_sim/inbox")


async def templates(request: web.Request) -> web.Response:
    body = json.dumps(
        {"templates": list(request.app[SIM_KEY].templates.values())}, ensure_ascii=False
    )
    return web.Response(text=body, content_type="application/json")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/_sim/inbox", page)
    app.router.add_get("/_sim/templates", templates)
    app.router.add_get("/", index)
