"""Benchmark: scheduling a round, from HR's API call to the DingTalk calendar event and the
candidate's card, against the sandbox (issue 18).

    tests/support/with-services.sh .venv/bin/python bench/rounds_scheduling.py [--rounds 100]

Without DATABASE_URL it re-runs itself under tests/support/with-services.sh. Real processes on
127.0.0.1: the DingTalk sandbox, the demo EHR (pushing its scenario to our webhook, answering
the write-backs), the web app on gunicorn (2 workers) and one `python -m jobs.worker`. The
database's tables and the Redis db are emptied first.

HR st-hr-li schedules N rounds, one after the other, over the scenario's applications
app-01..app-08 (round 3, 4, ... of each, at increasing times, fresh idempotency keys, with the
interviewers st-iv-zhou and st-iv-wu). Per round, from the request's start:
(a) the API call until its 201 (the EHR write-back is synchronous inside it);
(b) until the event is visible in iv_zhoujie's calendar (`GET /_sim/calendar`);
(c) until the candidate's `round_scheduled` card is visible (`GET /_sim/cards`).
(b) and (c) are polled every --poll-ms (default 10 ms): they are exact to about that interval.
Baseline in the same run: the round trip of `GET /_sim/org` to the same sandbox. Exits 1 when a
round misses its calendar event or card within --timeout seconds, or the run its time budget.
"""

from __future__ import annotations

import argparse
import os
import platform
import queue
import statistics
import subprocess
import sys
import threading
import time
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")

import requests  # noqa: E402
from rq import Queue  # noqa: E402
from rq.registry import StartedJobRegistry  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.sweeps import rerun_with_services  # noqa: E402
from jobs.queues import ALL_QUEUES  # noqa: E402
from sandbox.dingtalk.testing import loopback_env, running_sandbox  # noqa: E402
from sandbox.ehr.__main__ import READY_PREFIX  # noqa: E402
from sandbox.ehr.scenario import load_org  # noqa: E402
from services.access.sessions import issue_session_token  # noqa: E402
from services.access.visibility import STAFF, Viewer  # noqa: E402
from storage.db import make_engine, upgrade_database  # noqa: E402
from storage.models import Application, Interview, Staff  # noqa: E402
from storage.runtime import make_redis  # noqa: E402
from tests.conftest import _empty_tables  # noqa: E402
from tests.support.servers import free_port, wait_until  # noqa: E402

SECRET_KEY = "bench-rounds-secret-key-0123456789abcdefghij"
EHR_TOKEN = "bench-ehr-token"
WEBHOOK_SECRET = "bench-rounds-webhook-secret"
HR = ("st-hr-li", "hr_lina", "hr_specialist")
INTERVIEWERS = ["st-iv-zhou", "st-iv-wu"]
CALENDAR_USER = "iv_zhoujie"
APPLICATIONS = 8  # app-01..app-08: the scenario's store night-shift candidates cand-01..08
FIRST_ROUND = 3  # the scenario already has round 2 for app-05 and app-07
WARMUP = 3  # first rounds (connections, tokens, caches), reported apart
BUDGET_SECONDS = 175.0
LOGS = REPO / "test-output"


class Missed(RuntimeError):
    """A round whose calendar event or card did not appear in time."""


def _env(sim: str, ehr: str) -> dict[str, str]:
    return {
        **loopback_env(sim),
        "APP_ENV": "test",
        "PYTHONUNBUFFERED": "1",
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": SECRET_KEY,
        "DINGTALK_APP_KEY": "dingdemoappkey",
        "DINGTALK_APP_SECRET": "demo-app-secret",
        "DINGTALK_CORP_ID": "dingdemocorp",
        "DINGTALK_AGENT_ID": "100001",
        "DINGTALK_ROBOT_CODE": "dingdemoappkey",
        "DINGTALK_API_BASE": sim,
        "DINGTALK_OAPI_BASE": sim,
        "DINGTALK_CALLBACK_TOKEN": "t",
        "DINGTALK_CALLBACK_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        "EHR_BASE_URL": ehr,
        "EHR_API_TOKEN": EHR_TOKEN,
        "EHR_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }


def _spawn(
    stack: ExitStack, argv: list[str], env: dict[str, str], log: str, *, pipe: bool = False
) -> subprocess.Popen[str]:
    LOGS.mkdir(exist_ok=True)
    sink = stack.enter_context(open(LOGS / f"bench-rounds-{log}.log", "w"))  # noqa: SIM115
    out: IO[str] | int = subprocess.PIPE if pipe else sink
    proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=out, stderr=sink, text=True, bufsize=1)

    def _stop() -> None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)

    stack.callback(_stop)
    return proc


