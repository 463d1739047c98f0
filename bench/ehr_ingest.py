"""Benchmark: 100k mixed EHR events through the pull path into PostgreSQL.

    tests/support/with-services.sh .venv/bin/python bench/ehr_ingest.py [--events N]
    DATABASE_URL=postgresql+psycopg://... REDIS_URL=redis://... .venv/bin/python bench/ehr_ingest.py

Without DATABASE_URL it re-runs itself under tests/support/with-services.sh (throwaway PostgreSQL
and Redis). The pull path is the real one: the demo EHR serves the change feed over HTTP and
`jobs.sync.run_pull` applies it in batches of pages, one transaction at a time (validation,
dedupe, version checks, history, outbox, cursor). The baseline, measured in the same run, is a
raw SQLAlchemy Core `executemany` of the same cache rows (every entity row and its child rows)
into the same tables. The whole run is bounded by --timeout (an alarm) and stops by itself.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def make_events(n: int) -> list[dict[str, Any]]:
    """Org data, candidates, applications, interviews (some updated) and scores, in feed order."""
    from sandbox.ehr import events as ev

    out: list[dict[str, Any]] = [
        ev.event("department", ev.department("d-1"), event_id="e-d-1"),
        ev.event("staff", ev.staff("st-1"), event_id="e-st-1"),
        ev.event("position", ev.position("pos-1"), event_id="e-pos-1"),
    ]
    i = 0
    while len(out) < n:
        i += 1
        c, a, iv, sc = f"cand-{i}", f"app-{i}", f"iv-{i}", f"sc-{i}"
        reqs = [{"key": "health_cert", "label": "健康证", "status": "approved"}]
        out.append(ev.event("candidate", ev.candidate(c, mobile=f"138{i:08d}"), event_id=f"e-{c}"))
        out.append(
            ev.event(
                "application",
                ev.application(a, candidate_id=c, requirements=reqs),
                event_id=f"e-{a}",
            )
        )
        out.append(ev.event("interview", ev.interview(iv, application_id=a), event_id=f"e-{iv}"))
        if i % 2 == 0:
            opened = ev.interview(
                iv, 2, application_id=a, status="opened", opened_at="2026-11-16T12:00:00+08:00"
            )
            out.append(ev.event("interview", opened, event_id=f"e-{iv}-2"))
        if i % 3 == 0:
            out.append(
                ev.event(
                    "score", ev.score(sc, interview_id=iv, overall=50 + i % 50), event_id=f"e-{sc}"
                )
            )
    return out[:n]


def cache_rows(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The rows the cache ends up with, per table, for the raw baseline."""
    from services.ehr.contract import ParsedEvent, parse_event
    from storage.ehr_cache import COLLECTIONS, scalar_fields
    from storage.models import ENTITY_MODELS

    final: dict[tuple[str, str], ParsedEvent] = {}
    for raw in events:
        e = parse_event(raw)
        assert isinstance(e, ParsedEvent)
        final[(e.kind, e.entity_id)] = e
    rows: dict[str, list[dict[str, Any]]] = {}
    for (kind, eid), e in final.items():
        row = {k: e.fields[k] for k in scalar_fields(kind, e.fields)}
        row.update(id=eid, version=e.version, deleted=False, extra=e.extra)
        rows.setdefault(ENTITY_MODELS[kind].__tablename__, []).append(row)
        for name, spec in COLLECTIONS.get(kind, {}).items():
            for n, item in enumerate(e.fields.get(name) or []):
                child = {spec.columns[0]: item} if spec.scalar else dict(item)
                child[spec.parent_column] = eid
                if spec.ordinal:
                    child[spec.ordinal] = n
                rows.setdefault(spec.table.name, []).append(child)
    return rows


def truncate(engine: Any) -> None:
    from sqlalchemy import text

    from storage.base import Base

    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def raw_executemany(engine: Any, rows: dict[str, list[dict[str, Any]]]) -> float:
    from sqlalchemy import insert

    from storage.base import Base

    started = time.perf_counter()
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            if rows.get(table.name):
                conn.execute(insert(table), rows[table.name])
    return time.perf_counter() - started


def run(args: argparse.Namespace) -> None:
    from storage.db import make_engine, upgrade_database
    from storage.runtime import make_redis

    url, redis_url = os.environ["DATABASE_URL"], os.environ["REDIS_URL"]
    upgrade_database(url)
    engine = make_engine(url, pool_size=2)
    redis = make_redis(redis_url)
    try:
        pulled = pull(args, engine, redis, redis_url)
        baseline(args, engine, pulled)
    finally:
        redis.close()
        engine.dispose()


