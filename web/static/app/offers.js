// H5 views of the offer (issue 19): the candidate's offer page with Accept (an explicit
// confirmation, signed with the SHA-256 of the terms shown) and Decline (#/offers/{id}, the
// list at #/offers), and HR's offer editor with the salary's reasons, history and signatures
// (#/hr/applications/{id}/offer). Registered in app.js (FEATURES): exports ROUTES and tabs(s).
// Text nodes only (core.js `h`).

import { addTexts, api, badge, facts, fmtTime, h, show, t, toast } from "./core.js";

addTexts({
  zh: {
    ofTab: "录用意向", ofTitle: "录用意向", ofNone: "还没有录用意向。", ofPosition: "岗位", ofSalary: "薪资",
    ofStart: "入职日期", ofBenefits: "福利", ofExpires: "有效期至", ofStatus: "状态",
    ofConfirm: "我已阅读并确认接受以上录用条件", ofAccept: "接受", ofDecline: "拒绝",
    ofReason: "拒绝原因（可选）", ofAccepted: "已接受录用意向", ofDeclined: "已拒绝录用意向",
    ofMustConfirm: "请先勾选确认", ofReasonLabel: "薪资依据", ofBand: "岗位薪资带", ofScore: "综合分",
    ofValidity: "有效天数", ofSave: "保存", ofSend: "发送", ofSaved: "已保存", ofSent: "已发送",
    ofHistory: "记录", ofSignatures: "签署记录", ofBack: "返回申请", ofNoOffer: "该申请还没有录用意向。",
    ofOutside: "超出薪资带，发送前需招聘经理审批", ofApproval: "审批",
    ofLetter: "录用意向书", ofFunnel: "录用漏斗", ofDrafted: "已起草", ofRate: "接受率",
    of_draft: "待发送", of_held: "已暂缓", of_pending_approval: "待审批", of_sent: "已发送",
    of_accepted: "已接受", of_declined: "已拒绝", of_expired: "已过期", of_withdrawn: "已撤回",
    of_edited: "已修改", of_drafted: "已起草", of_approval_requested: "申请审批",
    of_approval_approved: "已批准", of_approval_sent_back: "已退回", of_ehr_written: "已写入 EHR",
    of_ehr_conflict: "EHR 冲突已对账",
  },
  en: {
    ofTab: "Offers", ofTitle: "Offer", ofNone: "No offers yet.", ofPosition: "Position", ofSalary: "Salary",
    ofStart: "Start date", ofBenefits: "Benefits", ofExpires: "Valid until", ofStatus: "Status",
    ofConfirm: "I have read and accept these terms", ofAccept: "Accept", ofDecline: "Decline",
    ofReason: "Why (optional)", ofAccepted: "Offer accepted", ofDeclined: "Offer declined",
    ofMustConfirm: "Please tick the confirmation first", ofReasonLabel: "How the salary was reached",
    ofBand: "Band", ofScore: "Score", ofValidity: "Valid for (days)", ofSave: "Save", ofSend: "Send",
    ofSaved: "Saved", ofSent: "Sent", ofHistory: "History", ofSignatures: "Signatures",
    ofBack: "Back to the application", ofNoOffer: "This application has no offer yet.",
    ofOutside: "Outside the band: a recruiting manager approves before it is sent", ofApproval: "Approval",
    ofLetter: "The offer letter", ofFunnel: "Offer funnel", ofDrafted: "Drafted", ofRate: "Acceptance rate",
    of_draft: "Draft", of_held: "On hold", of_pending_approval: "Awaiting approval", of_sent: "Sent",
    of_accepted: "Accepted", of_declined: "Declined", of_expired: "Expired", of_withdrawn: "Withdrawn",
    of_edited: "Edited", of_drafted: "Drafted", of_approval_requested: "Approval asked",
    of_approval_approved: "Approved", of_approval_sent_back: "Sent back", of_ehr_written: "Written to the EHR",
    of_ehr_conflict: "EHR conflict reconciled",
  },
});

