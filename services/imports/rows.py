"""The columns of a file mapped to fields, and each data row read into contract values.

A row that cannot be read is rejected with every problem it has (its row number, the column's
header and the reason); the others become `ImportRow`s, JSON-safe so a preview can be stored and
applied later.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from services.imports import fields as f
from services.imports.reader import Cell, FormulaWithoutValue, Table

MOBILE_CN = re.compile(r"^1[3-9]\d{9}$")
MOBILE_INTL = re.compile(r"^\+\d{7,18}$")
EXCEL_EPOCH = datetime(1899, 12, 30)  # noqa: DTZ001 - a serial date is a wall-clock time
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d %H:%M",
    "%Y.%m.%d",
    "%Y年%m月%d日%H:%M:%S",
    "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日%H时%M分",
    "%Y年%m月%d日",
)


@dataclass(frozen=True)
class Column:
    """One column of the file: its header, the field it maps to, and why (`recognised`,
    `saved` from the source's mapping, `given` in the request, or `unknown`)."""

    index: int
    header: str
    field: str
    origin: str


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    reason: str


class _Bad(ValueError):
    """A cell's value that cannot become its field's value; the message is the reason."""


def resolve_columns(
    headers: list[str], *, saved: Mapping[str, str], given: Mapping[str, str]
) -> list[Column]:
    """Each header's field: given in the request, else saved for the source, else recognised.
    A single field named by two columns is kept for the first; the second is ignored."""
    columns: list[Column] = []
    taken: set[str] = set()
    for index, header in enumerate(headers):
        if header in given:
            field, origin = given[header], "given"
        elif header in saved:
            field, origin = saved[header], "saved"
        else:
            found = f.recognise(header)
            field, origin = (found, "recognised") if found else (f.IGNORE, "unknown")
        if field in f.SINGLE_FIELDS and field in taken:
            field, origin = f.IGNORE, "duplicate"
        taken.add(field)
        columns.append(Column(index, header, field, origin))
    return columns


def missing_fields(columns: list[Column]) -> list[str]:
    """The fields an import cannot go without that no column maps to."""
    mapped = {c.field for c in columns}
    missing = [name for name in f.REQUIRED_FIELDS if name not in mapped]
    if not mapped & set(f.CANDIDATE_KEYS):
        missing.append(f"{f.MOBILE} or {f.CANDIDATE_ID}")
    return missing


def read_rows(
    table: Table, columns: list[Column], *, tz: tzinfo
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The rows read into values ({"row": n, "values": {...}}) and the problems of the others."""
    good: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for number, cells in table.rows:
        values, found = _read_row(number, cells, columns, tz)
        if found:
            problems.extend(found)
        else:
            good.append({"row": number, "values": values})
    return good, problems


def _read_row(
    number: int, cells: list[Cell], columns: list[Column], tz: tzinfo
) -> tuple[dict[str, Any], list[Problem]]:
    values: dict[str, Any] = {"dimensions": []}
    problems: list[Problem] = []
    for column in columns:
        if column.field == f.IGNORE:
            continue
        cell = cells[column.index] if column.index < len(cells) else None
        try:
            _read_cell(values, column, cell, tz)
        except _Bad as exc:
            problems.append(Problem(number, column.header, str(exc)))
    by_field = {c.field: c.header for c in columns}
    for name in f.REQUIRED_FIELDS:
        if values.get(name) is None and not any(p.column == by_field[name] for p in problems):
            problems.append(Problem(number, by_field[name], "empty: the value is required"))
    if not any(values.get(key) for key in f.CANDIDATE_KEYS) and not problems:
        header = by_field.get(f.MOBILE) or by_field.get(f.CANDIDATE_ID) or f.MOBILE
        problems.append(Problem(number, header, "empty: the candidate's mobile or id is required"))
    return values, problems


def _read_cell(values: dict[str, Any], column: Column, cell: Cell, tz: tzinfo) -> None:
    if isinstance(cell, FormulaWithoutValue):
        raise _Bad(
            f"a formula ({cell.formula[:60]}) without a computed value: open and save the file"
            " in Excel or WPS, or paste the column as values"
        )
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return
    if column.field == f.DIMENSION:
        key, label, maximum = f.dimension_of(column.header)
        score = _number(cell, high=maximum)
        values["dimensions"].append(
            {"key": key, "label": label, "score": score, "max_score": maximum}
        )
        return
    values[column.field] = READERS[column.field](cell, tz)


def _text(limit: int) -> Callable[[Cell, tzinfo], str]:
    def read(cell: Cell, _tz: tzinfo) -> str:
        text = _plain(cell).strip()
        if len(text) > limit:
            raise _Bad(f"longer than {limit} characters")
        if "\x00" in text:
            raise _Bad("holds a NUL character")
        return text

    return read


def _plain(cell: Cell) -> str:
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # an id or a number Excel stored as 13800138000.0
    return str(cell)


def _mobile(cell: Cell, _tz: tzinfo) -> str:
    text = re.sub(r"[\s\-()（）]", "", unicodedata.normalize("NFKC", _plain(cell)))
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not (MOBILE_CN.match(text) or MOBILE_INTL.match(text)):
        raise _Bad("not a mobile number (11 digits, or + and the country code)")
    return text


def _email(cell: Cell, tz: tzinfo) -> str:
    text = _text(320)(cell, tz)
    if "@" not in text or " " in text:
        raise _Bad("not an e-mail address")
    return text


def _number(cell: Cell, *, high: float) -> float:
    if isinstance(cell, bool | datetime | date | time):
        raise _Bad("not a number")
    if isinstance(cell, int | float):
        value = float(cell)
    else:
        text = unicodedata.normalize("NFKC", str(cell)).strip().removesuffix("分").strip()
        try:
            value = float(text)
        except ValueError:
            raise _Bad(f"not a number: {str(cell)[:40]!r}") from None
    if not 0 <= value <= high:
        raise _Bad(f"{value:g} is outside 0 to {high:g}")
    return value


def _overall(cell: Cell, _tz: tzinfo) -> float:
    return _number(cell, high=100)


def _moment(cell: Cell, tz: tzinfo) -> str:
    """An aware RFC 3339 time; a wall-clock time (a date cell, text) is in `tz`."""
    if isinstance(cell, datetime):
        moment = cell
    elif isinstance(cell, date):
        moment = datetime.combine(cell, time())
    elif isinstance(cell, int | float) and not isinstance(cell, bool) and 1 < cell < 100_000:
        moment = EXCEL_EPOCH + timedelta(days=float(cell))  # a serial date saved as a number
    else:
        moment = _parse_date(unicodedata.normalize("NFKC", str(cell)).strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.replace(microsecond=0).isoformat()


def _parse_date(text: str) -> datetime:
    compact = re.sub(r"(?<=日)\s+", "", text)
    try:
        return datetime.fromisoformat(compact)
    except ValueError:
        pass
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(compact, pattern)  # noqa: DTZ007 - made aware by the caller
        except ValueError:
            continue
    raise _Bad(f"not a date and time: {text[:40]!r} (write it as 2026-11-20 14:30)")


READERS: dict[str, Callable[[Cell, tzinfo], Any]] = {
    f.CANDIDATE_ID: _text(64),
    f.NAME: _text(200),
    f.MOBILE: _mobile,
    f.EMAIL: _email,
    f.POSITION: _text(200),
    f.INTERVIEWED_AT: _moment,
    f.OVERALL: _overall,
    f.COMMENT: _text(20_000),
}
