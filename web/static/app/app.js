// "My Interviews" H5 page: DingTalk free login (or the sandbox's user picker), the candidate's
// interviews and reports, and the HR views (positions, ranked applications, stats, decisions).
// Plain ES module, no build step. Every text node is created with textContent (no innerHTML).

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
  },
};

// Codes the HR API returns raw (the candidate API labels its own).
const LABELS = {
  zh: {
    screening: "筛选", ai_interview: "AI 面试", interview: "面试", offer: "录用意向", hired: "已入职",
    rejected: "已淘汰", withdrawn: "已撤回", scheduled: "已安排", invited: "已邀请", opened: "已打开",
    attended: "已参加", no_show: "缺席", cancelled: "已取消", completed: "已完成",
    ai: "AI 面试", video: "视频面试", onsite: "现场面试", missing: "缺少", submitted: "已提交",
    approved: "已通过", pending: "待写回", written: "已写回", conflict: "冲突", failed: "失败",
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
    pending: "Pending", written: "Written", conflict: "Conflict", failed: "Failed",
    advance: "Advance", reject: "Reject", hold: "Hold", withdraw: "Withdraw", card: "card",
    api: "page", policy: "policy", high_school: "High school", associate: "Associate",
    bachelor: "Bachelor", master: "Master", phd: "PhD", draft: "Draft", published: "Published",
    revised: "Revised",
  },
};
const GOOD = new Set(["attended", "completed", "approved", "written", "hired", "offer", "published"]);
const BAD = new Set(["no_show", "rejected", "cancelled", "missing", "conflict", "failed", "withdrawn"]);
const WARN = new Set(["invited", "opened", "pending", "submitted", "draft", "revised"]);

let lang = localStorage.getItem(LANG_KEY) || (CONFIG.lang === "en" ? "en" : "zh");
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

async function loginWithCode(authCode) {
  const data = await api("/auth/dingtalk", { method: "POST", body: { auth_code: authCode }, auth: false });
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(data));
  const target = sessionStorage.getItem(RETURN_KEY);
  sessionStorage.removeItem(RETURN_KEY);
  const next = target && target !== "#/login" ? target : homeRoute(data);
  // A new hash renders through hashchange; render here only when the hash stays the same.
  if (location.hash === next) render();
  else location.hash = next;
}

function homeRoute(s) {
  return s && s.staff_id ? "#/hr" : "#/interviews";
}

// --- DingTalk free login (section 4.1 of the protocol notes) ---------------------------------

function insideDingTalk() {
  return /DingTalk/i.test(navigator.userAgent);
}

function loadJsapi() {
  return new Promise((resolve, reject) => {
    if (window.dd) return resolve(window.dd);
    const script = h("script", { src: JSAPI_URL });
    const timer = setTimeout(() => reject(new Error("JSAPI timeout")), 10000);
    script.onload = () => { clearTimeout(timer); window.dd ? resolve(window.dd) : reject(new Error("no dd")); };
    script.onerror = () => { clearTimeout(timer); reject(new Error("JSAPI failed to load")); };
    document.head.append(script);
  });
}

function corpId() {
  // The workbench URL carries ?corpid=$CORPID$ (DingTalk substitutes it); else the configured id.
  const fromUrl = new URLSearchParams(location.search).get("corpid");
  return fromUrl && !fromUrl.includes("$") ? fromUrl : CONFIG.corpId;
}