def _lines(proc: subprocess.Popen[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_line(lines: queue.Queue[str], prefix: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if not line:
            raise SystemExit(f"demo EHR exited before {prefix!r}")
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    raise SystemExit(f"demo EHR: no {prefix!r} within {timeout} s")


def _start_ehr(stack: ExitStack, webhook: str) -> tuple[str, queue.Queue[str]]:
    argv = [sys.executable, "-m", "sandbox.ehr", "--port", "0", "--api-token", EHR_TOKEN]
    argv += ["--webhook-secret", WEBHOOK_SECRET, "--webhook-url", webhook]
    argv += ["--push-scenario", "--push-wait", "60", "--log-level", "WARNING"]
    proc = _spawn(stack, argv, loopback_env(), "ehr", pipe=True)
    lines = _lines(proc)
    return _wait_line(lines, READY_PREFIX, 20), lines


def _healthy(web: str) -> bool:
    try:
        return requests.get(f"{web}/healthz", timeout=2).ok
    except requests.RequestException:
        return False


def _cache_ready(engine: Any) -> bool:
    """The scenario is in the cache: the eight applications, the interviewers, round 2s."""
    with engine.connect() as conn:
        apps = conn.scalar(select(func.count()).select_from(Application)) or 0
        staff = conn.scalar(select(func.count()).where(Staff.id.in_([*INTERVIEWERS, HR[0]])))
        rounds = conn.scalar(select(func.count()).where(Interview.round == 2))
    return apps >= APPLICATIONS and staff == 3 and (rounds or 0) >= 2


def _queues_idle(redis: Any) -> bool:
    """The scenario's own cards and calendar events are out, so they do not share the worker."""
    return all(
        Queue(n, connection=redis).count == 0 and StartedJobRegistry(n, connection=redis).count == 0
        for n in ALL_QUEUES
    )


def _idle_for(redis: Any, seconds: float, timeout: float) -> None:
    deadline, since = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        if not _queues_idle(redis):
            since = None
        elif since is None:
            since = time.monotonic()
        elif time.monotonic() - since >= seconds:
            return
        time.sleep(0.1)
    raise SystemExit(f"the worker's queues did not settle within {timeout} s")


def _hr_headers() -> dict[str, str]:
    uid, role = HR[1], HR[2]
    viewer = Viewer(
        dingtalk_user_id=uid, staff_id=HR[0], staff_role=role, candidate_id=None, roles=(STAFF,)
    )
    token = issue_session_token(SECRET_KEY, viewer, now=datetime.now(UTC), ttl_seconds=3600)
    return {"Authorization": f"Bearer {token.token}"}


def _plan(count: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(application, candidate's userid, body) per round: round 3, 4, ... of app-01..08, each
    two hours after the one before, from the day after tomorrow (UTC, whole hours)."""
    candidates = load_org()["candidates"]
    base = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    plan = []
    for i in range(count):
        n = i % APPLICATIONS + 1
        body: dict[str, Any] = {
            "round": FIRST_ROUND + i // APPLICATIONS,
            "kind": "video" if i % 2 == 0 else "onsite",
            "scheduled_at": (base + timedelta(hours=2 * i)).isoformat(),
            "duration_minutes": 45,
            "interviewer_ids": INTERVIEWERS,
            "idempotency_key": uuid.uuid4().hex,
        }
        if body["kind"] == "video":
            body["meeting_url"] = f"https://meet.example.com/bench-{i}"
        else:
            body["location"] = "华东门店 · 南京西路店 二楼会议室"
        plan.append((f"app-{n:02d}", candidates[n - 1]["dingtalk_userid"], body))
    return plan


def _in_calendar(http: requests.Session, sim: str, start: datetime) -> bool:
    found = http.get(f"{sim}/_sim/calendar", params={"userid": CALENDAR_USER}, timeout=5)
    events = found.json()["events"]
    return any(datetime.fromisoformat(e["start"]["dateTime"]) == start for e in events)


def _has_card(http: requests.Session, sim: str, userid: str, interview_id: str) -> bool:
    cards = http.get(f"{sim}/_sim/cards", params={"userid": userid}, timeout=5).json()["cards"]
    return any(
        c["template_id"] == "mi-round-scheduled-v1.schema"
        and c["public"].get("interview_id") == interview_id
        for c in cards
    )


def _one_round(ctx: dict[str, Any], app_id: str, userid: str, body: dict[str, Any]) -> list[float]:
    """[api, calendar, card] milliseconds from the request's start."""
    http, sim, poll, timeout = ctx["http"], ctx["sim"], ctx["poll"], ctx["timeout"]
    url = f"{ctx['web']}/api/v1/hr/applications/{app_id}/interviews"
    started = time.perf_counter()
    answer = http.post(url, json=body, headers=ctx["headers"], timeout=10)
    api = time.perf_counter() - started
    if answer.status_code != 201:
        raise SystemExit(f"{app_id} round {body['round']}: {answer.status_code} {answer.text}")
    interview_id = answer.json()["id"]
    start = datetime.fromisoformat(body["scheduled_at"])
    seen: dict[str, float] = {}
    while len(seen) < 2:
        now = time.perf_counter() - started
        if now > timeout:
            missing = {"calendar", "card"} - set(seen)
            raise Missed(f"{app_id} round {body['round']} ({interview_id}): no {missing}")
        if "calendar" not in seen and _in_calendar(http, sim, start):
            seen["calendar"] = time.perf_counter() - started
        if "card" not in seen and _has_card(http, sim, userid, interview_id):
            seen["card"] = time.perf_counter() - started
        if len(seen) < 2:
            time.sleep(poll)
    return [api * 1000, seen["calendar"] * 1000, seen["card"] * 1000]


def _baseline(http: requests.Session, sim: str) -> float:
    started = time.perf_counter()
    http.get(f"{sim}/_sim/org", timeout=5).raise_for_status()
    return (time.perf_counter() - started) * 1000


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _line(name: str, values: list[float]) -> str:
    p50, p99 = statistics.median(values), _percentile(values, 0.99)
    top = max(values)
    return f"{name:<48} n={len(values):<4} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  max {top:7.1f} ms"


def _machine() -> str:
    model = "?"
    try:
        for row in Path("/proc/cpuinfo").read_text().splitlines():
            if row.startswith("model name"):
                model = row.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{platform.platform()}; {os.cpu_count()} CPUs ({model}); load average {load}; "
        f"Python {platform.python_version()}"
    )


def _start_all(stack: ExitStack, engine: Any, redis: Any) -> dict[str, Any]:
    """Sandbox, demo EHR, gunicorn, worker; returns the run's context once the scenario is in."""
    sim = stack.enter_context(running_sandbox(log_file=LOGS / "bench-rounds-sandbox.log"))
    port = free_port()
    web = f"http://127.0.0.1:{port}"
    ehr, ehr_lines = _start_ehr(stack, f"{web}/ehr/events")
    env = {**_env(sim, ehr), **{k: os.environ[k] for k in ("DATABASE_URL", "REDIS_URL")}}
    gunicorn = [sys.executable, "-m", "gunicorn", "wsgi:app", "-w", "2", "--timeout", "30"]
    _spawn(stack, [*gunicorn, "-b", f"127.0.0.1:{port}"], env, "web")
    _spawn(stack, [sys.executable, "-m", "jobs.worker"], env, "worker")
    wait_until(lambda: _healthy(web), timeout=60, interval=0.2)
    _wait_line(ehr_lines, "Demo EHR pushed", 70)
    wait_until(lambda: _cache_ready(engine), timeout=30, interval=0.2)
    _idle_for(redis, 1.0, timeout=60)
    http = requests.Session()
    http.trust_env = False
    return {"sim": sim, "web": web, "http": http, "headers": _hr_headers()}


def _measure(ctx: dict[str, Any], rounds: int, run_deadline: float) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {k: [] for k in ("api", "calendar", "card", "org", "warmup")}
    for i, (app_id, userid, body) in enumerate(_plan(WARMUP + rounds)):
        if time.monotonic() > run_deadline:
            raise Missed(f"time budget of {BUDGET_SECONDS:.0f} s spent after {i} rounds")
        api, calendar, card = _one_round(ctx, app_id, userid, body)
        if i < WARMUP:
            out["warmup"].append(card)
            continue
        out["api"].append(api)
        out["calendar"].append(calendar)
        out["card"].append(card)
        out["org"].append(_baseline(ctx["http"], ctx["sim"]))
    return out


def _report(args: argparse.Namespace, got: dict[str, list[float]], setup_s: float) -> None:
    print(f"machine: {_machine()}")
    print(
        f"{args.rounds} rounds (after {WARMUP} warm-up rounds, card at "
        f"{', '.join(f'{x:.0f}' for x in got['warmup'])} ms), one at a time, over app-01..app-08; "
        f"gunicorn 2 workers, 1 `python -m jobs.worker`; setup {setup_s:.1f} s"
    )
    print(f"(b) and (c) polled every {args.poll_ms:g} ms: exact to about that interval")
    print(_line("(a) API call, request to 201", got["api"]))
    print(_line(f"(b) request to calendar event ({CALENDAR_USER})", got["calendar"]))
    print(_line("(c) request to candidate's round_scheduled card", got["card"]))
    print(_line("baseline: GET /_sim/org round trip", got["org"]))
    base = statistics.median(got["org"])
    for key, name in (("api", "(a)"), ("calendar", "(b)"), ("card", "(c)")):
        ratio = statistics.median(got[key]) / base
        print(f"ratio p50 {name} / p50 baseline: {ratio:.1f}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--poll-ms", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=15.0, help="per round, seconds")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        return rerun_with_services()
    begun = time.monotonic()
    url = os.environ["DATABASE_URL"]
    upgrade_database(url)
    engine = make_engine(url)
    _empty_tables(engine)
    redis = make_redis(os.environ["REDIS_URL"])
    redis.flushdb()
    try:
        with ExitStack() as stack:
            ctx = _start_all(stack, engine, redis)
            ctx.update(poll=args.poll_ms / 1000, timeout=args.timeout)
            setup_s = time.monotonic() - begun
            got = _measure(ctx, args.rounds, begun + BUDGET_SECONDS)
    except Missed as exc:
        print(f"FAILED: {exc} (logs: {LOGS}/bench-rounds-*.log)")
        return 1
    finally:
        redis.close()
        engine.dispose()
    _report(args, got, setup_s)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
