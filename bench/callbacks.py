"""Card-callback answer latency: the real listener vs a bare SDK handler, in the same run.

Starts the DingTalk sandbox, seeds PostgreSQL with the demo org and N scored applications, puts
one HR score card per application in the sandbox, then clicks every card through the sandbox
(`POST /_sim/cards/{id}/click`: Stream push -> SDK -> handler -> ack -> card updated) and times
each click at the sandbox's control API:

1. `python -m bot.listener` deciding "hold" on each application (authorize, lock, record the
   decision and its outbox row, commit, answer the new card state);
2. a bare `dingtalk-stream` app whose handler answers OK at once (tests/sandbox/stream_app.py).

    tests/support/with-services.sh .venv/bin/python bench/callbacks.py [--clicks 300]

Needs DATABASE_URL (PostgreSQL) and REDIS_URL; the database's tables and the Redis db are emptied.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
LOGS = Path(tempfile.mkdtemp(prefix="bench-callbacks-"))

import requests  # noqa: E402

from clients.dingtalk import CardDelivery, make_dingtalk_client  # noqa: E402
from sandbox.dingtalk.testing import loopback_env, running_sandbox  # noqa: E402
from storage.db import make_engine, make_session_factory, upgrade_database  # noqa: E402
from storage.runtime import make_redis  # noqa: E402
from tests import factories as f  # noqa: E402
from tests.bot.conftest import listener_env  # noqa: E402
from tests.bot.scenario import HR_LI, seed_people  # noqa: E402
from tests.conftest import _empty_tables, make_test_settings  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def seed(settings: Any, clicks: int) -> None:
    url = settings.require("DATABASE_URL")
    upgrade_database(url)
    engine = make_engine(url)
    _empty_tables(engine)

    class _Runtime:
        session_factory = make_session_factory(engine)

    seed_people(_Runtime)  # type: ignore[arg-type]
    with _Runtime.session_factory() as s:
        for i in range(clicks):
            f.application(s, f"app-{i}", "cand-01", "pos-store-night")
            f.interview(s, f"iv-{i}", f"app-{i}", status="completed")
            f.score(s, f"sc-{i}", f"iv-{i}", 70.0 + i % 30)
        s.commit()
    engine.dispose()


def make_cards(settings: Any, prefix: str, clicks: int) -> list[str]:
    redis = make_redis(settings.require("REDIS_URL"))
    client = make_dingtalk_client(settings, redis)
    ids = []
    for i in range(clicks):
        out_track_id = f"{prefix}-{i}"
        client.create_and_deliver_card(
            CardDelivery(
                out_track_id=out_track_id,
                template_id="mi-score-hr-v1.schema",
                user_id=HR_LI,
                card_data={"interview_id": f"iv-{i}", "decision": ""},
            )
        )
        ids.append(out_track_id)
    redis.close()
    return ids


def wait_connected(http: requests.Session, base: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if http.get(base + "/_sim/connections", timeout=5).json()["connections"]:
            return
        time.sleep(0.1)
    raise SystemExit("no Stream connection")


def click_all(base: str, cards: list[str], concurrency: int) -> list[float]:
    def one(out_track_id: str) -> float:
        http = requests.Session()
        http.trust_env = False
        index = out_track_id.rsplit("-", 1)[-1]
        body = {
            "userid": HR_LI,
            "action_ids": ["hold"],
            "params": {"action": "hold", "interview_id": f"iv-{index}"},
        }
        started = time.perf_counter()
        answer = http.post(f"{base}/_sim/cards/{out_track_id}/click", json=body, timeout=10).json()
        elapsed = (time.perf_counter() - started) * 1000
        if not answer.get("delivered"):
            raise SystemExit(f"click not answered: {answer.get('error')}")
        return elapsed

    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(one, cards))


def run_phase(
    name: str, cmd: list[str], env: dict[str, str], base: str, cards: list[str], concurrency: int
) -> list[float]:
    http = requests.Session()
    http.trust_env = False
    log = open(LOGS / f"bench-callbacks-{name}.log", "w", encoding="utf-8")  # noqa: SIM115
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_connected(http, base)
        click_all(base, cards[:20], concurrency)  # warm-up (connections, token, caches)
        return click_all(base, cards[20:], concurrency)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()
        deadline = time.monotonic() + 15
        while (
            time.monotonic() < deadline
            and http.get(base + "/_sim/connections").json()["connections"]
        ):
            time.sleep(0.1)


def report(name: str, values: list[float]) -> tuple[float, float]:
    p50, p99 = percentile(values, 0.50), percentile(values, 0.99)
    print(
        f"{name:<22} n={len(values):<5} p50={p50:7.2f} ms  p99={p99:7.2f} ms  "
        f"mean={statistics.fmean(values):7.2f} ms  max={max(values):7.2f} ms"
    )
    return p50, p99


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    total = args.clicks + 20
    with running_sandbox(log_file=LOGS / "bench-callbacks-sandbox.log") as base:
        settings = make_test_settings(
            os.environ["DATABASE_URL"],
            os.environ["REDIS_URL"],
            DINGTALK_API_BASE=base,
            DINGTALK_OAPI_BASE=base,
        )
        seed(settings, total)
        redis = make_redis(settings.require("REDIS_URL"))
        redis.flushdb()
        redis.close()
        bot_cards = make_cards(settings, "bench-bot", total)
        bare_cards = make_cards(settings, "bench-bare", total)
        bot = run_phase(
            "listener",
            [sys.executable, "-m", "bot.listener"],
            listener_env(settings),
            base,
            bot_cards,
            args.concurrency,
        )
        bare = run_phase(
            "bare-sdk",
            [
                sys.executable,
                str(REPO / "tests" / "sandbox" / "stream_app.py"),
                "--client-id",
                settings.require("DINGTALK_APP_KEY"),
                "--client-secret",
                settings.require("DINGTALK_APP_SECRET"),
            ],
            loopback_env(base),
            base,
            bare_cards,
            args.concurrency,
        )
    print(f"card-callback answer latency at the sandbox, concurrency {args.concurrency}")
    bot_p50, bot_p99 = report("bot.listener (hold)", bot)
    bare_p50, bare_p99 = report("bare SDK handler", bare)
    print(f"ratio listener/bare: p50 {bot_p50 / bare_p50:.2f}x  p99 {bot_p99 / bare_p99:.2f}x")


if __name__ == "__main__":
    main()
