"""The EHR contract (docs/ehr-contract.md) as one table, and the validators generated from it.

`ENTITY_FIELDS` is the single definition of every entity kind's `data` fields. The pydantic models
that judge incoming events are generated from it, so the contract, the validation and the cache
mapping cannot drift. Unknown `data` fields are kept (`ParsedEvent.extra`), never rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationError,
    create_model,
    model_validator,
)

from storage.models import (
    APPLICATION_STAGES,
    EDUCATION_LEVELS,
    INTERVIEW_KINDS,
    INTERVIEW_STATUSES,
    REQUIREMENT_STATUSES,
    SCORE_STATUSES,
    STAFF_ROLES,
)

MAX_BATCH_EVENTS = 500
EVENT_OPERATIONS = ("upserted", "deleted")


def _no_nul(value: str) -> str:
    # PostgreSQL text cannot hold NUL; one such string would fail the whole batch's transaction.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _text(max_length: int, *, min_length: int = 0) -> Any:
    return Annotated[
        str,
        Strict(),
        StringConstraints(min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    ]


def _one_of(values: tuple[str, ...]) -> Any:
    return Literal[values]


EntityId = _text(64, min_length=1)
Version = Annotated[int, Strict(), Field(ge=0, le=2**31 - 1)]
Number = Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)]
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Names = Annotated[list[_text(200)], Field(max_length=50)]  # type: ignore[misc,valid-type]
IdList = Annotated[list[_text(64, min_length=1)], Field(max_length=500)]  # type: ignore[misc,valid-type]


class _Item(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class RequirementItem(_Item):
    key: _text(64, min_length=1)  # type: ignore[valid-type]
    label: _text(200)  # type: ignore[valid-type]
    status: _one_of(REQUIREMENT_STATUSES)  # type: ignore[valid-type]


class DimensionItem(_Item):
    key: _text(64, min_length=1)  # type: ignore[valid-type]
    label: _text(200)  # type: ignore[valid-type]
    score: Number
    max_score: Annotated[float, Field(gt=0, le=1_000_000, allow_inf_nan=False)]
    weight: Number | None = None

    @model_validator(mode="after")
    def _within_max(self) -> DimensionItem:
        if self.score > self.max_score:
            raise ValueError("score must not exceed max_score")
        return self


class CommentItem(_Item):
    author: _text(200)  # type: ignore[valid-type]
    text: _text(20_000)  # type: ignore[valid-type]


@dataclass(frozen=True)
class FieldSpec:
    """One `data` field of an entity kind: its type, and whether the contract marks it `?`."""

    annotation: Any
    required: bool = True
    # Lists whose items must be unique, by this key ("" = the item itself).
    unique_by: str | None = None


def _opt(annotation: Any) -> FieldSpec:
    return FieldSpec(annotation, required=False)


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
    },
    "score": {
        "interview_id": FieldSpec(EntityId),
        "status": FieldSpec(_one_of(SCORE_STATUSES)),
        "overall": FieldSpec(Percent),
        "dimensions": FieldSpec(
            Annotated[list[DimensionItem], Field(max_length=100)], unique_by="key"
        ),
        "comments": FieldSpec(Annotated[list[CommentItem], Field(max_length=100)]),
        "model_version": _opt(_text(120)),
        "published_at": _opt(AwareDatetime),
    },
}

# The references an entity cannot be shown without: a child arriving first is held, not dropped.
# Departments, staff and positions are organisation data and are never held for each other.
PARENT_REFS: dict[str, tuple[tuple[str, str], ...]] = {
    "application": (("candidate", "candidate_id"), ("position", "position_id")),
    "interview": (("application", "application_id"),),
    "score": (("interview", "interview_id"),),
}
# Parents before children, so one batch applies in a single pass whatever its order.
APPLY_ORDER = ("department", "staff", "position", "candidate", "application", "interview", "score")


def _data_model(kind: str, fields: dict[str, FieldSpec]) -> type[BaseModel]:
    definitions: dict[str, Any] = {"id": (EntityId, ...), "version": (Version, ...)}
    for name, spec in fields.items():
        definitions[name] = (
            (spec.annotation, ...) if spec.required else (spec.annotation | None, None)
        )
    return create_model(f"{kind.title()}Data", __config__=ConfigDict(extra="allow"), **definitions)


class DeletedData(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: EntityId  # type: ignore[valid-type]
    version: Version


DATA_MODELS: dict[str, type[BaseModel]] = {
    kind: _data_model(kind, fields) for kind, fields in ENTITY_FIELDS.items()
}


class EventEnvelope(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: _text(128, min_length=1)  # type: ignore[valid-type]
    type: _text(64, min_length=1)  # type: ignore[valid-type]
    occurred_at: AwareDatetime
    data: dict[str, Any]


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


def _reason(exc: ValidationError, prefix: str) -> str:
    parts = [
        f"{prefix}{'.'.join(str(p) for p in err['loc']) or 'value'}: {err['msg']}"
        for err in exc.errors(include_input=False, include_url=False)
    ]
    return "; ".join(parts)[:1000]


# Each kind's fields in contract order, with the key their items must be unique by (if any).
_FIELD_ORDER = {
    kind: tuple((name, spec.unique_by) for name, spec in fields.items())
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


def _fields_of(kind: str, data: BaseModel) -> dict[str, Any]:
    """The validated fields as plain values: datetimes in UTC, list items as dicts.

    Written out per type rather than as a generic recursive walk: it runs for every event
    and the contract's values are only ever plain, a datetime, or a list of plain values or
    of flat items.
    """
    values = data.__dict__
    fields: dict[str, Any] = {}
    for name, unique_by in _FIELD_ORDER[kind]:
        value = values[name]
        if type(value) is list:
            if value and isinstance(value[0], BaseModel):
                value = [item.model_dump() for item in value]
            if unique_by is not None and value:
                duplicate = _duplicate_in(value, unique_by)
                if duplicate is not None:
                    raise ValueError(f"data.{name}: duplicate entry {duplicate!r}")
        elif isinstance(value, datetime):
            value = value.astimezone(UTC)
        fields[name] = value
    return fields


def parse_event(raw: Any) -> ParsedEvent | Rejection:
    """Judge one event of a batch on its own: a ParsedEvent, or a Rejection saying why."""
    raw_id = raw.get("id") if isinstance(raw, dict) else None
    event_id = raw_id if isinstance(raw_id, str) and 0 < len(raw_id) <= 128 else None
    if not isinstance(raw, dict):
        return Rejection(None, "event: must be an object", raw)
    try:
        envelope = EventEnvelope.model_validate(raw)
    except ValidationError as exc:
        return Rejection(event_id, _reason(exc, ""), raw)
    kind, _, operation = envelope.type.partition(".")
    if kind not in ENTITY_FIELDS or operation not in EVENT_OPERATIONS:
        return Rejection(event_id, f"type: unknown event type {envelope.type!r}", raw)
    model = DeletedData if operation == "deleted" else DATA_MODELS[kind]
    try:
        data = model.model_validate(envelope.data)
        fields = {} if operation == "deleted" else _fields_of(kind, data)
    except ValidationError as exc:
        return Rejection(event_id, _reason(exc, "data."), raw)
    except ValueError as exc:
        return Rejection(event_id, str(exc), raw)
    return ParsedEvent(
        id=envelope.id,
        kind=kind,
        operation=operation,
        entity_id=data.id,  # type: ignore[attr-defined]
        version=data.version,  # type: ignore[attr-defined]
        occurred_at=envelope.occurred_at.astimezone(UTC),
        fields=fields,
        extra=dict(data.model_extra or {}),
        raw=raw,
    )
