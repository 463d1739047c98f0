"""The demo scenario: the demo org's two positions, 20 candidates in AI interviews, their scores.

Built from sandbox/demo_org.json, so the people are the DingTalk sandbox's. Outcomes per
candidate (store night shift: cand-01..10, warehouse: cand-11..20):
attended with a published score: 01-08, 11-14 (cand-01's score is later revised, cand-02's stays
a draft for a day first); invited and never opened: 09, 10, 15; opened only: 16, 17;
no-show: 18, 19, 20. cand-03 is missing the health certificate the night-shift store requires.
cand-07 was advanced to the interview stage and has a second round, onsite, tomorrow at 10:00
Asia/Shanghai for 60 minutes, with the two interviewers of the East China stores (contract v1.1);
cand-05 was advanced too, and her video round with them ended a few hours ago (feedback due).
The positions carry salary bands and benefits (contract v1.1); cand-13 (warehouse, 93) passed
her rounds and was moved to the offer stage, so the backend drafts her offer (issue 19).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sandbox.ehr import events as ev

DEFAULT_ORG = Path(__file__).resolve().parents[1] / "demo_org.json"
BATCH = "2026-11-AI-1"
ATTENDED = {1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14}
OPENED_ONLY = {16, 17}
NO_SHOW = {18, 19, 20}
ADVANCED = 7
HELD = 5  # advanced too; their second round took place a few hours ago
SHANGHAI = ZoneInfo("Asia/Shanghai")
OFFERED = 13  # moved to the offer stage after her rounds
# Contract v1.1 `position.salary_band` and `position.benefits` of the demo positions.
SALARY_BANDS = {
    "pos-store-night": {"min": 5000, "max": 6500, "currency": "CNY", "period": "month"},
    "pos-warehouse": {"min": 6000, "max": 7500, "currency": "CNY", "period": "month"},
}
BENEFITS = [
    {"key": "meal", "label": "餐补", "value": "每月 600 元"},
    {"key": "insurance", "label": "五险一金", "value": "按实际工资缴纳"},
    {"key": "night", "label": "夜班津贴", "value": "每晚 50 元"},
]
OVERALL = {1: 86, 2: 74, 3: 91, 4: 68, 5: 82, 6: 59, 7: 88, 8: 77, 11: 84, 12: 71, 13: 93, 14: 65}


def load_org(path: str | Path = DEFAULT_ORG) -> dict[str, Any]:
    return dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _org_events(org: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for d in org["departments"]:
        out.append(
            ev.event(
                "department",
                {"id": d["ehr_id"], "version": 1, "name": d["name"], "parent_id": d["parent"]},
            )
        )
    for s in list(org["staff"]):
        out.append(
            ev.event(
                "staff",
                {
                    "id": s["ehr_id"],
                    "version": 1,
                    "name": s["name"],
                    "dingtalk_user_id": s["dingtalk_userid"],
                    "role": s["role"],
                    "department_ids": s["departments"],
                },
            )
        )
    for p in org["positions"]:
        out.append(
            ev.event(
                "position",
                {
                    "id": p["ehr_id"],
                    "version": 1,
                    "title": p["title"],
                    "department_id": p["department"],
                    "hr_owner_ids": p["hr_owners"],
                    "salary_band": SALARY_BANDS.get(p["ehr_id"]),
                    "benefits": BENEFITS if p["ehr_id"] in SALARY_BANDS else None,
                },
            )
        )
    return out


def _interview_progress(n: int, iv: dict[str, Any], t0: Any) -> list[dict[str, Any]]:
    """What happens to candidate n's AI interview after the invitation: opened, attended and
    scored (a draft, then published; candidate 1's revised), or missed."""
    out: list[dict[str, Any]] = []
    iv_id, sc_id = iv["id"], f"sc-{n:02d}"
    version = 1
    if n in ATTENDED | OPENED_ONLY:
        version += 1
        opened = t0 + timedelta(hours=2)
        iv = {**iv, "version": version, "status": "opened", "opened_at": ev.iso(opened)}
        out.append(ev.event("interview", iv, occurred_at=opened))
    if n in ATTENDED:
        version += 1
        attended = t0 + timedelta(hours=3)
        iv = {**iv, "version": version, "status": "attended", "attended_at": ev.iso(attended)}
        out.append(ev.event("interview", iv, occurred_at=attended))
        scored = t0 + timedelta(days=1)
        draft = ev.score(sc_id, 1, interview_id=iv_id, overall=OVERALL[n], status="draft")
        out.append(ev.event("score", draft, occurred_at=scored))
        published = ev.score(sc_id, 2, interview_id=iv_id, overall=OVERALL[n])
        out.append(ev.event("score", published, occurred_at=scored + timedelta(hours=1)))
        if n == 1:
            revised = ev.score(
                sc_id, 3, interview_id=iv_id, overall=OVERALL[n] - 3, status="revised"
            )
            out.append(ev.event("score", revised, occurred_at=scored + timedelta(days=1)))
    if n in NO_SHOW:
        missed = t0 + timedelta(days=3, minutes=1)
        iv = {**iv, "version": version + 1, "status": "no_show"}
        out.append(ev.event("interview", iv, occurred_at=missed))
    return out


def _candidate_events(c: dict[str, Any], n: int, position_id: str) -> list[dict[str, Any]]:
    t0 = ev.BASE_TIME + timedelta(minutes=n)
    cand = {
        "id": c["ehr_id"],
        "version": 1,
        "name": c["name"],
        "mobile": c["mobile"],
        "email": None,
        "education": c["education"],
        "resume_url": None,
        "dingtalk_user_id": c["dingtalk_userid"] if c["ehr_knows_dingtalk_userid"] else None,
    }
    app_id, iv_id = f"app-{n:02d}", f"iv-{n:02d}"
    reqs = []
    if position_id == "pos-store-night":
        status = "missing" if n == 3 else "approved"
        reqs = [{"key": "health_cert", "label": "健康证", "status": status}]
    app = ev.application(
        app_id,
        candidate_id=c["ehr_id"],
        position_id=position_id,
        batch=BATCH,
        stage_changed_at=ev.iso(t0),
        requirements=reqs,
    )
    out = [
        ev.event("candidate", cand, occurred_at=t0),
        ev.event("application", app, occurred_at=t0),
    ]
    iv = ev.interview(
        iv_id,
        application_id=app_id,
        invited_at=ev.iso(t0),
        deadline_at=ev.iso(t0 + timedelta(days=3)),
    )
    out.append(ev.event("interview", iv, occurred_at=t0))
    out += _interview_progress(n, iv, t0)
    return out


def _next_round(
    org: dict[str, Any], n: int, start: datetime, **round_fields: Any
) -> list[dict[str, Any]]:
    """Candidate n advanced to the interview stage, and their second round at `start` with the
    two interviewers of the East China stores."""
    advanced = ev.BASE_TIME + timedelta(days=2, minutes=n)
    app = ev.application(
        f"app-{n:02d}",
        2,
        candidate_id=org["candidates"][n - 1]["ehr_id"],
        position_id="pos-store-night",
        batch=BATCH,
        stage="interview",
        stage_changed_at=ev.iso(advanced),
        requirements=[{"key": "health_cert", "label": "健康证", "status": "approved"}],
    )
    interviewers = [s for s in org["staff"] if s["role"] == "interviewer"]
    east = [s for s in interviewers if "d-retail-east" in s["departments"]][:2] or interviewers[:2]
    fields: dict[str, Any] = {"location": None, "meeting_url": None, **round_fields}
    iv = ev.interview(
        f"iv-{n:02d}-r2",
        application_id=app["id"],
        round=2,
        scheduled_at=ev.iso(start),
        deadline_at=None,
        invitation_url=None,
        invited_at=None,
        duration_minutes=60,
        interviewer_ids=[s["ehr_id"] for s in east],
        interviewer_names=[s["name"] for s in east],
        cancel_reason=None,
        **fields,
    )
    return [
        ev.event("application", app, occurred_at=advanced),
        ev.event("interview", iv, occurred_at=advanced + timedelta(minutes=5)),
    ]


def _second_rounds(org: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """cand-07's onsite round tomorrow at 10:00 in Shanghai (for the briefing), and cand-05's
    video round that ended at least two hours ago (for feedback), whatever the time of day."""
    tomorrow = now.astimezone(SHANGHAI).date() + timedelta(days=1)
    upcoming = datetime.combine(tomorrow, time(10, 0), tzinfo=SHANGHAI).astimezone(UTC)
    held = (now - timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    return [
        *_next_round(
            org, ADVANCED, upcoming, kind="onsite", status="scheduled",
            location="华东门店 · 南京西路店 二楼会议室",
        ),
        *_next_round(
            org, HELD, held, kind="video", status="completed",
            meeting_url="https://meeting.dingtalk.com/j/demo-round-2",
        ),
    ]  # fmt: skip


def _offer_stage(org: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    """cand-13 moved to the offer stage an hour ago (after her rounds)."""
    moved = now - timedelta(hours=1)
    app = ev.application(
        f"app-{OFFERED:02d}",
        2,
        candidate_id=org["candidates"][OFFERED - 1]["ehr_id"],
        position_id="pos-warehouse",
        batch=BATCH,
        stage="offer",
        stage_changed_at=ev.iso(moved),
        requirements=[],
    )
    return [ev.event("application", app, occurred_at=moved)]


def scenario_events(org: dict[str, Any], *, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every event of the scenario, in the order the EHR would have emitted them.

    `now` places the second rounds ("tomorrow", "a few hours ago"); by default the real time, so
    `make run` shows an upcoming and a held round whatever the day.
    """
    out = _org_events(org)
    for n, cand in enumerate(org["candidates"], start=1):
        position_id = "pos-store-night" if n <= 10 else "pos-warehouse"
        out.extend(_candidate_events(cand, n, position_id))
    out.extend(_second_rounds(org, now or datetime.now(UTC)))
    out.extend(_offer_stage(org, now or datetime.now(UTC)))
    for e in out:  # deterministic ids: re-seeding redelivers instead of duplicating
        e["id"] = f"evt-{e['type']}-{e['data']['id']}-v{e['data']['version']}"
    return out
