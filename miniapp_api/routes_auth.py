"""POST /auth/dingtalk: DingTalk free login (auth code -> user -> person) and a session token."""

from __future__ import annotations

import logging

from flask import Blueprint, request

from clients.dingtalk import (
    DingTalkAuthCodeInvalid,
    DingTalkBadRequest,
    DingTalkError,
    DingTalkUser,
)
from miniapp_api import context as c
from miniapp_api.ratelimit import check_login_rate
from miniapp_api.schemas import LoginRequest, LoginResponse
from miniapp_api.spec import endpoint
from services.access.sessions import identify_person, issue_session_token
from services.errors import Unauthenticated
from web_context import db_session, get_runtime

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


def _dingtalk_user(auth_code: str) -> tuple[str, str | None]:
    client = c.ctx().dingtalk()
    try:
        user_id = client.user_id_from_auth_code(auth_code)
    except DingTalkAuthCodeInvalid:
        raise Unauthenticated(
            "the DingTalk auth code is unknown, used or expired", code="invalid_auth_code"
        ) from None
    except DingTalkError as exc:
        log.warning("free login: DingTalk failed: %s", type(exc).__name__)
        raise c.UpstreamUnavailable("DingTalk is unavailable; try again shortly") from None
    try:
        user: DingTalkUser | None = client.get_user(user_id)
    except DingTalkBadRequest as exc:
        # No contact permission or no such detail: staff still log in by user id.
        log.info("free login: user details unavailable: %s", type(exc).__name__)
        user = None
    except DingTalkError as exc:
        log.warning("free login: DingTalk failed: %s", type(exc).__name__)
        raise c.UpstreamUnavailable("DingTalk is unavailable; try again shortly") from None
    return user_id, user.mobile if user else None


@endpoint(
    bp,
    "POST",
    "/auth/dingtalk",
    summary="DingTalk free login: exchange dd.getAuthCode's code for a session token",
    response=LoginResponse,
    body=LoginRequest,
    errors=(401, 403, 429, 503),
    auth=False,
)
def login(body: LoginRequest) -> LoginResponse:
    settings = get_runtime().settings
    check_login_rate(
        get_runtime().redis,
        request.remote_addr or "unknown",
        limit=settings.LOGIN_RATE_LIMIT,
        window_seconds=settings.LOGIN_RATE_WINDOW_SECONDS,
        now=c.now(),
    )
    user_id, mobile = _dingtalk_user(body.auth_code)
    viewer = identify_person(db_session(), user_id, mobile, now=c.now())
    session = issue_session_token(
        settings.require("SECRET_KEY"),
        viewer,
        now=c.now(),
        ttl_seconds=settings.SESSION_TTL_SECONDS,
    )
    return LoginResponse(
        token=session.token,
        expires_at=session.expires_at,
        roles=list(viewer.roles),
        staff_role=viewer.staff_role,
        staff_id=viewer.staff_id,
        candidate_id=viewer.candidate_id,
    )
