"""The candidate's two views stay on the direct read path.

A column of a type `FastRead` does not convert itself sends the whole statement through
SQLAlchemy's execution instead: still correct, but the view then costs a third more CPU per
request (bench/miniapp.py). That happened once without any test noticing (three Text columns
of the rounds, issue 18); this test names the column when it happens again.
"""

from __future__ import annotations

import pytest

from services.views.candidate import _list_query, _report_query
from storage.fastread import FastRead

PARTS = [frozenset(), frozenset({"dimensions"}), frozenset({"dimensions", "comments"})]


@pytest.mark.parametrize(
    "read",
    [_list_query(), *(_report_query(p) for p in PARTS)],
    ids=["list", "report", "report+dimensions", "report+dimensions+comments"],
)
def test_every_column_of_the_candidate_views_is_read_directly(read: FastRead) -> None:
    slow = [
        f"{column.key}: {type(column.type).__name__}"
        for column in read.statement.selected_columns
        if not FastRead(read.statement.with_only_columns(column)).direct
    ]
    assert read.direct, slow
