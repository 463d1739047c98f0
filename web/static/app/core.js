// The H5 page's core: configuration, texts and labels, the DOM helper, the API client, the
// session and the page frame. Every view module (app.js, rounds.js, interviewer.js) imports
// from here; nothing here imports a view. Every text node is created with textContent.

import { safeUrl } from "./links.js";


const CONFIG = Object.assign(
  { apiBase: "/api/v1", corpId: "", clientId: "", sandboxUrl: null, lang: "zh", allowHttpLinks: false },
  window.MI_CONFIG || {},
);
// Attributes a browser follows: whatever reaches them (EHR data included) passes safeUrl.
const URL_ATTRS = new Set(["href", "src", "action", "formaction", "xlink:href"]);
// DingTalk's documented JSAPI; loaded only inside the DingTalk client.
const JSAPI_URL = "https://g.alicdn.com/dingding/dingtalk-jsapi/3.0.25/dingtalk.open.js";
const SESSION_KEY = "mi.session";
const LANG_KEY = "mi.lang";
const RETURN_KEY = "mi.return";

const TEXT = {
  zh: {
    app: "我的面试", back: "返回", logout: "退出", langToggle: "EN", langName: "English",
    skip: "跳到正文", loading: "加载中…", retry: "重试",
    myInterviews: "我的面试", positions: "职位", noInterviews: "暂时没有面试。",
    loginTitle: "登录", loginDingTalk: "正在通过钉钉免登…",
    openInDingTalk: "请在钉钉工作台中打开“我的面试”。",
    sandboxTitle: "本地沙箱：选择一个演示用户登录",
    sandboxHint: "开发环境没有钉钉客户端：页面从本地钉钉沙箱获取免登码（auth code），再用它登录。",
    staff: "HR 与管理者", candidates: "候选人", loginFailed: "登录失败",
    round: (n) => `第 ${n} 轮`, scheduled: "时间", deadline: "截止", interviewers: "面试官",
    nextStep: "下一步", todos: "待办", report: "面试报告", progress: "招聘进度",
    scoreTitle: "AI 面试评分", overall: "综合分", dimensions: "各维度得分", comments: "评语",
    noScore: "成绩尚未发布，发布后会在这里显示。", hidden: "公司未公开该项。",
    stage: "阶段", status: "状态", position: "职位", applicationsCount: (n) => `${n} 份申请`,
    applications: "申请排名", applicationsTotal: "申请数", stats: "统计", filter: "筛选", all: "全部",
    topN: "前 N 名", topPercent: "前 20%", n: "N", sortBy: "排序", sortOverall: "综合分",
    noApplications: "没有符合条件的申请。", prev: "上一页", next: "下一页",
    pageOf: (p, t) => `第 ${p} / ${t} 页`,
    cutoff: (c) => `前 ${c.requested} 名，分数线 ${fmtNum(c.score)}` +
      (c.ties_included ? `，另含并列 ${c.ties_included} 人` : ""),
    total: (n) => `共 ${n} 人`,
    count: "有成绩", mean: "平均分", median: "中位数", iqr: "四分位", noShowRate: "缺席率",
    histogram: "综合分分布", histogramRow: (b) => `${fmtNum(b.lower)}–${fmtNum(b.upper)} 分：${b.count} 人`,
    byEducation: "按学历", topList: "最高分", smallSample: "样本较少，统计仅供参考。",
    candidate: "候选人", education: "学历", batch: "批次", requirements: "材料要求",
    interviews: "面试", decisions: "决定记录", noDecisions: "还没有决定。",
    decide: "做出决定", advance: "推进", reject: "淘汰", hold: "暂缓",
    confirmDecision: (d) => `确认“${d}”该候选人？`, confirm: "确认", cancel: "取消",
    decided: (d) => `已${d}`, closed: "该申请已结束，不能再做决定。",
    writeback: "写回 EHR", flags: "异议",
    notFound: "没有找到，或你无权查看。", networkError: "网络错误，请稍后重试。",
    scheduleNextRound: "安排下一轮",
  },
  en: {
    app: "My Interviews", back: "Back", logout: "Log out", langToggle: "中文", langName: "中文",
    skip: "Skip to content", loading: "Loading…", retry: "Retry",
    myInterviews: "My interviews", positions: "Positions", noInterviews: "No interviews yet.",
    loginTitle: "Log in", loginDingTalk: "Logging in with DingTalk…",
    openInDingTalk: "Open “My Interviews” from the DingTalk workbench.",
    sandboxTitle: "Local sandbox: log in as a demo user",
    sandboxHint: "There is no DingTalk client in development: the page gets a free-login auth code from the local DingTalk sandbox and logs in with it.",
    staff: "HR and managers", candidates: "Candidates", loginFailed: "Login failed",
    round: (n) => `Round ${n}`, scheduled: "Time", deadline: "Deadline", interviewers: "Interviewers",
    nextStep: "Next step", todos: "To-dos", report: "Interview report", progress: "Progress",
    scoreTitle: "AI interview score", overall: "Overall", dimensions: "Dimensions", comments: "Comments",
    noScore: "The result is not published yet; it will appear here.", hidden: "Not shared by the company.",
    stage: "Stage", status: "Status", position: "Position", applicationsCount: (n) => `${n} applications`,
    applications: "Ranking", applicationsTotal: "Applications", stats: "Statistics", filter: "Filter", all: "All",
    topN: "Top N", topPercent: "Top 20%", n: "N", sortBy: "Sort by", sortOverall: "Overall",
    noApplications: "No matching applications.", prev: "Previous", next: "Next",
    pageOf: (p, t) => `Page ${p} of ${t}`,
    cutoff: (c) => `Top ${c.requested}, cut-off ${fmtNum(c.score)}` +
      (c.ties_included ? `, plus ${c.ties_included} tied` : ""),
    total: (n) => `${n} in total`,
    count: "Scored", mean: "Mean", median: "Median", iqr: "Q1–Q3", noShowRate: "No-show rate",
    histogram: "Overall score distribution", histogramRow: (b) => `${fmtNum(b.lower)}–${fmtNum(b.upper)}: ${b.count}`,
    byEducation: "By education", topList: "Top scores", smallSample: "Small sample: treat the figures with care.",
    candidate: "Candidate", education: "Education", batch: "Batch", requirements: "Requirements",
    interviews: "Interviews", decisions: "Decisions", noDecisions: "No decisions yet.",
    decide: "Decide", advance: "Advance", reject: "Reject", hold: "Hold",
    confirmDecision: (d) => `${d} this candidate?`, confirm: "Confirm", cancel: "Cancel",
    decided: (d) => `Done: ${d}`, closed: "This application is closed.",
    writeback: "EHR write-back", flags: "Disputes",
    notFound: "Not found, or not yours to see.", networkError: "Network error; try again shortly.",
    scheduleNextRound: "Schedule the next round",
  },
};

