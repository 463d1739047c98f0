// H5 admin page #/admin/imports: upload an AI vendor's score export (.xlsx or .csv), check how
// its columns map to fields (recognised, saved for the source, or chosen here), read the
// preview (what would be created, updated or left as is, and each rejected row with its number,
// column and reason), then confirm. The API is POST /api/v1/admin/imports and
// /admin/imports/{id}/apply, the same services as `flask --app wsgi import scores`.
// Registered in app.js (FEATURES). Text nodes only.

import { addTexts, api, badge, facts, h, show, t, toast } from "./core.js";

const FIELDS = ["name", "mobile", "candidate_id", "email", "position", "interviewed_at", "overall",
  "comment", "dimension", "ignore"];

addTexts({
  zh: {
    impTab: "导入", impTitle: "导入 AI 面试成绩", impFile: "成绩文件（.xlsx 或 .csv）", impSource: "来源名称（保存列映射）",
    impPreview: "预览", impAgain: "按此映射重新预览", impConfirm: "确认导入", impColumns: "列映射",
    impMissing: "缺少字段", impCounts: "预览结果", impCreate: "新增", impUpdate: "更新", impUnchanged: "不变",
    impRejected: "拒绝", impRow: (n) => `第 ${n} 行`, impRows: "行", impEmpty: "空行", impItems: "逐行结果",
    impApplied: (e) => `已导入：应用 ${e.applied} 个事件，通知 ${e.outbox} 条`, impNoFile: "请选择文件",
    impFormat: "格式", impOrigin: { given: "手动", saved: "已保存", recognised: "自动识别", unknown: "未识别", duplicate: "重复" },
    impField: { name: "姓名", mobile: "手机号", candidate_id: "候选人编号", email: "邮箱", position: "岗位",
      interviewed_at: "面试时间", overall: "综合得分", comment: "评语", dimension: "维度得分", ignore: "忽略" },
  },
  en: {
    impTab: "Import", impTitle: "Import AI interview scores", impFile: "Score file (.xlsx or .csv)", impSource: "Source name (saves the mapping)",
    impPreview: "Preview", impAgain: "Preview again with this mapping", impConfirm: "Confirm import", impColumns: "Columns",
    impMissing: "Missing fields", impCounts: "Preview", impCreate: "Create", impUpdate: "Update", impUnchanged: "Unchanged",
    impRejected: "Rejected", impRow: (n) => `Row ${n}`, impRows: "Rows", impEmpty: "Empty rows", impItems: "Rows",
    impApplied: (e) => `Imported: ${e.applied} events applied, ${e.outbox} notifications`, impNoFile: "Choose a file",
    impFormat: "Format", impOrigin: { given: "chosen", saved: "saved", recognised: "recognised", unknown: "unknown", duplicate: "duplicate" },
    impField: { name: "Name", mobile: "Mobile", candidate_id: "Candidate id", email: "E-mail", position: "Position",
      interviewed_at: "Interview time", overall: "Overall score", comment: "Comment", dimension: "Dimension score", ignore: "Ignore" },
  },
});

const ACTION_TEXT = { create: "impCreate", update: "impUpdate", unchanged: "impUnchanged" };
const card = (title, ...nodes) => h("section", { class: "card" }, h("h2", {}, title), ...nodes);
const word = (group, key) => (t(group) && t(group)[key]) || key;

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(",", 2)[1] || "");
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function columnsCard(preview, chosen) {
  const rows = preview.columns.map((c) => {
    const select = h("select", { onchange: (e) => { chosen[c.header] = e.target.value; } },
      FIELDS.map((name) => h("option", { value: name, selected: name === c.field }, word("impField", name))));
    return h("li", { class: "row-link" }, h("div", { class: "row-main" },
      h("div", { class: "row-title" }, c.header), h("div", { class: "row-sub" }, word("impOrigin", c.origin))), select);
  });
  return card(t("impColumns"), h("ul", { class: "list" }, rows),
    preview.missing_fields.length ? h("p", {}, badge("failed", `${t("impMissing")}: ${preview.missing_fields.join(", ")}`)) : null);
}

