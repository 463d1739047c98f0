"""Benchmark of the mini-app API on gunicorn (2 workers) against a bare Flask JSON endpoint.

Seeds PostgreSQL with 100k candidates, 100k applications and 300k interviews (100k scores with
4 dimensions each; one position holds 10k applications), starts gunicorn on loopback, drives
GET /api/v1/me/interviews and its detail from separate load processes, and times the stats
endpoint of the 10k-application position. Bounded: every phase has a fixed duration.

    tests/support/with-services.sh .venv/bin/python bench/miniapp.py [--seconds 8]

Needs DATABASE_URL (PostgreSQL) and REDIS_URL; the database's tables are emptied first unless
--skip-seed reuses a seeded one (point DATABASE_URL at a server that outlives the run).
--stats-only times just the stats endpoint (--stats-runs requests; median and p95).

Beside throughput, each kind reports the CPU one request costs (from /proc: the gunicorn
workers, the PostgreSQL backends serving them when the server is local, and the load
processes) and the ratio of those costs to the bare endpoint's. On a busy shared machine the
throughput ratio moves with whatever else runs; the CPU a request costs moves much less.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.miniapp_seed import CANDIDATES, seed  # noqa: E402 (needs the path above)

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


def _load_worker(
    args: tuple[int, str, list[tuple[str, str]], float, int],
) -> tuple[list[float], float]:
    """Latencies of the requests one load process made, and the CPU seconds it spent."""
    port, kind, tokens, seconds, threads = args
    cpu_start = time.process_time()
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
    return latencies, time.process_time() - cpu_start


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU the processes have used (processes gone meanwhile count 0)."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _server_pids(gunicorn_pid: int, database_url: str) -> dict[str, list[int]]:
    """The gunicorn workers, and the PostgreSQL backends of this database if they are local."""
    from sqlalchemy import create_engine, text

    children = Path(f"/proc/{gunicorn_pid}/task/{gunicorn_pid}/children").read_text().split()
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            backends = conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                )
            ).scalars()
            local = [pid for pid in backends if Path(f"/proc/{pid}").exists()]
    finally:
        engine.dispose()
    return {"app": [int(pid) for pid in children], "pg": local}


def _combine(parts: list[dict[str, float]], seconds: float) -> dict[str, float]:
    """One kind's phases together: throughput and CPU over all of them, the worst phase's
    latencies."""
    requests = sum(p["requests"] for p in parts)
    cpu = {k: sum(p[k] for p in parts) / requests * 1000 for k in ("app", "pg", "client")}
    return {
        "requests": requests,
        "rps": requests / (seconds * len(parts)),
        "p50_ms": statistics.median(p["p50_ms"] for p in parts),
        "p99_ms": max(p["p99_ms"] for p in parts),
        **{f"{k}_cpu_ms": v for k, v in cpu.items()},
        "cpu_ms": sum(cpu.values()),
    }


def _run_load(
    port: int,
    kind: str,
    tokens: list[tuple[str, str]],
    seconds: float,
    *,
    processes: int,
    threads: int,
    pids: dict[str, list[int]] | None = None,
) -> dict[str, float]:
    pids = pids or {"app": [], "pg": []}
    ctx = mp.get_context("spawn")
    with ctx.Pool(processes) as pool:
        before = {k: _cpu_seconds(v) for k, v in pids.items()}
        parts = pool.map(_load_worker, [(port, kind, tokens, seconds, threads)] * processes)
        used = {k: _cpu_seconds(v) - before[k] for k, v in pids.items()}
    lat = sorted(x for part, _ in parts for x in part)
    return {
        "requests": len(lat),
        "rps": len(lat) / seconds,
        "p50_ms": lat[len(lat) // 2] * 1000,
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000,
        "client": sum(cpu for _, cpu in parts),
        **used,
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


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each load phase")
    parser.add_argument("--processes", type=int, default=2, help="load processes")
    parser.add_argument("--threads", type=int, default=4, help="connections per load process")
    parser.add_argument("--rounds", type=int, default=2, help="mirrored rounds of the 3 phases")
    parser.add_argument("--skip-seed", action="store_true")
    parser.add_argument("--stats-only", action="store_true", help="skip the load phases")
    parser.add_argument("--stats-runs", type=int, default=20, help="stats requests to time")
    return parser.parse_args()


def _start_gunicorn(port: int, database_url: str, redis_url: str) -> subprocess.Popen[bytes]:
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
        *("-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning"),
        "bench.miniapp:bench_app()",
    ]
    return subprocess.Popen(gunicorn, cwd=REPO, env=env)


def _load_phases(
    port: int, args: argparse.Namespace, pids: dict[str, list[int]]
) -> dict[str, dict[str, float]]:
    tokens = _tokens(1000)
    load = {"processes": args.processes, "threads": args.threads}
    # Phases alternate (bare, list, detail, then detail, list, bare, ...): a shared machine's
    # speed drifts, and mirrored rounds give every kind the same average conditions.
    kinds = ["bare", "list", "detail"]
    runs: dict[str, list[dict[str, float]]] = {kind: [] for kind in kinds}
    for round_ in range(args.rounds):
        for kind in kinds if round_ % 2 == 0 else kinds[::-1]:
            runs[kind].append(_run_load(port, kind, tokens, args.seconds, **load, pids=pids))
    return {kind: _combine(parts, args.seconds) for kind, parts in runs.items()}


def _report(results: dict[str, dict[str, float]], stats: dict[str, float], args: Any) -> None:
    if results:
        print(
            f"gunicorn 2 workers, {args.processes * args.threads} connections, {args.rounds} "
            f"rounds of {args.seconds:.0f} s phases; CPU per request: app / PostgreSQL / load"
        )
    for kind, r in results.items():
        bare = results["bare"]
        print(
            f"{kind:7s} {r['rps']:8.1f} req/s  p50 {r['p50_ms']:6.1f} ms  "
            f"p99 {r['p99_ms']:6.1f} ms  ratio to bare {r['rps'] / bare['rps']:.2f}  "
            f"({r['requests']:.0f} req)  CPU {r['app_cpu_ms']:.2f} / {r['pg_cpu_ms']:.2f} / "
            f"{r['client_cpu_ms']:.2f} ms, cost ratio {bare['cpu_ms'] / r['cpu_ms']:.2f}"
        )
    print(
        f"stats of a {stats['applications']}-application position ({stats['count']} scored): "
        f"median {stats['median_ms']:.1f} ms, p95 {stats['p95_ms']:.1f} ms, "
        f"max {stats['max_ms']:.1f} ms over {args.stats_runs} requests"
    )


def main() -> None:
    args = _arguments()
    database_url, redis_url = os.environ["DATABASE_URL"], os.environ["REDIS_URL"]
    if not args.skip_seed:
        start = time.perf_counter()
        seed(database_url)
        print(f"seeded in {time.perf_counter() - start:.1f} s")
    from tests.support.servers import free_port

    port = free_port()
    proc = _start_gunicorn(port, database_url, redis_url)
    try:
        _wait_up(port, proc)
        results = {}
        if not args.stats_only:
            # Warm-up (pools, caches, each worker's kept connection), then the processes to
            # measure: the workers and the PostgreSQL backends they opened.
            _run_load(port, "list", _tokens(1000), 2, processes=1, threads=2)
            results = _load_phases(port, args, _server_pids(proc.pid, database_url))
        _time_stats(port, 2)  # warm-up: both workers' pools and statement caches
        stats = _time_stats(port, args.stats_runs)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    _report(results, stats, args)


if __name__ == "__main__":
    main()
