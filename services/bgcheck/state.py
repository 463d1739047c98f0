"""The background check's shared words: the consent text and its hash, the items checked, the
outbox helper and the look-ups every use case makes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.bgcheck_models import BackgroundCheck
from storage.sync_models import OutboxEvent

# What the consent page shows and the candidate agrees to; its SHA-256 is recorded with the
# consent, so a later change of the text is a new consent.
CONSENT_TEXT = (
    "本人同意贵公司委托第三方背景调查机构，为录用目的核验本人的身份信息、学历信息、"
    "工作经历及法院公开记录。本人提供的身份证号码仅用于本次背景调查，"
    "以加密方式保存，调查完成或取消后立即删除。本人可随时撤回同意，撤回前的处理不受影响。"
)
CONSENT_SHA256 = hashlib.sha256(CONSENT_TEXT.encode()).hexdigest()
# What the check covers (the vendor's `standard` package names the same items).
ITEMS: tuple[tuple[str, str], ...] = (
    ("identity", "身份核验"),
    ("education", "学历核验"),
    ("employment", "工作经历核验"),
    ("court_records", "法院记录"),
)
MAX_EMPLOYERS = 10
OPEN_STATUSES = ("awaiting_consent", "requested", "in_progress")
ENDED_STATUSES = ("completed", "cancelled")


def new_id() -> str:
    return "bgc-" + secrets.token_hex(8)


def check_of_application(
    session: Session, application_id: str, *, lock: bool = False
) -> BackgroundCheck | None:
    query = select(BackgroundCheck).where(BackgroundCheck.application_id == application_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalars(query).first()


def lock_check(session: Session, check_id: str) -> BackgroundCheck | None:
    query = select(BackgroundCheck).where(BackgroundCheck.id == check_id)
    return session.scalars(
        query.with_for_update().execution_options(populate_existing=True)
    ).first()


def outbox(
    session: Session, check: BackgroundCheck, kind: str, key: str, now: datetime, **extra: Any
) -> bool:
    """The check's outbox row under `key`, once; ids and the step's state only."""
    if session.scalar(select(OutboxEvent.id).where(OutboxEvent.dedupe_key == key)):
        return False
    session.add(
        OutboxEvent(
            kind=kind,
            entity_kind="background_check",
            entity_id=check.id,
            dedupe_key=key,
            created_at=now,
            payload={
                "check_id": check.id,
                "application_id": check.application_id,
                "candidate_id": check.candidate_id,
                "position_id": check.position_id,
                **extra,
            },
        )
    )
    session.flush()
    return True


def step_of(check: BackgroundCheck) -> dict[str, Any]:
    """The check as the EHR's write-back reports it at this step (contract v1.1)."""
    return {
        "status": check.status,
        "result": check.result,
        "items": [dict(i) for i in check.items or []],
        "decision": check.decision,
    }


def erase_pii(check: BackgroundCheck) -> None:
    """The check has ended: the ID-card number goes (the contract keeps it only until then)."""
    check.id_number_encrypted = None
