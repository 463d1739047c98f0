"""An organisation with two positions, an admin and an HR specialist, and the export builders:
workbooks written with openpyxl (merged cells, formulas, a title row) and CSV in each encoding."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.models import Application, Candidate, Interview, Score
from storage.sync_models import ChangeHistory, EhrEvent, OutboxEvent
from tests import factories as f

ZH_HEADERS = [
    "序号",
    "姓名",
    "手机号",
    "岗位",
    "面试时间",
    "综合得分",
    "沟通能力",
    "服务意识",
    "评语",
]
EN_HEADERS = [
    "No.",
    "Name",
    "Mobile",
    "Position",
    "Interview time",
    "Overall score",
    "Communication",
    "Service attitude score",
    "Comment",
]
ROWS: list[list[Any]] = [
    [1, "张三", "13900000001", "门店店员（夜班）", "2026-11-18 14:30", 86, 90, 80, "表达清晰"],
    [2, "李四", "13900000002", "门店店员（夜班）", "2026-11-18 15:00", 72, 70, 75, "稍显紧张"],
    [3, "王五", "13900000003", "仓库拣货员", "2026-11-19 09:10", 91, 88, 93, "踏实"],
]


@dataclass
class Org:
    admin: str
    hr: str
    candidate: str


@pytest.fixture
def org(session: Session) -> Org:
    f.department(session, "d-1")
    admin = f.staff(session, "st-admin", "admin", uid="u-admin")
    hr = f.staff(session, "st-hr", "hr_specialist", uid="u-hr", departments=["d-1"])
    f.position(session, "pos-store", "d-1", owners=["st-hr"], title="门店店员（夜班）")
    f.position(session, "pos-wh", "d-1", owners=["st-hr"], title="仓库拣货员")
    someone = f.candidate(session, "c-ehr", uid="u-c", name="赵六", mobile="13900000009")
    session.commit()
    return Org(
        admin=f.token_for(staff_row=admin),
        hr=f.token_for(staff_row=hr),
        candidate=f.token_for(candidate_row=someone),
    )


def xlsx_bytes(
    headers: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str | None = None
) -> bytes:
    """A workbook as a vendor's export: an optional merged title row above the header."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, encoding: str) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def upload(
    client: FlaskClient,
    token: str,
    content: bytes,
    filename: str,
    **extra: Any,
) -> Any:
    body = {"filename": filename, "content_base64": base64.b64encode(content).decode(), **extra}
    return client.post(
        "/api/v1/admin/imports", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def apply(client: FlaskClient, token: str, import_id: str) -> Any:
    return client.post(
        f"/api/v1/admin/imports/{import_id}/apply", headers={"Authorization": f"Bearer {token}"}
    )


def census(session: Session) -> dict[str, int]:
    """How many rows the cache and the sync log hold, to see what an import changed."""
    session.expire_all()
    models = {
        "candidate": Candidate,
        "application": Application,
        "interview": Interview,
        "score": Score,
        "event": EhrEvent,
        "history": ChangeHistory,
        "outbox": OutboxEvent,
    }
    counts = {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in models.items()
    }
    session.rollback()
    return counts
