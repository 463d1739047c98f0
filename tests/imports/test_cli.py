"""`flask --app wsgi import scores FILE [--mapping NAME] [--dry-run]`."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from tests.imports.conftest import ROWS, ZH_HEADERS, Org, census, csv_bytes


def test_dry_run_changes_nothing_and_the_import_applies_once(
    app: Flask, session: Session, org: Org, tmp_path: Path
) -> None:
    rows = [*ROWS, [4, "坏行", "139", "仓库拣货员", "2026-11-19", 50, 50, 50, ""]]
    path = tmp_path / "成绩.csv"
    path.write_bytes(csv_bytes(ZH_HEADERS, rows, encoding="gbk"))
    runner = app.test_cli_runner()
    before = census(session)

    dry = runner.invoke(args=["import", "scores", str(path), "--mapping", "vendor", "--dry-run"])

    assert dry.exit_code == 0, dry.output
    assert "create=3 update=0 unchanged=0 rejected=1" in dry.output
    assert "rejected row 5, 手机号: not a mobile number" in dry.output
    assert "dry run: nothing changed" in dry.output
    assert census(session) == before

    real = runner.invoke(args=["import", "scores", str(path), "--mapping", "vendor"])
    assert real.exit_code == 0, real.output
    assert "events applied=12" in real.output
    again = runner.invoke(args=["import", "scores", str(path), "--mapping", "vendor"])
    assert "create=0 update=0 unchanged=3 rejected=1" in again.output
    assert "events applied=0" in again.output


def test_a_file_without_the_needed_columns_names_them(app: Flask, org: Org, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("foo,bar\n1,2\n", encoding="utf-8")

    result = app.test_cli_runner().invoke(args=["import", "scores", str(path)])

    assert result.exit_code != 0
    assert "no column maps to: name, position, interviewed_at, overall" in result.output
