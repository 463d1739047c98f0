"""The demo scenario: the demo org's two positions, 20 candidates in AI interviews, their scores.

Built from sandbox/demo_org.json, so the people are the DingTalk sandbox's. Outcomes per
candidate (store night shift: cand-01..10, warehouse: cand-11..20):
attended with a published score: 01-08, 11-14 (cand-01's score is later revised, cand-02's stays
a draft for a day first); invited and never opened: 09, 10, 15; opened only: 16, 17;
no-show: 18, 19, 20. cand-03 is missing the health certificate the night-shift store requires.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from sandbox.ehr import events as ev

DEFAULT_ORG = Path(__file__).resolve().parents[1] / "demo_org.json"
BATCH = "2026-11-AI-1"
ATTENDED = {1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14}
OPENED_ONLY = {16, 17}
NO_SHOW = {18, 19, 20}
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
    for s in org["staff"]:
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


def scenario_events(org: dict[str, Any]) -> list[dict[str, Any]]:
    """Every event of the scenario, in the order the EHR would have emitted them."""
    out = _org_events(org)
    for n, cand in enumerate(org["candidates"], start=1):
        position_id = "pos-store-night" if n <= 10 else "pos-warehouse"
        out.extend(_candidate_events(cand, n, position_id))
    for e in out:  # deterministic ids: re-seeding redelivers instead of duplicating
        e["id"] = f"evt-{e['type']}-{e['data']['id']}-v{e['data']['version']}"
    return out