function resultCards(preview) {
  const c = preview.counts;
  const summary = card(t("impCounts"), facts([
    [t("impFormat"), preview.encoding ? `${preview.file_format} (${preview.encoding})` : preview.file_format],
    [t("impRows"), String(preview.rows)], [t("impEmpty"), String(preview.empty_rows)],
    [t("impCreate"), String(c.create)], [t("impUpdate"), String(c.update)],
    [t("impUnchanged"), String(c.unchanged)], [t("impRejected"), String(c.rejected)],
  ]));
  const rejected = preview.rejected.length ? card(t("impRejected"), h("ul", { class: "list" }, preview.rejected.map((p) =>
    h("li", { class: "row-link" }, h("div", { class: "row-main" },
      h("div", { class: "row-title" }, `${t("impRow", p.row)} · ${p.column || "–"}`), h("div", { class: "row-sub" }, p.reason)))))) : null;
  const items = card(t("impItems"), h("ul", { class: "list" }, preview.items.slice(0, 200).map((r) =>
    h("li", { class: "row-link" }, h("div", { class: "row-main" },
      h("div", { class: "row-title" }, `${t("impRow", r.row)} · ${r.name} · ${r.candidate_id}`),
      h("div", { class: "row-sub" }, r.changes.join(", ") || "–")),
    badge(r.action === "unchanged" ? "completed" : "scheduled", t(ACTION_TEXT[r.action]))))));
  return [summary, rejected, items];
}

async function viewImports() {
  const state = { file: null, chosen: {} };
  const fileInput = h("input", { type: "file", accept: ".xlsx,.csv", onchange: (e) => { state.file = e.target.files[0]; state.chosen = {}; } });
  const source = h("input", { type: "text", value: "default", maxlength: "64" });
  const results = h("div", {});
  async function preview() {
    if (!state.file) return toast(t("impNoFile"));
    const body = { filename: state.file.name, content_base64: await readBase64(state.file),
      mapping: source.value || "default", columns: state.chosen };
    try {
      const p = await api("/admin/imports", { method: "POST", body });
      results.replaceChildren(columnsCard(p, state.chosen),
        h("button", { type: "button", class: "btn", onclick: preview }, t("impAgain")),
        ...(p.status === "previewed" ? resultCards(p) : []),
        p.import_id ? h("button", { type: "button", class: "btn primary", onclick: (e) => confirm(e, p.import_id) }, t("impConfirm")) : null);
    } catch (err) {
      toast(err.message);
    }
  }
  async function confirm(event, importId) {
    event.target.disabled = true;
    try {
      const r = await api(`/admin/imports/${encodeURIComponent(importId)}/apply`, { method: "POST" });
      toast(t("impApplied", r.events));
      results.replaceChildren(card(t("impCounts"), facts([
        [t("impCreate"), String(r.counts.create)], [t("impUpdate"), String(r.counts.update)],
        [t("impUnchanged"), String(r.counts.unchanged)], [t("impRejected"), String(r.counts.rejected)],
      ])));
    } catch (err) {
      toast(err.message);
      event.target.disabled = false;
    }
  }
  show(t("impTitle"), card(t("impTitle"),
    h("label", {}, t("impFile"), fileInput), h("label", {}, t("impSource"), source),
    h("button", { type: "button", class: "btn primary", onclick: preview }, t("impPreview"))), results);
}

export const ROUTES = [[/^#\/admin\/imports$/, () => viewImports(), "staff"]];

// Admins get the tab; the API refuses everyone else anyway.
export function tabs(s) {
  return s && s.staff_id && s.staff_role === "admin" ? [["#/admin/imports", t("impTab")]] : [];
}
