"""Apply goes through the webhook's ingestion; re-importing changes only what changed."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.import_models import ImportMapping
from storage.models import Candidate, Score
from storage.sync_models import ChangeHistory, EhrEvent, OutboxEvent
from tests.imports.conftest import ROWS, ZH_HEADERS, Org, apply, census, upload, xlsx_bytes


def _import(client: FlaskClient, org: Org, rows: list[list[object]]) -> dict[str, object]:
    preview = upload(client, org.admin, xlsx_bytes(ZH_HEADERS, rows), "scores.xlsx").json
    response = apply(client, org.admin, preview["import_id"])
    assert response.status_code == 200, response.json
    return {"preview": preview, "apply": response.json}


def test_apply_creates_the_entities_with_history_and_outbox(
    client: FlaskClient, session: Session, org: Org
) -> None:
    result = _import(client, org, ROWS)

    assert result["apply"]["counts"] == {"create": 3, "update": 0, "unchanged": 0, "rejected": 0}
    assert result["apply"]["events"]["applied"] == 12  # candidate, application, interview, score
    counts = census(session)
    assert {k: counts[k] for k in ("candidate", "application", "interview", "score")} == {
        "candidate": 4,
        "application": 3,
        "interview": 3,
        "score": 3,
    }
    assert set(session.scalars(select(EhrEvent.source))) == {"import"}
    zhang = session.scalars(select(Candidate).where(Candidate.mobile == "13900000001")).one()
    assert zhang.name == "张三" and zhang.extra == {"imported_from": "default"}
    score = session.scalars(
        select(Score)
        .where(Score.id.in_(select(ChangeHistory.entity_id)))
        .where(Score.overall == 86)
    ).one()
    assert score.status == "published"
    assert [(d.key, d.score) for d in score.dimensions] == [
        ("communication", 90),
        ("service_attitude", 80),
    ]
    assert [c.text for c in score.comments] == ["表达清晰"]
    # A published score is a notification: the cards go out from these rows after the commit.
    kinds = list(
        session.scalars(select(OutboxEvent.kind).where(OutboxEvent.entity_kind == "score"))
    )
    assert sorted(kinds) == ["score.published"] * 3
    # The mapping is saved for the source: the next export imports with no questions.
    saved = session.get(ImportMapping, "default")
    assert saved is not None and saved.columns["综合得分"] == "overall"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(
    client: FlaskClient, session: Session, org: Org
) -> None:
    _import(client, org, ROWS)
    before = census(session)

    again = _import(client, org, ROWS)

    assert again["preview"]["counts"] == {"create": 0, "update": 0, "unchanged": 3, "rejected": 0}
    assert again["apply"]["events"]["applied"] == 0
    assert census(session) == before


def test_applying_one_import_twice_is_refused(client: FlaskClient, org: Org) -> None:
    result = _import(client, org, ROWS)
    second = apply(client, org.admin, result["preview"]["import_id"])
    assert second.status_code == 409
    assert second.json["error"]["code"] == "already_applied"


def test_a_corrected_and_extended_file_updates_only_the_corrected_row(
    client: FlaskClient, session: Session, org: Org
) -> None:
    _import(client, org, ROWS)
    corrected = [list(r) for r in ROWS]
    corrected[1][5] = 78  # 李四's overall, corrected by the vendor
    corrected.append([4, "孙七", "13900000004", "仓库拣货员", "2026-11-19 10:00", 66, 60, 70, ""])
    before = census(session)

    result = _import(client, org, corrected)

    preview = result["preview"]
    assert preview["counts"] == {"create": 1, "update": 1, "unchanged": 2, "rejected": 0}
    updated = [r for r in preview["items"] if r["action"] == "update"]
    assert [(r["row"], r["changes"]) for r in updated] == [(3, ["score.overall"])]
    after = census(session)
    assert after["score"] == before["score"] + 1
    score = session.get(Score, updated[0]["score_id"])
    assert score is not None
    assert (score.overall, score.version, score.status) == (78, 2, "revised")
    history = session.scalars(
        select(ChangeHistory)
        .where(ChangeHistory.entity_id == score.id)
        .order_by(ChangeHistory.version)
    ).all()
    assert [(h.version, h.operation) for h in history] == [(1, "created"), (2, "updated")]
    assert history[1].changes["overall"] == {"before": 72, "after": 78}
    revised = session.scalars(select(OutboxEvent).where(OutboxEvent.kind == "score.revised")).all()
    assert [o.entity_id for o in revised] == [score.id]


def test_an_ehr_candidate_is_found_by_mobile_and_not_overwritten(
    client: FlaskClient, session: Session, org: Org
) -> None:
    rows = [[1, "赵 六", "139-0000-0009", "仓库拣货员", "2026-11-18 14:30", 80, 80, 80, ""]]

    result = _import(client, org, rows)

    assert result["preview"]["items"][0]["candidate_id"] == "c-ehr"
    session.expire_all()
    ehr = session.get(Candidate, "c-ehr")
    assert ehr is not None and (ehr.name, ehr.version) == ("赵六", 1)
