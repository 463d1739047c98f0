"""A batch of AI-interview results on demand (`POST /_demo/batch`): new candidates of a
position, each with an application, an attended AI interview and a published score, so that
`make run` can show what a batch does to HR's chat (a digest instead of a card per candidate).

The candidates have no DingTalk account (a real batch has many such people): their own score
cards are recorded as undeliverable, which the operations page shows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sandbox.ehr import events as ev

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def batch_events(position_id: str, count: int, *, start: int) -> list[dict[str, Any]]:
    """`count` candidates numbered from `start`, scores spread from 55 to 97."""
    now = datetime.now(UTC)
    out: list[dict[str, Any]] = []
    for n in range(start, start + count):
        cid, app_id, iv_id = f"cand-b{n:04d}", f"app-b{n:04d}", f"iv-b{n:04d}"
        name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)] + GIVEN[(n * 3) % 11]
        cand = {
            "id": cid,
            "version": 1,
            "name": name,
            "mobile": None,
            "email": None,
            "education": ("high_school", "associate", "bachelor")[n % 3],
            "resume_url": None,
            "dingtalk_user_id": None,
        }
        app = ev.application(app_id, candidate_id=cid, position_id=position_id, batch="demo-batch")
        iv = ev.interview(iv_id, application_id=app_id, status="attended")
        overall = 55 + (n * 37) % 43
        score = ev.score(f"sc-b{n:04d}", interview_id=iv_id, overall=overall)
        at = now + timedelta(seconds=n - start)
        out += [
            ev.event("candidate", cand, occurred_at=at),
            ev.event("application", app, occurred_at=at),
            ev.event("interview", iv, occurred_at=at),
            ev.event("score", score, occurred_at=at),
        ]
    return out
