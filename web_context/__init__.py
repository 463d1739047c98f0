"""The web process's shared state: its Runtime, under one extension key, and the request's
database session, closed at teardown (the Flask tutorial's `db.py`).

A leaf below every HTTP transport: the factory (`web.app`), web's own blueprints and CLI
groups, the mini-app API and the DingTalk HTTP callbacks import it, and it imports none of
them, so nothing needs the factory's module. It sits outside `web/` because `web/` is the top
layer, which the transports may not import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar, cast

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from storage.runtime import Runtime

EXTENSION_KEY = "myinterviews"
T = TypeVar("T")


@dataclass
class WebState:
    """What `app.extensions[EXTENSION_KEY]` holds: the runtime, and what a transport builds
    from it once per app (keyed by its type, e.g. the mini-app's read pool and score policy)."""

    runtime: Runtime
    attached: dict[type, object] = field(default_factory=dict)


def init_app(app: Flask, runtime: Runtime) -> None:
    """Keep `runtime` on the app and close each request's session at teardown."""
    app.extensions[EXTENSION_KEY] = WebState(runtime)
    app.teardown_appcontext(close_db_session)


def _state(app: Flask) -> WebState:
    state: WebState = app.extensions[EXTENSION_KEY]
    return state


def get_runtime(app: Flask | None = None) -> Runtime:
    """The app's runtime (the current app's by default)."""
    return _state(app or current_app).runtime


def attach(app: Flask, value: object) -> None:
    """Keep a transport's per-app state beside the runtime, found again by `attached(type)`."""
    _state(app).attached[type(value)] = value


def attached(kind: type[T]) -> T:
    """The current app's state of this type, kept by `attach` when the app was built."""
    return cast(T, _state(current_app).attached[kind])


def db_session() -> Session:
    """The request's session, closed at teardown; services commit through unit_of_work."""
    if "db_session" not in g:
        g.db_session = get_runtime().session_factory()
    session: Session = g.db_session
    return session


def close_db_session(_exc: BaseException | None = None) -> None:
    """Close the request's session, if it opened one."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
