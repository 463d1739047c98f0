"""Benchmark of the mini-app API on gunicorn (2 workers) against a bare Flask JSON endpoint.

Seeds PostgreSQL with 100k candidates, 100k applications and 300k interviews (100k scores with
4 dimensions each; one position holds 10k applications), starts gunicorn on loopback, drives
GET /api/v1/me/interviews and its detail from separate load processes, and times the stats
endpoint of the 10k-application position. Bounded: every phase has a fixed duration.

    tests/support/with-services.sh .venv/bin/python bench/miniapp.py [--seconds 8]

Needs DATABASE_URL (PostgreSQL) and REDIS_URL; the database's tables are emptied first unless
--skip-seed reuses a seeded one (point DATABASE_URL at a server that outlives the run).
--stats-only times just the stats endpoint (--stats-runs requests; median and p95).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CANDIDATES = 100_000
INTERVIEWS_PER_APPLICATION = 3
BIG_POSITION_APPLICATIONS = 10_000
POSITIONS = 100
SECRET = "bench-secret-key-that-is-long-enough-0123456789"


def bench_app() -> Any:
    """Gunicorn factory: the real app plus a bare JSON endpoint as the baseline."""
    from flask import jsonify

    from web import create_app

    app = create_app()

    @app.get("/bench/bare")
    def bare() -> Any:
        return jsonify({"ok": True, "items": []})

    return app


def _seed(database_url: str) -> None:
    from sqlalchemy import text

    from storage.base import Base
    from storage.db import make_engine, upgrade_database

    upgrade_database(database_url)
    engine = make_engine(database_url)
    tables = ", ".join(t.name for t in reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    now = datetime.now(UTC)
    rng = random.Random(7)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        _copy(
            cur,
            "department (id, version, deleted, extra, updated_at, name, parent_id)",
            [("d-root", 1, False, "{}", now, "root", None)],
        )
        _copy(
            cur,
            "staff (id, version, deleted, extra, updated_at, name, dingtalk_user_id, role)",
            [("st-admin", 1, False, "{}", now, "admin", "u-admin", "admin")],
        )
        _copy(
            cur,
            "position (id, version, deleted, extra, updated_at, title, department_id)",
            [(f"p-{n}", 1, False, "{}", now, f"Position {n}", "d-root") for n in range(POSITIONS)],
        )
        edu = ("high_school", "associate", "bachelor", "master", "doctorate", None)
        _copy(
            cur,
            "candidate (id, version, deleted, extra, updated_at, name, mobile, "
            "dingtalk_user_id, education)",
            (
                (
                    f"c-{n}",
                    1,
                    False,
                    "{}",
                    now,
                    f"Candidate {n}",
                    f"138{n:08d}",
                    f"u-c{n}",
                    edu[n % len(edu)],
                )
                for n in range(CANDIDATES)
            ),
        )
        _copy(
            cur,
            "application (id, version, deleted, extra, updated_at, candidate_id, "
            "position_id, batch, stage)",
            (
                (
                    f"a-{n}",
                    1,
                    False,
                    "{}",
                    now,
                    f"c-{n}",
                    "p-0" if n < BIG_POSITION_APPLICATIONS else f"p-{1 + n % (POSITIONS - 1)}",
                    "2026-spring",
                    "ai_interview",
                )
                for n in range(CANDIDATES)
            ),
        )
        _copy(
            cur,
            "requirement (application_id, key, label, status, ordinal)",
            ((f"a-{n}", "health_cert", "健康证", "missing", 0) for n in range(0, CANDIDATES, 10)),
        )
        statuses = ("completed", "invited", "scheduled", "no_show", "attended")
        _copy(
            cur,
            "interview (id, version, deleted, extra, updated_at, application_id, round, "
            "kind, scheduled_at, deadline_at, interviewer_names, status)",
            (
                (
                    f"i-{n}-{r}",
                    1,
                    False,
                    "{}",
                    now,
                    f"a-{n}",
                    r,
                    "ai" if r == 1 else "onsite",
                    now + timedelta(days=r),
                    now + timedelta(days=r + 2),
                    '["AI", "王经理"]',
                    "completed" if r == 1 else statuses[(n + r) % len(statuses)],
                )
                for n in range(CANDIDATES)
                for r in range(1, INTERVIEWS_PER_APPLICATION + 1)
            ),
        )
        overall = [round(rng.uniform(30, 100), 1) for _ in range(CANDIDATES)]
        _copy(
            cur,
            "score (id, version, deleted, extra, updated_at, interview_id, status, overall, "
            "published_at)",
            (
                (f"s-{n}", 1, False, "{}", now, f"i-{n}-1", "published", overall[n], now)
                for n in range(CANDIDATES)
            ),
        )
        dims = ("logic", "expression", "attitude", "experience")
        _copy(
            cur,
            "score_dimension (score_id, key, label, score, max_score, ordinal)",
            (
                (f"s-{n}", k, k, round(rng.uniform(20, 100), 1), 100.0, i)
                for n in range(CANDIDATES)
                for i, k in enumerate(dims)
            ),
        )
        _copy(
            cur,
            "score_comment (score_id, ordinal, author, text)",
            ((f"s-{n}", 0, "AI", "表达清晰，逻辑良好") for n in range(CANDIDATES)),
        )
        raw.commit()
    finally:
        raw.close()
    # VACUUM as autovacuum would: index-only scans need the visibility map of the loaded tables.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def _copy(cur: Any, target: str, rows: Any) -> None:
    with cur.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _tokens(n: int) -> list[tuple[str, str]]:
    from services.access.sessions import issue_session_token
    from services.access.visibility import Viewer

    now = datetime.now(UTC)
    picks = random.Random(11).sample(range(CANDIDATES), n)
    return [
        (
            issue_session_token(
                SECRET,
                Viewer(f"u-c{c}", candidate_id=f"c-{c}", roles=("candidate",)),
                now=now,
                ttl_seconds=3600,
            ).token,
            f"i-{c}-1",
        )
        for c in picks
    ]


def _load_worker(args: tuple[int, str, list[tuple[str, str]], float, int]) -> list[float]:
    port, kind, tokens, seconds, threads = args
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def loop(seed: int) -> None:
        rng = random.Random(seed)
        mine: list[float] = []
        while time.monotonic() < deadline:
            token, interview = rng.choice(tokens)
            path = {
                "bare": "/bench/bare",
                "list": "/api/v1/me/interviews",
                "detail": f"/api/v1/me/interviews/{interview}",
            }[kind]
            start = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status}")
            mine.append(time.perf_counter() - start)
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return latencies


def _combine(parts: list[dict[str, float]], seconds: float) -> dict[str, float]:
    """One kind's phases together: throughput over all of them, the worst phase's latencies."""
    requests = sum(p["requests"] for p in parts)
    return {
        "requests": requests,
        "rps": requests / (seconds * len(parts)),
        "p50_ms": statistics.median(p["p50_ms"] for p in parts),
        "p99_ms": max(p["p99_ms"] for p in parts),
    }


def _run_load(
    port: int,
    kind: str,
    tokens: list[tuple[str, str]],
    seconds: float,
    processes: int,
    threads: int,
) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    with ctx.Pool(processes) as pool:
        parts = pool.map(_load_worker, [(port, kind, tokens, seconds, threads)] * processes)
    lat = sorted(x for part in parts for x in part)
    return {
        "requests": len(lat),
        "rps": len(lat) / seconds,
        "p50_ms": lat[len(lat) // 2] * 1000,
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
    }


def _time_stats(port: int, runs: int) -> dict[str, float]:
    from services.access.sessions import issue_session_token
    from services.access.visibility import Viewer

    token = issue_session_token(
        SECRET,
        Viewer("u-admin", staff_id="st-admin", staff_role="admin", roles=("staff",)),
        now=datetime.now(UTC),
        ttl_seconds=3600,
    ).token
    times = []
    body: dict[str, Any] = {}
    for _ in range(runs):
        start = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(
            "GET", "/api/v1/hr/positions/p-0/stats", headers={"Authorization": f"Bearer {token}"}
        )
        response = conn.getresponse()
        body = json.loads(response.read())
        conn.close()
        times.append(time.perf_counter() - start)
    times.sort()
    return {
        "applications": body.get("applications", 0),
        "count": body.get("count", 0),
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[min(len(times) - 1, round(len(times) * 0.95) - 1)] * 1000,
        "max_ms": times[-1] * 1000,
    }


def _wait_up(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/bench/bare")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each load phase")
    parser.add_argument("--processes", type=int, default=2, help="load processes")
    parser.add_argument("--threads", type=int, default=4, help="connections per load process")
    parser.add_argument("--rounds", type=int, default=2, help="mirrored rounds of the 3 phases")
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument("--stats-only", action="store_true", help="skip the load phases")
    parser.add_argument("--stats-runs", type=int, default=20, help="stats requests to time")
    args = parser.parse_args()
    database_url, redis_url = os.environ["DATABASE_URL"], os.environ["REDIS_URL"]
    if not args.skip_seed:
        start = time.perf_counter()
        _seed(database_url)
        print(f"seeded in {time.perf_counter() - start:.1f} s")
    from tests.support.servers import free_port

    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "test",
        "SECRET_KEY": SECRET,
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
    }
    gunicorn = [
        str(Path(sys.executable).with_name("gunicorn")),
        "-w",
        "2",
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "bench.miniapp:bench_app()",
    ]
    proc = subprocess.Popen(gunicorn, cwd=REPO, env=env)
    try:
        _wait_up(port, proc)
        results = {}
        if not args.stats_only:
            tokens = _tokens(1000)
            _run_load(port, "list", tokens, 2, 1, 2)  # warm-up: pools, caches
            # Phases alternate (bare, list, detail, then detail, list, bare, ...): a shared
            # machine's speed drifts, and mirrored rounds give every kind the same average
            # conditions.
            kinds = ["bare", "list", "detail"]
            runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
            for round_ in range(args.rounds):
                for kind in kinds if round_ % 2 == 0 else kinds[::-1]:
                    runs[kind].append(
                        _run_load(port, kind, tokens, args.seconds, args.processes, args.threads)
                    )
            results = {kind: _combine(parts, args.seconds) for kind, parts in runs.items()}
        _time_stats(port, 2)  # warm-up: both workers' pools and statement caches
        stats = _time_stats(port, args.stats_runs)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    concurrency = args.processes * args.threads
    if results:
        print(
            f"gunicorn 2 workers, {concurrency} connections, {args.rounds} rounds of "
            f"{args.seconds:.0f} s phases"
        )
    for kind, r in results.items():
        ratio = r["rps"] / results["bare"]["rps"]
        print(
            f"{kind:7s} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:6.1f} ms  "
            f"p99 {r['p99_ms']:6.1f} ms  ratio to bare {ratio:.2f}  ({r['requests']:.0f} req)"
        )
    print(
        f"stats of a {stats['applications']}-application position ({stats['count']} scored): "
        f"median {stats['median_ms']:.1f} ms, p95 {stats['p95_ms']:.1f} ms, "
        f"max {stats['max_ms']:.1f} ms over {args.stats_runs} requests"
    )


if __name__ == "__main__":
    main()