async function dingTalkAuthCode(dd) {
  const corp = corpId();
  return new Promise((resolve, reject) => {
    const fail = (err) => reject(new Error((err && (err.errorMessage || err.message)) || "requestAuthCode failed"));
    if (typeof dd.requestAuthCode === "function") {
      // Current H5 JSAPI: {code}.
      dd.requestAuthCode({ corpId: corp, clientId: CONFIG.clientId,
        success: (res) => resolve(res.code || res.authCode), fail });
    } else if (dd.runtime && dd.runtime.permission && dd.runtime.permission.requestAuthCode) {
      // Legacy dingtalk.js: onSuccess(res) with res.code.
      dd.runtime.permission.requestAuthCode({ corpId: corp,
        onSuccess: (res) => resolve(res.code), onFail: fail });
    } else if (typeof dd.getAuthCode === "function") {
      // Mini-app container: res.authCode.
      dd.getAuthCode({ corpId: corp, success: (res) => resolve(res.authCode || res.code), fail });
    } else {
      fail({ message: "no free-login JSAPI" });
    }
  });
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

async function viewLogin() {
  show(t("loginTitle"), h("p", { class: "loading", role: "status" }, t("loading")));
  if (insideDingTalk()) {
    show(t("loginTitle"), h("p", { class: "loading", role: "status" }, t("loginDingTalk")));
    const dd = await loadJsapi();
    await loginWithCode(await dingTalkAuthCode(dd));
    return;
  }
  if (!CONFIG.sandboxUrl) {
    show(t("loginTitle"), h("p", { class: "notice" }, t("openInDingTalk")));
    return;
  }
  const org = await fetch(`${CONFIG.sandboxUrl}/_sim/org`).then((r) => r.json());
  const pick = async (userid) => {
    try {
      const res = await fetch(`${CONFIG.sandboxUrl}/_sim/auth-codes`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ userid }),
      });
      const data = await res.json();
      if (!res.ok) throw new Error(data.message || res.statusText);
      await loginWithCode(data.auth_code);
    } catch (err) {
      toast(`${t("loginFailed")}: ${err.message}`);
    }
  };
  const group = (title, users) => h("section", { class: "card", "aria-labelledby": `g-${title}` },
    h("h2", { id: `g-${title}` }, title),
    h("div", { class: "users" }, users.map((u) => h("button", {
      type: "button", class: "user-button", onclick: () => pick(u.userid),
      "aria-label": `${u.name} ${u.title || ""} ${u.userid}`,
    }, h("span", {}, u.name, u.title ? h("span", { class: "row-sub" }, ` · ${u.title}`) : null),
    h("span", { class: "user-id" }, u.userid)))));
  const users = org.users || [];
  show(t("loginTitle"),
    h("section", { class: "notice" }, h("h2", {}, t("sandboxTitle")), h("p", {}, t("sandboxHint"))),
    group(t("staff"), users.filter((u) => u.kind !== "candidate")),
    group(t("candidates"), users.filter((u) => u.kind === "candidate")));
}

async function viewInterviews() {
  const data = await api("/me/interviews");
  if (!data.items.length) return show(t("myInterviews"), h("p", { class: "empty" }, t("noInterviews")));
  show(t("myInterviews"), h("ul", { class: "list card", "aria-label": t("myInterviews") }, data.items.map((iv) =>
    h("li", {}, h("a", { class: "row-link", href: `#/interviews/${encodeURIComponent(iv.id)}` },
      h("div", { class: "row-main" },
        h("div", { class: "row-title" }, iv.position_title),
        h("div", { class: "row-sub" }, `${t("round", iv.round)} · ${iv.kind.label} · ${fmtTime(iv.scheduled_at || iv.deadline_at)}`),
        h("div", { class: "row-sub" }, `${t("nextStep")}：${iv.next_step.label}`,
          iv.todos.length ? ` · ${t("todos")} ${iv.todos.length}` : "")),
      badge(iv.status.code, iv.status.label),
      h("span", { class: "chevron", "aria-hidden": "true" }, "›"))))));
}

async function viewReport(id) {
  const r = await api(`/me/interviews/${encodeURIComponent(id)}`);
  const iv = r.interview;
  const score = r.score;
  const scoreCard = h("section", { class: "card", "aria-labelledby": "score-h" }, h("h2", { id: "score-h" }, t("scoreTitle")));
  if (!score) {
    scoreCard.append(h("p", { class: "row-sub" }, t("noScore")));
  } else {
    scoreCard.append(score.overall == null ? h("p", { class: "row-sub" }, `${t("overall")}：${t("hidden")}`)
      : h("div", { class: "overall" }, h("span", { class: "row-sub" }, t("overall")),
        h("span", { class: "overall-value", "data-testid": "overall" }, fmtNum(score.overall)),
        h("span", { class: "overall-max" }, "/ 100")));
    if (score.dimensions) scoreCard.append(h("h3", {}, t("dimensions")), bars(score.dimensions));
    if (score.comments && score.comments.length) {
      scoreCard.append(h("h3", {}, t("comments")), ...score.comments.map((c) =>
        h("blockquote", { class: "comment" }, h("p", {}, c.text), h("p", { class: "comment-author" }, c.author))));
    }
  }
  show(t("report"),
    h("section", { class: "card", "aria-labelledby": "iv-h" },
      h("h2", { id: "iv-h" }, iv.position_title),
      facts([
        [t("status"), badge(iv.status.code, iv.status.label)],
        [t("stage"), r.stage.label],
        [t("round", iv.round), iv.kind.label],
        [t("scheduled"), iv.scheduled_at ? fmtTime(iv.scheduled_at) : null],
        [t("deadline"), iv.deadline_at ? fmtTime(iv.deadline_at) : null],
        [t("interviewers"), iv.interviewer_names.join("、") || null],
        [t("nextStep"), iv.next_step.label],
      ])),
    iv.todos.length ? h("section", { class: "card", "aria-labelledby": "todo-h" },
      h("h2", { id: "todo-h" }, t("todos")),
      h("ul", {}, iv.todos.map((td) => h("li", {}, td.label, td.requirement_label ? `：${td.requirement_label}` : "")))) : null,
    scoreCard,
    h("section", { class: "card", "aria-labelledby": "prog-h" },
      h("h2", { id: "prog-h" }, t("progress")),
      h("ol", { class: "progress" }, r.progress.map((p) =>
        h("li", { class: p.state, "aria-current": p.state === "current" ? "step" : null }, p.label)))));
}

