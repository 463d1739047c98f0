"""The demo organisation's people in the cache, one scored application, and its score cards sent
through the real delivery job (so the sandbox holds real cards to click)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from jobs.notify import deliver_outbox_event
from services.notify.planning import out_track_id
from services.notify.recipients import Recipient
from storage.models import Application
from storage.runtime import Runtime
from storage.sync_models import OutboxEvent
from tests import factories as f

NOW = datetime.now(UTC).replace(microsecond=0)
HR_LI, HR_WANG, HR_SUN, MGR_ZHAO = "hr_lina", "hr_wangqiang", "hr_sunli", "mgr_zhaomin"
STAFF_IDS = {HR_LI: "st-hr-li", HR_WANG: "st-hr-wang", HR_SUN: "st-hr-sun", MGR_ZHAO: "st-mgr-zhao"}


def seed_people(runtime: Runtime) -> None:
    with runtime.session_factory() as s:
        f.department(s, "d-root")
        f.department(s, "d-retail", "d-root")
        f.department(s, "d-retail-east", "d-retail")
        f.department(s, "d-logistics", "d-root")
        f.staff(s, "st-hr-li", "hr_specialist", uid=HR_LI, name="李娜", departments=["d-retail"])
        f.staff(s, "st-hr-wang", "hr_specialist", uid=HR_WANG, name="王强")
        f.staff(s, "st-hr-sun", "hr_specialist", uid=HR_SUN, name="孙丽")
        f.staff(
            s,
            "st-mgr-zhao",
            "recruiting_manager",
            uid=MGR_ZHAO,
            name="赵敏",
            departments=["d-retail"],
        )
        f.position(
            s,
            "pos-store-night",
            "d-retail-east",
            owners=["st-hr-li", "st-hr-wang"],
            title="门店店员（夜班）",
        )
        f.position(s, "pos-warehouse", "d-logistics", owners=["st-hr-sun"], title="仓库拣货员")
        f.candidate(s, "cand-01", uid="cand_01", name="张伟")
        f.candidate(s, "cand-02", uid="cand_02", name="王芳")
        s.commit()


def ehr_application(app_id: str, candidate: str, stage: str, version: int = 1) -> dict[str, Any]:
    return {
        "id": f"evt-seed-{app_id}-{version}",
        "type": "application.upserted",
        "occurred_at": NOW.isoformat(),
        "data": {
            "id": app_id,
            "version": version,
            "candidate_id": candidate,
            "position_id": "pos-store-night",
            "stage": stage,
            "stage_changed_at": NOW.isoformat(),
            "requirements": [],
        },
    }


def ehr_interview(iv_id: str, app_id: str, status: str) -> dict[str, Any]:
    return {
        "id": f"evt-seed-{iv_id}",
        "type": "interview.upserted",
        "occurred_at": NOW.isoformat(),
        "data": {
            "id": iv_id,
            "version": 1,
            "application_id": app_id,
            "round": 1,
            "kind": "ai",
            "status": status,
            "interviewer_names": [],
            "deadline_at": (NOW + timedelta(hours=2)).isoformat(),
        },
    }


def scored_application(
    runtime: Runtime,
    ehr: Any,
    *,
    app_id: str = "app-1",
    candidate: str = "cand-01",
    ehr_stage: str = "ai_interview",
    requirements: tuple[tuple[str, str], ...] = (),
) -> str:
    """An application with a published score; returns the score id. The EHR knows it too."""
    iv_id, score_id = f"iv-{app_id}", f"sc-{app_id}"
    with runtime.session_factory() as s:
        f.application(s, app_id, candidate, "pos-store-night", requirements=requirements)
        f.interview(s, iv_id, app_id, status="completed")
        f.score(s, score_id, iv_id, 86.0, dimensions={"comm": 90, "exp": 70})
        s.commit()
    events = [
        ehr_application(app_id, candidate, ehr_stage),
        ehr_interview(iv_id, app_id, "completed"),
    ]
    ehr.post("/_demo/events", {"events": events, "push": False})
    return score_id


def send_score_cards(runtime: Runtime, score_id: str) -> int:
    with runtime.session_factory() as s:
        row = OutboxEvent(
            kind="score.published",
            entity_kind="score",
            entity_id=score_id,
            entity_version=1,
            dedupe_key=f"test-score-{score_id}",
            payload={},
        )
        s.add(row)
        s.commit()
        outbox_id = row.id
    return deliver_outbox_event(outbox_id)


def hr_card(score_id: str, userid: str) -> str:
    return out_track_id(f"score-{score_id}", Recipient("staff", STAFF_IDS[userid], userid, ""))


def stage_of(runtime: Runtime, app_id: str) -> str:
    with runtime.session_factory() as s:
        application = s.get(Application, app_id)
        assert application is not None
        return application.stage
