// H5 views of the rounds after the AI interview: HR schedules, reschedules and cancels a round
// (#/hr/applications/{id}/schedule); the candidate's upcoming round (#/interviews/{id}/round).
// Registered in app.js (FEATURES): exports ROUTES. Text nodes only (core.js `h`).

import { addTexts, api, badge, facts, fmtTime, h, label, newKey, show, t, toast } from "./core.js";

addTexts({
  zh: {
    rdTitle: "安排下一轮", rdKind: "面试形式", rdWhen: "日期和时间", rdLength: "时长（分钟）",
    rdInterviewers: "面试官", rdSearch: "搜索员工", rdSearchBtn: "搜索", rdNoOptions: "没有可选的员工",
    rdInDept: "本部门", rdNoCalendar: "无钉钉日历", rdPlace: "面试地点", rdLink: "会议链接",
    rdSubmit: "安排面试", rdScheduled: "已安排面试", rdBusy: "面试官忙碌时间", rdFree: "当天无日程",
    rdPickFirst: "选择面试官和时间后显示忙碌时间。",
    rdClash: (names) => `时间冲突：${names} 在所选时间已有日程。`, rdNoClash: "所选时间没有冲突。",
    rdExisting: "已有面试轮次", rdNone: "还没有视频或现场面试。", rdReschedule: "改期", rdCancelRound: "取消面试",
    rdReason: "取消原因", rdSave: "保存", rdMoved: "已改期", rdCancelled: "已取消面试",
    rdBack: "返回申请", rdMinutes: (n) => `${n} 分钟`, rdNeedPlace: "现场面试请填写地点",
    rdNeedLink: "视频面试请填写会议链接", rdNeedPeople: "请至少选择一位面试官", rdNeedTime: "请选择时间",
    rdRound: "面试安排", rdConfirmation: "我的确认", rdNotAnswered: "尚未确认",
    rdCancelReason: "取消原因", rdEnds: "结束", rdOpenLink: "打开会议链接",
    rdConfirm: "确认参加", rdAskOther: "申请改期", rdNote: "希望改到什么时间、为什么（HR 会看到）",
    rdSend: "发送给 HR", rdAnswered: "已告知 HR",
  },
  en: {
    rdTitle: "Schedule the next round", rdKind: "Kind", rdWhen: "Date and time", rdLength: "Length (minutes)",
    rdInterviewers: "Interviewers", rdSearch: "Search staff", rdSearchBtn: "Search", rdNoOptions: "No staff to pick",
    rdInDept: "department", rdNoCalendar: "no DingTalk calendar", rdPlace: "Location", rdLink: "Meeting link",
    rdSubmit: "Schedule", rdScheduled: "Round scheduled", rdBusy: "Interviewers' busy times", rdFree: "Nothing that day",
    rdPickFirst: "Pick interviewers and a time to see their busy times.",
    rdClash: (names) => `Clash: ${names} already busy at the chosen time.`, rdNoClash: "No clash at the chosen time.",
    rdExisting: "Rounds so far", rdNone: "No video or on-site rounds yet.", rdReschedule: "Reschedule", rdCancelRound: "Cancel round",
    rdReason: "Reason", rdSave: "Save", rdMoved: "Rescheduled", rdCancelled: "Round cancelled",
    rdBack: "Back to the application", rdMinutes: (n) => `${n} min`, rdNeedPlace: "An on-site round needs a location",
    rdNeedLink: "A video round needs a meeting link", rdNeedPeople: "Pick at least one interviewer", rdNeedTime: "Pick a time",
    rdRound: "Your round", rdConfirmation: "My answer", rdNotAnswered: "Not answered yet",
    rdCancelReason: "Reason", rdEnds: "Ends", rdOpenLink: "Open the meeting link",
    rdConfirm: "Confirm", rdAskOther: "Ask for another time", rdNote: "Which time suits you better, and why (HR reads this)",
    rdSend: "Send to HR", rdAnswered: "HR has been told",
  },
});

const KINDS = ["video", "onsite"];
const enc = encodeURIComponent;

// The chosen local date-time as an aware ISO instant (the API refuses naive times).
const instant = (local) => (local ? new Date(local).toISOString() : null);
const overlaps = (a0, a1, b0, b1) => a0 < b1 && b0 < a1;

function field(id, text, control) {
  return h("div", { class: "field" }, h("label", { for: id }, text), control);
}

function errorBox() {
  return h("p", { class: "error", role: "alert", hidden: true });
}

function showErr(box, message) {
  box.hidden = !message;
  box.textContent = message || "";
}

// --- busy times and the clash warning ------------------------------------------------------