async function viewPositions() {
  const data = await api("/hr/positions");
  show(t("positions"), h("ul", { class: "list card", "aria-label": t("positions") }, data.items.map((p) =>
    h("li", {}, h("a", { class: "row-link", href: `#/hr/positions/${encodeURIComponent(p.id)}` },
      h("div", { class: "row-main" }, h("div", { class: "row-title" }, p.title),
        h("div", { class: "row-sub" }, t("applicationsCount", p.applications))),
      h("span", { class: "chevron", "aria-hidden": "true" }, "›"))))));
}

function positionTabs(id, current) {
  const base = `#/hr/positions/${encodeURIComponent(id)}`;
  return h("nav", { class: "tabs card", style: { padding: "0" }, "aria-label": t("position") },
    h("a", { href: base, "aria-current": current === "apps" ? "page" : null }, t("applications")),
    h("a", { href: `${base}/stats`, "aria-current": current === "stats" ? "page" : null }, t("stats")));
}

async function viewApplications(id, params) {
  const mode = params.get("mode") || "all";
  const n = params.get("n") || "10";
  const sort = params.get("sort") || "overall";
  const page = Number(params.get("page") || "1");
  const q = new URLSearchParams({ page: String(page), per_page: "20" });
  if (sort !== "overall") { q.set("sort", "dimension"); q.set("dimension", sort); }
  if (mode === "top") q.set("top", n);
  if (mode === "percent") q.set("top_percent", "20");
  const [data, stats, positions] = await Promise.all([
    api(`/hr/positions/${encodeURIComponent(id)}/applications?${q}`),
    api(`/hr/positions/${encodeURIComponent(id)}/stats`).catch(() => null),
    api("/hr/positions"),
  ]);
  const position = positions.items.find((p) => p.id === id);
  const go = (changes) => {
    const next = new URLSearchParams({ mode, n, sort, page: "1", ...changes });
    location.hash = `#/hr/positions/${encodeURIComponent(id)}?${next}`;
  };
  const radio = (value, text) => h("label", {},
    h("input", { type: "radio", name: "mode", value, checked: mode === value, onchange: () => go({ mode: value }) }),
    h("span", {}, text));
  const form = h("form", { class: "filters card", "aria-label": t("filter"), onsubmit: (e) => { e.preventDefault(); } },
    h("fieldset", { class: "segmented" }, h("legend", { class: "visually-hidden" }, t("filter")),
      radio("all", t("all")), radio("top", t("topN")), radio("percent", t("topPercent"))),
    h("div", { class: "inline-fields" },
      h("div", { class: "field" }, h("label", { for: "top-n" }, t("n")),
        h("input", { id: "top-n", type: "number", min: "1", max: "10000", inputmode: "numeric", value: n,
          disabled: mode !== "top", onchange: (e) => go({ n: e.target.value || "10" }) })),
      h("div", { class: "field" }, h("label", { for: "sort" }, t("sortBy")),
        h("select", { id: "sort", onchange: (e) => go({ sort: e.target.value }) },
          h("option", { value: "overall", selected: sort === "overall" }, t("sortOverall")),
          (stats ? stats.dimensions : []).map((d) => h("option", { value: d.key, selected: sort === d.key }, d.label))))));
  const pages = Math.max(1, Math.ceil(data.total / data.per_page));
  const offset = (data.page - 1) * data.per_page;
  const list = data.items.length ? h("ol", { class: "list", "aria-label": t("applications") }, data.items.map((a, i) =>
    h("li", {}, h("a", { class: "row-link", href: `#/hr/applications/${encodeURIComponent(a.application_id)}` },
      h("span", { class: "rank", "aria-hidden": "true" }, String(offset + i + 1)),
      h("div", { class: "row-main" }, h("div", { class: "row-title" }, a.candidate_name),
        h("div", { class: "row-sub" }, [label(a.education), label(a.stage)].filter(Boolean).join(" · "))),
      h("span", { class: "score-pill", "aria-label": `${t("overall")} ${fmtNum(a.sort_value ?? a.overall)}` },
        fmtNum(a.sort_value ?? a.overall)))))) : h("p", { class: "empty" }, t("noApplications"));
  show(position ? position.title : t("applications"), positionTabs(id, "apps"), form,
    h("section", { class: "card", "aria-label": t("applications") },
      h("p", { class: "row-sub", role: "status" }, t("total", data.total),
        data.cutoff ? ` · ${t("cutoff", data.cutoff)}` : ""),
      list,
      pages > 1 ? h("div", { class: "pager" },
        h("button", { type: "button", class: "btn", disabled: data.page <= 1, onclick: () => go({ page: String(page - 1) }) }, t("prev")),
        h("span", {}, t("pageOf", data.page, pages)),
        h("button", { type: "button", class: "btn", disabled: data.page >= pages, onclick: () => go({ page: String(page + 1) }) }, t("next"))) : null));
}

