"""The contract's validation of one event (no database): what is accepted, as what, and why not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sandbox.ehr import events as ev
from services.ehr.contract import ENTITY_FIELDS, ParsedEvent, Rejection, parse_event


def _parsed(raw: Any) -> ParsedEvent:
    out = parse_event(raw)
    assert isinstance(out, ParsedEvent), out
    return out


def _rejected(raw: Any) -> Rejection:
    out = parse_event(raw)
    assert isinstance(out, Rejection), out
    return out


@pytest.mark.parametrize("kind", sorted(ev.BUILDERS))
def test_every_kind_parses_to_its_contract_fields_in_order(kind: str) -> None:
    raw = ev.event(kind, ev.BUILDERS[kind](f"{kind}-1", 3), event_id=f"e-{kind}")
    parsed = _parsed(raw)
    assert (parsed.id, parsed.kind, parsed.operation) == (f"e-{kind}", kind, "upserted")
    assert (parsed.entity_id, parsed.version, parsed.type) == (f"{kind}-1", 3, raw["type"])
    assert list(parsed.fields) == list(ENTITY_FIELDS[kind])
    assert parsed.extra == {}
    assert parsed.raw is raw


def test_optional_fields_left_out_are_none_and_unknown_ones_are_kept_apart() -> None:
    data = {"id": "c-1", "version": 1, "name": "王小明", "nickname": "小明", "tags": [1, 2]}
    parsed = _parsed(ev.event("candidate", data))
    assert parsed.fields == {
        "name": "王小明",
        "mobile": None,
        "email": None,
        "dingtalk_user_id": None,
        "education": None,
        "resume_url": None,
    }
    assert parsed.extra == {"nickname": "小明", "tags": [1, 2]}


def test_datetimes_come_out_in_utc() -> None:
    data = ev.interview("iv-1", opened_at="2026-11-16T12:00:00+08:00", status="opened")
    parsed = _parsed(
        ev.event("interview", data, occurred_at=datetime(2026, 11, 16, 4, 0, tzinfo=UTC))
    )
    assert parsed.fields["opened_at"] == datetime(2026, 11, 16, 4, 0, tzinfo=UTC)
    assert parsed.fields["opened_at"].utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert parsed.fields["scheduled_at"] is None
    assert parsed.occurred_at == datetime(2026, 11, 16, 4, 0, tzinfo=UTC)


def test_list_items_are_plain_dicts_with_defaults_and_without_unknown_keys() -> None:
    data = ev.score("sc-1")
    data["dimensions"][0].pop("weight")
    data["dimensions"][1]["colour"] = "blue"
    parsed = _parsed(ev.event("score", data))
    dims = parsed.fields["dimensions"]
    assert all(type(d) is dict for d in dims)
    assert dims[0]["weight"] is None
    assert "colour" not in dims[1]
    assert set(dims[1]) == {"key", "label", "score", "max_score", "weight"}
    assert parsed.fields["comments"] == [{"author": "AI", "text": "表达清晰，服务意识较好。"}]
    reqs = [{"key": "health_cert", "label": "健康证", "status": "missing", "note": "x"}]
    app = _parsed(ev.event("application", ev.application("a-1", requirements=reqs)))
    assert app.fields["requirements"] == [
        {"key": "health_cert", "label": "健康证", "status": "missing"}
    ]


def test_a_delete_needs_only_id_and_version() -> None:
    parsed = _parsed(ev.deleted("score", "sc-1", 4))
    assert (parsed.operation, parsed.entity_id, parsed.version, parsed.fields) == (
        "deleted",
        "sc-1",
        4,
        {},
    )
    no_version = ev.event("score", {"id": "sc-1"}, op="deleted", event_id="e-del")
    assert _rejected(no_version).reason.startswith("data.version")


def _score(**over: Any) -> dict[str, Any]:
    data = {**ev.score("sc-1"), **over}
    return ev.event("score", data, event_id="e-bad")


def _dims(**first: Any) -> list[dict[str, Any]]:
    dims = ev.score("sc-1")["dimensions"]
    dims[0].update(first)
    return dims


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (_score(overall=101), "data.overall"),
        (_score(overall=None), "data.overall"),
        (_score(overall=float("nan")), "data.overall"),
        (_score(version="2"), "data.version"),
        (_score(version=-1), "data.version"),
        (_score(status="final"), "data.status"),
        (_score(interview_id=""), "data.interview_id"),
        (_score(interview_id="x" * 65), "data.interview_id"),
        (_score(model_version="a\x00b"), "data.model_version"),
        (_score(published_at="2026-11-16T12:00:00"), "data.published_at"),
        (_score(dimensions=_dims(score=120)), "data.dimensions.0"),
        (_score(dimensions=_dims(max_score=0)), "data.dimensions.0.max_score"),
        (_score(dimensions=_dims(key="service_attitude")), "data.dimensions: duplicate"),
        (_score(comments=[{"author": "AI"}]), "data.comments.0.text"),
        (_score(comments=None), "data.comments"),
        ({**_score(), "occurred_at": "yesterday"}, "occurred_at"),
        ({**_score(), "data": "sc-1"}, "data"),
        (
            ev.event("staff", ev.staff("st-1", department_ids=["d-1", "d-1"]), event_id="e-bad"),
            "data.department_ids: duplicate",
        ),
        (
            ev.event("candidate", {"id": "c-1", "version": 1}, event_id="e-bad"),
            "data.name",
        ),
    ],
)
def test_invalid_events_are_rejected_with_where_and_why(raw: dict[str, Any], where: str) -> None:
    rejection = _rejected(raw)
    assert rejection.event_id == "e-bad"
    assert rejection.reason.startswith(where), rejection.reason
    assert rejection.raw is raw


def test_unusable_envelopes_are_rejected_with_the_id_when_there_is_one() -> None:
    assert _rejected("not an event").reason == "event: must be an object"
    unknown = _rejected({**_score(), "type": "planet.upserted"})
    assert unknown.event_id == "e-bad" and "planet" in unknown.reason
    bad_op = _rejected({**_score(), "type": "score.archived"})
    assert "score.archived" in bad_op.reason
    no_id = _rejected({**_score(), "id": ""})
    assert no_id.event_id is None and no_id.reason.startswith("id")
    long_id = _rejected({**_score(), "id": "e" * 129})
    assert long_id.event_id is None