def pull(args: argparse.Namespace, engine: Any, redis: Any, redis_url: str) -> dict[str, Any]:
    """Serve the events from the demo EHR's feed and pull them; return what was measured."""
    import requests

    from config import Settings
    from jobs.sync import run_pull
    from sandbox.ehr.testing import running_demo_ehr
    from storage.db import make_session_factory
    from storage.runtime import Runtime

    events = make_events(args.events)
    kinds = Counter(e["type"] for e in events)
    with running_demo_ehr(api_token="bench-token") as ehr_url:
        for start in range(0, len(events), 10_000):
            requests.post(
                f"{ehr_url}/_demo/events",
                json={"events": events[start : start + 10_000], "push": False},
                timeout=120,
            ).raise_for_status()
        # The fixture (about 1.5 million objects) is not part of the pull path: kept alive, every
        # full pass of Python's garbage collector during the pull would walk it, a cost a pull
        # worker does not have. It is rebuilt (deterministically) for the baseline afterwards.
        del events
        gc.collect()
        settings = Settings(
            _env_file=None,
            APP_ENV="test",
            DATABASE_URL=os.environ["DATABASE_URL"],  # type: ignore[call-arg]
            REDIS_URL=redis_url,
            EHR_BASE_URL=ehr_url,
            EHR_API_TOKEN="bench-token",
            EHR_WEBHOOK_SECRET="x",
            EHR_PULL_PAGE_SIZE=args.page_size,
        )
        redis.flushdb()
        runtime = Runtime(
            settings=settings,
            engine=engine,
            session_factory=make_session_factory(engine),
            redis=redis,
        )
        truncate(engine)
        started, cpu_started = time.perf_counter(), time.process_time()
        progress = run_pull(runtime)
        seconds = time.perf_counter() - started
        # All threads of this process: what the one GIL had to get through.
        cpu = time.process_time() - cpu_started
    return {"kinds": kinds, "progress": progress, "seconds": seconds, "cpu": cpu}


def baseline(args: argparse.Namespace, engine: Any, pulled: dict[str, Any]) -> None:
    """Check what the pull stored, time the raw baseline, print both."""
    from sqlalchemy import func, select

    from jobs.process import bulk_gc
    from storage.sync_models import ChangeHistory

    progress, summary = pulled["progress"], pulled["progress"].summary()
    events = make_events(args.events)
    with engine.connect() as conn:
        history = conn.scalar(select(func.count()).select_from(ChangeHistory.__table__))
        pg_version = conn.exec_driver_sql("SHOW server_version").scalar()
    assert summary["applied"] == len(events), summary
    assert history == len(events)
    rows = cache_rows(events)
    truncate(engine)
    # The baseline gets what the pull gets: the same garbage-collector tuning (`bulk_gc`), and
    # the better of two runs, so that a slow outlier cannot flatter the ratio.
    with bulk_gc():
        raw_runs = []
        for _ in range(2):
            raw_runs.append(raw_executemany(engine, rows))
            truncate(engine)
    raw_seconds = min(raw_runs)
    n_rows = sum(len(r) for r in rows.values())
    pull_rate = len(events) / pulled["seconds"]
    raw_rate = len(events) / raw_seconds
    kinds = pulled["kinds"]
    print(f"events: {len(events)} ({', '.join(f'{k}={v}' for k, v in sorted(kinds.items()))})")
    print(
        f"pull path: {pulled['seconds']:.2f} s, {pull_rate:,.0f} events/s "
        f"({progress.pages} pages of {args.page_size} in {progress.transactions} transactions; "
        f"outbox rows {summary['outbox']}); "
        f"pull process CPU {pulled['cpu']:.2f} s"
    )
    print(
        f"raw Core executemany of the same {n_rows} cache rows: {raw_seconds:.2f} s, "
        f"{raw_rate:,.0f} events/s (best of {', '.join(f'{r:.2f}' for r in raw_runs)} s)"
    )
    print(f"ratio (pull / raw throughput): {pull_rate / raw_rate:.2f}")
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"PostgreSQL {pg_version}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--timeout", type=int, default=900, help="stop after this many seconds")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        script = REPO / "tests" / "support" / "with-services.sh"
        return subprocess.call([str(script), sys.executable, *sys.argv], cwd=REPO)
    signal.alarm(args.timeout)
    run(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
