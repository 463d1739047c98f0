"""Benchmark: importing a 20,000-row AI vendor export (.xlsx and .csv), preview and apply, against
parsing the same file alone in the same run.

    tests/support/with-services.sh .venv/bin/python bench/import.py [--rows N]
    DATABASE_URL=postgresql+psycopg://... REDIS_URL=redis://... .venv/bin/python bench/import.py

Without DATABASE_URL it re-runs itself under tests/support/with-services.sh. For each format:

* parse: reading the file and its rows into values (`read_table` + `read_rows`), no database;
* preview: `preview_import` (parse, plan every row against the cache, store the preview);
* apply: `apply_import` (plan again, 4 events per row through `ingest_events`, 500 rows a
  transaction, history and outbox), on empty tables but the organisation;
* re-preview: the same file again, every row `unchanged`.

Prints seconds and rows per second of each, and preview / parse. The tables are emptied first.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.sweeps import rerun_with_services  # noqa: E402

HEADERS = ["序号", "姓名", "手机号", "岗位", "面试时间", "综合得分", "沟通能力", "服务意识", "评语"]
POSITIONS = ("门店店员（夜班）", "仓库拣货员")


def rows(n: int) -> list[list[object]]:
    return [
        [
            i,
            f"候选人{i}",
            f"139{i:08d}",
            POSITIONS[i % 2],
            f"2026-11-{1 + i % 28:02d} 14:30",
            60 + i % 40,
            50 + i % 50,
            40 + i % 60,
            "表达清晰，服务意识较好。",
        ]
        for i in range(1, n + 1)
    ]


def xlsx(data: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADERS)
    for row in data:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def gbk_csv(data: list[list[object]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADERS)
    writer.writerows(data)
    return text.getvalue().encode("gbk")


def reset(runtime: object) -> None:
    from sqlalchemy import text

    from storage.base import Base
    from storage.models import Department, Position

    engine = runtime.engine  # type: ignore[attr-defined]
    tables = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    with runtime.session_factory() as s:  # type: ignore[attr-defined]
        s.add(Department(id="d-1", version=1, name="d"))
        for n, title in enumerate(POSITIONS):
            s.add(Position(id=f"pos-{n}", version=1, title=title, department_id="d-1"))
        s.commit()


def timed(label: str, count: int, run: object) -> float:
    started = time.perf_counter()
    run()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    print(f"  {label:<11} {seconds:7.2f} s  {count / seconds:9,.0f} rows/s")
    return seconds


def bench_one(runtime: object, name: str, content: bytes, count: int, settings: object) -> None:
    from services.imports.imports import ImportOptions, apply_import, preview_import
    from services.imports.reader import read_table
    from services.imports.rows import read_rows, resolve_columns

    options = ImportOptions.from_settings(settings)  # type: ignore[arg-type]
    reset(runtime)
    print(f"{name}: {len(content):,} bytes, {count:,} rows")

    def parse() -> None:
        table = read_table(content, name, max_rows=options.max_rows, max_bytes=options.max_bytes)
        columns = resolve_columns(table.headers, saved={}, given={})
        read_rows(table, columns, tz=ZoneInfo("Asia/Shanghai"))

    found: dict[str, object] = {}

    def preview() -> None:
        with runtime.session_factory() as s:  # type: ignore[attr-defined]
            found["p"] = preview_import(
                s,
                "bench",
                filename=name,
                content=content,
                options=options,
                now=datetime.now(UTC),
            )

    def apply() -> None:
        with runtime.session_factory() as s:  # type: ignore[attr-defined]
            found["a"] = apply_import(
                s,
                "bench",
                found["p"].import_id,
                options=options,  # type: ignore[attr-defined]
                now=datetime.now(UTC),
            )

    parse_s = timed("parse", count, parse)
    preview_s = timed("preview", count, preview)
    apply_s = timed("apply", count, apply)
    again_s = timed("re-preview", count, preview)
    print(
        f"  preview / parse {preview_s / parse_s:.2f}, apply / parse {apply_s / parse_s:.2f},"
        f" re-preview / parse {again_s / parse_s:.2f}"
    )
    print(f"  apply: {found['a'].events}; re-preview: {found['p'].counts}")  # type: ignore[attr-defined]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        return rerun_with_services()
    from storage.db import make_engine, make_session_factory, upgrade_database
    from storage.runtime import Runtime, make_redis
    from tests.conftest import make_test_settings

    settings = make_test_settings(os.environ["DATABASE_URL"], os.environ["REDIS_URL"])
    upgrade_database(os.environ["DATABASE_URL"])
    engine = make_engine(os.environ["DATABASE_URL"])
    runtime = Runtime(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        redis=make_redis(os.environ["REDIS_URL"]),
    )
    print(f"{platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    data = rows(args.rows)
    bench_one(runtime, "scores.xlsx", xlsx(data), args.rows, settings)
    bench_one(runtime, "scores.csv", gbk_csv(data), args.rows, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
