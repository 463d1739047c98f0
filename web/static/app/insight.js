// H5 views of issue 21: the candidate's feedback section (used by the report in app.js), a
// position's predictive validity with its chart and the adverse-impact figures
// (#/hr/positions/{id}/validity), and an application's candidate-feedback preview and probation
// score (#/hr/applications/{id}/insight). Registered in app.js (FEATURES): exports ROUTES.
// Charts are inline SVG built with createElementNS; every text node is set with textContent.

import { addTexts, api, facts, fmtNum, fmtTime, h, label, show, t, toast } from "./core.js";

addTexts({
  zh: {
    fbTitle: "反馈与建议", fbStrengths: "你的优势", fbWorkOn: "可以提升的方面", fbFit: "与岗位的匹配",
    fbGrowth: "成长建议", fbNone: "暂无",
    fbLevel_below: "尚有差距", fbLevel_meets: "符合", fbLevel_above: "明显高于",
    vdTab: "预测效度", vdTitle: "AI 面试的预测效度", vdHires: (n) => `有绩效评估的录用者 ${n} 人`,
    vdMeasure: "维度", vdPearson: "Pearson r", vdSpearman: "Spearman ρ", vdN: "n", vdCi: "95% 置信区间",
    vdOverall: "综合分", vdChart: "综合分与绩效", vdForest: "各维度与绩效的相关（95% 置信区间）",
    vdCutoff: "分数线对比", vdCutoffAt: "分数线", vdApply: "更新", vdTraining: "课程完成率与绩效",
    vdTrainingNone: "有培训数据的录用者不足，暂不显示。", vdCaveats: "解读须知",
    vdAxisX: "AI 综合分", vdAxisY: "绩效",
    frTitle: "按学历的推进率（五分之四规则）", frGroup: "学历", frRate: "推进率", frRatio: "与最高组之比",
    frSuppressed: "不足 10 人，不显示", frFlag: "低于 0.8", frTotal: (n) => `已评估申请 ${n} 份`,
    insTab: "反馈预览与试用期", insPreview: "候选人看到的反馈（预览）", insNotVisible: "公司未向候选人开放反馈（CANDIDATE_SCORE_VISIBILITY 不含 feedback）。",
    insNoScore: "尚无已发布的成绩。", insProbation: "试用期评分", insScore: "评分", insHow: "计算方式",
    insPerformance: "绩效", insTrainingEffect: "培训效果", insWeights: "权重",
    insCourses: "课程", insReviews: "绩效评估", insCompletion: "完成率", insExam: "考试",
    trTitle: "培训跟进", trNone: "暂无培训记录", trDue: "截止", trLate: "逾期未完成", trExamLow: "考试偏低",
    trCoaching: "已安排辅导", trNote: "备注",
    fcTab: "反馈建议库", fcTitle: "反馈建议库（按维度）", fcHint: "每个 AI 维度一条建议（中英文），可选成长建议（如培训课程）；“*” 用于其他维度。未保存的维度使用内置默认。",
    fcKey: "维度键", fcSuggestionZh: "建议（中文）", fcSuggestionEn: "建议（英文）", fcGrowthZh: "成长建议（中文）",
    fcGrowthEn: "成长建议（英文）", fcAdd: "添加维度", fcRemove: "移除", fcSave: "保存", fcSaved: "已保存",
  },
  en: {
    fbTitle: "Feedback", fbStrengths: "Your strengths", fbWorkOn: "What to work on", fbFit: "Fit with the position",
    fbGrowth: "How to grow", fbNone: "None",
    fbLevel_below: "not yet", fbLevel_meets: "meets", fbLevel_above: "well above",
    vdTab: "Validity", vdTitle: "Predictive validity of the AI interview", vdHires: (n) => `${n} hires with performance reviews`,
    vdMeasure: "Measure", vdPearson: "Pearson r", vdSpearman: "Spearman ρ", vdN: "n", vdCi: "95% interval",
    vdOverall: "Overall", vdChart: "Overall score against performance", vdForest: "Correlation with performance (95% interval)",
    vdCutoff: "Cut-off comparison", vdCutoffAt: "Cut-off", vdApply: "Update", vdTraining: "Course completion against performance",
    vdTrainingNone: "Not enough hires with training data yet.", vdCaveats: "Reading these figures",
    vdAxisX: "AI overall score", vdAxisY: "Performance",
    frTitle: "Advance rate by education (four-fifths rule)", frGroup: "Education", frRate: "Advance rate", frRatio: "Ratio to highest",
    frSuppressed: "under 10, not shown", frFlag: "below 0.8", frTotal: (n) => `${n} assessed applications`,
    insTab: "Feedback preview and probation", insPreview: "The feedback the candidate sees (preview)", insNotVisible: "Candidates are not shown feedback (CANDIDATE_SCORE_VISIBILITY has no feedback).",
    insNoScore: "No published score yet.", insProbation: "Probation score", insScore: "Score", insHow: "How it was computed",
    insPerformance: "Performance", insTrainingEffect: "Training effect", insWeights: "Weights",
    insCourses: "Courses", insReviews: "Performance reviews", insCompletion: "Completion", insExam: "Exam",
    trTitle: "Training follow-up", trNone: "No training yet", trDue: "Due", trLate: "past due, incomplete", trExamLow: "low exam",
    trCoaching: "coaching added", trNote: "Note",
    fcTab: "Feedback catalogue", fcTitle: "Feedback catalogue (per dimension)", fcHint: "One suggestion per AI dimension (Chinese and English), and optionally a growth suggestion such as a course; \"*\" is for any other dimension. Dimensions not saved use the built-in defaults.",
    fcKey: "Dimension key", fcSuggestionZh: "Suggestion (Chinese)", fcSuggestionEn: "Suggestion (English)", fcGrowthZh: "Growth (Chinese)",
    fcGrowthEn: "Growth (English)", fcAdd: "Add a dimension", fcRemove: "Remove", fcSave: "Save", fcSaved: "Saved",
  },
}, {
  // Education groups the core labels do not name, and the probation's performance sources.
  zh: { other: "其他", unknown: "未填写", doctorate: "博士", probation: "试用期评估", mean_of_reviews: "各次评估平均" },
  en: { other: "Other", unknown: "Not given", doctorate: "Doctorate", probation: "probation review", mean_of_reviews: "mean of reviews" },
});

