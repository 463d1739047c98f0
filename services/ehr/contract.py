"""The EHR contract (docs/ehr-contract.md) as one table, and the validators generated from it.

`ENTITY_FIELDS` is the single definition of every entity kind's `data` fields. The pydantic
validators that judge incoming events are generated from it, so the contract, the validation and
the cache mapping cannot drift. Unknown `data` fields are kept (`ParsedEvent.extra`), never
rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, NamedTuple, NotRequired

from pydantic import (
    AwareDatetime,
    ConfigDict,
    Field,
    Strict,
    TypeAdapter,
    ValidationError,
    with_config,
)

# pydantic needs typing_extensions' TypedDict before Python 3.12.
from typing_extensions import TypedDict

from services.ehr.contract_types import (
    CommentItem,
    Dimension,
    EntityId,
    FieldSpec,
    IdList,
    Names,
    Percent,
    Rating,
    RequirementItem,
    Version,
    _one_of,
    _opt,
    _text,
)
from storage.models import (
    APPLICATION_STAGES,
    EDUCATION_LEVELS,
    FEEDBACK_RESULTS,
    INTERVIEW_KINDS,
    INTERVIEW_STATUSES,
    SCORE_STATUSES,
    STAFF_ROLES,
)

MAX_BATCH_EVENTS = 500
EVENT_OPERATIONS = ("upserted", "deleted")


# Contract section 2, field by field (besides `id` and `version`, which every kind has).
ENTITY_FIELDS: dict[str, dict[str, FieldSpec]] = {
    "staff": {
        "name": FieldSpec(_text(200)),
        "dingtalk_user_id": FieldSpec(_text(64) | None),
        "role": FieldSpec(_one_of(STAFF_ROLES)),
        "department_ids": FieldSpec(IdList, unique_by=""),
    },
    "department": {
        "name": FieldSpec(_text(200)),
        "parent_id": _opt(EntityId),
    },
    "position": {
        "title": FieldSpec(_text(200)),
        "department_id": FieldSpec(EntityId),
        "hr_owner_ids": FieldSpec(IdList, unique_by=""),
    },
    "candidate": {
        "name": FieldSpec(_text(200)),
        "mobile": _opt(_text(32)),
        "email": _opt(_text(320)),
        "dingtalk_user_id": _opt(_text(64)),
        "education": _opt(_one_of(EDUCATION_LEVELS)),
        "resume_url": _opt(_text(2000)),
    },
    "application": {
        "candidate_id": FieldSpec(EntityId),
        "position_id": FieldSpec(EntityId),
        "batch": _opt(_text(120)),
        "stage": FieldSpec(_one_of(APPLICATION_STAGES)),
        "stage_changed_at": FieldSpec(AwareDatetime),
        "requirements": FieldSpec(
            Annotated[list[RequirementItem], Field(max_length=100)], required=False, unique_by="key"
        ),
    },
    "interview": {
        "application_id": FieldSpec(EntityId),
        "round": FieldSpec(Annotated[int, Strict(), Field(ge=1, le=1000)]),
        "kind": FieldSpec(_one_of(INTERVIEW_KINDS)),
        "scheduled_at": _opt(AwareDatetime),
        "deadline_at": _opt(AwareDatetime),
        "invitation_url": _opt(_text(2000)),
        "interviewer_names": FieldSpec(Names),
        "status": FieldSpec(_one_of(INTERVIEW_STATUSES)),
        "invited_at": _opt(AwareDatetime),
        "opened_at": _opt(AwareDatetime),
        "attended_at": _opt(AwareDatetime),
        # v1.1: the rounds after the AI interview.
        "interviewer_ids": FieldSpec(IdList, required=False, unique_by=""),
        "duration_minutes": _opt(Annotated[int, Strict(), Field(ge=1, le=1440)]),
        "location": _opt(_text(500)),
        "meeting_url": _opt(_text(2000)),
        "cancel_reason": _opt(_text(500)),
    },
    "score": {
        "interview_id": FieldSpec(EntityId),
        "status": FieldSpec(_one_of(SCORE_STATUSES)),
        "overall": FieldSpec(Percent),
        "dimensions": FieldSpec(Annotated[list[Dimension], Field(max_length=100)], unique_by="key"),
        "comments": FieldSpec(Annotated[list[CommentItem], Field(max_length=100)]),
        "model_version": _opt(_text(120)),
        "published_at": _opt(AwareDatetime),
    },
    # v1.1: an interviewer's feedback on a round.
    "feedback": {
        "interview_id": FieldSpec(EntityId),
        "staff_id": FieldSpec(EntityId),
        "result": FieldSpec(_one_of(FEEDBACK_RESULTS)),
        "ratings": FieldSpec(Annotated[list[Rating], Field(max_length=100)], unique_by="key"),
        "comment": _opt(_text(20_000)),
        "submitted_at": FieldSpec(AwareDatetime),
    },
    # v1.1: what happens after the hire (issue 21).
    "training_progress": {
        "application_id": FieldSpec(EntityId),
        "course_key": FieldSpec(_text(64, min_length=1)),
        "course_title": FieldSpec(_text(200)),
        "completion": FieldSpec(Percent),
        "exam_score": _opt(Percent),
        "updated_at": FieldSpec(AwareDatetime),
    },
    "performance_review": {
        "application_id": FieldSpec(EntityId),
        "period": FieldSpec(_text(32, min_length=1)),
        "score": FieldSpec(Percent),
        "reviewed_at": FieldSpec(AwareDatetime),
    },
}

# The references an entity cannot be shown without: a child arriving first is held, not dropped.
# Departments, staff and positions are organisation data and are never held for each other.
PARENT_REFS: dict[str, tuple[tuple[str, str], ...]] = {
    "application": (("candidate", "candidate_id"), ("position", "position_id")),
    "interview": (("application", "application_id"),),
    "score": (("interview", "interview_id"),),
    "feedback": (("interview", "interview_id"),),
    "training_progress": (("application", "application_id"),),
    "performance_review": (("application", "application_id"),),
}
# Parents before children, so one batch applies in a single pass whatever its order.
APPLY_ORDER = (
    "department",
    "staff",
    "position",
    "candidate",
    "application",
    "interview",
    "score",
    "feedback",
    "training_progress",
    "performance_review",
)


def _envelope(name: str, type_: Any, data: Any) -> TypeAdapter[dict[str, Any]]:
    """One event, envelope and data together, validated in one call to plain dicts.

    TypedDicts rather than models: pydantic builds no model instances, so the sync (which
    validates every event it receives) has only dicts to read.
    """
    fields = {
        "id": _text(128, min_length=1),
        "type": type_,
        "occurred_at": AwareDatetime,
        "data": data,
    }
    envelope = TypedDict(name, fields)  # type: ignore[misc]
    return TypeAdapter(with_config(ConfigDict(extra="allow"))(envelope))  # type: ignore[arg-type]


def _data(name: str, fields: dict[str, FieldSpec]) -> Any:
    definitions: dict[str, Any] = {"id": EntityId, "version": Version}
    for field_name, spec in fields.items():
        annotation = spec.annotation
        definitions[field_name] = annotation if spec.required else NotRequired[annotation | None]
    data = TypedDict(name, definitions)  # type: ignore[misc]
    return with_config(ConfigDict(extra="allow"))(data)


# Any event: used only to say what is wrong with one whose type is not a known one.
_ANY_EVENT = _envelope("Event", _text(64, min_length=1), dict[str, Any])
_DELETED_DATA = _data("DeletedData", {})
# Per event type ("score.upserted", ...): the validator of the whole event.
EVENT_VALIDATORS: dict[str, TypeAdapter[dict[str, Any]]] = {}
for _kind, _fields in ENTITY_FIELDS.items():
    for _operation in EVENT_OPERATIONS:
        _type = f"{_kind}.{_operation}"
        _payload = _DELETED_DATA if _operation == "deleted" else _data(f"{_kind}Data", _fields)
        EVENT_VALIDATORS[_type] = _envelope(f"{_kind}Event", Literal[_type], _payload)


class ParsedEvent(NamedTuple):
    """A valid event: contract fields as Python values (datetimes in UTC), unknown ones apart.

    A named tuple rather than a frozen dataclass: the sync makes one per event, and a frozen
    dataclass's constructor costs several times as much.
    """

    id: str
    kind: str
    operation: str  # upserted | deleted
    entity_id: str
    version: int
    occurred_at: datetime
    fields: dict[str, Any]
    extra: dict[str, Any]
    raw: dict[str, Any]

    @property
    def type(self) -> str:
        return f"{self.kind}.{self.operation}"


@dataclass(frozen=True)
class Rejection:
    """An invalid event: its id when it had a usable one, the reason, and the raw value."""

    event_id: str | None
    reason: str
    raw: Any


def _reason(exc: ValidationError) -> str:
    parts = [
        f"{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}"
        for err in exc.errors(include_input=False, include_url=False)
    ]
    return "; ".join(parts)[:1000]


class _KindPlan(NamedTuple):
    """What `_fields_of` does per kind, worked out once from the contract."""

    order: tuple[tuple[str, str | None], ...]  # fields in contract order, with unique-by key
    datetimes: tuple[str, ...]
    known: frozenset[str]


_PLANS = {
    kind: _KindPlan(
        order=tuple((name, spec.unique_by) for name, spec in fields.items()),
        datetimes=tuple(name for name, spec in fields.items() if spec.annotation is AwareDatetime),
        known=frozenset(("id", "version", *fields)),
    )
    for kind, fields in ENTITY_FIELDS.items()
}


def _duplicate_in(values: list[Any], unique_by: str) -> str | None:
    seen: set[Any] = set()
    for item in values:
        key = item if unique_by == "" else item[unique_by]
        if key in seen:
            return str(key)
        seen.add(key)
    return None


def _fields_of(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The validated fields in contract order: missing optional ones None, datetimes in UTC.

    Checks the rule a field's type cannot say: unique list entries.
    """
    plan = _PLANS[kind]
    fields: dict[str, Any] = {}
    for name, unique_by in plan.order:
        value = data.get(name)
        if unique_by is not None and value:
            duplicate = _duplicate_in(value, unique_by)
            if duplicate is not None:
                raise ValueError(f"data.{name}: duplicate entry {duplicate!r}")
        fields[name] = value
    for name in plan.datetimes:
        if fields[name] is not None:
            fields[name] = fields[name].astimezone(UTC)
    return fields


