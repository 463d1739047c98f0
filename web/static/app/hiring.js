// H5 views after the offer (issue 20): the candidate's background-check consent page
// (#/background-check: items, consent text, ID-card number, previous employers; the number is
// sent once and never shown again) and onboarding page (#/onboarding: date, place, what to
// bring with ticks, the training plan); HR's check page with Pass / Fail / Ask
// (#/hr/applications/{id}/background-check) and onboarding confirmation
// (#/hr/applications/{id}/onboarding); the admin's training catalogue with its dry run
// (#/admin/training-catalog). Registered in app.js (FEATURES). Text nodes only.

import { addTexts, api, badge, facts, fmtTime, h, show, t, toast } from "./core.js";

addTexts({
  zh: {
    bcTitle: "背景调查", bcItems: "调查项目", bcConsentText: "授权书", bcIdNumber: "身份证号码",
    bcEmployers: "过往工作单位（每行一个：单位名称）", bcAgree: "我已阅读并同意以上授权书",
    bcSubmit: "同意并提交", bcDone: "已提交授权", bcMustAgree: "请先勾选同意",
    bcIdNote: "身份证号码仅加密保存至调查结束，仅提供给背景调查机构。", bcConsentAt: "授权时间",
    bcExplain: "情况说明", bcExplainSend: "提交说明", bcAskShown: "HR 请您就需关注的项目作出说明",
    bcPass: "通过", bcFail: "不通过", bcAsk: "请候选人说明", bcDecision: "决定", bcExplanation: "候选人说明",
    bc_awaiting_consent: "待授权", bc_requested: "已授权", bc_in_progress: "调查中", bc_completed: "已完成",
    bc_cancelled: "已取消", bc_clear: "通过", bc_consider: "需关注", bc_pending: "进行中",
    bc_pass: "背调通过", bc_fail: "背调不通过",
    obTitle: "入职通知", obDate: "入职日期", obPlace: "报到地点", obBring: "需携带材料", obTick: "已准备",
    obPlan: "培训计划", obAck: "我已知悉", obAcked: "已确认知悉", obHours: "小时", obConfirm: "确认并发送入职通知",
    obSent: "已发送", tcTab: "培训课程库", tcTitle: "培训课程库（弱项 → 课程）", tcRows: "课程行（JSON）",
    tcVersion: "版本", tcDry: "试算近期入职者", tcSave: "保存为新版本", tcSaved: "已保存", tcNoPlan: "无弱项",
    ob_online: "线上课", ob_workshop: "工作坊", ob_mentor: "带教",
    ob_missing: "未准备", ob_submitted: "已准备", ob_approved: "已核验",
  },
  en: {
    bcTitle: "Background check", bcItems: "What is checked", bcConsentText: "Consent", bcIdNumber: "ID-card number",
    bcEmployers: "Previous employers (one per line)", bcAgree: "I have read and agree to the consent above",
    bcSubmit: "Agree and submit", bcDone: "Consent given", bcMustAgree: "Please tick the consent first",
    bcIdNote: "The number is kept encrypted until the check ends and given only to the vendor.", bcConsentAt: "Consent given at",
    bcExplain: "Your explanation", bcExplainSend: "Send", bcAskShown: "HR asks you to explain the items to consider",
    bcPass: "Pass", bcFail: "Fail", bcAsk: "Ask the candidate", bcDecision: "Decision", bcExplanation: "Explanation",
    bc_awaiting_consent: "Awaiting consent", bc_requested: "Consented", bc_in_progress: "In progress", bc_completed: "Completed",
    bc_cancelled: "Cancelled", bc_clear: "Clear", bc_consider: "Consider", bc_pending: "Pending",
    bc_pass: "Passed", bc_fail: "Failed",
    obTitle: "Onboarding notice", obDate: "Join date", obPlace: "Where to report", obBring: "What to bring", obTick: "Ready",
    obPlan: "Training plan", obAck: "I have read it", obAcked: "Acknowledged", obHours: "h", obConfirm: "Confirm and send",
    obSent: "Sent", tcTab: "Training catalogue", tcTitle: "Training catalogue (weak dimension → course)",
    tcRows: "Rows (JSON)", tcVersion: "Version", tcDry: "Dry run on recent hires", tcSave: "Save as a new version",
    tcSaved: "Saved", tcNoPlan: "Nothing weak",
    ob_online: "Online", ob_workshop: "Workshop", ob_mentor: "Mentor",
    ob_missing: "Missing", ob_submitted: "Ready", ob_approved: "Checked",
  },
});