const SVG_NS = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null) el.setAttribute(k, String(v));
  for (const c of children.flat(Infinity)) {
    if (c == null) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

const r2 = (v) => (v == null ? "–" : v.toFixed(2));
const card = (id, title, ...nodes) => h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), ...nodes);
const lines = (items) => (items.length ? h("ul", {}, items.map((i) => h("li", {}, i.text))) : h("p", { class: "row-sub" }, t("fbNone")));

// The candidate's feedback section (the report page in app.js); null when the policy hides it.
export function feedbackSection(feedback) {
  if (!feedback) return null;
  return card("fb-h", t("fbTitle"),
    h("h3", {}, t("fbStrengths")), lines(feedback.strengths),
    h("h3", {}, t("fbWorkOn")), lines(feedback.work_on),
    h("h3", {}, t("fbFit")), h("p", { "data-testid": "fit-summary" }, feedback.fit_summary),
    feedback.fit.length ? facts(feedback.fit.map((f) => [f.label, t(`fbLevel_${f.level}`)])) : null,
    feedback.growth.length ? [h("h3", {}, t("fbGrowth")), lines(feedback.growth)] : null);
}

// Scatter of (overall, performance), 0-100 on both axes.
function scatter(points) {
  const W = 320, H = 220, L = 36, B = 28, T = 8, R = 8;
  const x = (v) => L + ((W - L - R) * v) / 100;
  const y = (v) => H - B - ((H - B - T) * v) / 100;
  const ticks = [0, 25, 50, 75, 100];
  return svg("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "aria-label": t("vdChart"), class: "chart" },
    svg("title", {}, t("vdChart")),
    ticks.map((v) => [
      svg("line", { x1: x(v), x2: x(v), y1: y(0), y2: y(100), stroke: "#e4e8ef" }),
      svg("line", { x1: x(0), x2: x(100), y1: y(v), y2: y(v), stroke: "#e4e8ef" }),
      svg("text", { x: x(v), y: H - B + 14, "text-anchor": "middle", "font-size": 10 }, String(v)),
      svg("text", { x: L - 4, y: y(v) + 3, "text-anchor": "end", "font-size": 10 }, String(v)),
    ]),
    svg("text", { x: (W + L) / 2, y: H - 2, "text-anchor": "middle", "font-size": 11 }, t("vdAxisX")),
    svg("text", { x: 10, y: (H - B) / 2, "text-anchor": "middle", "font-size": 11, transform: `rotate(-90 10 ${(H - B) / 2})` }, t("vdAxisY")),
    points.map(([px, py]) => svg("circle", { cx: x(px), cy: y(py), r: 3, fill: "#1f6feb", "fill-opacity": 0.55 })));
}

