"""Benchmark: HR schedules a round, to the interviewer's calendar event and the candidate's card.

Everything runs on 127.0.0.1 as in production: gunicorn (2 workers), two RQ workers, the
DingTalk sandbox and the demo EHR (which pushes its scenario first). Rounds are scheduled one
after another through `POST /api/v1/hr/applications/{id}/interviews` as 李娜; for each the run
measures (a) the API call itself (the EHR write-back included), (b) the request's start to the
calendar event seen in 周杰's calendar, (c) the request's start to the candidate's card seen in
their chat. (b) and (c) are found by polling the sandbox every POLL_SECONDS, which adds up to
that much to each. Baseline in the same run: one round trip to the sandbox (`GET /_sim/org`).

Run: tests/support/with-services.sh .venv/bin/python bench/rounds_scheduling.py [--rounds 40]
Bounded in time: every wait has a timeout, and a round that never arrives fails the run.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.notify import _env, _healthy, _start  # noqa: E402
from bench.sweeps import rerun_with_services  # noqa: E402
from sandbox.dingtalk.testing import running_sandbox  # noqa: E402
from storage.db import make_engine, upgrade_database  # noqa: E402
from tests.support.servers import free_port, wait_until  # noqa: E402

POLL_SECONDS = 0.005
TIMEOUT_SECONDS = 20.0
APPLICATIONS = 8  # the scenario's app-01..app-08 (門店店员（夜班）, 李娜's position)
INTERVIEWERS = ["st-iv-zhou", "st-iv-wu"]
WATCHED = "iv_zhoujie"
EHR_TOKEN = "bench-ehr-token"


def _hr_token(secret: str) -> str:
    from services.access.sessions import issue_session_token
    from services.access.visibility import Viewer

    viewer = Viewer("hr_lina", staff_id="st-hr-li", staff_role="hr_specialist", roles=("staff",))
    return issue_session_token(secret, viewer, now=datetime.now(UTC), ttl_seconds=3600).token


def _count(sim: str, path: str, userid: str, key: str, template: str | None = None) -> int:
    items = requests.get(f"{sim}{path}", params={"userid": userid}, timeout=5).json()[key]
    return sum(1 for i in items if template is None or i.get("template_id") == template)


def _cards(sim: str, userid: str) -> int:
    return _count(sim, "/_sim/cards", userid, "cards", "mi-round-scheduled-v1.schema")


def _events(sim: str) -> int:
    return _count(sim, "/_sim/calendar", WATCHED, "events")


def _seen_at(check: Any, started: float) -> float:
    deadline = started + TIMEOUT_SECONDS
    while time.perf_counter() < deadline:
        if check():
            return (time.perf_counter() - started) * 1000
        time.sleep(POLL_SECONDS)
    raise TimeoutError("a round never reached the sandbox")


def _schedule_one(web: str, sim: str, token: str, n: int) -> dict[str, float]:
    app = n % APPLICATIONS + 1
    user = f"cand_{app:02d}"
    cards, events = _cards(sim, user), _events(sim)
    body = {
        "round": 3 + n // APPLICATIONS,
        "kind": "video",
        "scheduled_at": (datetime.now(UTC) + timedelta(days=2, hours=n)).isoformat(),
        "duration_minutes": 60,
        "interviewer_ids": INTERVIEWERS,
        "meeting_url": f"https://meeting.example.com/bench-{n}",
        "idempotency_key": str(uuid.uuid4()),
    }
    started = time.perf_counter()
    answer = requests.post(
        f"{web}/api/v1/hr/applications/app-{app:02d}/interviews",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT_SECONDS,
    )
    api_ms = (time.perf_counter() - started) * 1000
    if answer.status_code != 201:
        raise RuntimeError(f"scheduling answered {answer.status_code}: {answer.text[:300]}")
    calendar_ms = _seen_at(lambda: _events(sim) > events, started)
    card_ms = _seen_at(lambda: _cards(sim, user) > cards, started)
    return {"api": api_ms, "calendar": calendar_ms, "card": card_ms}


def _baseline_ms(sim: str, samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        requests.get(f"{sim}/_sim/org", timeout=5).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _stats(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):7.1f} ms  p99 {p99:7.1f} ms  max {ordered[-1]:7.1f} ms"


def _start_stack(stack: ExitStack, sim: str) -> str:
    env = {**_env(sim), "EHR_API_TOKEN": EHR_TOKEN}
    port, ehr_port = free_port(), free_port()
    web = f"http://127.0.0.1:{port}"
    env["EHR_BASE_URL"] = f"http://127.0.0.1:{ehr_port}"
    gunicorn = [sys.executable, "-m", "gunicorn", "wsgi:app", "-w", "2", "-b", f"127.0.0.1:{port}"]
    _start(stack, gunicorn, env, "rounds-web")
    for n in range(2):
        _start(stack, [sys.executable, "-m", "jobs.worker", "notify"], env, f"rounds-worker{n}")
    ehr = [
        *(sys.executable, "-m", "sandbox.ehr", "--port", str(ehr_port)),
        *("--webhook-url", f"{web}/ehr/events", "--webhook-secret", env["EHR_WEBHOOK_SECRET"]),
        *("--api-token", EHR_TOKEN, "--push-scenario"),
    ]
    wait_until(lambda: _healthy(web), timeout=60)
    _start(stack, ehr, env, "rounds-ehr")
    return web


def _scenario_landed(engine: Any) -> bool:
    with engine.connect() as conn:
        return bool(conn.scalar(text("SELECT count(*) FROM application")) >= APPLICATIONS)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        return rerun_with_services()
    url = os.environ["DATABASE_URL"]
    upgrade_database(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = "delivery, outbox_event, ehr_event, change_history, round_request"
        conn.execute(text(f"TRUNCATE {tables}, interview, application CASCADE"))
    with ExitStack() as stack:
        sim = stack.enter_context(running_sandbox(log_file="test-output/bench-rounds-sim.log"))
        web = _start_stack(stack, sim)
        wait_until(lambda: _scenario_landed(engine), timeout=60)
        token = _hr_token(_env(sim)["SECRET_KEY"])
        _schedule_one(web, sim, token, 0)  # warm-up: connections, prepared statements, tokens
        runs = [_schedule_one(web, sim, token, n) for n in range(1, args.rounds + 1)]
        baseline = _baseline_ms(sim, 200)
    _report(runs, baseline)
    engine.dispose()
    return 0


def _report(runs: list[dict[str, float]], baseline: list[float]) -> None:
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    print(f"{len(runs)} rounds scheduled one after another; sandbox polled every {POLL_SECONDS}s")
    for key, what in (
        ("api", "API call (EHR write-back incl.)"),
        ("calendar", "to the interviewer's calendar"),
        ("card", "to the candidate's card"),
    ):
        print(f"{what:34s} {_stats([r[key] for r in runs])}")
    base = statistics.median(baseline)
    card = statistics.median(r["card"] for r in runs)
    print(f"{'baseline: GET /_sim/org':34s} {_stats(baseline)}")
    print(f"ratio p50 card / p50 baseline: {card / base:.1f}")


if __name__ == "__main__":
    raise SystemExit(main())