async function refreshBusy(state, panel, warning) {
  const ids = [...state.picked.keys()];
  const start = state.start();
  if (!ids.length || !start) {
    panel.replaceChildren(h("p", { class: "row-sub" }, t("rdPickFirst")));
    warning.textContent = "";
    warning.className = "rd-clash";
    return;
  }
  const end = new Date(start.getTime() + state.minutes() * 60000);
  const dayStart = new Date(start); dayStart.setHours(0, 0, 0, 0);
  const dayEnd = new Date(dayStart.getTime() + 86400000);
  const ticket = ++state.busyTicket;
  const q = new URLSearchParams({ staff_ids: ids.join(","), start: dayStart.toISOString(), end: dayEnd.toISOString() });
  let data;
  try {
    data = await api(`/hr/calendar/busy?${q}`);
  } catch (err) {
    if (ticket === state.busyTicket) panel.replaceChildren(h("p", { class: "error" }, err.message));
    return;
  }
  if (ticket !== state.busyTicket) return;  // a newer choice is being looked up
  const clashing = [];
  panel.replaceChildren(h("ul", { class: "list", "data-testid": "busy" }, data.items.map((item) => {
    const name = state.picked.get(item.staff_id) || item.staff_id;
    const spans = item.busy.map((b) => [new Date(b.start), new Date(b.end)]);
    if (spans.some(([a, b]) => overlaps(a, b, start, end))) clashing.push(name);
    const text = !item.calendar ? t("rdNoCalendar") : spans.length
      ? spans.map(([a, b]) => `${fmtTime(a.toISOString())}–${fmtTime(b.toISOString())}`).join("；") : t("rdFree");
    return h("li", { class: "row-link" }, h("div", { class: "row-main" },
      h("div", { class: "row-title" }, name), h("div", { class: "row-sub" }, text)));
  })));
  warning.className = clashing.length ? "rd-clash warn" : "rd-clash";
  warning.textContent = clashing.length ? t("rdClash", clashing.join("、")) : t("rdNoClash");
}

// --- the scheduling form -----------------------------------------------------------------

function optionsList(state, items, onChange) {
  if (!items.length) return h("p", { class: "row-sub" }, t("rdNoOptions"));
  return h("fieldset", { class: "rd-people" }, h("legend", { class: "visually-hidden" }, t("rdInterviewers")),
    items.map((o) => h("label", { class: "rd-person" },
      h("input", {
        type: "checkbox", value: o.staff_id, checked: state.picked.has(o.staff_id),
        onchange: (e) => { if (e.target.checked) state.picked.set(o.staff_id, o.name); else state.picked.delete(o.staff_id); onChange(); },
      }),
      h("span", {}, o.name),
      h("span", { class: "row-sub" }, [o.in_department ? t("rdInDept") : null, o.has_calendar ? null : t("rdNoCalendar")]
        .filter(Boolean).map((x) => ` · ${x}`).join("")))));
}