// One row per measure: Pearson's r with its 95% interval on a -1..1 axis.
function forest(rows) {
  const W = 320, rowH = 26, L = 96, R = 12, H = rowH * rows.length + 24;
  const x = (v) => L + ((W - L - R) * (v + 1)) / 2;
  return svg("svg", { viewBox: `0 0 ${W} ${H}`, width: "100%", role: "img", "aria-label": t("vdForest"), class: "chart" },
    svg("title", {}, t("vdForest")),
    [-1, -0.5, 0, 0.5, 1].map((v) => [
      svg("line", { x1: x(v), x2: x(v), y1: 0, y2: H - 18, stroke: v === 0 ? "#8a93a5" : "#e4e8ef" }),
      svg("text", { x: x(v), y: H - 4, "text-anchor": "middle", "font-size": 10 }, String(v)),
    ]),
    rows.map(([name, c], i) => {
      const cy = i * rowH + rowH / 2;
      return [
        svg("text", { x: L - 6, y: cy + 4, "text-anchor": "end", "font-size": 11 }, name),
        c.ci_low != null ? svg("line", { x1: x(c.ci_low), x2: x(c.ci_high), y1: cy, y2: cy, stroke: "#1f6feb", "stroke-width": 2 }) : null,
        c.pearson != null ? svg("circle", { cx: x(c.pearson), cy, r: 4, fill: "#1f6feb" }) : null,
      ];
    }));
}

