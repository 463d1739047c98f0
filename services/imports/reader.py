"""Read an uploaded export (.xlsx or .csv) into a header and numbered rows of cell values.

CSV comes in UTF-8, UTF-8 with a BOM, or GBK (what Excel in China saves; decoded as GB18030, its
superset). In a workbook, the first sheet is read; a merged range's value fills every cell of
the range (a position written once beside several rows applies to each of them); a formula
gives the value Excel computed when it saved the file, and one it never computed (a file
written by a program) becomes a `FormulaWithoutValue` the row is rejected for. Row numbers are
those a spreadsheet shows, so a rejection points at the right line.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from services.errors import DomainError, InvalidInput
from services.imports.fields import recognise

# How far down a title, a date line or a logo may push the header row.
HEADER_SEARCH_ROWS = 10
XLSX_MAGIC = b"PK\x03\x04"
CSV_ENCODINGS = (("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8"), ("gbk", "gb18030"))


class ImportRefused(DomainError):
    """The file is over a limit of the import (IMPORT_MAX_BYTES, IMPORT_MAX_ROWS)."""

    code = "file_too_large"
    http_status = 413


@dataclass(frozen=True)
class FormulaWithoutValue:
    """A formula cell of a workbook no spreadsheet program has computed."""

    formula: str


Cell = str | int | float | datetime | date | time | FormulaWithoutValue | None


@dataclass
class Table:
    """A file as read: its format, the header and the data rows with their numbers."""

    file_format: str
    encoding: str | None
    headers: list[str]
    header_row: int
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)
    empty_rows: int = 0


def read_table(content: bytes, filename: str, *, max_rows: int, max_bytes: int) -> Table:
    """Read `content` (named `filename`) within the limits, or raise saying what is wrong."""
    if len(content) > max_bytes:
        raise ImportRefused(
            f"the file is {len(content):,} bytes; IMPORT_MAX_BYTES allows {max_bytes:,}:"
            " split the export into smaller files"
        )
    if not content.strip():
        raise InvalidInput("the file is empty", code="empty_file")
    if content.startswith(XLSX_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm")):
        rows, encoding, file_format = _xlsx_rows(content, max_rows=max_rows), None, "xlsx"
    elif filename.lower().endswith((".xls", ".et")):
        raise InvalidInput(
            "the old .xls format is not read: save the file as .xlsx or .csv", code="bad_format"
        )
    else:
        text, encoding = decode_csv(content)
        rows, file_format = _csv_rows(text), "csv"
    return _table(rows, file_format=file_format, encoding=encoding, max_rows=max_rows)


def decode_csv(content: bytes) -> tuple[str, str]:
    """The text of a CSV file and the name of its encoding (UTF-8, UTF-8 with BOM, or GBK)."""
    for name, codec in CSV_ENCODINGS:
        if name == "utf-8-sig" and not content.startswith(b"\xef\xbb\xbf"):
            continue
        try:
            return content.decode(codec), name
        except UnicodeDecodeError:
            continue
    raise InvalidInput(
        "the file is neither a workbook (.xlsx) nor CSV text in UTF-8 or GBK", code="bad_format"
    )


def _csv_rows(text: str) -> Iterator[tuple[int, list[Cell]]]:
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for record in reader:
            yield reader.line_num, list(record)
    except csv.Error as exc:
        raise InvalidInput(
            f"line {reader.line_num}: the CSV cannot be read ({exc})", code="bad_format"
        ) from None


def _xlsx_rows(content: bytes, *, max_rows: int) -> Iterator[tuple[int, list[Cell]]]:
    import openpyxl  # only an import of a workbook needs it

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InvalidInput(f"the workbook cannot be read: {exc}", code="bad_format") from None
    sheet = book.worksheets[0]
    if sheet.max_row > max_rows + HEADER_SEARCH_ROWS + 1:
        _refuse_rows(max_rows)
    computed = None
    if any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row):
        # Excel keeps a formula's last value beside it; only the second reading gives it.
        computed = openpyxl.load_workbook(io.BytesIO(content), data_only=True).worksheets[0]
    fills: dict[tuple[int, int], Any] = {}
    for merged in sheet.merged_cells.ranges:
        # Filled down its first column: a value written once beside several rows. The other
        # columns of a wide range stay empty rather than repeat the value under other headers.
        value = sheet.cell(merged.min_row, merged.min_col).value
        for r in range(merged.min_row, merged.max_row + 1):
            fills[(r, merged.min_col)] = value
    for row in sheet.iter_rows():
        values: list[Cell] = []
        for cell in row:
            where = (int(cell.row or 0), int(cell.column or 0))
            raw: Any = fills.get(where, cell.value)
            if cell.data_type == "f" and where not in fills:
                cached = computed.cell(*where).value if computed is not None else None
                raw = FormulaWithoutValue(str(cell.value)) if cached is None else cached
            values.append(_cell(raw))
        yield (int(row[0].row or 0) if row else 0), values


def _cell(raw: Any) -> Cell:
    """A workbook value as a plain one: rich text as its text, a decimal as a float."""
    if raw is None or isinstance(raw, str | int | float | datetime | date | time):
        return raw
    if isinstance(raw, FormulaWithoutValue):
        return raw
    if isinstance(raw, Decimal):
        return float(raw)
    return str(raw)


def _refuse_rows(max_rows: int) -> None:
    raise ImportRefused(
        f"the file has more than {max_rows:,} rows, the most IMPORT_MAX_ROWS allows:"
        " split the export into smaller files",
        code="too_many_rows",
    )


def _blank(values: list[Cell]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def _table(
    rows: Iterator[tuple[int, list[Cell]]], *, file_format: str, encoding: str | None, max_rows: int
) -> Table:
    """Find the header (the first row naming two known fields, else the first row with text)
    among the first rows, then keep the non-empty rows below it."""
    leading: list[tuple[int, list[Cell]]] = []
    header: tuple[int, list[Cell]] | None = None
    for number, values in rows:
        if _blank(values):
            continue
        leading.append((number, values))
        known = sum(1 for v in values if isinstance(v, str) and recognise(v) is not None)
        if known >= 2:
            header = (number, values)
            break
        if len(leading) >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        if not leading:
            raise InvalidInput("the file has no rows", code="empty_file")
        header = leading[0]
    headers = [_header_text(v, i) for i, v in enumerate(header[1])]
    table = Table(file_format, encoding, headers, header[0])
    # Rows read before the header was found and below it (only when no header was recognised).
    pending = [r for r in leading if r[0] > header[0]]
    for number, values in [*pending, *rows]:
        if _blank(values):
            table.empty_rows += 1
            continue
        if len(table.rows) >= max_rows:
            _refuse_rows(max_rows)
        table.rows.append((number, values))
    return table


def _header_text(value: Cell, index: int) -> str:
    text = "" if value is None or isinstance(value, FormulaWithoutValue) else str(value)
    # Stored as JSON keys (the mapping): what PostgreSQL cannot store never gets that far.
    text = text.replace("\x00", "").strip()[:200]
    return text or f"column {index + 1}"
