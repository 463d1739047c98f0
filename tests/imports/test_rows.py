"""Rejected rows with their numbers; merged cells, formulas, empty rows and dates as text."""

from __future__ import annotations

import io

import openpyxl
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.imports.conftest import ZH_HEADERS, Org, census, csv_bytes, upload


def _vendor_workbook() -> bytes:
    """A title row, the header on row 2, a position merged over rows 3-4, an empty row 5, a
    formula with no computed value on row 6, a date typed as text, and bad values."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2026年11月 AI 面试成绩导出"])
    sheet.merge_cells("A1:I1")
    sheet.append(ZH_HEADERS)
    sheet.append(
        [1, "张三", 13900000001, "门店店员（夜班）", "2026年11月18日 14:30", 86, 90, 80, "好"]
    )
    sheet.append([2, "李四", "13900000002", None, "2026/11/18 15:00", "72分", 70, 75, ""])
    sheet.merge_cells("D3:D4")
    sheet.append([])
    sheet.append([3, "王五", "13900000003", "仓库拣货员", "2026-11-19 09:10", "=F3+1", 88, 93, ""])
    sheet.append([4, "赵七", "1390000", "仓库拣货员", "昨天下午", 101, 88, 93, ""])
    sheet.append([5, "钱八", "13900000008", "保安", "2026-11-19 11:00", 60, 60, 60, ""])
    sheet.append([6, "孙九", "13900000010", "仓库拣货员", "2026-11-19 11:00", 60, 60, 60, ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_rejected_rows_carry_their_row_number_column_and_reason(
    client: FlaskClient, session: Session, org: Org
) -> None:
    before = census(session)

    response = upload(client, org.admin, _vendor_workbook(), "export.xlsx")

    assert response.status_code == 201, response.json
    body = response.json
    assert body["empty_rows"] == 1
    assert body["counts"] == {"create": 3, "update": 0, "unchanged": 0, "rejected": 3}
    # Row 4 took its position from the merged cell above it.
    assert [r["row"] for r in body["items"]] == [3, 4, 9]
    problems = [(p["row"], p["column"]) for p in body["rejected"]]
    assert problems == [
        (6, "综合得分"),
        (7, "手机号"),
        (7, "面试时间"),
        (7, "综合得分"),
        (8, "岗位"),
    ]
    reasons = {(p["row"], p["column"]): p["reason"] for p in body["rejected"]}
    assert "formula" in reasons[(6, "综合得分")]
    assert "not a mobile number" in reasons[(7, "手机号")]
    assert "not a date" in reasons[(7, "面试时间")]
    assert "outside 0 to 100" in reasons[(7, "综合得分")]
    assert "保安" in reasons[(8, "岗位")]
    assert census(session) == before


def test_the_same_interview_twice_in_a_file_is_rejected_the_second_time(
    client: FlaskClient, org: Org
) -> None:
    row = [1, "张三", "13900000001", "仓库拣货员", "2026-11-18 14:30", 86, 90, 80, ""]
    content = csv_bytes(ZH_HEADERS, [row, row], encoding="utf-8")

    body = upload(client, org.admin, content, "dup.csv").json

    assert body["counts"]["create"] == 1
    assert [(p["row"], p["column"]) for p in body["rejected"]] == [(3, "面试时间")]
    assert "row 2" in body["rejected"][0]["reason"]


def test_an_unreadable_file_is_a_clear_400(client: FlaskClient, org: Org) -> None:
    for content, name in ((b"PK\x03\x04garbage", "x.xlsx"), (b"\xff\xfe\x00\x01" * 10, "x.csv")):
        response = upload(client, org.admin, content, name)
        assert response.status_code == 400
        assert response.json["error"]["code"] == "bad_format"


def test_nul_characters_in_headers_and_cells_are_never_a_500(client: FlaskClient, org: Org) -> None:
    headers = ["姓名\x00", "手机号", "岗位", "面试时间", "综合得分"]
    rows = [["张\x00三", "13900000001", "仓库拣货员", "2026-11-18 14:30", 80]]
    content = csv_bytes(headers, rows, encoding="utf-8")

    response = upload(client, org.admin, content, "nul.csv")

    assert response.status_code == 201, response.json
    assert response.json["columns"][0]["header"] == "姓名"
    assert response.json["counts"]["rejected"] == 1
    assert "NUL" in response.json["rejected"][0]["reason"]
