"""The onboarding notice (issue 20): the candidate reads it, ticks what they will bring and
acknowledges it; HR reads it and confirms the join date and place (which sends it); the admin
edits the training catalogue the plan comes from (versioned, with a dry run).

Registered in miniapp_api/__init__.py `_blueprint()`.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Literal

from flask import Blueprint
from pydantic import Field

from miniapp_api import context as c
from miniapp_api.schemas import Model
from miniapp_api.spec import endpoint
from services.onboarding import catalog as cat
from services.onboarding import notice as ob
from services.onboarding.training_plan import NOTHING_WEAK, CourseRow
from storage.bgcheck_models import OnboardingNotice
from web_context import db_session

bp = Blueprint("onboarding", __name__)


class Material(Model):
    key: str
    label: str
    status: str


class PlanItem(Model):
    course_key: str
    course_title: str
    hours: float
    kind: str
    reason: str = Field(description='e.g. "谈判技巧 70 < 75"')


class OnboardingOut(Model):
    application_id: str
    position: str
    status: str
    join_date: date | None
    location: str | None
    materials: list[Material]
    training_plan: list[PlanItem]
    training_note: str = Field(description="A kind sentence when nothing is weak")
    notified_at: datetime | None
    acknowledged_at: datetime | None


class ConfirmRequest(Model):
    join_date: date | None = None
    location: str | None = Field(default=None, max_length=200)


def _out(notice: OnboardingNotice, position: str = "") -> OnboardingOut:
    plan = [PlanItem.model_validate(p) for p in notice.training_plan or []]
    return OnboardingOut(
        application_id=notice.application_id,
        position=position,
        status=notice.status,
        join_date=notice.join_date,
        location=notice.location,
        materials=[Material.model_validate(m) for m in notice.materials or []],
        training_plan=plan,
        training_note="" if plan else NOTHING_WEAK,
        notified_at=notice.notified_at,
        acknowledged_at=notice.acknowledged_at,
    )


@endpoint(bp, "GET", "/me/onboarding", summary="My onboarding notice", response=OnboardingOut)
def my_onboarding() -> OnboardingOut:
    return _out(*ob.my_onboarding(db_session(), c.viewer()))


@endpoint(
    bp,
    "POST",
    "/me/onboarding/acknowledge",
    summary="我已知悉: I have read the notice",
    response=OnboardingOut,
)
def acknowledge() -> OnboardingOut:
    return _out(ob.acknowledge(db_session(), c.viewer(), now=c.now()))


@endpoint(
    bp,
    "POST",
    "/me/onboarding/materials/{key}",
    summary="Tick one thing to bring as ready",
    response=OnboardingOut,
    errors=(409,),
)
def tick(key: str) -> OnboardingOut:
    return _out(ob.tick_material(db_session(), c.viewer(), key, now=c.now()))


@endpoint(
    bp,
    "GET",
    "/hr/applications/{application_id}/onboarding",
    summary="The application's onboarding notice",
    response=OnboardingOut,
)
def hr_onboarding(application_id: str) -> OnboardingOut:
    return _out(ob.get_notice_for_hr(db_session(), c.viewer(), application_id))


@endpoint(
    bp,
    "PUT",
    "/hr/applications/{application_id}/onboarding",
    summary="Confirm the join date and place: the notice goes to the candidate (once)",
    response=OnboardingOut,
    body=ConfirmRequest,
)
def confirm(application_id: str, body: ConfirmRequest) -> OnboardingOut:
    result = ob.confirm_onboarding(
        db_session(),
        c.viewer(),
        application_id,
        join_date=body.join_date,
        location=body.location,
        now=c.now(),
    )
    return _out(result.notice)


# --- the admin's training catalogue ----------------------------------------------------------


class CourseRowIn(Model):
    dimension_key: str = Field(min_length=1, max_length=64)
    below: float = Field(gt=0, le=100, description="a 0-100 score under this is weak")
    course_key: str = Field(min_length=1, max_length=64)
    course_title: str = Field(min_length=1, max_length=200)
    hours: float = Field(gt=0, le=1000)
    kind: Literal["online", "workshop", "mentor"]


class TrainingCatalog(Model):
    version: int = Field(description="0: the built-in rows; a PUT names the version it edits")
    rows: list[CourseRowIn] = Field(max_length=200)
    updated_by: str | None = None
    updated_at: datetime | None = None


class CatalogRows(Model):
    rows: list[CourseRowIn] = Field(max_length=200)


class HirePlanOut(Model):
    application_id: str
    candidate_name: str
    plan: list[PlanItem]


class DryRunOut(Model):
    hires: list[HirePlanOut]


def _catalog_out(view: cat.CatalogView) -> TrainingCatalog:
    rows = [CourseRowIn.model_validate(asdict(r)) for r in view.rows]
    return TrainingCatalog(
        version=view.version, rows=rows, updated_by=view.updated_by, updated_at=view.updated_at
    )


def _rows_in(rows: list[CourseRowIn]) -> list[CourseRow]:
    return [CourseRow(**r.model_dump()) for r in rows]


@endpoint(
    bp,
    "GET",
    "/admin/training-catalog",
    summary="The training catalogue in force: weak dimension -> course (admin)",
    response=TrainingCatalog,
)
def training_catalog() -> TrainingCatalog:
    return _catalog_out(cat.get_catalog_for_admin(db_session(), c.viewer()))


@endpoint(
    bp,
    "PUT",
    "/admin/training-catalog",
    summary="Store a new version of the training catalogue (names the version it edits; admin)",
    response=TrainingCatalog,
    body=TrainingCatalog,
    errors=(409,),
)
def put_training_catalog(body: TrainingCatalog) -> TrainingCatalog:
    view = cat.replace_catalog(
        db_session(), c.viewer(), _rows_in(body.rows), base_version=body.version, now=c.now()
    )
    return _catalog_out(view)


@endpoint(
    bp,
    "POST",
    "/admin/training-catalog/dry-run",
    summary="The plans these rows would give the most recent hires (admin)",
    response=DryRunOut,
    body=CatalogRows,
)
def dry_run(body: CatalogRows) -> DryRunOut:
    hires = cat.dry_run_catalog(db_session(), c.viewer(), _rows_in(body.rows))
    return DryRunOut(
        hires=[
            HirePlanOut(
                application_id=h.application_id,
                candidate_name=h.candidate_name,
                plan=[PlanItem.model_validate(p) for p in h.plan],
            )
            for h in hires
        ]
    )
