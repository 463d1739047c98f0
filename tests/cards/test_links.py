"""Only safe links reach a card or the H5 page, and EHR text in card markdown shows as typed."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from cards import builders
from cards.builders import Dimension, ScoreView
from cards.links import escape_markdown, is_safe_url, safe_url
from cards.text import policy_reason

HOSTILE_LABEL = "[点我](javascript:alert(1))"
HOSTILE_URL = "javascript:alert(document.domain)//"
LINKS_JS = Path(__file__).resolve().parents[2] / "web" / "static" / "app" / "links.js"
SPECIAL = set("\\`*_{}[]()#+-!|<>~&")

ALLOWED = [
    "https://ehr.example/ai/iv-1",
    "HTTPS://EHR.EXAMPLE/AI",
    "https://ehr.example:8443/path?q=1&r=2#frag",
    "https://[2001:db8::1]/x",
    "https://例子.测试/路径?q=中文",
    "https://ehr.example/a%20b",
]
# Allowed with allow_http only (development: the demo EHR and the sandbox run on http).
HTTP_ONLY = ["http://127.0.0.1:8000/app/#/interviews/iv-1", "HTTP://localhost/"]
REFUSED = [
    "",
    HOSTILE_URL,
    "JaVaScRiPt:alert(1)",
    "javascript://ehr.example/%0aalert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "ftp://ehr.example/x",
    "//evil.example/x",  # scheme-relative: takes the page's scheme
    "/app/#/interviews",  # relative: no host
    "https:evil.example",  # browsers repair it to https://evil.example/
    "https:/evil.example",
    "https:///evil.example",
    "https://",
    " https://ehr.example/",  # leading space (browsers strip it, so would a naive check)
    "\x00https://ehr.example/",
    "java\tscript:alert(1)",  # browsers drop tabs and newlines inside URLs
    "java\nscript:alert(1)",
    "https://ehr.example/\nx",
    "https://ehr.example/ x",
    "https://ehr.example\u200b/",  # zero-width space
    "https://ehr.example/\u202egnp.exe",  # right-to-left override
    "https://good.example@evil.example/",  # userinfo: reads as good.example
    "https://good.example\\@evil.example/",
    "https:\\\\evil.example",
    'https://ehr.example/"onmouseover="x',
    "https://ehr.example/<script>",
    "https://ehr.example:99999/",
    "https://ehr.example:port/",
    "https://ehr.example:/",
    "https://%65vil.example/",
    "https://ehr.example/" + "a" * 2000,
]


@pytest.mark.parametrize("url", ALLOWED)
def test_https_urls_are_allowed(url: str) -> None:
    assert is_safe_url(url)
    assert is_safe_url(url, allow_http=True)


@pytest.mark.parametrize("url", HTTP_ONLY)
def test_http_urls_only_when_allowed(url: str) -> None:
    assert not is_safe_url(url)
    assert is_safe_url(url, allow_http=True)


@pytest.mark.parametrize("url", REFUSED)
def test_everything_else_is_refused(url: str) -> None:
    assert not is_safe_url(url)
    assert not is_safe_url(url, allow_http=True)


def test_non_strings_are_refused() -> None:
    assert not is_safe_url(None)
    assert not is_safe_url(b"https://ehr.example/")


def test_safe_url_takes_the_first_allowed_candidate() -> None:
    assert safe_url(HOSTILE_URL, None, "", "https://app.example/") == "https://app.example/"
    assert safe_url("http://127.0.0.1/", "https://app.example/") == "https://app.example/"
    assert safe_url("http://127.0.0.1/", allow_http=True) == "http://127.0.0.1/"
    assert safe_url(HOSTILE_URL) == ""
    assert safe_url() == ""


URLISH = st.one_of(
    st.text(max_size=80),
    st.builds(
        str.__add__,
        st.sampled_from(["https://", "http://", "HTTPS://", "javascript://", "https:", "//"]),
        st.text(max_size=40),
    ),
)


@given(URLISH, st.booleans())
@example("javascript:https://ehr.example/", True)
@example(" http://ehr.example/", True)
def test_an_allowed_url_is_an_absolute_web_url_with_a_host(url: str, allow_http: bool) -> None:
    if is_safe_url(url, allow_http=allow_http):
        scheme = url.split("://", 1)[0].lower()
        assert scheme in (("https", "http") if allow_http else ("https",))
        assert not any(ch.isspace() or ord(ch) < 0x20 for ch in url)
        assert "@" not in url.split("://", 1)[1].split("/", 1)[0]


@given(
    st.sampled_from(ALLOWED),
    st.integers(min_value=0, max_value=30),
    st.sampled_from(
        ["\x00", "\t", "\n", "\r", " ", "\x7f", "\u200b", "\u202e", "\ufeff", "\u3000", "\\"]
    ),
)
def test_smuggling_one_invisible_character_into_an_allowed_url_refuses_it(
    url: str, at: int, smuggled: str
) -> None:
    at = min(at, len(url))
    assert not is_safe_url(url[:at] + smuggled + url[at:], allow_http=True)


@given(st.text(max_size=40))
def test_no_scheme_but_http_and_https_passes(rest: str) -> None:
    for scheme in ("javascript", "data", "vbscript", "JavaScript", "blob", "about"):
        assert not is_safe_url(f"{scheme}:{rest}", allow_http=True)
        assert not is_safe_url(f"{scheme}://{rest}", allow_http=True)


# --- markdown -------------------------------------------------------------------------------


def _unescaped(text: str) -> str:
    """What is left of escaped markdown once every backslash escape pair is taken out."""
    return re.sub(r"\\.", "", text, flags=re.DOTALL)


def test_a_hostile_label_renders_as_text() -> None:
    assert escape_markdown(HOSTILE_LABEL) == r"\[点我\]\(javascript:alert\(1\)\)"
    assert escape_markdown("**粗体** # 标题 <font color=red>x</font> `code` ~~删~~ &amp;") == (
        r"\*\*粗体\*\* \# 标题 \<font color=red\>x\</font\> \`code\` \~\~删\~\~ \&amp;"
    )
    assert escape_markdown("沟通表达 夜班适应度 85.5 a=b") == "沟通表达 夜班适应度 85.5 a=b"


def test_line_starts_and_whitespace_cannot_make_structure() -> None:
    assert escape_markdown("1. a\n    code\n===\n\n\n\n> q", multiline=True) == (
        "1\\. a\ncode\n\\===\n\n\\> q"
    )
    assert escape_markdown("a\nb\t\x00c  \u202ed") == "a b c d"


@given(st.text())
@example("[x](javascript:alert(1))")
@example("\\[x](y)")
@example("\\\\[x](y)")
def test_every_markdown_character_is_escaped(text: str) -> None:
    for multiline in (False, True):
        escaped = escape_markdown(text, multiline=multiline)
        assert not SPECIAL & set(_unescaped(escaped)), escaped
        assert "](" not in _unescaped(escaped)


STRUCTURE_FREE = {"paragraph_open", "paragraph_close", "inline", "text", "softbreak"}


def _render(markdown: str) -> tuple[set[str], str]:
    """Token types and the text a CommonMark renderer (with HTML, tables, ~~) makes of it."""
    mdit = pytest.importorskip("markdown_it")
    parser = mdit.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    types, text = set(), []
    for token in parser.parse(markdown):
        types.add(token.type)
        for child in token.children or []:
            types.add(child.type)
            text.append("\n" if child.type == "softbreak" else child.content)
    return types, "".join(text)


@given(st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")), max_size=60))
@example(HOSTILE_LABEL)
@example("<https://evil.example> <b>x</b> &lt; ![i](https://x/i.png) |a|b|\n|-|-|")
@example("1) x")
def test_a_commonmark_renderer_shows_escaped_text_exactly_as_typed(text: str) -> None:
    types, rendered = _render(escape_markdown(text))
    assert types <= STRUCTURE_FREE
    assert rendered == " ".join(
        re.sub("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", "", text).split()
    )


@given(st.text(max_size=80))
@example("a\n===\n- b\n\n    c\n1. d\n> e\n```\nf")
def test_multiline_text_makes_paragraphs_and_nothing_else(text: str) -> None:
    types, _ = _render(escape_markdown(text, multiline=True))
    assert types <= STRUCTURE_FREE


# --- the JavaScript mirror on the H5 page -----------------------------------------------------


def test_the_h5_page_applies_the_same_rule() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    cases = [(url, allow) for url in ALLOWED + HTTP_ONLY + REFUSED for allow in (False, True)]
    script = (
        f"import {{ safeUrl }} from {json.dumps(LINKS_JS.as_uri())};\n"
        f"const cases = {json.dumps(cases)};\n"
        "console.log(JSON.stringify(cases.map(([u, a]) => safeUrl(u, { allowHttp: a }) === u)));"
    )
    answer = subprocess.run(
        [node, "--input-type=module", "-e", script],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    js = json.loads(answer.stdout)
    assert dict(zip(map(tuple, cases), js, strict=True)) == {
        (url, allow): is_safe_url(url, allow_http=allow) for url, allow in cases
    }


# --- cards built from hostile EHR data -------------------------------------------------------

NOW = datetime(2026, 11, 18, 2, tzinfo=UTC)


def _view(**over: Any) -> ScoreView:
    values: dict[str, Any] = {
        "interview_id": "iv-1",
        "candidate_name": "张伟",
        "position": "门店店员",
        "overall": 70.0,
        "dimensions": [Dimension("night_shift", HOSTILE_LABEL, 50, 100)],
        "comments": [("[AI](javascript:x)", "好\n\n# 标题\n[点我](javascript:alert(1))")],
        "report_url": HOSTILE_URL,
        **over,
    }
    return ScoreView(**values)


def _assert_markdown_safe(markdown: str, *, shows: str) -> None:
    """No link, image, HTML or heading in `markdown`, and `shows` appears on the card as typed."""
    assert "](" not in _unescaped(markdown) and "[" not in _unescaped(markdown), markdown
    types, text = _render(markdown)
    assert not {"link_open", "image", "html_inline", "html_block", "heading_open"} & types
    assert shows in text


def test_the_hr_card_reason_shows_a_hostile_label_as_text() -> None:
    explanation = {
        "rule": "dimension_minimum",
        "suggestion": "reject",
        "values": {"overall": 70.0},
        "violations": [{"key": "night_shift", "label": HOSTILE_LABEL, "value": 50, "minimum": 60}],
        "policy": {"scope": "pos-1", "version": 1},
    }
    for lang in ("zh", "en"):
        reason = policy_reason(explanation, lang)
        card = builders.score_hr(_view(), suggestion="reject", reason=reason, lang=lang)
        assert card.data["suggestion_reason"].startswith(escape_markdown(HOSTILE_LABEL) + " 50 ")
        _assert_markdown_safe(card.data["suggestion_reason"], shows=HOSTILE_LABEL)
        assert card.data["report_url"] == ""
    blocked = {"suggestion": "advance", "values": {"overall": 90}, "threshold": 80, "policy": {}}
    reason = policy_reason({**blocked, "blocked_by": [HOSTILE_LABEL]}, "zh")
    _assert_markdown_safe(reason, shows=HOSTILE_LABEL)


def test_the_candidate_card_escapes_comments_and_drops_a_hostile_report_link() -> None:
    card = builders.score_candidate(_view())
    assert card.data["comments"].startswith(r"**\[AI\]\(javascript:x\)**: 好")
    _assert_markdown_safe(card.data["comments"], shows="[AI](javascript:x)")
    _assert_markdown_safe(card.data["comments"], shows="# 标题\n[点我](javascript:alert(1))")
    assert card.data["report_url"] == ""
    assert json.loads(card.data["dimensions"])[0]["name"] == HOSTILE_LABEL  # JSON, not markdown


def test_a_hostile_invitation_url_gives_way_to_the_fallback() -> None:
    app = "http://127.0.0.1:8000/app/#/interviews/iv-1"

    def reminder(url: str | None, *, allow_http: bool) -> str:
        card = builders.invite_reminder(
            candidate_name="张伟",
            position="门店店员",
            deadline=NOW,
            interview_url=url,
            fallback_url=app,
            allow_http=allow_http,
        )
        return card.data["interview_url"]

    assert reminder(HOSTILE_URL, allow_http=True) == app
    assert reminder(None, allow_http=True) == app
    assert reminder("https://ehr.example/ai/1", allow_http=True) == "https://ehr.example/ai/1"
    assert reminder("https://ehr.example/" + "x" * 1200, allow_http=True) == app  # would be cut
    assert reminder(HOSTILE_URL, allow_http=False) == ""  # production: http fallback refused too


def test_every_link_variable_refuses_a_hostile_url() -> None:
    cards = [
        builders.score_candidate(_view(), allow_http=True),
        builders.score_hr(_view(), suggestion="review", reason="", allow_http=True),
        builders.invite_reminder(
            candidate_name="", position="", deadline=None, interview_url=HOSTILE_URL
        ),
        builders.no_show_alert(
            position="",
            period="",
            invited_count=1,
            no_show_count=1,
            names=[],
            dashboard_url=HOSTILE_URL,
            allow_http=True,
        ),
        builders.next_round(
            candidate_name="",
            position="",
            stage="interview",
            contact_name="",
            details_url=HOSTILE_URL,
            allow_http=True,
        ),
        builders.rejection_notice(
            candidate_name="", position="", text="", details_url=HOSTILE_URL, allow_http=True
        ),
        builders.requirement_todo(
            requirement_id="a:k",
            candidate_name="",
            requirement="",
            status="missing",
            due=None,
            upload_url=HOSTILE_URL,
            allow_http=True,
        ),
        builders.requirement_review_hr(
            requirement_id="a:k",
            candidate_name="",
            position="",
            requirement="",
            submitted_at=None,
            file_url=HOSTILE_URL,
            allow_http=True,
        ),
    ]
    templates = Path(__file__).resolve().parents[2] / "cards" / "templates"
    for card in cards:
        spec = json.loads((templates / f"{card.template}.json").read_text(encoding="utf-8"))
        link_vars = {v["name"] for v in spec["variables"] if v["type"] == "url"}
        assert link_vars and link_vars <= card.data.keys()
        assert {name: card.data[name] for name in link_vars} == dict.fromkeys(link_vars, "")
