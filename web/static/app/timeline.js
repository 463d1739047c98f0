// The application's notification timeline on HR's application page (issue 22): every card and
// message sent about it, with the escalation of unread messages (DING, DING by SMS, HR to-do)
// as their own lines. From GET /api/v1/hr/applications/{id} (`timeline`). Text nodes only.

import { addTexts, badge, fmtTime, h, t } from "./core.js";

const PURPOSES = {
  zh: {
    score_candidate: "成绩卡片（候选人）", score_hr: "成绩卡片（HR）", invitation: "AI 面试邀请",
    invite_reminder: "面试提醒", next_round: "恭喜进入下一轮", rejection_notice: "面试结果通知",
    escalation_ding: "未读提醒：钉钉 DING", escalation_sms: "未读提醒：短信 DING",
    escalation_todo: "未读提醒：HR 待办（电话联系）", offer_candidate: "录用意向", offer_reminder: "录用意向即将过期",
    round_scheduled: "面试安排", requirement_todo: "材料待办",
  },
  en: {
    score_candidate: "Score card (candidate)", score_hr: "Score card (HR)", invitation: "AI interview invitation",
    invite_reminder: "Interview reminder", next_round: "Next round", rejection_notice: "Result notice",
    escalation_ding: "Unread: DING", escalation_sms: "Unread: DING by SMS",
    escalation_todo: "Unread: HR to-do (call)", offer_candidate: "Offer", offer_reminder: "Offer expiring",
    round_scheduled: "Round scheduled", requirement_todo: "Requirement to-do",
  },
};

const STATES = {
  zh: { sent: "已送达", queued: "排队中", throttled: "限流重试", failed: "失败", undeliverable: "无法送达" },
  en: { sent: "sent", queued: "queued", throttled: "throttled", failed: "failed", undeliverable: "undeliverable" },
};
const CHANNELS = {
  zh: { card: "卡片", work_notice: "工作通知", robot: "机器人消息", ding: "DING", sms: "短信", todo: "待办" },
  en: { card: "card", work_notice: "work notice", robot: "robot message", ding: "DING", sms: "SMS", todo: "to-do" },
};

addTexts({
  zh: { tlTitle: "通知记录", tlNone: "暂无通知", tlTo: (who) => (who === "candidate" ? "候选人" : "员工"), tlPurposes: PURPOSES.zh, tlChannels: CHANNELS.zh, tlStates: STATES.zh },
  en: { tlTitle: "Notifications", tlNone: "No notifications yet", tlTo: (who) => (who === "candidate" ? "candidate" : "staff"), tlPurposes: PURPOSES.en, tlChannels: CHANNELS.en, tlStates: STATES.en },
});

const SHOWN = 30;

export function section(entries) {
  const names = t("tlPurposes");
  const latest = [...(entries || [])].reverse().slice(0, SHOWN);
  return h("section", { class: "card", "aria-labelledby": "tl-h" }, h("h2", { id: "tl-h" }, t("tlTitle")),
    latest.length ? h("ul", { class: "list", "data-testid": "timeline" }, latest.map((e) => h("li", { class: "row-link" },
      h("div", { class: "row-main" }, h("div", { class: "row-title" }, names[e.purpose] || e.purpose),
        h("div", { class: "row-sub" }, `${fmtTime(e.created_at)} · ${t("tlTo", e.recipient_kind)} · ${(t("tlChannels") || {})[e.channel] || e.channel}`)),
      badge(e.state, (t("tlStates") || {})[e.state]))))
      : h("p", { class: "row-sub" }, t("tlNone")));
}
