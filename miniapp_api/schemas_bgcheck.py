"""Request and response shapes of the background-check endpoints (routes_bgcheck.py).

No shape carries the ID-card number: `id_number_on_file` says only whether it is still kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from miniapp_api.schemas import Model
from services.bgcheck import state as st
from storage.bgcheck_models import BackgroundCheck


class Item(Model):
    key: str
    label: str
    result: Literal["clear", "consider", "pending"]


class Employer(Model):
    name: str = Field(min_length=1, max_length=200)
    from_: str | None = Field(default=None, alias="from", max_length=10)
    to: str | None = Field(default=None, max_length=10)


class CheckOut(Model):
    application_id: str
    vendor: str
    status: Literal["awaiting_consent", "requested", "in_progress", "completed", "cancelled"]
    items: list[Item]
    result: Literal["clear", "consider"] | None
    decision: Literal["pass", "fail"] | None
    consent_text: str
    consent_sha256: str = Field(description="SHA-256 of consent_text; consent names it")
    consent_at: datetime | None
    id_number_on_file: bool = Field(description="Only whether it is kept; never the number")
    previous_employers: list[dict[str, str | None]]
    explanation_requested: bool
    explanation: str | None


class ConsentRequest(Model):
    agree: bool = Field(description="An explicit yes")
    consent_sha256: str = Field(min_length=64, max_length=64)
    id_number: str = Field(min_length=18, max_length=18)
    previous_employers: list[Employer] = Field(default_factory=list, max_length=10)


class ExplanationRequest(Model):
    text: str = Field(min_length=1, max_length=2000)


class DecisionRequest(Model):
    decision: Literal["pass", "fail", "ask"]


class DecisionOut(Model):
    outcome: Literal["done", "duplicate", "already_decided"]
    decision: Literal["pass", "fail", "ask"]
    decided_by: str


def check_out(check: BackgroundCheck) -> CheckOut:
    return CheckOut(
        application_id=check.application_id,
        vendor=check.vendor,
        status=check.status,
        items=[Item.model_validate(i) for i in check.items or []],
        result=check.result,
        decision=check.decision,
        consent_text=st.CONSENT_TEXT,
        consent_sha256=st.CONSENT_SHA256,
        consent_at=check.consent_at,
        id_number_on_file=check.id_number_encrypted is not None,
        previous_employers=list(check.previous_employers or []),
        explanation_requested=check.explanation_requested_at is not None,
        explanation=check.explanation,
    )