function histogram(bins, caption) {
  const max = Math.max(1, ...bins.map((b) => b.count));
  return h("figure", { style: { margin: "0" } },
    h("div", { class: "histogram", role: "img", "aria-label": `${caption}: ${bins.map((b) => t("histogramRow", b)).join("; ")}` },
      bins.map((b) => h("div", { class: "col", "aria-hidden": "true" },
        h("span", { class: "col-count" }, b.count ? String(b.count) : ""),
        h("div", { class: "col-bar", style: { height: `${(100 * b.count) / max}%` } })))),
    h("div", { class: "histogram-axis", "aria-hidden": "true" }, bins.map((b) => h("span", {}, fmtNum(b.lower)))));
}

async function viewStats(id) {
  const [s, positions] = await Promise.all([
    api(`/hr/positions/${encodeURIComponent(id)}/stats`), api("/hr/positions"),
  ]);
  const position = positions.items.find((p) => p.id === id);
  const stat = (value, text) => h("div", { class: "stat" }, h("div", { class: "stat-value" }, value), h("div", { class: "stat-label" }, text));
  show(position ? position.title : t("stats"), positionTabs(id, "stats"),
    s.small_sample ? h("p", { class: "notice" }, t("smallSample")) : null,
    h("section", { class: "card", "aria-label": t("stats") }, h("div", { class: "stat-grid" },
      stat(String(s.count), t("count")), stat(fmtNum(s.mean), t("mean")), stat(fmtNum(s.median), t("median")),
      stat(`${fmtNum(s.q1)}–${fmtNum(s.q3)}`, t("iqr")),
      stat(s.no_show_rate == null ? "–" : `${Math.round(100 * s.no_show_rate)}%`, t("noShowRate")),
      stat(String(s.applications), t("applicationsTotal")))),
    h("section", { class: "card", "aria-labelledby": "hist-h" }, h("h2", { id: "hist-h" }, t("histogram")),
      histogram(s.histogram, t("histogram"))),
    s.dimensions.length ? h("section", { class: "card", "aria-labelledby": "dim-h" }, h("h2", { id: "dim-h" }, t("dimensions")),
      bars(s.dimensions.filter((d) => d.mean != null).map((d) => ({ label: d.label, score: d.mean, max_score: 100 })))) : null,
    s.by_education.length ? h("section", { class: "card", "aria-labelledby": "edu-h" }, h("h2", { id: "edu-h" }, t("byEducation")),
      facts(s.by_education.map((e) => [label(e.education), `${fmtNum(e.mean)} (${e.count})`]))) : null,
    s.top.length ? h("section", { class: "card", "aria-labelledby": "top-h" }, h("h2", { id: "top-h" }, t("topList")),
      h("ol", { class: "list" }, s.top.map((e) => h("li", {},
        h("a", { class: "row-link", href: `#/hr/applications/${encodeURIComponent(e.application_id)}` },
          h("div", { class: "row-main row-title" }, e.candidate_name), h("span", { class: "score-pill" }, fmtNum(e.overall))))))) : null);
}

function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