function correlationTable(rows) {
  return h("table", { class: "table" },
    h("thead", {}, h("tr", {}, [t("vdMeasure"), t("vdPearson"), t("vdSpearman"), t("vdN"), t("vdCi")].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rows.map(([name, c]) => h("tr", {},
      h("th", { scope: "row" }, name), h("td", {}, r2(c.pearson)), h("td", {}, r2(c.spearman)),
      h("td", {}, String(c.n)), h("td", {}, c.ci_low == null ? "–" : `${r2(c.ci_low)} … ${r2(c.ci_high)}`)))));
}

function fairnessCard(f) {
  return card("fr-h", t("frTitle"), h("p", { class: "row-sub" }, t("frTotal", f.total)),
    h("table", { class: "table", "data-testid": "fairness" },
      h("thead", {}, h("tr", {}, [t("frGroup"), t("frRate"), t("frRatio"), ""].map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, f.groups.map((g) => h("tr", {},
        h("th", { scope: "row" }, label(g.education) || g.education),
        g.suppressed ? h("td", { colspan: "3", class: "row-sub" }, t("frSuppressed")) : [
          h("td", {}, `${Math.round(100 * g.rate)}% (${g.advanced}/${g.count})`),
          h("td", {}, r2(g.ratio)),
          h("td", {}, g.below_four_fifths ? h("span", { class: "badge bad" }, t("frFlag")) : ""),
        ])))),
    h("ul", { class: "row-sub" }, f.notes.map((n) => h("li", {}, n))));
}

async function viewValidity(id, params) {
  const q = new URLSearchParams();
  if (params.get("cutoff")) q.set("cutoff", params.get("cutoff"));
  if (params.get("measure")) q.set("measure", params.get("measure"));
  const base = `/hr/positions/${encodeURIComponent(id)}`;
  const [v, fair] = await Promise.all([api(`${base}/validity?${q}`), api(`${base}/fairness`).catch(() => null)]);
  const rows = v.enough ? [[t("vdOverall"), v.overall], ...v.dimensions.map((d) => [d.label, d.correlation])] : [];
  const go = (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    location.hash = `#/hr/positions/${encodeURIComponent(id)}/validity?${new URLSearchParams(form)}`;
  };
  show(t("vdTitle"),
    h("p", { class: "row-sub", role: "status" }, t("vdHires", v.n)),
    v.enough ? [
      card("vd-h", t("vdTitle"), correlationTable(rows), forest(rows)),
      card("sc-h", t("vdChart"), scatter(v.points)),
      card("cut-h", t("vdCutoff"), h("p", { "data-testid": "cutoff-text" }, v.cutoff.text),
        h("form", { class: "inline-fields", onsubmit: go },
          h("div", { class: "field" }, h("label", { for: "vd-measure" }, t("vdMeasure")),
            h("select", { id: "vd-measure", name: "measure" },
              h("option", { value: "overall", selected: v.cutoff.measure === "overall" }, t("vdOverall")),
              v.dimensions.map((d) => h("option", { value: d.key, selected: v.cutoff.measure === d.key }, d.label)))),
          h("div", { class: "field" }, h("label", { for: "vd-cutoff" }, t("vdCutoffAt")),
            h("input", { id: "vd-cutoff", name: "cutoff", type: "number", min: "0", max: "100", step: "any", value: String(v.cutoff.cutoff) })),
          h("button", { type: "submit", class: "btn" }, t("vdApply")))),
      card("tr-h", t("vdTraining"), v.training ? correlationTable([[t("insCompletion"), v.training]]) : h("p", { class: "row-sub" }, t("vdTrainingNone"))),
    ] : h("p", { class: "notice", "data-testid": "not-enough" }, v.message),
    card("cv-h", t("vdCaveats"), h("ul", {}, v.caveats.map((c) => h("li", {}, c)))),
    fair ? fairnessCard(fair) : null);
}

async function viewAppInsight(id) {
  const base = `/hr/applications/${encodeURIComponent(id)}`;
  const [preview, p, training] = await Promise.all([
    api(`${base}/candidate-feedback`), api(`${base}/probation`), api(`${base}/training`)]);
  const previewCard = card("pv-h", t("insPreview"),
    !preview.visible_to_candidate ? h("p", { class: "notice" }, t("insNotVisible"))
      : preview.feedback ? feedbackSection(preview.feedback) : h("p", { class: "row-sub" }, t("insNoScore")));
  const probation = card("pb-h", t("insProbation"),
    p.available ? h("div", { class: "overall" }, h("span", { class: "row-sub" }, t("insScore")),
      h("span", { class: "overall-value", "data-testid": "probation-score" }, String(p.score))) : h("p", { class: "row-sub" }, p.reason),
    facts([
      [t("insPerformance"), p.performance == null ? null : `${fmtNum(p.performance)} (${label(p.performance_source) || p.performance_source})`],
      [t("insTrainingEffect"), p.training_effect == null ? null : `${fmtNum(p.training_effect)} (${p.training_formula})`],
      [t("insWeights"), `${Math.round(100 * p.training_weight)}% / ${Math.round(100 * p.performance_weight)}%`],
      [t("insHow"), p.computation],
    ]),
    p.courses.length ? [h("h3", {}, t("insCourses")), facts(p.courses.map((c) =>
      [c.course_title, `${t("insCompletion")} ${fmtNum(c.completion)}%` + (c.exam_score == null ? "" : ` · ${t("insExam")} ${fmtNum(c.exam_score)}`)]))] : null,
    p.reviews.length ? [h("h3", {}, t("insReviews")), facts(p.reviews.map((r) => [label(r.period), fmtNum(r.score)]))] : null);
  const courses = card("tr-h", t("trTitle"), training.items.length ? h("ul", { class: "list", "data-testid": "training" },
    training.items.map((c) => h("li", { class: "row-link" },
      h("div", { class: "row-main" }, h("div", { class: "row-title" }, c.course_title),
        h("div", { class: "row-sub" }, `${t("insCompletion")} ${fmtNum(c.completion)}%`
          + (c.exam_score == null ? "" : ` · ${t("insExam")} ${fmtNum(c.exam_score)}`)
          + (c.due_at ? ` · ${t("trDue")} ${fmtTime(c.due_at)}` : "")
          + (c.coaching_added_at ? ` · ${t("trCoaching")}` : "")
          + (c.note ? ` · ${t("trNote")}: ${c.note}` : ""))),
      c.late ? h("span", { class: "badge bad" }, t("trLate")) : null,
      c.exam_low ? h("span", { class: "badge warn" }, t("trExamLow")) : null)))
    : h("p", { class: "row-sub" }, t("trNone")));
  show(t("insTab"), previewCard, probation, courses);
}

const FIELDS = [["suggestion_zh", "fcSuggestionZh"], ["suggestion_en", "fcSuggestionEn"],
  ["growth_zh", "fcGrowthZh"], ["growth_en", "fcGrowthEn"]];

function catalogEntry(entry, i, list) {
  const field = (name, text) => h("div", { class: "field" },
    h("label", { for: `fc-${i}-${name}` }, text),
    h("textarea", { id: `fc-${i}-${name}`, rows: "2", maxlength: "2000",
      oninput: (e) => { entry[name] = e.target.value; } }, entry[name] || ""));
  return h("fieldset", { class: "card" },
    h("legend", {}, entry.key || t("fcKey")),
    h("div", { class: "field" }, h("label", { for: `fc-${i}-key` }, t("fcKey")),
      h("input", { id: `fc-${i}-key`, value: entry.key, maxlength: "64",
        oninput: (e) => { entry.key = e.target.value.trim(); } })),
    FIELDS.map(([name, text]) => field(name, t(text))),
    h("button", { type: "button", class: "btn", onclick: () => { list.splice(i, 1); drawCatalog(list); } }, t("fcRemove")));
}

function drawCatalog(list) {
  const save = async (e) => {
    e.preventDefault();
    const items = list.map((x) => ({ key: x.key, suggestion_zh: x.suggestion_zh, suggestion_en: x.suggestion_en,
      growth_zh: x.growth_zh || null, growth_en: x.growth_en || null }));
    try {
      const saved = await api("/admin/feedback-catalog", { method: "PUT", body: { items } });
      toast(t("fcSaved"));
      drawCatalog(saved.items);
    } catch (err) {
      toast(err.message);
    }
  };
  show(t("fcTitle"), h("p", { class: "row-sub" }, t("fcHint")),
    h("form", { onsubmit: save, "aria-label": t("fcTitle") }, list.map((entry, i) => catalogEntry(entry, i, list)),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "btn", onclick: () => { list.push({ key: "", suggestion_zh: "", suggestion_en: "" }); drawCatalog(list); } }, t("fcAdd")),
        h("button", { type: "submit", class: "btn primary" }, t("fcSave")))));
}

async function viewCatalog() {
  drawCatalog((await api("/admin/feedback-catalog")).items);
}

export function tabs(s) {
  return s && s.staff_id && s.staff_role === "admin" ? [["#/admin/feedback-catalog", t("fcTab")]] : [];
}

export const ROUTES = [
  [/^#\/admin\/feedback-catalog$/, () => viewCatalog(), "staff"],
  [/^#\/hr\/positions\/([^/?]+)\/validity(?:\?(.*))?$/, (m) => viewValidity(decodeURIComponent(m[1]), new URLSearchParams(m[2] || "")), "staff"],
  [/^#\/hr\/applications\/([^/?]+)\/insight$/, (m) => viewAppInsight(decodeURIComponent(m[1])), "staff"],
];
