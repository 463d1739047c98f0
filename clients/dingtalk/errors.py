"""Typed DingTalk errors: callers branch on the class, never on a None return."""

from __future__ import annotations


class DingTalkError(Exception):
    """A DingTalk call failed; `api` names the operation, `code` DingTalk's error code."""

    retryable = False

    def __init__(
        self, message: str, *, api: str, code: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(f"{api}: {message}")
        self.api = api
        self.code = code
        self.status = status


class DingTalkRateLimited(DingTalkError):
    """Throttled (403 Qps*/429, oapi 90018/90002): back off about a second and retry."""

    retryable = True


class DingTalkTransient(DingTalkError):
    """5xx, gateway timeout, connection reset or timeout, non-JSON body: retry with back-off."""

    retryable = True


class DingTalkAuthError(DingTalkError):
    """Bad app credentials, or a token DingTalk still rejects after one refresh."""


class DingTalkTokenInvalid(DingTalkAuthError):
    """The access token was rejected (expired or revoked); the client refreshes once."""


class DingTalkBadRequest(DingTalkError):
    """A permanent 4xx: the request itself is wrong and retrying will not help."""


class DingTalkPermissionDenied(DingTalkBadRequest):
    """The app lacks a scope (403 AccessTokenPermissionDenied)."""


class DingTalkQuotaExceeded(DingTalkBadRequest):
    """The organisation's monthly API quota is used up (ApiCountLimitForOrg / 90020)."""


class DingTalkAuthCodeInvalid(DingTalkBadRequest):
    """A free-login auth code is unknown, used or expired."""


class DingTalkUserNotFound(DingTalkBadRequest):
    """No DingTalk user with that id or mobile."""


NEW_API_THROTTLE_CODES = frozenset(
    {
        "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
        "Forbidden.AccessDenied.QpsLimitForApi",
    }
)
NEW_API_TOKEN_CODES = frozenset({"InvalidAuthentication"})
OAPI_THROTTLE_CODES = frozenset({90018, 90002})
OAPI_TRANSIENT_CODES = frozenset({15, -1})


def classify_new_api(  # noqa: PLR0911  (a decision table)
    api: str, status: int | None, code: str | None, message: str
) -> DingTalkError:
    """Turn a new-API failure (HTTP status + body code) into the matching typed error."""
    if code in NEW_API_THROTTLE_CODES or status == 429:
        return DingTalkRateLimited(message, api=api, code=code, status=status)
    if code == "Forbidden.AccessDenied.ApiCountLimitForOrg":
        return DingTalkQuotaExceeded(message, api=api, code=code, status=status)
    if code in NEW_API_TOKEN_CODES or (status == 401 and code is not None):
        return DingTalkTokenInvalid(message, api=api, code=code, status=status)
    if code == "invalidClientIdOrSecret":
        return DingTalkAuthError(message, api=api, code=code, status=status)
    if code == "Forbidden.AccessDenied.AccessTokenPermissionDenied":
        return DingTalkPermissionDenied(message, api=api, code=code, status=status)
    if status is None or code is None or status >= 500:
        return DingTalkTransient(message, api=api, code=code, status=status)
    return DingTalkBadRequest(message, api=api, code=code, status=status)


def classify_oapi(  # noqa: PLR0911  (a decision table)
    api: str, errcode: int, sub_code: str | None, message: str
) -> DingTalkError:
    """Turn an oapi errcode (HTTP 200 with errcode != 0) into the matching typed error."""
    code = str(errcode)
    if errcode in OAPI_THROTTLE_CODES:
        return DingTalkRateLimited(message, api=api, code=code)
    if errcode == 90020:
        return DingTalkQuotaExceeded(message, api=api, code=code)
    if errcode == 88 and sub_code in ("40014", "40000"):
        return DingTalkTokenInvalid(message, api=api, code=f"88/{sub_code}")
    if errcode in OAPI_TRANSIENT_CODES or (errcode == 88 and not sub_code):
        return DingTalkTransient(message, api=api, code=code)
    if errcode in (40096, 40035):
        return DingTalkAuthError(message, api=api, code=code)
    if errcode == 40078:
        return DingTalkAuthCodeInvalid(message, api=api, code=code)
    if errcode in (60121, 33012, 60011):
        return DingTalkUserNotFound(message, api=api, code=code)
    return DingTalkBadRequest(message, api=api, code=code)
