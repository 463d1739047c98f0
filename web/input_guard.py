"""The web process's input boundary: what no route may receive, refused before any view runs.

* Path, query string and headers holding what the database cannot store (NUL, a lone
  surrogate) answer 400 `invalid_input` here, whichever route they reach: a path id or a filter
  is compared with stored text, and PostgreSQL fails the statement on a NUL.
* JSON bodies, wherever a view reads them with `request.get_json`, are parsed by
  `storage.safe_input.loads` (orjson: depth bounded, no NaN, no lone surrogates); a failure is
  the ValueError werkzeug maps to 400 (or to None with `silent=True`). Views that authenticate
  a signature read the raw bytes themselves, before parsing anything.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider

from services.errors import InvalidInput
from storage.safe_input import loads, problem_of


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider with the bounded parser; answers are encoded as before."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s)


def _check_request() -> None:
    problem = (
        problem_of(request.path, where="path")
        or problem_of(
            [part for pair in request.args.items(multi=True) for part in pair], where="query"
        )
        or problem_of([value for _name, value in request.headers.items()], where="header")
    )
    if problem is not None:
        raise InvalidInput(problem, code="invalid_input")


def init_app(app: Flask) -> None:
    """Install the JSON provider and the request check on the web app."""
    app.json = BoundedJSONProvider(app)
    app.before_request(_check_request)