const enc = encodeURIComponent;
const errorBox = () => h("p", { class: "error", role: "alert", hidden: true });
const showErr = (box, message) => { box.hidden = !message; box.textContent = message || ""; };
const word = (code) => t(`of_${code}`) || code;
const benefitsText = (items) => items.map((b) => `${b.label}：${b.value}`).join("；");

function terms(o) {
  return facts([
    [t("ofPosition"), o.position],
    [t("ofSalary"), o.salary.text || null],
    [t("ofStart"), o.start_date],
    [t("ofBenefits"), benefitsText(o.benefits) || null],
    [t("ofExpires"), o.expires_at ? fmtTime(o.expires_at) : null],
    [t("ofStatus"), badge(o.status, word(o.status))],
  ]);
}

// --- the candidate --------------------------------------------------------------------------

async function viewMyOffers() {
  const data = await api("/me/offers");
  show(t("ofTitle"), data.items.length
    ? h("ul", { class: "list" }, data.items.map((o) => h("li", {},
      h("a", { href: `#/offers/${enc(o.offer_id)}` }, `${o.position} · ${o.salary.text}`), " ", badge(o.status, word(o.status)))))
    : h("p", { class: "row-sub" }, t("ofNone")));
}

async function viewMyOffer(id) {
  const o = await api(`/me/offers/${enc(id)}`);
  show(t("ofTitle"), h("section", { class: "card" }, h("h2", {}, o.position), terms(o),
    h("details", { "data-testid": "offer-letter" }, h("summary", {}, t("ofLetter")),
      h("pre", { style: { whiteSpace: "pre-wrap" } }, o.letter)),
    o.status === "sent" ? answerPanel(o) : null));
}

function answerPanel(o) {
  const box = errorBox();
  const confirm = h("input", { type: "checkbox", id: "of-confirm" });
  const reason = h("textarea", { id: "of-reason", maxlength: "1000", rows: "2" });
  const call = async (path, body, done) => {
    try {
      const answer = await api(`/me/offers/${enc(o.offer_id)}/${path}`, { method: "POST", body });
      // OFFER_SIGNING=dingtalk_esign: sign in DingTalk's e-signature page (it comes back here).
      if (answer && answer.sign_url) {
        window.location.assign(answer.sign_url);
        return;
      }
      toast(t(done));
      viewMyOffer(o.offer_id);
    } catch (err) {
      showErr(box, err.message);
    }
  };
  const accept = () => (confirm.checked
    ? call("accept", { terms_sha256: o.terms_sha256, confirm: true }, "ofAccepted")
    : showErr(box, t("ofMustConfirm")));
  return h("div", { class: "actions-block" },
    h("label", { for: "of-confirm" }, confirm, " ", t("ofConfirm")),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "btn primary", "data-testid": "offer-accept", onclick: accept }, t("ofAccept")),
      h("button", { type: "button", class: "btn", onclick: () => call("decline", { reason: reason.value || null }, "ofDeclined") }, t("ofDecline"))),
    h("div", { class: "field" }, h("label", { for: "of-reason" }, t("ofReason")), reason),
    box);
}

// --- HR's editor ----------------------------------------------------------------------------

function editor(appId, o) {
  const box = errorBox();
  const amount = h("input", { id: "of-amount", type: "number", min: "0", value: o.salary.amount ?? "" });
  const start = h("input", { id: "of-start", type: "date", value: o.start_date || "" });
  const days = h("input", { id: "of-days", type: "number", min: "1", max: "90", value: o.validity_days });
  const body = () => {
    const b = { validity_days: Number(days.value) };
    if (amount.value !== "" && Number(amount.value) !== o.salary.amount) b.salary_amount = Number(amount.value);
    if (start.value) b.start_date = start.value;
    return b;
  };
  const call = async (method, path, b, done) => {
    try {
      await api(`/hr/applications/${enc(appId)}/offer${path}`, { method, body: b });
      toast(t(done));
      viewEditor(appId);
    } catch (err) {
      showErr(box, err.message);
    }
  };
  const field = (id, text, control) => h("div", { class: "field" }, h("label", { for: id }, text), control);
  return h("form", { class: "stack", onsubmit: (e) => { e.preventDefault(); call("PUT", "", body(), "ofSaved"); } },
    field("of-amount", `${t("ofSalary")} (${o.salary.currency}/${o.salary.period})`, amount),
    field("of-start", t("ofStart"), start),
    field("of-days", t("ofValidity"), days),
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "btn" }, t("ofSave")),
      h("button", { type: "button", class: "btn primary", "data-testid": "offer-send", onclick: () => call("POST", "/send", undefined, "ofSent") }, t("ofSend"))),
    box);
}

