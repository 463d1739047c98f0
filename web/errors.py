"""Every error answers {"error": {"code", "message"}}: HTTP errors, domain errors and crashes."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from services.errors import DomainError

log = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str) -> Response:
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    return response


def _http_code(exc: HTTPException) -> str:
    name = (exc.name or "error").lower()
    return "".join(ch if ch.isalnum() else "_" for ch in name).strip("_")


def init_app(app: Flask) -> None:
    """Register the handlers that turn every failure into the JSON error shape."""

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response:
        response = error_response(exc.http_status, exc.code, exc.message)
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        response = error_response(exc.code or 500, _http_code(exc), exc.description or "")
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(OperationalError)
    def _database(exc: OperationalError) -> Response:
        # The database refused or dropped the connection (down, restarting, failing over): the
        # request did nothing, so the client may retry. The pool has replaced the connection.
        log.warning(
            "database unavailable",
            extra={"ctx": {"path": request.path, "error": type(exc.orig).__name__}},
        )
        response = error_response(503, "database_unavailable", "the database is unavailable")
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        # A process boundary: log the path (never the body: it may hold personal data).
        log.exception("unhandled error", extra={"ctx": {"path": request.path}})
        return error_response(500, "internal_error", "internal server error")
