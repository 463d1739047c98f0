"""Per-request plumbing of the mini-app API: connections, session, viewer, language, clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask import current_app, g, request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from services.errors import DomainError, Unauthenticated
from services.score_visibility import parse_visibility
from services.sessions import verify_session_token
from services.visibility import Viewer
from storage.runtime import Runtime

if TYPE_CHECKING:
    from clients.dingtalk import DingTalkClient

EXTENSION_KEY = "myinterviews.miniapp_api"


class UpstreamUnavailable(DomainError):
    code = "dingtalk_unavailable"
    http_status = 503


@dataclass
class MiniAppContext:
    runtime: Runtime
    score_policy: frozenset[str]
    # The runtime's pool in autocommit mode, for requests that only read (see `read_db`).
    read_engine: Engine
    _dingtalk: DingTalkClient | None = field(default=None)

    def dingtalk(self) -> DingTalkClient:
        """The app's one DingTalk client, built on first login."""
        if self._dingtalk is None:
            from clients.dingtalk import make_dingtalk_client

            self._dingtalk = make_dingtalk_client(self.runtime.settings, self.runtime.redis)
        return self._dingtalk


def make_context(runtime: Runtime) -> MiniAppContext:
    """Build the mini-app context once per app (policy parsed at start-up, so typos fail early)."""
    policy = parse_visibility(runtime.settings.CANDIDATE_SCORE_VISIBILITY)
    read_engine = runtime.engine.execution_options(isolation_level="AUTOCOMMIT")
    return MiniAppContext(runtime=runtime, score_policy=policy, read_engine=read_engine)


def ctx() -> MiniAppContext:
    context: MiniAppContext = current_app.extensions[EXTENSION_KEY]
    return context


def db() -> Session:
    """The request's session, closed at teardown."""
    if "miniapp_session" not in g:
        g.miniapp_session = ctx().runtime.session_factory()
    session: Session = g.miniapp_session
    return session


def read_db() -> Session:
    """The request's read-only session: autocommit, so reads cost no BEGIN and ROLLBACK.

    On PostgreSQL each statement still sees one consistent snapshot (READ COMMITTED gives a
    transaction nothing more), and no transaction stays open between statements. It shares the
    pool of `db()`; never write through it: autocommit would commit each statement on its own.
    """
    if "miniapp_read_session" not in g:
        g.miniapp_read_session = Session(bind=ctx().read_engine, expire_on_commit=False)
    session: Session = g.miniapp_read_session
    return session


def close_session(_exc: BaseException | None = None) -> None:
    for key in ("miniapp_session", "miniapp_read_session"):
        session = g.pop(key, None)
        if session is not None:
            session.close()


def now() -> datetime:
    return datetime.now(UTC)


def lang() -> str:
    """Label language from Accept-Language: English when asked for, Chinese otherwise."""
    best = request.accept_languages.best_match(["zh", "en"], default="zh")
    return "en" if best == "en" else "zh"


def viewer() -> Viewer:
    """The caller named by the Bearer token, or 401."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("a Bearer session token is required")
    secret = ctx().runtime.settings.require("SECRET_KEY")
    return verify_session_token(secret, token.strip(), now=now())
