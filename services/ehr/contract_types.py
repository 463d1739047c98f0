"""The value types of the EHR contract's fields: bounded text, ids, numbers, the nested items
(requirements, dimensions, comments, ratings) and `FieldSpec`, from which services/ehr/contract.py
builds `ENTITY_FIELDS` and its validators."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal, NotRequired

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    with_config,
)

# pydantic needs typing_extensions' TypedDict before Python 3.12.
from typing_extensions import TypedDict

from storage.models import (
    REQUIREMENT_STATUSES,
)


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


# Items of a list field validate to plain dicts, keys they do not know dropped: the sync stores
# them as rows as they are, with nothing to convert.
@with_config(ConfigDict(extra="ignore"))
class RequirementItem(TypedDict):
    key: _text(64, min_length=1)  # type: ignore[valid-type]
    label: _text(200)  # type: ignore[valid-type]
    status: _one_of(REQUIREMENT_STATUSES)  # type: ignore[valid-type]


@with_config(ConfigDict(extra="ignore"))
class DimensionItem(TypedDict):
    key: _text(64, min_length=1)  # type: ignore[valid-type]
    label: _text(200)  # type: ignore[valid-type]
    score: Number
    max_score: Annotated[float, Field(gt=0, le=1_000_000, allow_inf_nan=False)]
    weight: NotRequired[Number | None]  # missing means None (`_dimension`)


def _dimension(item: DimensionItem) -> DimensionItem:
    # The rules a dimension's field types cannot say; run by pydantic after the fields'.
    item.setdefault("weight", None)
    if item["score"] > item["max_score"]:
        raise ValueError("score must not exceed max_score")
    return item


Dimension = Annotated[DimensionItem, AfterValidator(_dimension)]


@with_config(ConfigDict(extra="ignore"))
class CommentItem(TypedDict):
    author: _text(200)  # type: ignore[valid-type]
    text: _text(20_000)  # type: ignore[valid-type]


@with_config(ConfigDict(extra="ignore"))
class RatingItem(TypedDict):
    key: _text(64, min_length=1)  # type: ignore[valid-type]
    label: _text(200)  # type: ignore[valid-type]
    score: Number
    max_score: Annotated[float, Field(gt=0, le=1_000_000, allow_inf_nan=False)]


def _rating(item: RatingItem) -> RatingItem:
    if item["score"] > item["max_score"]:
        raise ValueError("score must not exceed max_score")
    return item


Rating = Annotated[RatingItem, AfterValidator(_rating)]


@dataclass(frozen=True)
class FieldSpec:
    """One `data` field of an entity kind: its type, and whether the contract marks it `?`."""

    annotation: Any
    required: bool = True
    # Lists whose items must be unique, by this key ("" = the item itself).
    unique_by: str | None = None


def _opt(annotation: Any) -> FieldSpec:
    return FieldSpec(annotation, required=False)
