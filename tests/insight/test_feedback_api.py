"""The candidate's feedback section and HR's preview over HTTP: present only when the policy
includes feedback, worded from the catalogue the admin edits, never the internal thresholds."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from services.access.visibility import Viewer
from services.decisions.policy import DimensionMinimum, PolicyConfig
from services.decisions.policy_admin import update_policy
from storage.runtime import Runtime
from tests import factories as f
from tests.factories import bearer
from tests.miniapp.conftest import World

REPORT = "/api/v1/me/interviews/i-own"
PREVIEW = "/api/v1/hr/applications/a-own/candidate-feedback"
CATALOG = "/api/v1/admin/feedback-catalog"
ADMIN = Viewer(dingtalk_user_id="u-admin", staff_id="st-admin", staff_role="admin")


def _add_weak_dimension(session: Session) -> None:
    # s-own has logic 80; add a weak one and a position minimum the candidate misses.
    from storage.models import ScoreDimension

    session.add(
        ScoreDimension(
            score_id="s-own", key="night_shift", label="夜班适应度", score=31.5, max_score=50,
            ordinal=1,
        )
    )  # fmt: skip
    session.commit()
    minimums = [DimensionMinimum(key="night_shift", minimum=66.5)]
    update_policy(session, ADMIN, "p-own", PolicyConfig(dimension_minimums=minimums), now=f.NOW)


def test_without_feedback_in_the_policy_the_section_is_absent(
    client: FlaskClient, world: World
) -> None:
    body = client.get(REPORT, headers=bearer(world.tokens["candidate"])).get_json()
    assert "feedback" not in body
    assert body["score"]["dimensions"] is not None  # the default policy shows dimensions
    preview = client.get(PREVIEW, headers=bearer(world.tokens["hr_specialist"])).get_json()
    assert preview == {
        "application_id": "a-own",
        "score_id": "s-own",
        "visible_to_candidate": False,
        "feedback": None,
    }


def test_with_feedback_the_candidate_reads_it_and_hr_previews_exactly_that(
    feedback_client: FlaskClient, world: World, session: Session
) -> None:
    _add_weak_dimension(session)
    headers = {**bearer(world.tokens["candidate"]), "Accept-Language": "en"}
    body = feedback_client.get(REPORT, headers=headers).get_json()
    feedback = body["feedback"]
    assert body["score"]["dimensions"] is None  # hidden numbers stay hidden
    assert [s["key"] for s in feedback["strengths"]] == ["logic"]
    # 31.5 / 50 = 63 on the 0-100 scale: below the position's 66.5, so it is the one to work on.
    assert [w["key"] for w in feedback["work_on"]] == ["night_shift"]
    assert feedback["work_on"][0]["text"].startswith("夜班适应度 is weaker: Plan your rest")
    assert feedback["fit"] == [
        {
            "key": "night_shift",
            "label": "夜班适应度",
            "level": "below",
            "text": "夜班适应度: not yet what the position asks for",
        }
    ]
    raw = feedback_client.get(REPORT, headers=headers).get_data(as_text=True)
    assert "66.5" not in raw and "63" not in raw and "80.0" not in raw
    hr = {**bearer(world.tokens["hr_specialist"]), "Accept-Language": "en"}
    preview = feedback_client.get(PREVIEW, headers=hr).get_json()
    assert preview["visible_to_candidate"] is True
    assert preview["feedback"] == feedback


def test_the_admin_catalogue_changes_the_suggestion_in_both_languages(
    feedback_client: FlaskClient, world: World, session: Session
) -> None:
    _add_weak_dimension(session)
    admin = bearer(world.tokens["admin"])
    defaults = feedback_client.get(CATALOG, headers=admin).get_json()["items"]
    keys = [e["key"] for e in defaults]
    assert {"*", "communication", "logic", "night_shift"} <= set(keys)
    assert all(e["suggestion_zh"] and e["suggestion_en"] for e in defaults)
    entry = {
        "key": "night_shift",
        "suggestion_zh": "先试上两个夜班。",
        "suggestion_en": "Try two night shifts first.",
        "growth_zh": "课程：夜班安全",
        "growth_en": "Course: night-shift safety",
    }
    saved = feedback_client.put(CATALOG, json={"items": [entry]}, headers=admin)
    assert saved.status_code == 200
    stored = {e["key"]: e for e in saved.get_json()["items"]}
    assert stored["night_shift"] == entry and "logic" in stored  # the rest: the defaults
    for lang, suggestion, growth in (
        ("en", "Try two night shifts first.", "Course: night-shift safety"),
        ("zh", "先试上两个夜班。", "课程：夜班安全"),
    ):
        headers = {**bearer(world.tokens["candidate"]), "Accept-Language": lang}
        fb = feedback_client.get(REPORT, headers=headers).get_json()["feedback"]
        assert fb["work_on"][0]["text"].endswith(suggestion)
        assert fb["growth"] == [{"key": "night_shift", "label": "夜班适应度", "text": growth}]


def test_a_catalogue_with_a_repeated_key_or_a_missing_language_is_refused(
    client: FlaskClient, world: World
) -> None:
    admin = bearer(world.tokens["admin"])
    entry = {"key": "logic", "suggestion_zh": "甲", "suggestion_en": "A"}
    twice = client.put(CATALOG, json={"items": [entry, entry]}, headers=admin)
    assert twice.status_code == 400 and twice.get_json()["error"]["code"]
    no_en = client.put(
        CATALOG, json={"items": [{"key": "logic", "suggestion_zh": "甲"}]}, headers=admin
    )
    assert no_en.status_code == 400


def test_no_score_yet_gives_a_null_section(feedback_client: FlaskClient, session: Session) -> None:
    c = f.candidate(session, "c-9", uid="u-c9")
    f.department(session, "d-9")
    f.position(session, "p-9", "d-9")
    f.application(session, "a-9", "c-9", "p-9")
    f.interview(session, "i-9", "a-9")
    session.commit()
    body = feedback_client.get(
        "/api/v1/me/interviews/i-9", headers=bearer(f.token_for(candidate_row=c))
    ).get_json()
    assert body["score"] is None and body["feedback"] is None


def test_the_report_with_feedback_serializes_as_its_documented_model(
    world: World, session: Session
) -> None:
    from miniapp_api.schemas_feedback import CandidateReportAnswer, CandidateReportWithFeedback
    from miniapp_api.spec import answer
    from services.access.sessions import verify_session_token
    from services.views import candidate as cv

    _add_weak_dimension(session)
    viewer = verify_session_token(f.SECRET, world.tokens["candidate"], now=f.NOW)
    report = cv.get_report_for_candidate(
        session, viewer, "i-own", policy=frozenset({"feedback"}), lang="zh", now=f.NOW
    )
    assert isinstance(report, cv.CandidateReportWithFeedback)
    dumped = answer(report, type(report)).adapter.dump_json(report)
    assert dumped == CandidateReportWithFeedback.model_validate(report).model_dump_json().encode()
    # The documented answer (either shape) takes it as the feedback variant.
    parsed = CandidateReportAnswer.model_validate_json(dumped).root
    assert isinstance(parsed, CandidateReportWithFeedback)


def test_the_chat_score_reply_names_what_to_work_on_when_the_policy_has_feedback(
    world: World, session: Session
) -> None:
    from services.chat.commands import BotPolicy, answer_message

    _add_weak_dimension(session)
    replies = {}
    for parts in ("overall", "overall,feedback"):
        policy = BotPolicy(
            miniapp_url="http://127.0.0.1:8000/app/",
            score_parts=frozenset(parts.split(",")),
            max_chars=200,
        )
        replies[parts] = answer_message(
            session, user_id="u-c1", text="score", policy=policy, now=f.NOW
        ).markdown
    assert (
        "Plan your rest" not in replies["overall"] and "What to work on" not in replies["overall"]
    )
    assert "What to work on:" in replies["overall,feedback"]
    assert "夜班适应度 is weaker: Plan your rest" in replies["overall,feedback"]


def test_the_feedback_reads_alike_on_sqlite_and_postgresql(any_runtime: Runtime) -> None:
    """`make run` keeps its cache in SQLite: the candidate's report with feedback, and a stored
    position policy and catalogue entry, read the same there."""
    from services.access.sessions import verify_session_token
    from services.insight.catalog import CatalogEntry, replace_catalog
    from services.views import candidate as cv
    from tests.miniapp.conftest import build_world

    with any_runtime.session_factory() as s:
        world = build_world(s)
        _add_weak_dimension(s)
        entry = CatalogEntry(
            "night_shift", "先试两个夜班。", "Try two night shifts.", None, "Course"
        )
        replace_catalog(s, ADMIN, [entry], now=f.NOW)
        viewer = verify_session_token(f.SECRET, world.tokens["candidate"], now=f.NOW)
        report = cv.get_report_for_candidate(
            s, viewer, "i-own", policy=frozenset({"feedback"}), lang="en", now=f.NOW
        )
    assert isinstance(report, cv.CandidateReportWithFeedback) and report.feedback is not None
    assert [(w.key, w.text) for w in report.feedback.work_on] == [
        ("night_shift", "夜班适应度 is weaker: Try two night shifts.")
    ]
    assert [g.text for g in report.feedback.growth] == ["Course"]
    assert [f_.level for f_ in report.feedback.fit] == ["below"]
