"""The domain's words are the EHR contract's, each derived set is made of them, and the old
names of every word still point at the one definition (storage.vocabulary)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from services.card_actions import click
from services.clock import reminders
from services.decisions import decide
from services.views import candidate_steps
from storage import models, sync_models
from storage import vocabulary as v

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "ehr-contract.md"


def _contract_values(kind: str, field: str) -> tuple[str, ...]:
    """The values the contract's section 2 table lists for `field` of `kind`, in order."""
    row = next(line for line in CONTRACT.read_text().splitlines() if line.startswith(f"| `{kind}`"))
    match = re.search(rf"`{field}`:? \(?((?:`\w+` \\\| )*`\w+`)", row)
    assert match, (kind, field)
    return tuple(re.findall(r"`(\w+)`", match.group(1)))


@pytest.mark.parametrize(
    ("kind", "field", "words"),
    [
        ("staff", "role", v.STAFF_ROLES),
        ("candidate", "education\\?", v.EDUCATION_LEVELS),
        ("application", "stage", v.APPLICATION_STAGES),
        ("application", "status", v.REQUIREMENT_STATUSES),
        ("interview", "kind", v.INTERVIEW_KINDS),
        ("interview", "status", v.INTERVIEW_STATUSES),
        ("score", "status", v.SCORE_STATUSES),
        ("feedback", "result", v.FEEDBACK_RESULTS),
    ],
)
def test_the_words_are_the_contracts(kind: str, field: str, words: tuple[str, ...]) -> None:
    assert _contract_values(kind, field) == words


@pytest.mark.parametrize(
    ("derived", "words"),
    [
        (v.PIPELINE_STAGES, v.APPLICATION_STAGES),
        (v.STOPPED_STAGES, v.APPLICATION_STAGES),
        (v.CLOSED_STAGES, v.APPLICATION_STAGES),
        (v.AWAITING_DECISION_STAGES, v.PIPELINE_STAGES),
        (v.AWAITING_ATTENDANCE_STATUSES, v.INTERVIEW_STATUSES),
        (v.OPEN_INTERVIEW_STATUSES, v.INTERVIEW_STATUSES),
        (v.ATTENDED_STATUSES, v.INTERVIEW_STATUSES),
        (v.ATTENDED_OR_MISSED_STATUSES, v.INTERVIEW_STATUSES),
        (v.VISIBLE_SCORE_STATUSES, v.SCORE_STATUSES),
        (v.BLOCKING_REQUIREMENT_STATUSES, v.REQUIREMENT_STATUSES),
        (v.REVIEWED_REQUIREMENT_STATUSES, v.REQUIREMENT_STATUSES),
    ],
)
def test_each_derived_set_is_made_of_the_words(
    derived: tuple[str, ...], words: tuple[str, ...]
) -> None:
    assert derived and len(set(derived)) == len(derived)
    assert set(derived) <= set(words)


def test_the_derived_sets_say_what_the_product_does() -> None:
    # The pipeline and its ends partition the stages; "hired" ends it at its end.
    assert set(v.PIPELINE_STAGES) | set(v.STOPPED_STAGES) == set(v.APPLICATION_STAGES)
    assert set(v.CLOSED_STAGES) == {"hired", "rejected", "withdrawn"}
    assert "offer" not in v.CLOSED_STAGES
    assert v.NEXT_STAGE == {
        "screening": "ai_interview",
        "ai_interview": "interview",
        "interview": "offer",
        "offer": "hired",
    }
    # A no-show is open (Extend reopens it); attended, completed and cancelled ones are over.
    assert set(v.INTERVIEW_STATUSES) - set(v.OPEN_INTERVIEW_STATUSES) == {
        "attended",
        "completed",
        "cancelled",
    }
    assert set(v.BLOCKING_REQUIREMENT_STATUSES) == {"missing", "rejected"}
    # The candidate's step rules cover exactly these sets.
    assert set(candidate_steps.CLOSED_STEPS) == set(v.CLOSED_STAGES)
    assert set(candidate_steps.TODO_CODES) == set(v.BLOCKING_REQUIREMENT_STATUSES)
    assert set(candidate_steps.STATUS_STEPS) <= set(v.INTERVIEW_STATUSES)


def test_outbox_kinds_are_each_named_once() -> None:
    named = {
        value
        for name, value in vars(v).items()
        if name.startswith("OUTBOX_") and name != "OUTBOX_KINDS"
    }
    assert len(set(v.OUTBOX_KINDS)) == len(v.OUTBOX_KINDS) == 45
    assert named == set(v.OUTBOX_KINDS)


@pytest.mark.parametrize(
    ("module", "name", "word"),
    [
        (models, "STAFF_ROLES", v.STAFF_ROLES),
        (models, "EDUCATION_LEVELS", v.EDUCATION_LEVELS),
        (models, "APPLICATION_STAGES", v.APPLICATION_STAGES),
        (models, "REQUIREMENT_STATUSES", v.REQUIREMENT_STATUSES),
        (models, "INTERVIEW_KINDS", v.INTERVIEW_KINDS),
        (models, "INTERVIEW_STATUSES", v.INTERVIEW_STATUSES),
        (models, "SCORE_STATUSES", v.SCORE_STATUSES),
        (models, "VISIBLE_SCORE_STATUSES", v.VISIBLE_SCORE_STATUSES),
        (sync_models, "OUTBOX_KINDS", v.OUTBOX_KINDS),
        (reminders, "CLOSED_STAGES", v.CLOSED_STAGES),
        (reminders, "NOT_ATTENDED_STATUSES", v.AWAITING_ATTENDANCE_STATUSES),
        (reminders, "OUTBOX_REMINDER_DUE", v.OUTBOX_REMINDER_DUE),
        (decide, "CLOSED", v.CLOSED_STAGES),
        (decide, "ADVANCE", v.NEXT_STAGE),
        (decide, "OUTBOX_DECISION_RECORDED", v.OUTBOX_DECISION_RECORDED),
        (click, "OUTBOX_MANUAL_REMINDER", v.OUTBOX_MANUAL_REMINDER),
        (click, "OUTBOX_DEADLINE_EXTENDED", v.OUTBOX_DEADLINE_EXTENDED),
        (click, "OUTBOX_REQUIREMENT_REVIEWED", v.OUTBOX_REQUIREMENT_REVIEWED),
    ],
)
def test_the_old_names_are_the_one_definition(module: object, name: str, word: object) -> None:
    assert getattr(module, name) is word


def test_the_api_filters_spell_the_vocabulary() -> None:
    # The mini-app's query models keep Literal types (mypy reads them); they must be the words.
    from typing import get_args

    from miniapp_api.schemas import InterviewStatus, Stage
    from storage import vocabulary

    assert get_args(Stage) == vocabulary.APPLICATION_STAGES
    assert get_args(InterviewStatus) == vocabulary.INTERVIEW_STATUSES