function decisionPanel(app) {
  const closed = ["hired", "rejected", "withdrawn"].includes(app.stage);
  const panel = h("section", { class: "card", "aria-labelledby": "decide-h" }, h("h2", { id: "decide-h" }, t("decide")));
  if (closed) {
    panel.append(h("p", { class: "row-sub" }, t("closed")));
    return panel;
  }
  const confirmBox = h("div", { class: "confirm", hidden: true, role: "group", "aria-labelledby": "confirm-q" });
  const ask = (decision, tone) => {
    const key = newKey(); // one key per confirmation: a double tap records one decision
    const submit = async (event) => {
      event.target.disabled = true;
      try {
        await api(`/hr/applications/${encodeURIComponent(app.id)}/decisions`, {
          method: "POST", body: { decision, idempotency_key: key },
        });
        toast(t("decided", t(decision)));
        await render();
      } catch (err) {
        event.target.disabled = false;
        confirmBox.replaceChildren(h("p", { class: "error", role: "alert" }, err.message));
      }
    };
    confirmBox.hidden = false;
    confirmBox.replaceChildren(
      h("p", { id: "confirm-q" }, t("confirmDecision", t(decision))),
      h("div", { class: "actions" },
        h("button", { type: "button", class: `btn primary ${tone}`, onclick: submit }, t("confirm")),
        h("button", { type: "button", class: "btn", onclick: () => { confirmBox.hidden = true; } }, t("cancel"))));
    confirmBox.querySelector("button").focus();
  };
  panel.append(h("div", { class: "actions" },
    h("button", { type: "button", class: "btn primary", onclick: () => ask("advance", "") }, t("advance")),
    h("button", { type: "button", class: "btn", onclick: () => ask("hold", "") }, t("hold")),
    h("button", { type: "button", class: "btn danger", onclick: () => ask("reject", "danger") }, t("reject"))),
  confirmBox);
  return panel;
}

async function viewApplication(id) {
  const a = await api(`/hr/applications/${encodeURIComponent(id)}`);
  const score = a.scores[0];
  show(a.candidate.name,
    h("section", { class: "card", "aria-labelledby": "app-h" },
      h("h2", { id: "app-h" }, a.candidate.name),
      facts([
        [t("position"), a.position.title],
        [t("stage"), h("span", { "data-testid": "stage" }, badge(a.stage))],
        [t("education"), label(a.candidate.education) || null],
        [t("batch"), a.batch],
      ])),
    score ? h("section", { class: "card", "aria-labelledby": "hs-h" },
      h("h2", { id: "hs-h" }, t("scoreTitle"), " ", badge(score.status)),
      h("div", { class: "overall" }, h("span", { class: "row-sub" }, t("overall")),
        h("span", { class: "overall-value" }, fmtNum(score.overall)), h("span", { class: "overall-max" }, "/ 100")),
      bars(score.dimensions),
      score.comments.length ? [h("h3", {}, t("comments")), score.comments.map((c) =>
        h("blockquote", { class: "comment" }, h("p", {}, c.text), h("p", { class: "comment-author" }, c.author)))] : null)
      : h("section", { class: "card" }, h("p", { class: "row-sub" }, t("noScore"))),
    decisionPanel(a),
    a.requirements.length ? h("section", { class: "card", "aria-labelledby": "req-h" }, h("h2", { id: "req-h" }, t("requirements")),
      facts(a.requirements.map((r) => [r.label, badge(r.status)]))) : null,
    h("section", { class: "card", "aria-labelledby": "ivs-h" }, h("h2", { id: "ivs-h" }, t("interviews")),
      h("ul", { class: "list" }, a.interviews.map((iv) => h("li", { class: "row-link" },
        h("div", { class: "row-main" }, h("div", { class: "row-title" }, `${t("round", iv.round)} · ${label(iv.kind)}`),
          h("div", { class: "row-sub" }, fmtTime(iv.scheduled_at || iv.deadline_at))),
        badge(iv.status))))),
    h("section", { class: "card", "aria-labelledby": "dec-h" }, h("h2", { id: "dec-h" }, t("decisions")),
      a.decisions.length ? h("ul", { class: "list", "data-testid": "decisions" }, a.decisions.map((d) => h("li", { class: "row-link" },
        h("div", { class: "row-main" }, h("div", { class: "row-title" }, label(d.decision)),
          h("div", { class: "row-sub" }, `${fmtTime(d.created_at)} · ${label(d.source)}`)),
        h("span", { class: "row-sub" }, `${t("writeback")} `, badge(d.writeback_state)))))
        : h("p", { class: "row-sub" }, t("noDecisions"))));
}

