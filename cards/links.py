"""What EHR text and links may become in a card or on the H5 page.

Everything the EHR sends is untrusted: a dimension label can carry markdown such as
`[点我](javascript:alert(1))`, and an invitation URL can be `javascript:alert(document.domain)//`.
Card builders pass every link through `safe_url` and every piece of EHR text they put into a
markdown variable through `escape_markdown`. The H5 page's `safeUrl`
(web/static/app/links.js) mirrors `is_safe_url`; change both together.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2000  # the EHR contract's limit for its URL fields
# Invisible and layout characters: browsers drop or reinterpret some of them while parsing a URL
# (`java\tscript:` is `javascript:`), and they can hide what a link really points at.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cs", "Cn"})
# Browsers read `\` as `/` in http(s) URLs; the others never appear unencoded in a real link and
# break out of attributes or markdown link syntax.
_REFUSED_CHARS = frozenset('\\"<>`')
# host[:port]: one or more DNS labels (Unicode letters allowed: IDN hosts) or a bracketed IPv6
# literal. No userinfo (`https://good.example@evil.example/`), no percent-encoded host.
_NETLOC = re.compile(r"(?:\[[0-9A-Fa-f:.]+\]|[\w-]+(?:\.[\w-]+)*\.?)(?::[0-9]{1,5})?")

# What CommonMark (and DingTalk's card markdown, which adds `<font>` tags) gives a meaning to:
# links and images, emphasis, headings, code, lists, quotes, tables, strikethrough, HTML and
# entities. Every one of these is a CommonMark backslash escape, so the text renders as typed.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|<>~&])")
# Only at the start of a line: `1.` opens an ordered list and a line of `=` makes the line
# above a heading; elsewhere `.` and `=` are plain text and stay unescaped.
_LINE_START = re.compile(r"^(\d+)\.|^=")
# Bidirectional overrides reorder what the reader sees (a name that displays differently).
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _refused_char(ch: str) -> bool:
    return ch in _REFUSED_CHARS or unicodedata.category(ch) in _REFUSED_CATEGORIES


def is_safe_url(url: object, *, allow_http: bool = False) -> bool:
    """Decide whether a URL may be a card button or a link on the H5 page.

    Only absolute `https://host/...` URLs (and `http://` when `allow_http`, i.e. development)
    pass; anything odd is refused rather than repaired, because browsers and DingTalk clients
    repair URLs differently.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        return False
    if any(_refused_char(ch) for ch in url):
        return False
    scheme, sep, _rest = url.partition("://")
    if not sep or scheme.lower() not in (("https", "http") if allow_http else ("https",)):
        return False
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        return False
    return (
        parts.scheme == scheme.lower()
        and bool(parts.hostname)
        and _NETLOC.fullmatch(parts.netloc) is not None
    )


def safe_url(*candidates: str | None, allow_http: bool = False) -> str:
    """Return the first candidate that `is_safe_url` allows, or "" when none is allowed."""
    for url in candidates:
        if url and is_safe_url(url, allow_http=allow_http):
            return url
    return ""


def _escape_line(line: str) -> str:
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(line.split()))
    return _LINE_START.sub(lambda m: f"{m.group(1)}\\." if m.group(1) else "\\=", escaped)


def escape_markdown(value: object, *, multiline: bool = False) -> str:
    """Escape text (from the EHR) so that card markdown shows it literally.

    Control and bidirectional-override characters go, whitespace runs become one space (no
    indented code blocks, no hard breaks). Line breaks are kept only when `multiline`, with at
    most one blank line between paragraphs.
    """
    text = _BIDI.sub("", str(value))
    text = "".join(" " if unicodedata.category(ch) == "Cc" and ch != "\n" else ch for ch in text)
    if not multiline:
        return _escape_line(text)
    lines = [_escape_line(line) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
