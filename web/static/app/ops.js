// H5 admin page #/admin/ops: what needs attention (queues and failed jobs, dead letters, held
// events, undeliverable notifications, the pull's cursor, the outbox, the DingTalk token) and
// the actions that clear it (requeue, replay, retry). The API is /api/v1/admin/ops/... and calls
// the same services as `flask --app wsgi ops`. Registered in app.js (FEATURES). Text nodes only.

import { addTexts, api, badge, facts, fmtTime, h, show, t, toast } from "./core.js";

addTexts({
  zh: {
    opsTab: "运维", opsTitle: "运维状态", opsAllGood: "一切正常", opsAttention: "需要处理",
    opsQueues: "任务队列", opsDepth: (n) => `排队 ${n}`, opsFailed: (n) => `失败 ${n}`,
    opsRequeue: "重新入队", opsRequeueAll: "全部重新入队", opsRequeued: (n) => `已重新入队 ${n} 个任务`,
    opsLetters: "死信", opsReplay: "重放", opsReplayAll: "全部重放", opsReplayed: (n) => `已重放 ${n} 条`,
    opsHeld: "挂起事件", opsRetry: "重试", opsRetried: (r) => `已释放 ${r.released}，已应用 ${r.applied}，仍挂起 ${r.still_held}`,
    opsOverdue: "超时", opsWaitingFor: "等待", opsUndeliverable: "未送达通知", opsTo: "接收人",
    opsCursor: "EHR 拉取游标", opsCursorAge: "游标年龄", opsNever: "从未拉取", opsLastRun: "上次运行",
    opsOutbox: "发件箱积压", opsWaiting: "等待中", opsOldest: "最早一条", opsToken: "钉钉访问令牌",
    opsCached: "已缓存", opsNotCached: "未缓存", opsExpiresIn: "剩余有效期", opsSeconds: (n) => `${n} 秒`,
    opsNone: "无", opsTotal: (n, shown) => (n > shown ? `共 ${n} 条，显示 ${shown} 条` : `共 ${n} 条`),
  },
  en: {
    opsTab: "Operations", opsTitle: "Operations", opsAllGood: "Nothing needs attention", opsAttention: "Needs attention",
    opsQueues: "Job queues", opsDepth: (n) => `${n} waiting`, opsFailed: (n) => `${n} failed`,
    opsRequeue: "Requeue", opsRequeueAll: "Requeue all", opsRequeued: (n) => `${n} jobs requeued`,
    opsLetters: "Dead letters", opsReplay: "Replay", opsReplayAll: "Replay all", opsReplayed: (n) => `${n} replayed`,
    opsHeld: "Held events", opsRetry: "Retry", opsRetried: (r) => `released ${r.released}, applied ${r.applied}, still held ${r.still_held}`,
    opsOverdue: "overdue", opsWaitingFor: "waiting for", opsUndeliverable: "Undeliverable notifications", opsTo: "to",
    opsCursor: "EHR pull cursor", opsCursorAge: "Cursor age", opsNever: "never pulled", opsLastRun: "Last run",
    opsOutbox: "Outbox backlog", opsWaiting: "Waiting", opsOldest: "Oldest", opsToken: "DingTalk access token",
    opsCached: "cached", opsNotCached: "not cached", opsExpiresIn: "Expires in", opsSeconds: (n) => `${n} s`,
    opsNone: "None", opsTotal: (n, shown) => (n > shown ? `${n} in all, ${shown} shown` : `${n} in all`),
  },
});

const BASE = "/admin/ops";

// Run an action, say what it did, and redraw the page with the new state.
function action(text, run, done) {
  const button = h("button", { type: "button", class: "btn" }, text);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      toast(done(await run()));
      await viewOps();
    } catch (err) {
      toast(err.message);
      button.disabled = false;
    }
  });
  return button;
}

const post = (path, body) => api(BASE + path, { method: "POST", body: body === undefined ? {} : body });
const requeue = (queue, body) => post(`/queues/${encodeURIComponent(queue)}/requeue`, body);
const replay = (body) => post("/dead-letters/replay", body);
const row = (title, sub, ...extra) => h("li", { class: "row-link" },
  h("div", { class: "row-main" }, h("div", { class: "row-title" }, title), h("div", { class: "row-sub" }, sub)), ...extra);
