"""The demo EHR's history: a past hiring round with what came after it (contract v1.1).

Position `pos-store-night-2025` (the night-shift store clerks hired in 2025, East China stores,
no HR owners any more): 100 past applicants with their AI interview scores, of whom 40 were
hired and have their training progress (two courses) and performance reviews (a quarter and the
probation review). Performance rises with the AI overall score and with course completion, plus
noise, so the validity page has something to show; education groups are of different sizes (two
under 10, so they are suppressed on the fairness figures). Deterministic: the same events every
time. Pushed by the demo EHR's `POST /_demo/history`; never part of the default scenario, whose
walkthrough it would crowd.

The past applicants have no DingTalk account (they applied before the company used DingTalk):
their score cards are recorded as undeliverable, as for any such import.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sandbox.ehr import events as ev

POSITION = "pos-store-night-2025"
APPLICANTS = 100
HIRED = 40
EDUCATION = (
    ("high_school",) * 36
    + ("associate",) * 30
    + ("bachelor",) * 25
    + ("master",) * 6
    + ("other",) * 3
)
COURSES = (("store_safety", "门店安全规范"), ("night_service", "夜班服务流程"))
START = ev.BASE_TIME - timedelta(days=400)


def _dimensions(overall: float, rng: random.Random) -> list[dict[str, Any]]:
    def clip(value: float) -> float:
        return round(max(0.0, min(100.0, value)), 1)

    values = {
        "communication": clip(overall + rng.gauss(0, 6)),
        "service_attitude": clip(overall + rng.gauss(0, 9)),
        "night_shift": clip(rng.gauss(74, 10)),  # unrelated to performance, as it turns out
    }
    return [
        {"key": key, "label": label, "score": values[key], "max_score": 100, "weight": 0.3333}
        for key, label in ev.DIMENSIONS
    ]


def _applicant(n: int, overall: float, education: str, rng: random.Random) -> list[dict[str, Any]]:
    t0 = START + timedelta(hours=n)
    cid, aid, iid, sid = (f"hist-{k}-{n:03d}" for k in ("cand", "app", "iv", "sc"))
    candidate = ev.candidate(cid, name=f"往届候选人 {n:03d}", education=education)
    application = ev.application(
        aid, candidate_id=cid, position_id=POSITION, batch="2025-AI-1", stage="ai_interview",
        stage_changed_at=ev.iso(t0),
    )  # fmt: skip
    interview = ev.interview(
        iid, application_id=aid, status="attended", invited_at=ev.iso(t0),
        attended_at=ev.iso(t0 + timedelta(hours=5)), deadline_at=ev.iso(t0 + timedelta(days=3)),
    )  # fmt: skip
    score = ev.score(
        sid, interview_id=iid, overall=overall, dimensions=_dimensions(overall, rng),
        published_at=ev.iso(t0 + timedelta(days=1)),
    )  # fmt: skip
    return [
        ev.event("candidate", candidate, occurred_at=t0),
        ev.event("application", application, occurred_at=t0),
        ev.event("interview", interview, occurred_at=t0 + timedelta(hours=5)),
        ev.event("score", score, occurred_at=t0 + timedelta(days=1)),
    ]


def _after_hire(n: int, overall: float, rng: random.Random) -> list[dict[str, Any]]:
    aid = f"hist-app-{n:03d}"
    hired = START + timedelta(days=20, hours=n)
    app = ev.application(
        aid, 2, candidate_id=f"hist-cand-{n:03d}", position_id=POSITION, batch="2025-AI-1",
        stage="hired", stage_changed_at=ev.iso(hired),
    )  # fmt: skip
    out = [ev.event("application", app, occurred_at=hired)]
    completions = []
    for i, (key, title) in enumerate(COURSES):
        completion = round(max(20.0, min(100.0, rng.gauss(84, 14))), 0)
        completions.append(completion)
        exam = round(max(30.0, min(100.0, 0.5 * overall + 0.4 * completion + rng.gauss(0, 6))), 0)
        progress = ev.training_progress(
            f"hist-tp-{n:03d}-{i}", application_id=aid, course_key=key, course_title=title,
            completion=completion, exam_score=exam,
            updated_at=ev.iso(hired + timedelta(days=30)),
        )  # fmt: skip
        out.append(ev.event("training_progress", progress, occurred_at=hired + timedelta(days=30)))
    mean_completion = sum(completions) / len(completions)
    base = 5 + 0.55 * overall + 0.35 * mean_completion
    for period, days, noise in (("2025-Q3", 60, 5), ("probation", 90, 4)):
        review = ev.performance_review(
            f"hist-pr-{n:03d}-{period}", application_id=aid, period=period,
            score=round(max(0.0, min(100.0, base + rng.gauss(0, noise))), 1),
            reviewed_at=ev.iso(hired + timedelta(days=days)),
        )  # fmt: skip
        out.append(ev.event("performance_review", review, occurred_at=hired + timedelta(days=days)))
    return out


def _rejected(n: int) -> dict[str, Any]:
    at = START + timedelta(days=10, hours=n)
    app = ev.application(
        f"hist-app-{n:03d}", 2, candidate_id=f"hist-cand-{n:03d}", position_id=POSITION,
        batch="2025-AI-1", stage="rejected", stage_changed_at=ev.iso(at),
    )  # fmt: skip
    return ev.event("application", app, occurred_at=at)


def history_events() -> list[dict[str, Any]]:
    """Every event of the history, parents first, with deterministic ids."""
    rng = random.Random(2025)
    position = ev.position(
        POSITION, title="门店店员（夜班）· 2025 届", department_id="d-retail-east", hr_owner_ids=[]
    )
    out = [ev.event("position", position, occurred_at=START)]
    applicants = [
        (n, round(max(35.0, min(99.0, rng.gauss(74, 10))), 0), EDUCATION[n - 1])
        for n in range(1, APPLICANTS + 1)
    ]
    for n, overall, education in applicants:
        out += _applicant(n, overall, education, rng)
    # The best 40 by score were hired (ties by number); the others rejected.
    hired = {n for n, _, _ in sorted(applicants, key=lambda a: (-a[1], a[0]))[:HIRED]}
    for n, overall, _ in applicants:
        out += _after_hire(n, overall, rng) if n in hired else [_rejected(n)]
    for e in out:
        e["id"] = f"evt-{e['type']}-{e['data']['id']}-v{e['data']['version']}"
    return out