const enc = encodeURIComponent;
const word = (code) => t(`bc_${code}`) || code;
const obWord = (code) => t(`ob_${code}`) || code;
const errorBox = () => h("p", { class: "error", role: "alert", hidden: true });
const showErr = (box, message) => { box.hidden = !message; box.textContent = message || ""; };
const field = (id, text, control) => h("div", { class: "field" }, h("label", { for: id }, text), control);

function items(c) {
  return h("ul", { class: "list" }, c.items.map((i) => h("li", {}, `${i.label} `, badge(i.result, word(i.result)))));
}

// --- the candidate's check ------------------------------------------------------------------

function consentForm(c) {
  const box = errorBox();
  const agree = h("input", { type: "checkbox", id: "bc-agree" });
  const id = h("input", { id: "bc-id", maxlength: "18", autocomplete: "off", inputmode: "text" });
  const employers = h("textarea", { id: "bc-employers", rows: "3" });
  const submit = async (e) => {
    e.preventDefault();
    if (!agree.checked) return showErr(box, t("bcMustAgree"));
    const names = employers.value.split("\n").map((s) => s.trim()).filter(Boolean);
    try {
      await api("/me/background-check/consent", { method: "POST", body: {
        agree: true, consent_sha256: c.consent_sha256, id_number: id.value.trim().toUpperCase(),
        previous_employers: names.map((name) => ({ name })),
      } });
      id.value = "";
      toast(t("bcDone"));
      viewMyCheck();
    } catch (err) {
      showErr(box, err.message);
    }
  };
  return h("form", { class: "stack", onsubmit: submit },
    h("h2", {}, t("bcConsentText")), h("p", { "data-testid": "consent-text" }, c.consent_text),
    field("bc-id", t("bcIdNumber"), id), h("p", { class: "row-sub" }, t("bcIdNote")),
    field("bc-employers", t("bcEmployers"), employers),
    h("label", { for: "bc-agree" }, agree, " ", t("bcAgree")),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "btn primary", "data-testid": "consent-submit" }, t("bcSubmit"))),
    box);
}

function explainForm(c) {
  const box = errorBox();
  const text = h("textarea", { id: "bc-explain", rows: "3", maxlength: "2000" }, c.explanation || "");
  const send = async () => {
    try {
      await api("/me/background-check/explanation", { method: "POST", body: { text: text.value } });
      toast(t("bcDone"));
      viewMyCheck();
    } catch (err) {
      showErr(box, err.message);
    }
  };
  return h("div", { class: "actions-block" }, h("p", {}, t("bcAskShown")), field("bc-explain", t("bcExplain"), text),
    h("button", { type: "button", class: "btn", onclick: send }, t("bcExplainSend")), box);
}

async function viewMyCheck() {
  const c = await api("/me/background-check");
  show(t("bcTitle"), h("section", { class: "card" },
    badge(c.status, word(c.status)), h("h2", {}, t("bcItems")), items(c),
    facts([[t("bcConsentAt"), c.consent_at ? fmtTime(c.consent_at) : null]]),
    c.status === "awaiting_consent" ? consentForm(c) : null,
    c.explanation_requested && !c.decision ? explainForm(c) : null));
}

// --- the candidate's onboarding -------------------------------------------------------------

function plan(o) {
  if (!o.training_plan.length) return h("p", { class: "row-sub" }, o.training_note);
  return h("ul", { class: "list", "data-testid": "training-plan" }, o.training_plan.map((p) => h("li", {},
    `${p.course_title} · ${p.hours} ${t("obHours")} · ${obWord(p.kind)} — ${p.reason}`)));
}

async function viewMyOnboarding() {
  const o = await api("/me/onboarding");
  const tick = async (key) => { await api(`/me/onboarding/materials/${enc(key)}`, { method: "POST" }); viewMyOnboarding(); };
  const ack = async () => { await api("/me/onboarding/acknowledge", { method: "POST" }); toast(t("obAcked")); viewMyOnboarding(); };
  show(t("obTitle"), h("section", { class: "card" }, h("h2", {}, o.position),
    facts([[t("obDate"), o.join_date], [t("obPlace"), o.location]]),
    h("h2", {}, t("obBring")),
    h("ul", { class: "list" }, o.materials.map((m) => h("li", {}, `${m.label} `, badge(m.status, obWord(m.status)), " ",
      m.status === "missing" ? h("button", { type: "button", class: "btn", onclick: () => tick(m.key) }, t("obTick")) : null))),
    h("h2", {}, t("obPlan")), plan(o),
    o.acknowledged_at ? h("p", {}, t("obAcked")) : h("button", { type: "button", class: "btn primary", onclick: ack }, t("obAck"))));
}

// --- HR -------------------------------------------------------------------------------------

