"""HTML for the inbox: cards rendered from their template definition, and chat messages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html import escape
from typing import Any

from sandbox.dingtalk.state import Card

VAR = re.compile(r"\{(\w+)\}")


def fill(text: str, data: dict[str, str]) -> str:
    """Substitute `{variable}` references with card data (missing ones become empty)."""
    return VAR.sub(lambda m: data.get(m.group(1), ""), text)


def label(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("zh") or value.get("en") or "")
    return str(value or "")


def visible(rule: dict[str, Any] | None, data: dict[str, str]) -> bool:
    """`visible_when`: {variable, empty | not_empty | equals | not_equals | in}."""
    if not rule:
        return True
    value = data.get(str(rule.get("variable")), "")
    checks: dict[str, Callable[[Any], bool]] = {
        "empty": lambda want: (value == "") == bool(want),
        "not_empty": lambda want: (value != "") == bool(want),
        "equals": lambda want: value == str(want),
        "not_equals": lambda want: value != str(want),
        "in": lambda want: value in [str(v) for v in want],
    }
    return all(check(rule[name]) for name, check in checks.items() if name in rule)


# CommonMark's backslash escapes: `\*` is a literal `*`, never emphasis (the backend escapes
# EHR text this way, cards/links.py `escape_markdown`).
ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def _line(raw: str) -> str:
    kept: list[str] = []

    def hold(match: re.Match[str]) -> str:
        # Escaped characters wait in private-use placeholders while the markup is read.
        kept.append(match.group(1))
        return f"\ue000{len(kept) - 1}\ue001"

    held = ESCAPED.sub(hold, raw)
    heading = re.match(r"^(#{1,6})\s+(.*)$", held)
    line = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escape(heading.group(2) if heading else held))
    line = re.sub("\ue000(\\d+)\ue001", lambda m: escape(kept[int(m.group(1))]), line)
    return f"<b>{line}</b>" if heading else line


def markdown(text: str) -> str:
    """Just enough markdown for card text: backslash escapes, headings, bold, line breaks."""
    return "<br>".join(_line(raw) for raw in text.splitlines())


def _json_list(raw: str) -> list[Any]:
    """A JSON array string; plain text joined with 、 or , is tolerated (shown item by item)."""
    try:
        value = json.loads(raw) if raw else []
    except ValueError:
        return [part for part in re.split(r"[、,，]", raw) if part.strip()]
    return value if isinstance(value, list) else [value]


def _dimensions(raw: str) -> str:
    rows = []
    for item in _json_list(raw):
        name = item.get("name", "") if isinstance(item, dict) else str(item)
        score = item.get("score", "") if isinstance(item, dict) else ""
        try:
            width = max(0, min(100, float(score)))
        except (TypeError, ValueError):
            width = 0
        rows.append(
            f'<div class="dim"><span>{escape(str(name))}</span>'
            f'<span class="bar"><i style="width:{width:.0f}%"></i></span>'
            f"<span>{escape(str(score))}</span></div>"
        )
    return "".join(rows)


def _header(block: dict[str, Any], data: dict[str, str], lang: str) -> str:
    return f'<div class="card-head">{escape(fill(label(block.get("text"), lang), data))}</div>'


def _fields(block: dict[str, Any], data: dict[str, str], lang: str) -> str:
    items = "".join(
        f'<div class="field"><span>{escape(label(i.get("label"), lang))}</span>'
        f"<b>{escape(fill(str(i.get('value', '')), data))}</b></div>"
        for i in block.get("items", [])
        if visible(i.get("visible_when"), data)
    )
    return f'<div class="fields">{items}</div>'


def _markdown(block: dict[str, Any], data: dict[str, str], lang: str) -> str:
    return f'<div class="md">{markdown(fill(label(block.get("text"), lang), data))}</div>'


def _dimension_block(block: dict[str, Any], data: dict[str, str], lang: str) -> str:
    title = escape(label(block.get("title"), lang))
    bars = _dimensions(data.get(block["variable"], ""))
    return f'<div class="dims"><small>{title}</small>{bars}</div>'


def _list(block: dict[str, Any], data: dict[str, str], lang: str) -> str:
    title = escape(label(block.get("title"), lang))
    items = "".join(
        f"<li>{escape(str(i))}</li>" for i in _json_list(data.get(block["variable"], ""))
    )
    return f'<div class="list"><small>{title}</small><ul>{items}</ul></div>'


def _status(block: dict[str, Any], data: dict[str, str], lang: str) -> str:
    return f'<div class="status">{escape(fill(label(block.get("text"), lang), data))}</div>'


BLOCKS = {
    "header": _header,
    "fields": _fields,
    "markdown": _markdown,
    "dimensions": _dimension_block,
    "list": _list,
    "status": _status,
}


def _block(block: dict[str, Any], data: dict[str, str], lang: str) -> str:
    """One layout row; unknown row types render nothing rather than break the card."""
    renderer = BLOCKS.get(str(block.get("type")))
    if renderer is None or not visible(block.get("visible_when"), data):
        return ""
    return renderer(block, data, lang)


def _button(button: dict[str, Any], data: dict[str, str], lang: str) -> str:
    # A button label may name a card variable ("Advance the {advance_n} suggested").
    text = escape(fill(label(button.get("label"), lang), data))
    style = escape(str(button.get("style", "default")))
    if button.get("type") == "link":
        href = escape(fill(str(button.get("url", "")), data))
        return f'<a class="btn {style}" href="{href}" target="_blank" rel="noopener">{text}</a>'
    params = {k: fill(str(v), data) for k, v in (button.get("params") or {}).items()}
    select, input_name = "", ""
    if button.get("input"):
        spec = button["input"]
        input_name = escape(str(spec["name"]))
        options = "".join(
            f'<option value="{escape(str(c["value"]))}">'
            f"{escape(label(c.get('label'), lang))}</option>"
            for c in spec.get("choices", [])
        )
        aria = escape(label(spec.get("label"), lang))
        select = f'<select name="{input_name}" aria-label="{aria}">{options}</select>'
    return (
        f'<span class="action">{select}<button type="button" class="btn {style}" '
        f'data-action="{escape(str(button["action_id"]))}" data-input="{input_name}" '
        f"data-params='{escape(json.dumps(params, ensure_ascii=False))}' "
        f'onclick="clickCard(this)">{text}</button></span>'
    )


def card_html(card: Card, template: dict[str, Any] | None, userid: str, lang: str) -> str:
    """Render one card as `userid` sees it (public data overlaid with their private data)."""
    data = card.view_for(userid)
    if template is None:
        body = f"<pre>{escape(json.dumps(data, ensure_ascii=False, indent=1))}</pre>"
        title, buttons = card.template_id, ""
    else:
        body = "".join(_block(b, data, lang) for b in template.get("layout", []))
        title = label(template.get("title"), lang)
        buttons = "".join(
            _button(b, data, lang)
            for b in template.get("buttons", [])
            if visible(b.get("visible_when"), data)
        )
    return (
        f'<div class="card" data-card="{escape(card.out_track_id)}">'
        f'<div class="card-title">{escape(title)}</div>{body}'
        f'<div class="buttons">{buttons}</div>'
        f'<div class="meta">v{card.version} · {escape(card.out_track_id)}</div></div>'
    )


def message_html(msgtype: str, content: dict[str, Any]) -> str:
    """Robot messages, session replies and work notifications share DingTalk's vocabularies."""
    get = content.get
    if msgtype in ("text", "sampleText"):
        return escape(str(get("content", "")))
    if msgtype in ("markdown", "sampleMarkdown"):
        return f"<b>{escape(str(get('title', '')))}</b><br>{markdown(str(get('text', '')))}"
    if msgtype in ("link", "sampleLink"):
        url = escape(str(get("messageUrl", "")))
        return (
            f'<a href="{url}" target="_blank">{escape(str(get("title", "")))}</a><br>'
            f"{escape(str(get('text', '')))}"
        )
    if msgtype in ("action_card", "actionCard", "sampleActionCard"):
        text = get("markdown") or get("text") or ""
        single = get("single_title") or get("singleTitle")
        url = get("single_url") or get("singleURL") or ""
        links = [(single, url)] if single else []
        for btn in get("btn_json_list") or get("btns") or []:
            links.append((btn.get("title"), btn.get("action_url") or btn.get("actionURL")))
        buttons = "".join(
            f'<a class="btn" href="{escape(str(u or ""))}" target="_blank">{escape(str(t))}</a>'
            for t, u in links
        )
        return (
            f"<b>{escape(str(get('title', '')))}</b><br>{markdown(str(text))}"
            f'<div class="buttons">{buttons}</div>'
        )
    return f"<pre>{escape(json.dumps(content, ensure_ascii=False, indent=1))}</pre>"
