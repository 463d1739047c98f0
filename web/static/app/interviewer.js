// H5 views of the interviewer: my rounds (#/interviewer), a round's briefing with the AI report
// and the feedback form (#/interviewer/interviews/{id}).
// Registered in app.js (FEATURES): exports ROUTES, home(s) and tabs(s). Text nodes only.

import { addTexts, api, badge, bars, facts, fmtNum, fmtTime, h, label, newKey, show, t, toast } from "./core.js";

addTexts(
  {
    zh: {
      ivTab: "面试官", ivHome: "我的面试安排", ivUpcoming: "即将进行", ivPast: "已结束", ivNone: "暂无安排",
      ivBriefing: "面试简报", ivCandidate: "候选人", ivPosition: "岗位", ivRound: "轮次", ivTime: "时间",
      ivLength: "时长", ivMinutes: (n) => `${n} 分钟`, ivPlace: "地点", ivLink: "会议链接",
      ivAi: "AI 面试报告", ivOverall: "总分", ivNoAi: "暂无 AI 面试得分", ivProbe: "建议追问（最弱维度）",
      ivFeedback: "我的反馈", ivResult: "结论", ivComment: "评语", ivSubmit: "提交反馈", ivChange: "修改反馈（保存为新版本）",
      ivGiven: "已反馈", ivPending: "待反馈", ivNotYet: "面试开始后才能提交反馈",
      ivOthers: "其他面试官的反馈", ivOthersHidden: "提交自己的反馈后可查看", ivOthersNone: "其他面试官尚未反馈",
      ivSaved: "反馈已提交", ivVersion: (n) => `第 ${n} 版`,
    },
    en: {
      ivTab: "Interviewer", ivHome: "My rounds", ivUpcoming: "Upcoming", ivPast: "Past", ivNone: "Nothing scheduled",
      ivBriefing: "Briefing", ivCandidate: "Candidate", ivPosition: "Position", ivRound: "Round", ivTime: "Time",
      ivLength: "Length", ivMinutes: (n) => `${n} min`, ivPlace: "Location", ivLink: "Meeting link",
      ivAi: "AI interview report", ivOverall: "Overall", ivNoAi: "No AI interview score yet", ivProbe: "What to probe (weakest)",
      ivFeedback: "My feedback", ivResult: "Result", ivComment: "Comment", ivSubmit: "Submit feedback", ivChange: "Change (saved as a new version)",
      ivGiven: "Given", ivPending: "To give", ivNotYet: "Feedback opens when the round starts",
      ivOthers: "Other interviewers", ivOthersHidden: "Visible once you have given yours", ivOthersNone: "No other feedback yet",
      ivSaved: "Feedback submitted", ivVersion: (n) => `version ${n}`,
    },
  },
  {
    zh: { pass: "通过", hold: "待定", fail: "不通过", video: "视频面试", onsite: "现场面试" },
    en: { pass: "Pass", hold: "Hold", fail: "Fail", video: "Video", onsite: "Onsite" },
  },
);

const RESULTS = ["pass", "hold", "fail"];
const link = (id) => `#/interviewer/interviews/${encodeURIComponent(id)}`;

function roundRow(r) {
  return h("li", {},
    h("a", { class: "row-link", href: link(r.interview_id) },
      h("div", { class: "row-main" },
        h("div", { class: "row-title" }, `${r.candidate_name} · ${r.position}`),
        h("div", { class: "row-sub" }, `${t("round", r.round)} · ${label(r.kind)} · ${fmtTime(r.scheduled_at)}`)),
      badge(r.feedback_given ? "completed" : r.upcoming ? r.status : "pending",
        r.feedback_given ? t("ivGiven") : r.upcoming ? label(r.status) : t("ivPending"))));
}

function section(title, rows) {
  return h("section", { class: "card" }, h("h2", {}, title),
    rows.length ? h("ul", { class: "list" }, rows.map(roundRow)) : h("p", { class: "row-sub" }, t("ivNone")));
}

async function viewHome() {
  const data = await api("/interviewer/interviews");
  show(t("ivHome"),
    section(t("ivUpcoming"), data.items.filter((r) => r.upcoming)),
    section(t("ivPast"), data.items.filter((r) => !r.upcoming)));
}

function feedbackView(f) {
  return h("li", { class: "row-link" },
    h("div", { class: "row-main" },
      h("div", { class: "row-title" }, `${f.staff_name} · ${label(f.result)}`),
      h("div", { class: "row-sub" }, `${fmtTime(f.submitted_at)} · ${t("ivVersion", f.version)}`),
      f.ratings.length ? h("div", { class: "row-sub" }, f.ratings.map((r) => `${r.label || r.key} ${fmtNum(r.score)}/${fmtNum(r.max_score)}`).join(" · ")) : null,
      f.comment ? h("p", {}, f.comment) : null));
}

