"""The backend's record of offers (issue 19): the offer with its terms, its history, and the
candidate's signatures. Tables only; services/offers owns the logic.

The EHR holds the offer too (contract v1.1 `offer`), once it is sent: `ehr_offer_id` links ours
to theirs.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, JSONType, utcnow
from storage.sync_models import BigId

# draft -> (pending_approval -> draft | ready) -> sent -> accepted | declined | expired;
# held: HR put it aside (editing or sending takes it up again); withdrawn: HR took it back.
OFFER_STATUSES = (
    "draft",
    "held",
    "pending_approval",
    "sent",
    "accepted",
    "declined",
    "expired",
    "withdrawn",
)
APPROVAL_STATES = ("pending", "approved", "sent_back")


class Offer(Base):
    """One offer per application, drafted once however often the stage event comes."""

    __tablename__ = "offer"
    __table_args__ = (Index("ix_offer_status_expires_at", "status", "expires_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    application_id: Mapped[str] = mapped_column(String(64), unique=True)
    candidate_id: Mapped[str] = mapped_column(String(64), index=True)
    position_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(24), default="draft")  # OFFER_STATUSES
    salary_amount: Mapped[int | None] = mapped_column(Integer)
    salary_currency: Mapped[str] = mapped_column(String(3), default="CNY")
    salary_period: Mapped[str] = mapped_column(String(8), default="month")
    # How the salary was reached ("岗位薪资带 8,000–10,000，综合分 90 → 10,000", or HR's note).
    salary_reason: Mapped[str] = mapped_column(Text, default="")
    # The numbers behind it: score, band, rule, policy scope and version.
    basis: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    start_date: Mapped[date | None] = mapped_column(Date)
    benefits: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    validity_days: Mapped[int] = mapped_column(Integer, default=7)
    expires_at: Mapped[datetime | None]
    # Bumped by every send: the terms shown to the candidate are those of this version.
    terms_version: Mapped[int] = mapped_column(Integer, default=0)
    terms_sha256: Mapped[str | None] = mapped_column(String(64))
    approval_state: Mapped[str | None] = mapped_column(String(16))  # APPROVAL_STATES
    approval_by: Mapped[str | None] = mapped_column(String(64))
    approval_at: Mapped[datetime | None]
    approval_note: Mapped[str | None] = mapped_column(Text)
    ehr_offer_id: Mapped[str | None] = mapped_column(String(64))
    decline_reason: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OfferEvent(Base):
    """The offer's history: drafted, edited, approval asked and answered, sent, answered,
    expired, written to the EHR; who did it and the numbers."""

    __tablename__ = "offer_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    offer_id: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str | None] = mapped_column(String(80))  # staff id, candidate:<id>, system
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OfferSignature(Base):
    """The candidate's acceptance of one version of the terms, click-signed (who, when, from
    where) or signed in a DingTalk e-signature flow (its id), with the SHA-256 of exactly the
    terms shown. A later change of terms voids it."""

    __tablename__ = "offer_signature"
    __table_args__ = (UniqueConstraint("offer_id", "terms_version"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    offer_id: Mapped[str] = mapped_column(String(32), index=True)
    candidate_id: Mapped[str] = mapped_column(String(64))
    terms_version: Mapped[int] = mapped_column(Integer)
    terms_sha256: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(16), default="click")  # click | dingtalk_esign
    esign_flow_id: Mapped[str | None] = mapped_column(String(64))  # the e-signature flow (task)
    client_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[datetime]
    valid: Mapped[bool] = mapped_column(Boolean, default=True)
