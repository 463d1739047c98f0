// "My Interviews" H5 page: DingTalk free login (or the sandbox's user picker), the candidate's
// interviews and reports, and the HR views (positions, ranked applications, stats, decisions).
// Plain ES module, no build step. Every text node is created with textContent (no innerHTML).

import {
  CONFIG, JSAPI_URL, SESSION_KEY, RETURN_KEY, lang, setLang, t, label, fmtNum, fmtTime, h, badge,
  facts, bars, session, ApiError, api, main, show, showError, newKey, toast,
} from "./core.js";
// Feature modules: each exports ROUTES ([pattern, view, who]) and may export home(s) (the
// start page for such a session, or null) and tabs(s) ([[href, text], ...]).
import * as rounds from "./rounds.js";
import * as interviewer from "./interviewer.js";
import * as ops from "./ops.js";
import * as bulk from "./bulk.js";
import * as timeline from "./timeline.js";
import * as imports from "./imports.js";
import * as offers from "./offers.js";
import * as insight from "./insight.js";
import * as hiring from "./hiring.js";

const FEATURES = [rounds, interviewer, ops, imports, offers, insight, hiring];

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
  for (const feature of FEATURES) {
    const home = feature.home && feature.home(s);
    if (home) return home;
  }
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
        [t("rdPlace"), iv.round_details ? iv.round_details.location : null],
        [t("nextStep"), iv.next_step.label],
      ]),
      // A video or onsite round: its time, place or link and the candidate's answer (rounds.js).
      iv.round_details ? h("a", { class: "btn", href: `#/interviews/${encodeURIComponent(iv.id)}/round` }, t("rdRound")) : null),
    iv.todos.length ? h("section", { class: "card", "aria-labelledby": "todo-h" },
      h("h2", { id: "todo-h" }, t("todos")),
      h("ul", {}, iv.todos.map((td) => h("li", {}, td.label, td.requirement_label ? `：${td.requirement_label}` : "")))) : null,
    scoreCard,
    insight.feedbackSection(r.feedback),
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
    h("a", { href: `${base}/stats`, "aria-current": current === "stats" ? "page" : null }, t("stats")),
    h("a", { href: `${base}/validity`, "aria-current": current === "validity" ? "page" : null }, t("vdTab")));
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
  const since = params.get("since");
  if (since) q.set("scored_since", since);
  const [data, stats, positions] = await Promise.all([
    api(`/hr/positions/${encodeURIComponent(id)}/applications?${q}`),
    api(`/hr/positions/${encodeURIComponent(id)}/stats`).catch(() => null),
    api("/hr/positions"),
  ]);
  const position = positions.items.find((p) => p.id === id);
  const go = (changes) => {
    const next = new URLSearchParams({ mode, n, sort, page: "1", ...(since ? { since } : {}), ...changes });
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
  const picker = bulk.selection(id, () => viewApplications(id, params));
  const list = data.items.length ? h("ol", { class: "list", "aria-label": t("applications") }, data.items.map((a, i) =>
    h("li", { class: "bulk-row" }, picker.box(a), h("a", { class: "row-link", href: `#/hr/applications/${encodeURIComponent(a.application_id)}` },
      h("span", { class: "rank", "aria-hidden": "true" }, String(offset + i + 1)),
      h("div", { class: "row-main" }, h("div", { class: "row-title" }, a.candidate_name),
        h("div", { class: "row-sub" }, [label(a.education), label(a.stage)].filter(Boolean).join(" · "))),
      h("span", { class: "score-pill", "aria-label": `${t("overall")} ${fmtNum(a.sort_value ?? a.overall)}` },
        fmtNum(a.sort_value ?? a.overall)))))) : h("p", { class: "empty" }, t("noApplications"));
  show(position ? position.title : t("applications"), positionTabs(id, "apps"), form,
    h("section", { class: "card", "aria-label": t("applications") },
      h("p", { class: "row-sub", role: "status" }, t("total", data.total),
        data.cutoff ? ` · ${t("cutoff", data.cutoff)}` : ""),
      bulk.sinceNote(id, since),
      list,
      data.items.length ? picker.bar : null,
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
          h("div", { class: "row-main row-title" }, e.candidate_name), h("span", { class: "score-pill" }, fmtNum(e.overall))))))) : null,
    offers.funnel(s.offers));
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
        badge(iv.status)))),
      // The rounds after the AI interview are arranged on their own page (rounds.js).
      h("a", { class: "btn", href: `#/hr/applications/${encodeURIComponent(a.id || id)}/schedule`, "data-testid": "schedule-link" },
        t("scheduleNextRound")),
      // The offer, its history and signatures are on their own page (offers.js).
      a.stage === "offer" || a.stage === "hired" ? h("a", { class: "btn", href: `#/hr/applications/${encodeURIComponent(a.id || id)}/offer`, "data-testid": "offer-link" },
        t("ofTitle")) : null,
      h("a", { class: "btn", href: `#/hr/applications/${encodeURIComponent(a.id || id)}/insight`, "data-testid": "insight-link" },
        t("insTab"))),
    h("section", { class: "card", "aria-labelledby": "dec-h" }, h("h2", { id: "dec-h" }, t("decisions")),
      a.decisions.length ? h("ul", { class: "list", "data-testid": "decisions" }, a.decisions.map((d) => h("li", { class: "row-link" },
        h("div", { class: "row-main" }, h("div", { class: "row-title" }, label(d.decision)),
          h("div", { class: "row-sub" }, `${fmtTime(d.created_at)} · ${label(d.source)}`)),
        h("span", { class: "row-sub" }, `${t("writeback")} `, badge(d.writeback_state)))))
        : h("p", { class: "row-sub" }, t("noDecisions"))),
    timeline.section(a.timeline));
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
  ...FEATURES.flatMap((feature) => feature.ROUTES || []),
];

function chrome(s, hash) {
  const tabs = document.getElementById("tabs");
  const links = [];
  if (s && s.staff_id && s.candidate_id) links.push(["#/interviews", t("myInterviews")], ["#/hr", t("positions")]);
  for (const feature of FEATURES) links.push(...((feature.tabs && feature.tabs(s)) || []));
  tabs.hidden = links.length < 2;
  if (!tabs.hidden) {
    tabs.replaceChildren(...links.map(([href, text]) =>
      h("a", { href, "aria-current": hash.startsWith(href) ? "page" : null }, text)));
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

document.getElementById("lang-toggle").addEventListener("click", () => {
  setLang(lang === "en" ? "zh" : "en");
  applyLanguage();
  render();
});
document.getElementById("logout").addEventListener("click", () => {
  sessionStorage.removeItem(SESSION_KEY);
  location.hash = "#/login";
});
function parentRoute(hash) {
  const m = hash.match(/^#\/hr\/positions\/([^/?]+)\/(?:stats|validity)/);
  if (m) return `#/hr/positions/${m[1]}`;
  const insightPage = hash.match(/^#\/hr\/applications\/([^/?]+)\/insight$/);
  if (insightPage) return `#/hr/applications/${insightPage[1]}`;
  const schedule = hash.match(/^#\/hr\/applications\/([^/?]+)\/schedule$/);
  if (schedule) return `#/hr/applications/${schedule[1]}`;
  const offer = hash.match(/^#\/hr\/applications\/([^/?]+)\/offer$/);
  if (offer) return `#/hr/applications/${offer[1]}`;
  if (hash.startsWith("#/offers/")) return "#/offers";
  const round = hash.match(/^#\/interviews\/([^/?]+)\/round$/);
  if (round) return `#/interviews/${round[1]}`;
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
