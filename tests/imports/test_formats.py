"""Both formats, every CSV encoding, Chinese and English headers: the same preview."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.imports.conftest import (
    EN_HEADERS,
    ROWS,
    ZH_HEADERS,
    Org,
    census,
    csv_bytes,
    upload,
    xlsx_bytes,
)

FILES: dict[str, Callable[[list[str]], tuple[bytes, str]]] = {
    "xlsx": lambda headers: (xlsx_bytes(headers, ROWS), "scores.xlsx"),
    "csv-utf8": lambda headers: (csv_bytes(headers, ROWS, encoding="utf-8"), "scores.csv"),
    "csv-utf8-bom": lambda headers: (csv_bytes(headers, ROWS, encoding="utf-8-sig"), "s.csv"),
    "csv-gbk": lambda headers: (csv_bytes(headers, ROWS, encoding="gbk"), "成绩.csv"),
}
ENCODINGS = {"xlsx": None, "csv-utf8": "utf-8", "csv-utf8-bom": "utf-8-sig", "csv-gbk": "gbk"}


@pytest.mark.parametrize("headers", [ZH_HEADERS, EN_HEADERS], ids=["zh", "en"])
@pytest.mark.parametrize("kind", sorted(FILES))
def test_each_format_and_encoding_previews_the_same_rows(
    client: FlaskClient, session: Session, org: Org, kind: str, headers: list[str]
) -> None:
    content, name = FILES[kind](headers)
    before = census(session)

    response = upload(client, org.admin, content, name)

    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "previewed"
    assert body["file_format"] == ("xlsx" if kind == "xlsx" else "csv")
    assert body["encoding"] == ENCODINGS[kind]
    assert body["missing_fields"] == []
    fields = {c["header"]: c["field"] for c in body["columns"]}
    assert [fields[h] for h in headers] == [
        "ignore",
        "name",
        "mobile",
        "position",
        "interviewed_at",
        "overall",
        "dimension",
        "dimension",
        "comment",
    ]
    assert body["counts"] == {"create": 3, "update": 0, "unchanged": 0, "rejected": 0}
    assert [r["row"] for r in body["items"]] == [2, 3, 4]
    # A preview changes nothing in the cache or the sync log.
    assert census(session) == before


def test_a_gbk_file_is_not_mistaken_for_utf8(client: FlaskClient, org: Org) -> None:
    content = csv_bytes(ZH_HEADERS, ROWS, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")

    body = upload(client, org.admin, content, "scores.csv").json

    assert body["encoding"] == "gbk"
    assert [c["header"] for c in body["columns"]][:3] == ["序号", "姓名", "手机号"]


def test_unknown_headers_ask_for_a_mapping_then_the_given_one_is_used(
    client: FlaskClient, org: Org
) -> None:
    headers = ["候选人", "联系方式", "报考岗位", "测评日期", "AI 总评分"]
    rows = [["张三", "13900000001", "仓库拣货员", "2026/11/18 14:30", "88分"]]
    content = csv_bytes(headers, rows, encoding="utf-8")

    first = upload(client, org.admin, content, "vendor.csv").json
    assert first["status"] == "needs_mapping"
    assert first["import_id"] is None
    assert set(first["missing_fields"]) == {
        "position",
        "interviewed_at",
        "overall",
        "mobile or candidate_id",
    }

    columns = {
        "联系方式": "mobile",
        "报考岗位": "position",
        "测评日期": "interviewed_at",
        "AI 总评分": "overall",
    }
    second = upload(client, org.admin, content, "vendor.csv", mapping="vendor-x", columns=columns)
    assert second.status_code == 201
    assert second.json["status"] == "previewed"
    assert second.json["counts"]["create"] == 1
    assert {c["header"]: c["origin"] for c in second.json["columns"]}["报考岗位"] == "given"


def test_a_mapping_saved_on_apply_answers_the_next_export_of_that_source(
    client: FlaskClient, org: Org
) -> None:
    from tests.imports.conftest import apply

    headers = ["候选人", "联系方式", "报考岗位", "测评日期", "AI 总评分"]
    first_rows = [["张三", "13900000001", "仓库拣货员", "2026/11/18 14:30", "88分"]]
    columns = {
        "联系方式": "mobile",
        "报考岗位": "position",
        "测评日期": "interviewed_at",
        "AI 总评分": "overall",
    }
    first = upload(
        client,
        org.admin,
        csv_bytes(headers, first_rows, encoding="gbk"),
        "a.csv",
        mapping="vendor-x",
        columns=columns,
    ).json
    assert apply(client, org.admin, first["import_id"]).status_code == 200

    next_rows = [["李四", "13900000002", "仓库拣货员", "2026/11/25 10:00", "75"]]
    later = upload(
        client,
        org.admin,
        csv_bytes(headers, next_rows, encoding="gbk"),
        "b.csv",
        mapping="vendor-x",
    ).json

    assert later["status"] == "previewed"
    assert {c["header"]: c["origin"] for c in later["columns"]}["报考岗位"] == "saved"
    assert later["counts"]["create"] == 1
    other = upload(
        client,
        org.admin,
        csv_bytes(headers, next_rows, encoding="gbk"),
        "b.csv",
        mapping="another-vendor",
    ).json
    assert other["status"] == "needs_mapping"
