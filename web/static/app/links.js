// Which URLs the page may put into a link or a script: the same rule as `is_safe_url` in
// cards/links.py, which decides the links of every card. Change both together
// (tests/cards/test_links.py runs both on the same cases).
//
// In-page routes ("#/...") pass. Anything else must be an absolute https:// URL (http:// only
// when allowHttp, i.e. in development) with a host and no user name, and nothing invisible in
// it: browsers drop tabs and newlines while parsing, so "java\tscript:" would be "javascript:".

const MAX_URL_LENGTH = 2000;
// Unicode categories Cc Cf Z* Co Cs Cn, and \ " < > ` (as _REFUSED_* in cards/links.py).
const REFUSED = /[\p{Cc}\p{Cf}\p{Z}\p{Co}\p{Cs}\p{Cn}\\"<>`]/u;
// host[:port], as _NETLOC there (Python's \w is a Unicode letter or number, or "_").
const NETLOC = /^(?:\[[0-9A-Fa-f:.]+\]|[\p{L}\p{N}_-]+(?:\.[\p{L}\p{N}_-]+)*\.?)(?::[0-9]{1,5})?$/u;

export function safeUrl(value, { allowHttp = false } = {}) {
  if (typeof value !== "string" || !value || value.length > MAX_URL_LENGTH) return null;
  if (value.startsWith("#")) return value;
  if (REFUSED.test(value)) return null;
  const sep = value.indexOf("://");
  const scheme = sep > 0 ? value.slice(0, sep).toLowerCase() : "";
  if (!(scheme === "https" || (allowHttp && scheme === "http"))) return null;
  const netloc = value.slice(sep + 3).split(/[/?#]/, 1)[0];
  if (!NETLOC.test(netloc)) return null;
  let url;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const portOk = !url.port || Number(url.port) <= 65535;
  return url.protocol === `${scheme}:` && url.hostname && !url.username && portOk ? value : null;
}