def parse_event(raw: Any) -> ParsedEvent | Rejection:
    """Judge one event of a batch on its own: a ParsedEvent, or a Rejection saying why."""
    if not isinstance(raw, dict):
        return Rejection(None, "event: must be an object", raw)
    raw_id = raw.get("id")
    event_id = raw_id if isinstance(raw_id, str) and 0 < len(raw_id) <= 128 else None
    raw_type = raw.get("type")
    validator = EVENT_VALIDATORS.get(raw_type) if isinstance(raw_type, str) else None
    try:
        if validator is None:
            _ANY_EVENT.validate_python(raw)  # an unusable envelope says what is wrong with it
            return Rejection(event_id, f"type: unknown event type {raw_type!r}", raw)
        event = validator.validate_python(raw)
    except ValidationError as exc:
        return Rejection(event_id, _reason(exc), raw)
    kind, _, operation = event["type"].partition(".")
    data = event["data"]
    try:
        fields = {} if operation == "deleted" else _fields_of(kind, data)
    except ValueError as exc:
        return Rejection(event_id, str(exc), raw)
    known = _PLANS[kind].known
    return ParsedEvent(
        id=event["id"],
        kind=kind,
        operation=operation,
        entity_id=data["id"],
        version=data["version"],
        occurred_at=event["occurred_at"].astimezone(UTC),
        fields=fields,
        extra={key: value for key, value in data.items() if key not in known},
        raw=raw,
    )