function scheduleForm(appId, nextRound, rerender) {
  const kind = h("select", { id: "rd-kind", name: "kind" }, KINDS.map((k) => h("option", { value: k }, label(k))));
  const when = h("input", { id: "rd-when", name: "scheduled_at", type: "datetime-local", required: true });
  const minutes = h("input", { id: "rd-minutes", name: "duration_minutes", type: "number", min: "5", max: "480", step: "5", value: "60", required: true });
  const place = h("input", { id: "rd-place", name: "location", type: "text", maxlength: "500" });
  const link = h("input", { id: "rd-link", name: "meeting_url", type: "url", maxlength: "2000", placeholder: "https://" });
  const search = h("input", { id: "rd-search", type: "search", maxlength: "50" });
  const people = h("div", { id: "rd-options" });
  const busy = h("div", { id: "rd-busy" });
  const warning = h("p", { class: "rd-clash", "aria-live": "polite", role: "status", "data-testid": "clash" });
  const error = errorBox();
  const submit = h("button", { type: "submit", class: "btn primary" }, t("rdSubmit"));
  const state = {
    picked: new Map(), busyTicket: 0, key: newKey(),
    start: () => (when.value ? new Date(when.value) : null),
    minutes: () => Number(minutes.value) || 60,
  };
  const placeField = field("rd-place", t("rdPlace"), place);
  const linkField = field("rd-link", t("rdLink"), link);
  const byKind = () => { placeField.hidden = kind.value !== "onsite"; linkField.hidden = kind.value !== "video"; };
  // A change of the form's content is a new request: a new key (a retry keeps the old one).
  const changed = () => { state.key = newKey(); refreshBusy(state, busy, warning); };
  const loadOptions = async () => {
    const q = search.value.trim() ? `?q=${enc(search.value.trim())}` : "";
    try {
      const data = await api(`/hr/applications/${enc(appId)}/interviewer-options${q}`);
      people.replaceChildren(optionsList(state, data.items, changed));
    } catch (err) {
      people.replaceChildren(h("p", { class: "error" }, err.message));
    }
  };
  const send = async (event) => {
    event.preventDefault();
    const missing = !when.value ? t("rdNeedTime") : !state.picked.size ? t("rdNeedPeople")
      : kind.value === "onsite" && !place.value.trim() ? t("rdNeedPlace")
        : kind.value === "video" && !link.value.trim() ? t("rdNeedLink") : null;
    if (missing) return showErr(error, missing);
    const body = {
      round: nextRound, kind: kind.value, scheduled_at: instant(when.value), duration_minutes: state.minutes(),
      interviewer_ids: [...state.picked.keys()], idempotency_key: state.key,
      ...(kind.value === "onsite" ? { location: place.value.trim() } : { meeting_url: link.value.trim() }),
    };
    submit.disabled = true;
    try {
      await api(`/hr/applications/${enc(appId)}/interviews`, { method: "POST", body });
      state.key = newKey();
      toast(t("rdScheduled"));
      await rerender();
    } catch (err) {
      showErr(error, err.message);  // the same key on a retry: one round however often it is sent
    } finally {
      submit.disabled = false;
    }
  };
  kind.addEventListener("change", () => { byKind(); state.key = newKey(); });
  for (const input of [when, minutes]) input.addEventListener("change", changed);
  for (const input of [place, link]) input.addEventListener("input", () => { state.key = newKey(); });
  byKind();
  loadOptions();
  refreshBusy(state, busy, warning);
  return h("form", { class: "card rd-form", "aria-labelledby": "rd-h", onsubmit: send, novalidate: true },
    h("h2", { id: "rd-h" }, `${t("rdTitle")} · ${t("round", nextRound)}`),
    field("rd-kind", t("rdKind"), kind),
    h("div", { class: "inline-fields" }, field("rd-when", t("rdWhen"), when), field("rd-minutes", t("rdLength"), minutes)),
    placeField, linkField,
    h("h3", {}, t("rdInterviewers")),
    h("div", { class: "inline-fields" }, field("rd-search", t("rdSearch"), search),
      h("button", { type: "button", class: "btn", onclick: loadOptions }, t("rdSearchBtn"))),
    people,
    h("h3", {}, t("rdBusy")), busy, warning,
    error, h("div", { class: "actions" }, submit));
}

// --- the existing rounds: reschedule, cancel ---------------------------------------------

function changeBox(iv, rerender) {
  const box = h("div", { class: "rd-change", hidden: true });
  const error = errorBox();
  const post = async (path, body, done) => {
    try {
      await api(`/hr/interviews/${enc(iv.id)}/${path}`, { method: "POST", body });
      toast(done);
      await rerender();
    } catch (err) {
      showErr(error, err.message);
    }
  };
  const open = (...nodes) => { box.hidden = false; box.replaceChildren(...nodes, error); box.querySelector("input").focus(); };
  const moveForm = () => {
    const key = newKey();  // one per opened form: a double tap moves the round once
    const id = `rd-move-${iv.id}`;
    const when = h("input", { id, type: "datetime-local", required: true });
    // Start from the round as it is: a move usually changes the time only.
    const minutes = h("input", { id: `${id}-m`, type: "number", min: "5", max: "480", step: "5", value: iv.duration_minutes || null });
    const where = h("input", { id: `${id}-p`, type: "text", maxlength: "2000",
      value: (iv.kind === "onsite" ? iv.location : iv.meeting_url) || null });
    open(field(id, t("rdWhen"), when), field(`${id}-m`, t("rdLength"), minutes),
      field(`${id}-p`, iv.kind === "onsite" ? t("rdPlace") : t("rdLink"), where),
      h("button", { type: "button", class: "btn primary", onclick: () => {
        if (!when.value) return showErr(error, t("rdNeedTime"));
        const body = { scheduled_at: instant(when.value), idempotency_key: key };
        if (minutes.value) body.duration_minutes = Number(minutes.value);
        if (where.value.trim()) body[iv.kind === "onsite" ? "location" : "meeting_url"] = where.value.trim();
        return post("reschedule", body, t("rdMoved"));
      } }, t("rdSave")));
  };
  const cancelForm = () => {
    const key = newKey();
    const id = `rd-cancel-${iv.id}`;
    const reason = h("input", { id, type: "text", maxlength: "500", required: true });
    open(field(id, t("rdReason"), reason),
      h("button", { type: "button", class: "btn danger", onclick: () => (reason.value.trim()
        ? post("cancel", { reason: reason.value.trim(), idempotency_key: key }, t("rdCancelled"))
        : showErr(error, t("rdReason"))) }, t("rdCancelRound")));
  };
  return { box, moveForm, cancelForm };
}