// Codes the HR API returns raw (the candidate API labels its own).
const LABELS = {
  zh: {
    screening: "筛选", ai_interview: "AI 面试", interview: "面试", offer: "录用意向", hired: "已入职",
    rejected: "已淘汰", withdrawn: "已撤回", scheduled: "已安排", invited: "已邀请", opened: "已打开",
    attended: "已参加", no_show: "缺席", cancelled: "已取消", completed: "已完成",
    ai: "AI 面试", video: "视频面试", onsite: "现场面试", missing: "缺少", submitted: "已提交",
    approved: "已通过", pending: "待写回", written: "已写回", conflict: "冲突", failed: "失败", not_written: "未写回：来源没有决策接口",
    advance: "推进", reject: "淘汰", hold: "暂缓", withdraw: "撤回", card: "卡片", api: "页面",
    policy: "规则", high_school: "高中", associate: "大专", bachelor: "本科", master: "硕士",
    phd: "博士", draft: "草稿", published: "已发布", revised: "已修订",
  },
  en: {
    screening: "Screening", ai_interview: "AI interview", interview: "Interview", offer: "Offer",
    hired: "Hired", rejected: "Rejected", withdrawn: "Withdrawn", scheduled: "Scheduled",
    invited: "Invited", opened: "Opened", attended: "Attended", no_show: "No-show",
    cancelled: "Cancelled", completed: "Completed", ai: "AI interview", video: "Video interview",
    onsite: "On-site interview", missing: "Missing", submitted: "Submitted", approved: "Approved",
    pending: "Pending", written: "Written", conflict: "Conflict", failed: "Failed", not_written: "Not written back: the source has no decision API",
    advance: "Advance", reject: "Reject", hold: "Hold", withdraw: "Withdraw", card: "card",
    api: "page", policy: "policy", high_school: "High school", associate: "Associate",
    bachelor: "Bachelor", master: "Master", phd: "PhD", draft: "Draft", published: "Published",
    revised: "Revised",
  },
};
const GOOD = new Set(["attended", "completed", "approved", "written", "hired", "offer", "published"]);
const BAD = new Set(["no_show", "rejected", "cancelled", "missing", "conflict", "failed", "withdrawn"]);
const WARN = new Set(["invited", "opened", "pending", "submitted", "draft", "revised"]);

