"""Mini-app sessions: who a DingTalk user is here, and the signed token that says so.

A session ends with the person's membership, at the next request: when the DingTalk user
leaves the organisation (`revoke_user_sessions` writes a "void before" time for the user,
compared with the token's issue time) and when the EHR tombstones their candidate or staff row.
The candidate views check this inside the one query they make anyway (the scope in
access/visibility.py), and only when it returns nothing ask `ensure_session_current` whether
the session ended; staff requests ask it once per request (miniapp_api/context.py), beside
queries far dearer than it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import String, bindparam, exists, false, func, or_, select
from sqlalchemy.orm import Session

from services.access.visibility import CANDIDATE, STAFF, Viewer, session_params, session_still_valid
from services.ehr.local_changes import set_candidate_link
from services.errors import Forbidden, Unauthenticated
from storage.action_models import SessionRevocation
from storage.db import unit_of_work
from storage.fastread import FastRead, Reader
from storage.models import Candidate, Staff

log = logging.getLogger(__name__)

TOKEN_SALT = "miniapp-session-v1"  # noqa: S105 (a namespace, not a secret)


@dataclass(frozen=True)
class SessionToken:
    token: str
    expires_at: datetime
    viewer: Viewer


def normalise_mobile(mobile: str | None) -> str | None:
    """Reduce a mainland mobile to its 11 national digits; keep other numbers' digits only."""
    if not mobile:
        return None
    digits = re.sub(r"\D", "", mobile)
    for prefix in ("0086", "86"):
        if len(digits) == len(prefix) + 11 and digits.startswith(prefix):
            digits = digits[len(prefix) :]
    return digits or None


def _stored_mobile_digits() -> Any:
    # Portable (PostgreSQL and SQLite) removal of the separators EHRs commonly store.
    expr: Any = Candidate.mobile
    for char in (" ", "-", "+", "(", ")"):
        expr = func.replace(expr, char, "")
    return expr


def _find_candidate_by_mobile(session: Session, mobile: str) -> Candidate | None:
    variants = [mobile, "86" + mobile, "0086" + mobile]
    matches = list(
        session.scalars(
            select(Candidate)
            .where(Candidate.deleted.is_(false()), _stored_mobile_digits().in_(variants))
            .limit(2)
        )
    )
    # Two candidates sharing a number is ambiguous: never guess whose results to show.
    return matches[0] if len(matches) == 1 else None


def _link_candidate(session: Session, candidate: Candidate, user_id: str, now: datetime) -> None:
    reason = "mini-app first login: DingTalk user's mobile matched the candidate's"
    set_candidate_link(session, candidate, user_id, now=now, reason=reason)
    log.info("linked candidate %s to a DingTalk user on first login", candidate.id)


def identify_person(session: Session, user_id: str, mobile: str | None, *, now: datetime) -> Viewer:
    """Find the staff member and/or candidate behind a DingTalk user, linking by mobile once."""
    with unit_of_work(session):
        staff = session.scalars(
            select(Staff).where(Staff.dingtalk_user_id == user_id, Staff.deleted.is_(false()))
        ).first()
        candidate = session.scalars(
            select(Candidate).where(
                Candidate.deleted.is_(false()),
                or_(
                    Candidate.dingtalk_user_id == user_id,
                    Candidate.linked_dingtalk_user_id == user_id,
                ),
            )
        ).first()
        normalised = normalise_mobile(mobile)
        if candidate is None and normalised:
            match = _find_candidate_by_mobile(session, normalised)
            if match is not None and match.effective_dingtalk_user_id is None:
                _link_candidate(session, match, user_id, now)
                candidate = match
        if staff is None and candidate is None:
            raise Forbidden(
                "this DingTalk account is neither a candidate nor HR staff known to the EHR",
                code="unknown_person",
            )
        roles = tuple(r for r, present in ((CANDIDATE, candidate), (STAFF, staff)) if present)
        return Viewer(
            dingtalk_user_id=user_id,
            staff_id=staff.id if staff else None,
            staff_role=staff.role if staff else None,
            candidate_id=candidate.id if candidate else None,
            roles=roles,
        )