function feedbackForm(b, rerender) {
  const mine = b.my_feedback;
  const key = newKey();  // one per form: a double submit is one feedback
  const result = h("select", { id: "iv-result", name: "result" },
    RESULTS.map((r) => h("option", { value: r, selected: mine ? mine.result === r : r === "pass" }, label(r))));
  const given = new Map((mine ? mine.ratings : []).map((r) => [r.key, r.score]));
  const inputs = b.default_ratings.map((d) => {
    const input = h("input", { type: "number", min: "0", max: String(d.max_score), step: "1", id: `iv-r-${d.key}`,
      value: given.has(d.key) ? String(given.get(d.key)) : "" });
    return { d, input, row: h("label", { class: "field" }, `${d.label}（0–${fmtNum(d.max_score)}）`, input) };
  });
  const comment = h("textarea", { id: "iv-comment", rows: "4", maxlength: "5000" }, mine && mine.comment ? mine.comment : "");
  const button = h("button", { type: "submit", class: "btn primary" }, mine ? t("ivChange") : t("ivSubmit"));
  async function submit(event) {
    event.preventDefault();
    button.disabled = true;
    const ratings = inputs.filter(({ input }) => input.value !== "").map(({ d, input }) =>
      ({ key: d.key, label: d.label, score: Number(input.value), max_score: d.max_score }));
    try {
      await api(`/interviewer/interviews/${encodeURIComponent(b.interview_id)}/feedback`, {
        method: "POST", body: { result: result.value, ratings, comment: comment.value || null, idempotency_key: key },
      });
      toast(t("ivSaved"));
      await rerender();
    } catch (err) {
      toast(err.message);
      button.disabled = false;
    }
  }
  return h("form", { class: "iv-form", onsubmit: submit },
    h("label", { class: "field", for: "iv-result" }, t("ivResult")), result,
    inputs.map(({ row }) => row),
    h("label", { class: "field", for: "iv-comment" }, t("ivComment")), comment, button);
}

async function viewBriefing(id) {
  const b = await api(`/interviewer/interviews/${encodeURIComponent(id)}`);
  const rerender = () => viewBriefing(id);
  const others = b.others_feedback === null ? h("p", { class: "row-sub" }, t("ivOthersHidden"))
    : b.others_feedback.length ? h("ul", { class: "list" }, b.others_feedback.map(feedbackView))
      : h("p", { class: "row-sub" }, t("ivOthersNone"));
  show(t("ivBriefing"),
    h("section", { class: "card" }, h("h2", {}, `${b.candidate_name} · ${b.position}`),
      facts([
        [t("ivRound"), `${t("round", b.round)} · ${label(b.kind)}`],
        [t("ivTime"), fmtTime(b.scheduled_at)],
        [t("ivLength"), t("ivMinutes", b.duration_minutes)],
        [t("ivPlace"), b.location],
        [t("ivLink"), b.meeting_url ? h("a", { href: b.meeting_url, target: "_blank", rel: "noopener" }, b.meeting_url) : null],
      ])),
    h("section", { class: "card" }, h("h2", {}, t("ivAi")),
      b.ai ? [facts([[t("ivOverall"), fmtNum(b.ai.overall)]]), bars(b.ai.dimensions)] : h("p", { class: "row-sub" }, t("ivNoAi"))),
    b.weakest.length ? h("section", { class: "card iv-probe" }, h("h2", {}, t("ivProbe")),
      b.weakest.map((w) => h("div", {}, h("h3", {}, `${w.label} ${fmtNum(w.score)}/${fmtNum(w.max_score)}`),
        h("ul", {}, w.questions.map((q) => h("li", {}, q)))))) : null,
    h("section", { class: "card" }, h("h2", {}, t("ivFeedback")),
      b.my_feedback ? h("ul", { class: "list" }, feedbackView(b.my_feedback)) : null,
      b.can_give_feedback ? feedbackForm(b, rerender) : h("p", { class: "row-sub" }, t("ivNotYet"))),
    h("section", { class: "card" }, h("h2", {}, t("ivOthers")), others));
}

export const ROUTES = [
  [/^#\/interviewer$/, () => viewHome(), "staff"],
  [/^#\/interviewer\/interviews\/([^/?]+)$/, (m) => viewBriefing(decodeURIComponent(m[1])), "staff"],
];

// Staff whose role is interviewer start at their rounds; everyone else keeps their home.
export function home(s) {
  return s && s.staff_id && s.staff_role === "interviewer" ? "#/interviewer" : null;
}

// Any staff member may be assigned a round (the session does not say whether they are), so
// staff get the tab; an HR user who is not also a candidate gets "positions" beside it.
export function tabs(s) {
  if (!s || !s.staff_id) return [];
  const links = [];
  if (!s.candidate_id && s.staff_role !== "interviewer") links.push(["#/hr", t("positions")]);
  links.push(["#/interviewer", t("ivTab")]);
  return links;
}
