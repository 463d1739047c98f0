"""One JSON encoding for every JSON column: datetimes as RFC 3339, whichever encoder runs."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from storage.base import encode_json


def test_datetimes_are_written_alike_by_orjson_and_by_the_stdlib_fallback() -> None:
    moment = datetime(2026, 11, 20, 1, 2, 3, 456, tzinfo=UTC)
    naive = datetime(2026, 11, 20, 1, 2, 3)  # taken to be UTC
    fast = json.loads(encode_json({"at": moment, "naive": naive}))
    # An integer beyond 64 bits sends the whole document to the stdlib encoder.
    slow = json.loads(encode_json({"at": moment, "naive": naive, "big": 2**70}))
    expected = {"at": "2026-11-20T01:02:03.000456+00:00", "naive": "2026-11-20T01:02:03+00:00"}
    assert fast == expected
    assert {k: slow[k] for k in expected} == expected
    assert slow["big"] == 2**70
