"""Every reader picks the same "latest visible score" (storage.scores), on PostgreSQL and SQLite:
the statistics page, HR's application list, the chat's pending list, the candidate's report
and a card click (the flag lands on the score the card's interview shows).

The rule: the latest publish time (none: last), then, across an application's interviews, the
later round, then the higher version, then the higher id. Each score has its own overall, so
what a reader shows names the score it picked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.card_actions.handle import handle_card_action
from services.chat.commands import BotPolicy, answer_message
from services.views.candidate import get_report_for_candidate, list_interviews_for_candidate
from services.views.hr import ApplicationQuery, list_applications_for_position
from services.views.position_stats import get_position_stats
from storage.action_models import ScoreFlag
from storage.models import Candidate, Score, Staff
from storage.runtime import Runtime
from storage.scores import get_latest_visible_score
from tests import factories as f

T = f.NOW - timedelta(days=1)
ADMIN_UID = "u-admin"
BOT = BotPolicy(miniapp_url="http://127.0.0.1:8000/app/", score_parts=frozenset(), max_chars=200)

# (score id, interview, overall, status, version, published_at, deleted); the interviews are
# "i-1" (round 1) and "i-2" (round 2) of one application.
Row = tuple[str, str, float, str, int, datetime | None, bool]

SCENARIOS: dict[str, tuple[list[Row], str]] = {
    "same publish time: the higher version": (
        [
            ("s-a", "i-1", 61.0, "published", 1, T, False),
            ("s-b", "i-1", 62.0, "revised", 3, T, False),
            ("s-c", "i-1", 63.0, "published", 2, T, False),
        ],
        "s-b",
    ),
    "same publish time and version: the higher id": (
        [
            ("s-b", "i-1", 62.0, "published", 1, T, False),
            ("s-a", "i-1", 61.0, "published", 1, T, False),
            ("s-c", "i-1", 63.0, "revised", 1, T, False),
        ],
        "s-c",
    ),
    "a newer draft or tombstone is hidden": (
        [
            ("s-a", "i-1", 61.0, "published", 1, T, False),
            ("s-b", "i-1", 62.0, "draft", 9, T + timedelta(hours=1), False),
            ("s-c", "i-1", 63.0, "published", 9, T + timedelta(hours=1), True),
        ],
        "s-a",
    ),
    "a later publish time beats a higher version": (
        [
            ("s-a", "i-1", 61.0, "revised", 5, T - timedelta(minutes=1), False),
            ("s-b", "i-1", 62.0, "published", 1, T, False),
        ],
        "s-b",
    ),
    "no publish time comes last": (
        [
            ("s-z", "i-1", 69.0, "published", 9, None, False),
            ("s-a", "i-1", 61.0, "published", 1, T - timedelta(days=3), False),
        ],
        "s-a",
    ),
}


def _world(s: Session, rows: list[Row]) -> None:
    f.department(s, "d-1")
    f.staff(s, "st-admin", "admin", uid=ADMIN_UID)
    f.position(s, "p-1", "d-1", title="店员")
    f.candidate(s, "c-1", uid="u-c1")
    f.application(s, "a-1", "c-1", "p-1")
    f.interview(s, "i-1", "a-1", status="completed", round=1)
    f.interview(s, "i-2", "a-1", status="completed", round=2)
    for score_id, interview_id, overall, status, version, published_at, deleted in rows:
        score = f.score(
            s,
            score_id,
            interview_id,
            overall,
            status=status,
            published_at=published_at,
            deleted=deleted,
            dimensions={"logic": overall},
        )
        score.version = version
    s.commit()


def _overall_of(s: Session, score_id: str) -> float:
    return s.get_one(Score, score_id).overall


def _score_named(s: Session, overall: float) -> str:
    found = s.scalars(select(Score.id).where(Score.overall == overall)).all()
    assert len(found) == 1, overall
    return found[0]


def _statistics(s: Session) -> str:
    stats = get_position_stats(s, f.viewer_of(staff_row=s.get(Staff, "st-admin")), "p-1", now=f.NOW)
    assert stats.count == 1
    (logic,) = stats.dimensions
    assert logic.mean == stats.top[0].overall  # the dimensions are the same score's
    return _score_named(s, stats.top[0].overall)


def _hr_list(s: Session) -> str:
    viewer = f.viewer_of(staff_row=s.get(Staff, "st-admin"))
    (item,) = list_applications_for_position(s, viewer, "p-1", ApplicationQuery()).items
    assert item.score_id is not None and item.overall == _overall_of(s, item.score_id)
    return item.score_id


def _pending(s: Session) -> str:
    reply = answer_message(s, user_id=ADMIN_UID, text="pending", policy=BOT, now=f.NOW)
    (overall,) = re.findall(r"overall (\d+(?:\.\d+)?)", reply.markdown)
    return _score_named(s, float(overall))


def _report(interview_id: str) -> Callable[[Session], str]:
    def read(s: Session) -> str:
        viewer = f.viewer_of(candidate_row=s.get(Candidate, "c-1"))
        listed = {i.id: i for i in list_interviews_for_candidate(s, viewer, lang="en", now=f.NOW)}
        report = get_report_for_candidate(
            s, viewer, interview_id, policy=frozenset({"overall"}), lang="en", now=f.NOW
        )
        assert report.score is not None and listed[interview_id].result_available
        assert report.score.overall == _overall_of(s, report.score.score_id)
        return report.score.score_id

    return read


def _card_flag(interview_id: str) -> Callable[[Session], str]:
    def read(s: Session) -> str:
        result = handle_card_action(
            s,
            out_track_id=f"card-{interview_id}",
            user_id=ADMIN_UID,
            action="flag",
            params={"interview_id": interview_id, "note": "score_too_low"},
            now=f.NOW,
        )
        assert result.outcome == "done", result
        (flag,) = s.scalars(select(ScoreFlag)).all()
        return flag.score_id

    return read


def _lookup(interview_id: str) -> Callable[[Session], str]:
    def read(s: Session) -> str:
        score = get_latest_visible_score(s, interview_id)
        assert score is not None
        return score.id

    return read


APPLICATION_READERS = {"statistics": _statistics, "hr list": _hr_list, "chat pending": _pending}


def _picks(runtime: Runtime, readers: dict[str, Callable[[Session], str]]) -> dict[str, str]:
    picked = {}
    for name, read in readers.items():
        with runtime.session_factory() as s:
            picked[name] = read(s)
    return picked


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_reader_picks_the_same_latest_score_of_an_interview(
    any_runtime: Runtime, scenario: str
) -> None:
    rows, expected = SCENARIOS[scenario]
    with any_runtime.session_factory() as s:
        _world(s, rows)
    readers = {
        **APPLICATION_READERS,
        "candidate report": _report("i-1"),
        "lookup": _lookup("i-1"),
        "card click": _card_flag("i-1"),  # last: it writes a flag
    }
    assert _picks(any_runtime, readers) == dict.fromkeys(readers, expected)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (  # released together: the later round
            [
                ("s-r1", "i-1", 61.0, "published", 7, T, False),
                ("s-r2", "i-2", 62.0, "published", 1, T, False),
            ],
            "s-r2",
        ),
        (  # the round breaks a tie only: the later publish time first
            [
                ("s-r1", "i-1", 61.0, "revised", 2, T + timedelta(seconds=1), False),
                ("s-r2", "i-2", 62.0, "published", 1, T, False),
            ],
            "s-r1",
        ),
        (  # a hidden score of the later round does not count
            [
                ("s-r1", "i-1", 61.0, "published", 1, T, False),
                ("s-r2", "i-2", 62.0, "draft", 1, T, False),
            ],
            "s-r1",
        ),
    ],
)
def test_every_reader_picks_the_same_latest_score_of_an_application(
    any_runtime: Runtime, rows: list[Row], expected: str
) -> None:
    with any_runtime.session_factory() as s:
        _world(s, rows)
    assert _picks(any_runtime, APPLICATION_READERS) == dict.fromkeys(APPLICATION_READERS, expected)
    # The application's latest score is the latest of its interview, as that interview's
    # report and card show it.
    interview = next(r[1] for r in rows if r[0] == expected)
    per_interview = {"report": _report(interview), "card click": _card_flag(interview)}
    assert _picks(any_runtime, per_interview) == dict.fromkeys(per_interview, expected)
