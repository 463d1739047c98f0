"""Only admins import; files over IMPORT_MAX_BYTES or IMPORT_MAX_ROWS are refused clearly."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from storage.runtime import Runtime
from tests.imports.conftest import (
    ROWS,
    ZH_HEADERS,
    Org,
    apply,
    census,
    csv_bytes,
    upload,
    xlsx_bytes,
)


@pytest.mark.parametrize("who", ["hr", "candidate"])
def test_a_non_admin_can_neither_upload_nor_apply(
    client: FlaskClient, session: Session, org: Org, who: str
) -> None:
    content = csv_bytes(ZH_HEADERS, ROWS, encoding="utf-8")
    preview = upload(client, org.admin, content, "s.csv").json
    token = getattr(org, who)

    refused = upload(client, token, content, "s.csv")
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "admin_only"
    before = census(session)
    applied = apply(client, token, preview["import_id"])
    assert applied.status_code == 403
    assert census(session) == before


def test_without_a_token_401_and_an_unknown_import_404(client: FlaskClient, org: Org) -> None:
    response = client.post(
        "/api/v1/admin/imports", json={"filename": "a", "content_base64": "YQ=="}
    )
    assert response.status_code == 401
    missing = apply(client, org.admin, "imp-nope")
    assert missing.status_code == 404
    assert missing.json["error"]["code"] == "not_found"


def _client_with(runtime: Runtime, **limits: int) -> FlaskClient:
    from web import create_app

    settings = runtime.settings.model_copy(update=limits)
    limited = Runtime(
        settings=settings,
        engine=runtime.engine,
        session_factory=runtime.session_factory,
        redis=runtime.redis,
    )
    return create_app(runtime=limited, test_config={"TESTING": True}).test_client()


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_more_rows_than_import_max_rows_is_refused(runtime: Runtime, org: Org, kind: str) -> None:
    client = _client_with(runtime, IMPORT_MAX_ROWS=2)
    content = (
        xlsx_bytes(ZH_HEADERS, ROWS)
        if kind == "xlsx"
        else csv_bytes(ZH_HEADERS, ROWS, encoding="utf-8")
    )

    response = upload(client, org.admin, content, f"s.{kind}")

    assert response.status_code == 413
    assert response.json["error"]["code"] == "too_many_rows"
    assert "IMPORT_MAX_ROWS" in response.json["error"]["message"]
    exact = upload(client, org.admin, csv_bytes(ZH_HEADERS, ROWS[:2], encoding="utf-8"), "s.csv")
    assert exact.status_code == 201


def test_a_file_over_import_max_bytes_is_refused(runtime: Runtime, org: Org) -> None:
    client = _client_with(runtime, IMPORT_MAX_BYTES=2048)
    rows = [
        [i, "张三", f"139{i:08d}", "仓库拣货员", "2026-11-18 14:30", 80, 80, 80, "好" * 20]
        for i in range(40)
    ]
    content = csv_bytes(ZH_HEADERS, rows, encoding="utf-8")
    assert len(content) > 2048

    response = upload(client, org.admin, content, "big.csv")

    assert response.status_code == 413
    assert response.json["error"]["code"] == "file_too_large"
    assert "IMPORT_MAX_BYTES" in response.json["error"]["message"]


def test_an_upload_larger_than_the_app_wide_1_mib_is_accepted_under_the_limit(
    client: FlaskClient, org: Org
) -> None:
    rows = [
        [i, f"候选人{i}", f"139{i:08d}", "仓库拣货员", "2026-11-18 14:30", 80, 80, 80, "评语" * 40]
        for i in range(4000)
    ]
    content = csv_bytes(ZH_HEADERS, rows, encoding="utf-8")
    assert len(content) > 1024 * 1024

    response = upload(client, org.admin, content, "many.csv")

    assert response.status_code == 201, response.json
    assert response.json["counts"]["create"] == 4000
    assert len(response.json["items"]) == 1000
