"""Where outside input enters: bounded JSON parsing, ASCII numbers, and what cannot be stored.

One boundary for every transport (mini-app API, EHR webhook and change feed, DingTalk card
callbacks, robot messages and events). Two facts decide it:

* PostgreSQL's `text` and `jsonb` cannot hold U+0000, and a lone surrogate cannot be encoded to
  UTF-8 at all: one such string fails the whole transaction it is written in (SQLite stores
  both, which is why a suite on SQLite alone never sees it).
* Parsers recurse and convert: a body nested 100,000 levels deep, a 5,000-digit integer or
  `NaN` must end as a clear refusal, not as RecursionError, ValueError or a value the database
  refuses later.

So JSON is parsed with orjson (UTF-8 only, no NaN or Infinity, no lone surrogates, depth at most
1,024), nested values are bounded to `MAX_NESTING`, and `problem_of` names the first thing in a
value that may not be stored. EHR batches are parsed tolerantly (`loads_batch`) so that one bad
event is that event's rejection and the rest of the batch applies.
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson

# Levels of arrays and objects one value may nest: what orjson's encoder writes (254 levels)
# inside the one list `is_clean` wraps values in, so the fast check and `problem_of` agree.
# The stdlib encoder, the fallback of `encode_json`, recurses well within this.
MAX_NESTING = 253
# Integers beyond 64 bits fit no column; the JSON columns could hold them, but nothing reads
# them as numbers, and Python refuses to parse more than 4,300 digits anyway.
MAX_INT = 2**63 - 1


class JsonInputError(ValueError):
    """The bytes are not JSON this service accepts; `str(exc)` says why (no input echoed)."""


class Unreadable(str):
    """A number or constant the tolerant parser would not turn into a value (`NaN`, an integer
    of 5,000 digits), kept as its text so the event holding it can be rejected on its own."""


def loads(body: bytes | str) -> Any:
    """Parse a request body strictly: orjson's rules (see the module docstring)."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise JsonInputError(f"the body is not valid JSON: {exc.msg}") from None


def _unreadable_int(text: str) -> Any:
    return int(text) if len(text) <= 19 else Unreadable(text[:40])


def _unreadable_constant(text: str) -> Any:
    return Unreadable(text)


def _unreadable_float(text: str) -> Any:
    value = float(text)
    return value if math.isfinite(value) else Unreadable(text[:40])


def loads_batch(body: bytes | str) -> Any:
    """Parse an EHR batch or feed page: orjson, or where orjson refuses a value inside it
    (too large a number, NaN), the stdlib with those values kept as `Unreadable` so that the
    events holding them are rejected one by one. Bytes that are not JSON at all, or nest beyond
    orjson's 1,024 levels, raise JsonInputError."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        first_error = exc.msg
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        return json.loads(
            text,
            parse_int=_unreadable_int,
            parse_float=_unreadable_float,
            parse_constant=_unreadable_constant,
        )
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError included
        raise JsonInputError(f"the body is not valid JSON: {first_error}") from None


def _text_problem(value: str) -> str | None:
    if "\x00" in value:
        return "must not contain NUL characters"
    if isinstance(value, Unreadable):
        return f"unreadable number or constant {value!r}"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must not contain lone surrogates"
    return None


def _scalar_problem(value: Any) -> str | None:
    if isinstance(value, str):
        return _text_problem(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return None if -MAX_INT - 1 <= value <= MAX_INT else "number out of range"
    if isinstance(value, float):
        return None if math.isfinite(value) else "number must be finite"
    return f"unsupported value of type {type(value).__name__}"


def problem_of(value: Any, *, where: str = "value") -> str | None:
    """The first part of `value` that must not be stored, as "path: reason", or None.

    Iterative, so no input can make it recurse; keys are judged like strings."""
    stack: list[tuple[Any, str, int]] = [(value, where, 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, dict):
            if depth >= MAX_NESTING:
                return f"{path}: nested more than {MAX_NESTING} levels"
            for key, child in item.items():
                label = str(key)[:64]
                if not isinstance(key, str) or (problem := _text_problem(key)) is not None:
                    return f"{path}: a key {problem or 'must be a string'}"
                stack.append((child, f"{path}.{label}", depth + 1))
        elif isinstance(item, list):
            if depth >= MAX_NESTING:
                return f"{path}: nested more than {MAX_NESTING} levels"
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))
        elif (problem := _scalar_problem(item)) is not None:
            return f"{path}: {problem}"
    return None


def is_clean(values: list[Any]) -> bool:
    """Whether none of `values` can hold a problem, decided in one C-speed pass.

    orjson's encoder refuses lone surrogates, integers beyond 64 bits, nesting beyond MAX_NESTING,
    unknown types and (with OPT_PASSTHROUGH_SUBCLASS) `Unreadable`, and writes NUL as the escape
    `\\u0000`. False means "look closer with `problem_of`", not "bad": a literal backslash-u0000
    in a string matches too.
    """
    try:
        encoded = orjson.dumps(values, option=orjson.OPT_PASSTHROUGH_SUBCLASS)
    except TypeError:  # orjson.JSONEncodeError
        return False
    return b"\\u0000" not in encoded


def storable(value: Any, depth: int = 0) -> Any:
    """A copy of `value` that every database stores: NUL and lone surrogates escaped as text,
    unreadable and out-of-range numbers as their text, nesting beyond `MAX_NESTING` cut."""
    if depth >= MAX_NESTING:
        return "…"
    if isinstance(value, dict):
        return {storable(str(k), depth): storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v, depth + 1) for v in value]
    if isinstance(value, str):
        text = str(value).replace("\x00", "\\u0000")
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    if _scalar_problem(value) is not None:
        return repr(value)[:64]
    return value


def ascii_int(value: Any, *, max_digits: int = 18) -> int | None:
    """The integer written in `value` with ASCII digits only (at most `max_digits`), else None.

    `str.isdigit` accepts '²' and other digits `int` refuses, and unbounded digits overflow
    every integer column."""
    if not isinstance(value, str) or not 0 < len(value) <= max_digits:
        return None
    if not (value.isascii() and value.isdigit()):
        return None
    return int(value)