function existingRounds(rounds, rerender) {
  return h("section", { class: "card", "aria-labelledby": "rd-ex-h" }, h("h2", { id: "rd-ex-h" }, t("rdExisting")),
    rounds.length ? h("ul", { class: "list", "data-testid": "rounds" }, rounds.map((iv) => {
      const change = changeBox(iv, rerender);
      const open = iv.status === "scheduled";
      return h("li", { class: "rd-round" },
        h("div", { class: "row-link" },
          h("div", { class: "row-main" },
            h("div", { class: "row-title" }, `${t("round", iv.round)} · ${label(iv.kind)}`),
            h("div", { class: "row-sub" }, [fmtTime(iv.scheduled_at), iv.interviewer_names.join("、")].filter(Boolean).join(" · "))),
          badge(iv.status)),
        open ? h("div", { class: "actions" },
          h("button", { type: "button", class: "btn", onclick: change.moveForm }, t("rdReschedule")),
          h("button", { type: "button", class: "btn danger", onclick: change.cancelForm }, t("rdCancelRound"))) : null,
        change.box);
    })) : h("p", { class: "row-sub" }, t("rdNone")));
}

async function viewSchedule(appId) {
  const rerender = () => viewSchedule(appId);
  const a = await api(`/hr/applications/${enc(appId)}`);
  const rounds = a.interviews.filter((iv) => KINDS.includes(iv.kind)).sort((x, y) => x.round - y.round);
  const nextRound = Math.max(1, ...a.interviews.map((iv) => iv.round)) + 1;
  show(`${t("rdTitle")} · ${a.candidate.name}`,
    h("p", {}, h("a", { href: `#/hr/applications/${enc(appId)}` }, t("rdBack"))),
    scheduleForm(appId, nextRound, rerender),
    existingRounds(rounds, rerender));
}

// --- the candidate's round -----------------------------------------------------------------

async function viewMyRound(id) {
  const r = await api(`/me/interviews/${enc(id)}`);
  const iv = r.interview;
  const d = iv.round_details;
  if (!d) return show(t("rdRound"), h("p", { class: "row-sub" }, iv.kind.label));
  const answer = d.confirmation ? badge(d.confirmation.code === "confirmed" ? "completed" : "pending", d.confirmation.label)
    : t("rdNotAnswered");
  show(t("rdRound"),
    h("section", { class: "card", "aria-labelledby": "rd-my-h" },
      h("h2", { id: "rd-my-h" }, `${iv.position_title} · ${t("round", iv.round)}`),
      facts([
        [t("status"), badge(iv.status.code, iv.status.label)],
        [t("rdKind"), iv.kind.label],
        [t("scheduled"), iv.scheduled_at ? fmtTime(iv.scheduled_at) : null],
        [t("rdLength"), t("rdMinutes", d.duration_minutes)],
        [t("rdPlace"), d.location],
        [t("rdLink"), d.meeting_url ? h("a", { href: d.meeting_url, target: "_blank", rel: "noopener noreferrer" }, t("rdOpenLink")) : null],
        [t("interviewers"), d.interviewer_names.join("、") || null],
        [t("rdCancelReason"), d.cancel_reason],
        [t("rdConfirmation"), d.upcoming ? h("span", { "data-testid": "confirmation" }, answer) : null],
      ]),
      d.upcoming ? answerPanel(id) : null));
}

// Confirm / Ask for another time: the same answer as the round card's buttons, with a free note.
function answerPanel(id) {
  const box = errorBox();
  const send = async (response, note) => {
    try {
      await api(`/me/interviews/${enc(id)}/round-response`, { method: "POST", body: { response, note } });
      toast(t("rdAnswered"));
      viewMyRound(id);
    } catch (err) {
      showErr(box, err.message);
    }
  };
  const note = h("textarea", { id: "rd-note", maxlength: "500", rows: "3" });
  const ask = h("form", { class: "stack", hidden: true, onsubmit: (e) => { e.preventDefault(); send("reschedule_requested", note.value); } },
    field("rd-note", t("rdNote"), note),
    h("button", { type: "submit", class: "btn" }, t("rdSend")));
  return h("div", { class: "actions-block" },
    h("div", { class: "actions" },
      h("button", { type: "button", class: "btn primary", "data-testid": "round-confirm", onclick: () => send("confirmed", null) }, t("rdConfirm")),
      h("button", { type: "button", class: "btn", onclick: () => { ask.hidden = false; note.focus(); } }, t("rdAskOther"))),
    ask, box);
}

export const ROUTES = [
  [/^#\/hr\/applications\/([^/?]+)\/schedule$/, (m) => viewSchedule(decodeURIComponent(m[1])), "staff"],
  [/^#\/interviews\/([^/?]+)\/round$/, (m) => viewMyRound(decodeURIComponent(m[1])), "candidate"],
];