// --- router --------------------------------------------------------------------------------

const ROUTES = [
  [/^#\/login$/, () => viewLogin(), false],
  [/^#\/interviews$/, () => viewInterviews(), "candidate"],
  [/^#\/interviews\/([^/?]+)$/, (m) => viewReport(decodeURIComponent(m[1])), "candidate"],
  [/^#\/hr$/, () => viewPositions(), "staff"],
  [/^#\/hr\/positions\/([^/?]+)\/stats$/, (m) => viewStats(decodeURIComponent(m[1])), "staff"],
  [/^#\/hr\/positions\/([^/?]+)(?:\?(.*))?$/, (m) => viewApplications(decodeURIComponent(m[1]), new URLSearchParams(m[2] || "")), "staff"],
  [/^#\/hr\/applications\/([^/?]+)$/, (m) => viewApplication(decodeURIComponent(m[1])), "staff"],
];

function chrome(s, hash) {
  const tabs = document.getElementById("tabs");
  const both = s && s.staff_id && s.candidate_id;
  tabs.hidden = !both;
  if (both) {
    tabs.replaceChildren(
      h("a", { href: "#/interviews", "aria-current": hash.startsWith("#/interviews") ? "page" : null }, t("myInterviews")),
      h("a", { href: "#/hr", "aria-current": hash.startsWith("#/hr") ? "page" : null }, t("positions")));
  }
  document.getElementById("logout").hidden = !s;
  const home = !s || hash === "#/login" || hash === homeRoute(s) || hash === "#/hr" || hash === "#/interviews";
  document.getElementById("back").hidden = home;
}

function applyLanguage() {
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  const toggle = document.getElementById("lang-toggle");
  toggle.textContent = t("langToggle");
  toggle.lang = lang === "en" ? "zh-CN" : "en";
  toggle.setAttribute("aria-label", lang === "en" ? "切换到中文" : "Switch to English");
  document.getElementById("logout").textContent = t("logout");
  document.getElementById("back").setAttribute("aria-label", t("back"));
  document.querySelector(".skip-link").textContent = t("skip");
}

let rendering = 0;
let previousHash = null;
let currentHash = null;
async function render() {
  const ticket = ++rendering;
  const moved = location.hash !== currentHash;
  if (moved) {
    previousHash = currentHash;
    currentHash = location.hash;
  }
  const s = session();
  let hash = location.hash || "";
  if (!s && hash !== "#/login") {
    if (hash && hash !== "#/") sessionStorage.setItem(RETURN_KEY, hash);
    location.hash = "#/login";
    return;
  }
  if (s && (hash === "" || hash === "#/" || hash === "#/login")) {
    location.hash = homeRoute(s);
    return;
  }
  chrome(s, hash);
  for (const [pattern, view] of ROUTES) {
    const m = hash.match(pattern);
    if (!m) continue;
    try {
      await view(m);
      if (ticket === rendering && moved) {
        window.scrollTo(0, 0);
        main().focus({ preventScroll: true });
      }
    } catch (err) {
      if (ticket === rendering && !(err instanceof ApiError && err.status === 401)) showError(err, render);
    }
    return;
  }
  location.hash = homeRoute(s);
}

let toastTimer = 0;
function toast(message) {
  const el = document.getElementById("toast");
  el.textContent = message;
  el.classList.add("show");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => el.classList.remove("show"), 3500);
}

document.getElementById("lang-toggle").addEventListener("click", () => {
  lang = lang === "en" ? "zh" : "en";
  localStorage.setItem(LANG_KEY, lang);
  applyLanguage();
  render();
});
document.getElementById("logout").addEventListener("click", () => {
  sessionStorage.removeItem(SESSION_KEY);
  location.hash = "#/login";
});
function parentRoute(hash) {
  const m = hash.match(/^#\/hr\/positions\/([^/?]+)\/stats$/);
  if (m) return `#/hr/positions/${m[1]}`;
  if (hash.startsWith("#/interviews/")) return "#/interviews";
  return "#/hr";
}
document.getElementById("back").addEventListener("click", () => {
  // Back through the page's own history when there is some; a deep link goes to its parent.
  if (previousHash && previousHash !== "#/login") history.back();
  else location.hash = parentRoute(location.hash);
});
window.addEventListener("hashchange", render);
applyLanguage();
render();