def issue_session_token(
    secret: str, viewer: Viewer, *, now: datetime, ttl_seconds: int
) -> SessionToken:
    """Sign the viewer's identity and roles with an expiry."""
    expires_at = now + timedelta(seconds=ttl_seconds)
    claims = {
        "uid": viewer.dingtalk_user_id,
        "sid": viewer.staff_id,
        "srole": viewer.staff_role,
        "cid": viewer.candidate_id,
        "roles": list(viewer.roles),
        # Issued-at, compared with the user's revocation time (seconds, rounded down: a token
        # issued in the second of a revocation counts as before it, the safe side).
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    token = _serializer(secret).dumps(claims)
    return SessionToken(token=token, expires_at=expires_at, viewer=viewer)


@lru_cache(maxsize=4)
def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=TOKEN_SALT)


# Every request presents its token; a mini-app user sends the same one for hours. The signature
# and claims of a token string never change, so each is checked once per process (bounded LRU)
# and only the expiry is compared on each request.
@lru_cache(maxsize=4096)
def _verified(secret: str, token: str) -> tuple[int, Viewer]:
    try:
        claims = _serializer(secret).loads(token)
    except BadSignature:
        raise Unauthenticated("session token is invalid", code="invalid_token") from None
    if not isinstance(claims, dict) or not isinstance(claims.get("exp"), int):
        raise Unauthenticated("session token is invalid", code="invalid_token")
    issued_at = claims.get("iat")
    viewer = Viewer(
        dingtalk_user_id=claims.get("uid"),
        staff_id=claims.get("sid"),
        staff_role=claims.get("srole"),
        candidate_id=claims.get("cid"),
        roles=tuple(claims.get("roles") or ()),
        # Tokens from before issued-at existed count as issued at the epoch: valid until they
        # expire (no one is logged out by the upgrade) unless their user's sessions were
        # revoked since, whenever that was.
        issued_at=issued_at if isinstance(issued_at, int) else 0,
    )
    return claims["exp"], viewer


def verify_session_token(secret: str, token: str, *, now: datetime) -> Viewer:
    """Return the viewer a token names, or Unauthenticated for a tampered or expired token."""
    expires, viewer = _verified(secret, token)
    if expires <= now.timestamp():
        raise Unauthenticated("session token has expired", code="token_expired")
    return viewer


def revoke_user_sessions(session: Session, user_id: str, *, now: datetime, reason: str) -> None:
    """Void every mini-app session of a DingTalk user issued until now (inside the caller's
    unit of work, so the revocation commits with the change that caused it)."""
    row = session.get(SessionRevocation, user_id)
    if row is None:
        session.add(SessionRevocation(dingtalk_user_id=user_id, revoked_at=now, reason=reason))
    elif row.revoked_at < now:
        row.revoked_at, row.reason = now, reason
    log.info("mini-app sessions of a DingTalk user revoked", extra={"ctx": {"reason": reason}})


_CANDIDATE = Candidate.__table__
_STAFF = Staff.__table__


@cache
def _session_check() -> FastRead:
    # One row, three answers: built once, one round trip (see the module docstring for when).
    def live(table: Any, param: str) -> Any:
        return exists().where(
            table.c.id == bindparam(param, type_=String), table.c.deleted.is_(false())
        )

    return FastRead(
        select(
            session_still_valid().label("valid"),
            live(_CANDIDATE, "check_candidate_id").label("candidate_live"),
            live(_STAFF, "check_staff_id").label("staff_live"),
        )
    )


def ensure_session_current(reader: Reader, viewer: Viewer) -> None:
    """Refuse (401) a session that ended: its user left, or its candidate or staff row is gone.

    A viewer not from a session token (a chat message, a card click) was identified just now
    from the live rows and passes.
    """
    if viewer.issued_at is None:
        return
    params = {
        **session_params(viewer),
        "check_candidate_id": viewer.candidate_id,
        "check_staff_id": viewer.staff_id,
    }
    row = _session_check().all(reader, params)[0]
    ended = (
        not row.valid
        or (viewer.candidate_id is not None and not row.candidate_live)
        or (viewer.staff_id is not None and not row.staff_live)
    )
    if ended:
        raise Unauthenticated("this session has ended: log in again", code="session_ended")