async function viewEditor(appId) {
  let o;
  try {
    o = await api(`/hr/applications/${enc(appId)}/offer`);
  } catch (err) {
    if (err.status !== 404) throw err;
    return show(t("ofTitle"), h("p", { class: "row-sub" }, t("ofNoOffer")));
  }
  const band = o.band ? `${o.band.min.toLocaleString()}–${o.band.max.toLocaleString()} ${o.band.currency}` : null;
  show(`${t("ofTitle")} · ${o.candidate_name}`,
    h("p", {}, h("a", { href: `#/hr/applications/${enc(appId)}` }, t("ofBack"))),
    h("section", { class: "card" }, terms(o),
      facts([
        [t("ofReasonLabel"), o.salary_reason],
        [t("ofScore"), o.basis.score != null ? String(o.basis.score) : null],
        [t("ofBand"), band],
        [t("ofApproval"), o.approval_state ? word(o.approval_state === "pending" ? "pending_approval" : `approval_${o.approval_state}`) : null],
      ]),
      o.outside_band ? h("p", { class: "rd-clash" }, t("ofOutside")) : null,
      ["draft", "held", "sent", "accepted"].includes(o.status) ? editor(appId, o) : null),
    h("section", { class: "card" }, h("h2", {}, t("ofHistory")),
      h("ul", { class: "list" }, o.history.map((e) => h("li", {}, `${fmtTime(e.created_at)} · ${word(e.kind)} · ${e.actor || ""} ${e.note || ""}`)))),
    o.signatures.length ? h("section", { class: "card" }, h("h2", {}, t("ofSignatures")),
      h("ul", { class: "list" }, o.signatures.map((s) => h("li", {},
        `${fmtTime(s.signed_at)} · v${s.terms_version} · ${s.esign_flow_id ? `电子签 ${s.esign_flow_id}` : s.client_address || ""} · ${s.terms_sha256.slice(0, 12)}… ${s.valid ? "" : "✗"}`)))) : null);
}

// The position statistics' offer funnel (app.js viewStats): drafted, sent, answered, the rate.
export function funnel(f) {
  if (!f || !f.drafted) return null;
  const rate = f.acceptance_rate == null ? "–" : `${Math.round(100 * f.acceptance_rate)}%`;
  return h("section", { class: "card", "aria-labelledby": "of-funnel-h", "data-testid": "offer-funnel" },
    h("h2", { id: "of-funnel-h" }, t("ofFunnel")),
    facts([
      [t("ofDrafted"), String(f.drafted)], [t("of_sent"), String(f.sent)],
      [t("of_accepted"), String(f.accepted)], [t("of_declined"), String(f.declined)],
      [t("of_expired"), String(f.expired)], [t("ofRate"), rate],
    ]));
}

export function tabs(s) {
  return s && s.candidate_id ? [["#/offers", t("ofTab")]] : [];
}

export const ROUTES = [
  [/^#\/offers$/, () => viewMyOffers(), "candidate"],
  [/^#\/offers\/([^/?]+)$/, (m) => viewMyOffer(decodeURIComponent(m[1])), "candidate"],
  [/^#\/hr\/applications\/([^/?]+)\/offer$/, (m) => viewEditor(decodeURIComponent(m[1])), "staff"],
];