async function viewHrCheck(appId) {
  const c = await api(`/hr/applications/${enc(appId)}/background-check`);
  const box = errorBox();
  const decide = async (decision) => {
    try {
      const r = await api(`/hr/applications/${enc(appId)}/background-check/decision`, { method: "POST", body: { decision } });
      toast(`${r.decided_by}: ${r.decision}`);
      viewHrCheck(appId);
    } catch (err) {
      showErr(box, err.message);
    }
  };
  const open = c.status === "completed" && !c.decision;
  show(t("bcTitle"), h("section", { class: "card" }, badge(c.status, word(c.status)), items(c),
    facts([[t("bcDecision"), c.decision ? word(c.decision) : null], [t("bcExplanation"), c.explanation]]),
    open ? h("div", { class: "actions" },
      h("button", { type: "button", class: "btn primary", onclick: () => decide("pass") }, t("bcPass")),
      h("button", { type: "button", class: "btn", onclick: () => decide("fail") }, t("bcFail")),
      h("button", { type: "button", class: "btn", onclick: () => decide("ask") }, t("bcAsk"))) : null, box));
}

async function viewHrOnboarding(appId) {
  const o = await api(`/hr/applications/${enc(appId)}/onboarding`);
  const box = errorBox();
  const date = h("input", { id: "ob-date", type: "date", value: o.join_date || "" });
  const place = h("input", { id: "ob-place", maxlength: "200", value: o.location || "" });
  const confirm = async (e) => {
    e.preventDefault();
    try {
      await api(`/hr/applications/${enc(appId)}/onboarding`, { method: "PUT", body: { join_date: date.value || null, location: place.value || null } });
      toast(t("obSent"));
      viewHrOnboarding(appId);
    } catch (err) {
      showErr(box, err.message);
    }
  };
  show(t("obTitle"), h("section", { class: "card" }, badge(o.status, o.status),
    o.status === "planned"
      ? h("form", { class: "stack", onsubmit: confirm }, field("ob-date", t("obDate"), date), field("ob-place", t("obPlace"), place),
        h("button", { type: "submit", class: "btn primary" }, t("obConfirm")), box)
      : facts([[t("obDate"), o.join_date], [t("obPlace"), o.location]]),
    h("h2", {}, t("obPlan")), plan(o)));
}

// --- the admin's training catalogue ----------------------------------------------------------

async function viewTrainingCatalog() {
  const cat = await api("/admin/training-catalog");
  const box = errorBox();
  const rows = h("textarea", { id: "tc-rows", rows: "14", spellcheck: "false" }, JSON.stringify(cat.rows, null, 1));
  const out = h("div", { "data-testid": "tc-dry-run" });
  const parsed = () => { try { return JSON.parse(rows.value); } catch (err) { showErr(box, err.message); return null; } };
  const dry = async () => {
    const value = parsed();
    if (!value) return;
    try {
      const r = await api("/admin/training-catalog/dry-run", { method: "POST", body: { rows: value } });
      out.replaceChildren(h("ul", { class: "list" }, r.hires.map((x) => h("li", {}, `${x.candidate_name} (${x.application_id}): `,
        x.plan.length ? x.plan.map((p) => `${p.course_title} · ${p.hours} ${t("obHours")} — ${p.reason}`).join("；") : t("tcNoPlan")))));
      showErr(box, "");
    } catch (err) {
      showErr(box, err.message);
    }
  };
  const save = async () => {
    const value = parsed();
    if (!value) return;
    try {
      await api("/admin/training-catalog", { method: "PUT", body: { version: cat.version, rows: value } });
      toast(t("tcSaved"));
      viewTrainingCatalog();
    } catch (err) {
      showErr(box, err.message);
    }
  };
  show(t("tcTitle"), h("section", { class: "card" }, facts([[t("tcVersion"), String(cat.version)]]),
    field("tc-rows", t("tcRows"), rows),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "btn", onclick: dry }, t("tcDry")),
      h("button", { type: "button", class: "btn primary", onclick: save }, t("tcSave"))),
    box, out));
}

export function tabs(s) {
  if (s && s.staff_id && s.staff_role === "admin") return [["#/admin/training-catalog", t("tcTab")]];
  return s && s.candidate_id ? [["#/background-check", t("bcTitle")], ["#/onboarding", t("obTitle")]] : [];
}

export const ROUTES = [
  [/^#\/admin\/training-catalog$/, () => viewTrainingCatalog(), "staff"],
  [/^#\/background-check$/, () => viewMyCheck(), "candidate"],
  [/^#\/onboarding$/, () => viewMyOnboarding(), "candidate"],
  [/^#\/hr\/applications\/([^/?]+)\/background-check$/, (m) => viewHrCheck(decodeURIComponent(m[1])), "staff"],
  [/^#\/hr\/applications\/([^/?]+)\/onboarding$/, (m) => viewHrOnboarding(decodeURIComponent(m[1])), "staff"],
];
