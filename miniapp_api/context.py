"""Per-request plumbing of the mini-app API: its read connection, viewer, language, clock.

The runtime and the request's session are web_context's (`get_runtime`, `db_session`); what the
mini-app builds from the runtime once per app (`MiniAppContext`) is kept beside it there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from flask import g, request
from sqlalchemy import Engine
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from clients.dingtalk import DingTalkClient, make_dingtalk_client
from services.access.score_visibility import parse_visibility
from services.access.sessions import ensure_session_current, verify_session_token
from services.access.visibility import Viewer
from services.errors import DomainError, Unauthenticated
from storage.db import make_engine
from storage.fastread import KeptReader, ReadConnection
from storage.runtime import Runtime
from web_context import attached, get_runtime


class UpstreamUnavailable(DomainError):
    code = "dingtalk_unavailable"
    http_status = 503


@dataclass
class MiniAppContext:
    """What the mini-app builds from the runtime once per app."""

    score_policy: frozenset[str]
    # A pool of its own in autocommit mode, for requests that only read (see `read_db`).
    read_engine: Engine
    kept_reader: KeptReader
    _dingtalk: DingTalkClient | None = field(default=None)

    def dingtalk(self) -> DingTalkClient:
        """The app's one DingTalk client, built on first login."""
        if self._dingtalk is None:
            runtime = get_runtime()
            self._dingtalk = make_dingtalk_client(runtime.settings, runtime.redis)
        return self._dingtalk


def make_context(runtime: Runtime) -> MiniAppContext:
    """Build the mini-app context once per app (policy parsed at start-up, so typos fail early)."""
    policy = parse_visibility(runtime.settings.CANDIDATE_SCORE_VISIBILITY)
    # A pool of its own, autocommit from connect: a process opens as many of these connections
    # as it serves candidate reads at once (one per gunicorn sync worker), and keeps one.
    read_engine = make_engine(runtime.settings.require("DATABASE_URL"), autocommit=True)
    kept = KeptReader(read_engine)
    runtime.closers.append(read_engine.dispose)
    runtime.closers.append(kept.close)  # closers run last-added first
    return MiniAppContext(score_policy=policy, read_engine=read_engine, kept_reader=kept)


def ctx() -> MiniAppContext:
    """The current app's mini-app context (kept in web_context by `miniapp_api.init_app`)."""
    return attached(MiniAppContext)


def read_db() -> ReadConnection:
    """The request's read-only connection, for the candidate's two views (`FastRead`).

    A `Connection` of the mini-app's own pool, autocommit from connect: reads cost no BEGIN and
    ROLLBACK, and on PostgreSQL each statement still sees one consistent snapshot (READ
    COMMITTED gives a transaction nothing more). Usually the process's kept reader (no pool
    checkout at all); a request on another thread meanwhile gets one from the pool. Never write
    through it: autocommit would commit each statement on its own.
    """
    if "miniapp_read_conn" not in g:
        context = ctx()
        kept = context.kept_reader.take()
        if kept is not None:
            g.miniapp_kept_reader = context.kept_reader
            g.miniapp_read_conn = kept
        else:  # another thread of this process has the kept one
            g.miniapp_read_conn = ReadConnection(context.read_engine)
    conn: ReadConnection = g.miniapp_read_conn
    return conn


def close_reader(_exc: BaseException | None = None) -> None:
    """Give back (or close) the request's read connection, if it took one."""
    reader = g.pop("miniapp_read_conn", None)
    kept = g.pop("miniapp_kept_reader", None)
    if kept is not None:
        kept.give_back()
    elif reader is not None:
        reader.close()


def now() -> datetime:
    return datetime.now(UTC)


def lang() -> str:
    """Label language from Accept-Language: English when asked for, Chinese otherwise."""
    return _lang_of(request.headers.get("Accept-Language", ""))


@lru_cache(maxsize=256)
def _lang_of(header: str) -> str:
    # A client sends the same header on every request: parse each distinct one once.
    best = parse_accept_header(header, LanguageAccept).best_match(["zh", "en"], default="zh")
    return "en" if best == "en" else "zh"


def viewer() -> Viewer:
    """The caller named by a Bearer token of a session that has not ended, or 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("a Bearer session token is required")
    secret = get_runtime().settings.require("SECRET_KEY")
    caller = verify_session_token(secret, token.strip(), now=now())
    # Staff requests check the session here (one small query beside their dearer ones); a
    # candidate's own views check it inside the query they make anyway, so the hot candidate
    # path pays no extra round trip (services/access/sessions.py).
    if caller.is_staff:
        ensure_session_current(read_db(), caller)
    return caller