const list = (items, render) => (items.length ? h("ul", { class: "list" }, items.map(render)) : h("p", { class: "row-sub" }, t("opsNone")));
const card = (title, ...nodes) => h("section", { class: "card" }, h("h2", {}, title), ...nodes);
const age = (seconds) => (seconds == null ? "–" : t("opsSeconds", seconds));

function queueCard(q) {
  const failed = q.failed_jobs.map((j) => row(j.id, `${j.func || "–"} · ${j.error || "–"} · ${fmtTime(j.failed_at)}`,
    action(t("opsRequeue"), () => requeue(q.name, { job_ids: [j.id] }), (r) => t("opsRequeued", r.requeued.length))));
  return h("div", { class: "ops-queue" },
    h("h3", {}, q.name, " ", badge(q.failed ? "failed" : "completed", `${t("opsDepth", q.depth)} · ${t("opsFailed", q.failed)}`)),
    failed.length ? h("ul", { class: "list" }, failed) : null,
    q.failed ? action(t("opsRequeueAll"), () => requeue(q.name, { all: true }), (r) => t("opsRequeued", r.requeued.length)) : null);
}

function problemCards(s) {
  return [
    card(t("opsQueues"), s.queues.map(queueCard)),
    card(t("opsLetters"), h("p", { class: "row-sub" }, t("opsTotal", s.dead_letters_total, s.dead_letters.length)),
      list(s.dead_letters, (d) => row(`${d.id} · ${d.event_id || "–"}`, `${d.source} · ${fmtTime(d.received_at)} · ${d.reason}`,
        action(t("opsReplay"), () => replay({ ids: [d.id] }), (r) => t("opsReplayed", r.items.length)))),
      s.dead_letters.length ? action(t("opsReplayAll"), () => replay({ all: true }), (r) => t("opsReplayed", r.items.length)) : null),
    card(t("opsHeld"), h("p", { class: "row-sub" }, t("opsTotal", s.held_total, s.held.length)),
      list(s.held, (e) => row(`${e.event_id} · ${e.entity_kind}:${e.entity_id}`,
        `${t("opsWaitingFor")} ${e.waiting_for} · ${fmtTime(e.received_at)}`, e.overdue ? badge("failed", t("opsOverdue")) : null)),
      s.held.length ? action(t("opsRetry"), () => post("/held/retry"), (r) => t("opsRetried", r)) : null),
    card(t("opsUndeliverable"), h("p", { class: "row-sub" }, t("opsTotal", s.undeliverable_total, s.undeliverable.length)),
      list(s.undeliverable, (u) => row(`#${u.id} · ${u.purpose} · ${u.channel}`,
        `${t("opsTo")} ${u.recipient_kind} ${u.recipient_id} · ${u.reason || "–"} · ${fmtTime(u.updated_at)}`, badge("failed", u.state)))),
  ];
}

function stateCards(s) {
  const c = s.cursor, o = s.outbox, k = s.token;
  return [
    card(t("opsCursor"), facts([
      [t("opsCursorAge"), c.age_seconds == null ? t("opsNever") : age(c.age_seconds)],
      [t("opsLastRun"), c.last_run_status],
    ]), c.stale ? badge("failed", t("opsAttention")) : null),
    card(t("opsOutbox"), facts([
      [t("opsWaiting"), String(o.waiting)],
      [t("opsOldest"), o.oldest_id == null ? null : `#${o.oldest_id} · ${age(o.oldest_age_seconds)}`],
    ]), o.stale ? badge("failed", t("opsAttention")) : null),
    card(t("opsToken"), facts([
      [t("opsToken"), k.cached ? t("opsCached") : t("opsNotCached")],
      [t("opsExpiresIn"), k.expires_in_seconds == null ? null : age(k.expires_in_seconds)],
    ])),
  ];
}

async function viewOps() {
  const s = await api(`${BASE}/status`);
  const verdict = s.attention.length
    ? card(t("opsAttention"), h("ul", {}, s.attention.map((line) => h("li", {}, line))))
    : card(t("opsAllGood"), h("p", { class: "row-sub" }, fmtTime(s.generated_at)));
  show(t("opsTitle"), verdict, problemCards(s), stateCards(s));
}

export const ROUTES = [[/^#\/admin\/ops$/, () => viewOps(), "staff"]];

// Admins get the tab; the API refuses everyone else anyway.
export function tabs(s) {
  return s && s.staff_id && s.staff_role === "admin" ? [["#/admin/ops", t("opsTab")]] : [];
}
