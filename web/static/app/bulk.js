// Bulk decisions on the H5 ranking (issue 22): a checkbox per application, then "Advance the
// selected" with one confirmation; POST /api/v1/hr/positions/{id}/decisions/bulk records each
// decision like a single one, and the page reports what happened (advanced, already decided by
// someone else, not advanced and why). Used by app.js's viewApplications. Text nodes only.

import { addTexts, api, h, newKey, t, toast } from "./core.js";

addTexts({
  zh: {
    bkSelect: (name) => `选择 ${name}`, bkSelected: (n) => `已选 ${n} 人`,
    bkAdvance: (n) => `推进所选 ${n} 人`, bkConfirmQ: (n) => `确认推进所选的 ${n} 位候选人？`,
    bkDone: (n) => `已推进 ${n} 人`, bkAlready: (n, who) => `${n} 人已由他人处理（${who}）`,
    bkFailed: (n, why) => `${n} 人未能推进：${why}`, bkSince: "只看本时段的新成绩", bkShowAll: "查看全部",
    bk_requirement_pending: "材料未齐", bk_application_closed: "申请已结束", bk_not_found: "未找到",
  },
  en: {
    bkSelect: (name) => `Select ${name}`, bkSelected: (n) => `${n} selected`,
    bkAdvance: (n) => `Advance the ${n} selected`, bkConfirmQ: (n) => `Advance the ${n} selected candidates?`,
    bkDone: (n) => `${n} advanced`, bkAlready: (n, who) => `${n} already decided by someone else (${who})`,
    bkFailed: (n, why) => `${n} not advanced: ${why}`, bkSince: "Only this window's new scores", bkShowAll: "Show all",
    bk_requirement_pending: "a requirement is missing", bk_application_closed: "application closed", bk_not_found: "not found",
  },
});

const OPEN_STAGES = ["ai_interview", "interview"];
// The last bulk's report, shown once on the re-rendered ranking (a toast would vanish).
let lastReport = null;

export function report(result) {
  const lines = [t("bkDone", result.decided.length)];
  if (result.already.length) {
    lines.push(t("bkAlready", result.already.length, [...new Set(result.already.map((a) => a.by))].join("、")));
  }
  if (result.failed.length) {
    lines.push(t("bkFailed", result.failed.length, [...new Set(result.failed.map((f) => t(`bk_${f.reason}`) || f.reason))].join("、")));
  }
  return lines;
}

// A selection over one page of the ranking: `box(a)` is the row's checkbox (null when the
// application awaits no decision), `bar` the action bar shown under the list.
export function selection(positionId, reload) {
  const chosen = new Set();
  const count = h("span", { class: "row-sub", role: "status" }, t("bkSelected", 0));
  const confirmBox = h("div", { class: "confirm", hidden: true, role: "group" });
  const button = h("button", { type: "button", class: "btn primary", disabled: true, "data-testid": "bulk-advance" },
    t("bkAdvance", 0));
  const refresh = () => {
    count.textContent = t("bkSelected", chosen.size);
    button.textContent = t("bkAdvance", chosen.size);
    button.disabled = chosen.size === 0;
  };
  button.onclick = () => {
    const ids = [...chosen];
    const key = newKey(); // one key per confirmation: a double tap decides once
    const submit = async (event) => {
      event.target.disabled = true;
      try {
        const result = await api(`/hr/positions/${encodeURIComponent(positionId)}/decisions/bulk`, {
          method: "POST", body: { application_ids: ids, decision: "advance", idempotency_key: key },
        });
        lastReport = report(result);
        toast(lastReport.join("；"));
        await reload();
      } catch (err) {
        event.target.disabled = false;
        confirmBox.replaceChildren(h("p", { class: "error", role: "alert" }, err.message));
      }
    };
    confirmBox.hidden = false;
    confirmBox.replaceChildren(h("p", {}, t("bkConfirmQ", ids.length)),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "btn primary", onclick: submit, "data-testid": "bulk-confirm" }, t("confirm")),
        h("button", { type: "button", class: "btn", onclick: () => { confirmBox.hidden = true; } }, t("cancel"))));
  };
  const box = (a) => OPEN_STAGES.includes(a.stage) && a.overall != null
    ? h("input", { type: "checkbox", class: "bulk-box", "aria-label": t("bkSelect", a.candidate_name),
      onchange: (e) => { if (e.target.checked) chosen.add(a.application_id); else chosen.delete(a.application_id); refresh(); } })
    : h("span", { class: "bulk-box", "aria-hidden": "true" });
  const done = lastReport
    ? h("p", { class: "notice", role: "status", "data-testid": "bulk-report" }, lastReport.join("；"))
    : null;
  lastReport = null;
  const bar = h("div", { class: "actions bulk-bar" }, done, count, button, confirmBox);
  return { box, bar };
}

// The digest card's "Open ranking" adds ?since=<window start>: say so, with a way back to all.
export function sinceNote(positionId, since) {
  if (!since) return null;
  return h("p", { class: "row-sub" }, t("bkSince"), " · ",
    h("a", { href: `#/hr/positions/${encodeURIComponent(positionId)}` }, t("bkShowAll")));
}