export let lang = localStorage.getItem(LANG_KEY) || (CONFIG.lang === "en" ? "en" : "zh");
const t = (key, ...args) => {
  const value = TEXT[lang][key];
  return typeof value === "function" ? value(...args) : value;
};
const label = (code) => (code == null ? "" : LABELS[lang][code] || code);

function fmtNum(value) {
  if (value == null) return "–";
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function fmtTime(iso) {
  if (!iso) return "–";
  return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "zh-CN", {
    dateStyle: "medium", timeStyle: "short",
  }).format(new Date(iso));
}

// --- tiny DOM helper -----------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "style") Object.assign(el.style, value);
    else if (URL_ATTRS.has(key)) {
      // A refused URL leaves the element without it: a link that goes nowhere, never javascript:.
      const url = safeUrl(String(value), { allowHttp: CONFIG.allowHttpLinks });
      if (url != null) el.setAttribute(key, url);
    } else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function badge(code, text) {
  const tone = GOOD.has(code) ? "good" : BAD.has(code) ? "bad" : WARN.has(code) ? "warn" : "";
  return h("span", { class: `badge ${tone}` }, text || label(code));
}

function facts(pairs) {
  return h("dl", { class: "facts" }, pairs.filter(([, v]) => v != null && v !== "")
    .flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

function bars(dimensions) {
  return h("ul", { class: "bars" }, dimensions.map((d) => {
    const pct = d.max_score ? Math.max(0, Math.min(100, (100 * d.score) / d.max_score)) : 0;
    return h("li", {},
      h("div", { class: "bar-head" }, h("span", {}, d.label), h("span", {}, `${fmtNum(d.score)} / ${fmtNum(d.max_score)}`)),
      h("div", {
        class: "bar-track", role: "progressbar", "aria-label": d.label,
        "aria-valuemin": "0", "aria-valuemax": String(d.max_score), "aria-valuenow": String(d.score),
      }, h("div", { class: "bar-fill", style: { width: `${pct}%` } })));
  }));
}

// --- session, API ----------------------------------------------------------------------------

function session() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
    return s && new Date(s.expires_at) > new Date() ? s : null;
  } catch {
    return null;
  }
}

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path, { method = "GET", body, auth = true } = {}) {
  const headers = { Accept: "application/json", "Accept-Language": lang };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const s = session();
  if (auth && s) headers.Authorization = `Bearer ${s.token}`;
  let response;
  try {
    response = await fetch(CONFIG.apiBase + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "network", t("networkError"));
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const err = data.error || {};
    if (response.status === 401 && auth) {
      sessionStorage.removeItem(SESSION_KEY);
      sessionStorage.setItem(RETURN_KEY, location.hash);
      location.hash = "#/login";
    }
    const message = response.status === 404 ? t("notFound") : err.message || response.statusText;
    throw new ApiError(response.status, err.code || "error", message);
  }
  return data;
}

// --- views ---------------------------------------------------------------------------------

const main = () => document.getElementById("main");

function show(title, ...nodes) {
  document.getElementById("title").textContent = title;
  document.title = title === t("app") ? title : `${title} · ${t("app")}`;
  const el = main();
  el.replaceChildren(...nodes.flat().filter((n) => n != null && n !== false));
}

function showError(err, retry) {
  show(t("app"), h("div", { class: "error", role: "alert" }, err.message || String(err)),
    retry ? h("button", { type: "button", class: "btn", onclick: retry }, t("retry")) : null);
}

function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

let toastTimer = 0;
function toast(message) {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove("show"), 3500);
}

export function setLang(value) {
  lang = value;
  localStorage.setItem(LANG_KEY, lang);
}

// A view module's own texts, merged into the tables above (keys must not clash).
export function addTexts(texts, labels = {}) {
  for (const code of ["zh", "en"]) {
    Object.assign(TEXT[code], texts[code] || {});
    Object.assign(LABELS[code], labels[code] || {});
  }
}

export {
  CONFIG, JSAPI_URL, SESSION_KEY, RETURN_KEY, t, label, fmtNum, fmtTime, h, badge, facts, bars,
  session, ApiError, api, main, show, showError, newKey, toast,
};
