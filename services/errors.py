"""Domain errors, mapped to HTTP in web/errors.py and to card/ack answers in bot/."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    code = "domain_error"
    http_status = 400
    # Seconds after which a retry may succeed (HTTP Retry-After); None: retrying will not help.
    retry_after: int | None = None

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidInput(DomainError):
    code = "invalid_input"
    http_status = 400


class Unauthenticated(DomainError):
    code = "unauthenticated"
    http_status = 401


class Forbidden(DomainError):
    code = "forbidden"
    http_status = 403


class NotFound(DomainError):
    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    code = "conflict"
    http_status = 409


class RateLimited(DomainError):
    code = "rate_limited"
    http_status = 429
