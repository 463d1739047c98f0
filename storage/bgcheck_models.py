"""The backend's record of background checks (issue 20). Tables only; services/bgcheck owns the
logic.

The ID-card number lives here only encrypted (`id_number_encrypted`, a Fernet token made with
PII_ENCRYPTION_KEY), only until the check completes or is cancelled: then it is set to NULL.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow

# awaiting_consent -> requested (consent given; the vendor's check is being created)
#   -> in_progress (the vendor has it) -> completed (every item settled) | cancelled
BGCHECK_STATUSES = ("awaiting_consent", "requested", "in_progress", "completed", "cancelled")
BGCHECK_RESULTS = ("clear", "consider")
BGCHECK_DECISIONS = ("pass", "fail")
BGCHECK_ITEM_RESULTS = ("clear", "consider", "pending")


class BackgroundCheck(Base):
    """One check per application, started once the offer is accepted."""

    __tablename__ = "background_check"
    __table_args__ = (Index("ix_background_check_status_updated_at", "status", "updated_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(64), unique=True)
    candidate_id: Mapped[str] = mapped_column(String(64), index=True)
    position_id: Mapped[str] = mapped_column(String(64))
    vendor: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(24), default="awaiting_consent")
    # The vendor's ids: its candidate and its report (the contract's `vendor_reference`).
    vendor_candidate_id: Mapped[str | None] = mapped_column(String(64))
    vendor_reference: Mapped[str | None] = mapped_column(String(64), index=True)
    package: Mapped[str] = mapped_column(String(64), default="standard")
    # [{key, label, result}] as the vendor reports them (BGCHECK_ITEM_RESULTS).
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    result: Mapped[str | None] = mapped_column(String(16))  # BGCHECK_RESULTS
    decision: Mapped[str | None] = mapped_column(String(8))  # BGCHECK_DECISIONS
    decided_by: Mapped[str | None] = mapped_column(String(80))  # staff id, or "system"
    decided_at: Mapped[datetime | None]
    # HR asked the candidate to explain an item; the candidate's answer.
    explanation_requested_at: Mapped[datetime | None]
    explanation: Mapped[str | None] = mapped_column(Text)
    # The consent: when, from where, and the SHA-256 of exactly the text agreed to.
    consent_at: Mapped[datetime | None]
    consent_address: Mapped[str | None] = mapped_column(String(64))
    consent_text_sha256: Mapped[str | None] = mapped_column(String(64))
    id_number_encrypted: Mapped[str | None] = mapped_column(Text)
    previous_employers: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


# planned (waiting for HR to confirm date and place) -> notified (the candidate has the notice)
ONBOARDING_STATUSES = ("planned", "notified", "joined", "cancelled")


class OnboardingNotice(Base):
    """The onboarding notice of an application: due once the check passed (or the offer was
    accepted and no check is asked for); HR confirms date and place, then it is sent."""

    __tablename__ = "onboarding_notice"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(64), unique=True)
    candidate_id: Mapped[str] = mapped_column(String(64), index=True)
    position_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="planned")  # ONBOARDING_STATUSES
    join_date: Mapped[date | None] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(200))
    # [{key, label, status}] what to bring (the contract's `materials`).
    materials: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # [{course_key, course_title, hours, kind, reason}] from the weak AI dimensions.
    training_plan: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    confirmed_by: Mapped[str | None] = mapped_column(String(64))
    notified_at: Mapped[datetime | None]
    # The candidate pressed 我已知悉 on the onboarding page (the escalation ladder stops).
    acknowledged_at: Mapped[datetime | None]
    # DingTalk's pre-entry record (DINGTALK_PREENTRY): its temporary user id once created.
    preentry_user_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TrainingCatalogVersion(Base):
    """One version of the admin's training catalogue: rows of (dimension key, below this score
    -> course key, title, hours, kind). The latest version is in force; none: built-in rows."""

    __tablename__ = "training_catalog_version"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
