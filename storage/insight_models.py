"""The backend's own records of issue 21 (feedback catalogue, training follow-up).

Tables only; services/insight owns the logic. None of this is EHR data: the EHR sends the
training progress and performance reviews themselves (storage/models.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow


class FeedbackCatalogEntry(Base):
    """An admin's suggestion for one AI dimension, in Chinese and English; a dimension without
    a row uses the built-in default (services/insight/catalog.py)."""

    __tablename__ = "feedback_catalog_entry"

    dimension_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    suggestion_zh: Mapped[str] = mapped_column(Text)
    suggestion_en: Mapped[str] = mapped_column(Text)
    # A growth suggestion (a course of the training catalogue, say); optional.
    growth_zh: Mapped[str | None] = mapped_column(Text)
    growth_en: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TrainingFollowup(Base):
    """HR's follow-up of one course of one new hire: the due date (set from the policy when the
    course is first seen, extended by HR), the alerts already sent, coaching and a note."""

    __tablename__ = "training_followup"

    application_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    course_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    due_at: Mapped[datetime]
    # When the alert for each threshold went out; cleared by an extension of the due date.
    completion_alerted_at: Mapped[datetime | None]
    exam_alerted_at: Mapped[datetime | None]
    coaching_added_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
