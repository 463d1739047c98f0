"""GET /metrics on two gunicorn workers and an RQ worker sharing one multiprocess directory.

A scripted run through the real processes: a webhook batch with a rejected and a held event,
score cards delivered by `python -m jobs.worker` while the DingTalk sandbox throttles, a card
click on the HTTP callback route, a job that fails. The scrape must show what the run implies,
whichever gunicorn worker answers it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.mmap_dict import MmapedDict
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bot import crypto
from config import Settings
from jobs.queues import NOTIFY_QUEUE, queue
from sandbox.ehr import events as ev
from storage.action_models import Delivery
from storage.runtime import Runtime
from tests.notify.conftest import Sim, application_events, notify_settings, org_events
from tests.support.process_env import settings_env
from tests.support.servers import free_port, wait_for

REPO = Path(__file__).resolve().parents[2]
TOKEN = "metrics-token-0123456789abcdef"
CARD_SECRET = "card-callback-secret"
CREATE = "/v1.0/card/instances/createAndDeliver"
THROTTLES = 2
SCORES = 2  # each reaches the candidate and the position's two HR owners: 3 cards
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def metrics_settings(
    runtime: Runtime, ops_sim: Sim, database_url: str, redis_url: str, tmp_path: Path
) -> Settings:
    directory = tmp_path / "prometheus"
    directory.mkdir()
    return notify_settings(
        database_url,
        redis_url,
        ops_sim.base,
        METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(directory),
        DINGTALK_CARD_CALLBACK_SECRET=CARD_SECRET,
        LOG_LEVEL="WARNING",
    )


@pytest.fixture
def web(metrics_settings: Settings) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """gunicorn with two workers, as in production (gunicorn.conf.py is read from the repo)."""
    port = free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    proc = subprocess.Popen(
        [gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=REPO,
        env=settings_env(metrics_settings),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(base, proc), timeout=60, what="gunicorn")
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _answers(base: str, proc: subprocess.Popen[bytes]) -> bool:
    assert proc.poll() is None, "gunicorn exited"
    try:
        return requests.get(f"{base}/healthz", timeout=2).status_code == 200
    except requests.RequestException:  # not listening yet, or too busy to answer in time
        return False


def _push(base: str, events: list[dict[str, Any]], secret: str) -> dict[str, Any]:
    raw = ev.batch_body(events)
    response = requests.post(f"{base}/ehr/events", data=raw, headers=ev.sign(raw, secret))
    assert response.status_code == 200, response.text
    return dict(response.json())


def _run_worker(settings: Settings) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jobs.worker", NOTIFY_QUEUE, "--burst"],
        cwd=REPO,
        env=settings_env(settings),
        timeout=180,
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]


def _click(base: str, delivery: Delivery) -> None:
    stamp = str(int(time.time() * 1000))
    private = {"actionIds": ["advance"], "params": {"action": "advance"}}
    body = {
        "outTrackId": delivery.out_track_id,
        "userId": delivery.dingtalk_user_id,
        "content": json.dumps({"cardPrivateData": private}),
    }
    headers = {
        "x-ddpaas-signature-timestamp": stamp,
        "x-ddpaas-signature": crypto.card_signature(CARD_SECRET, stamp),
    }
    response = requests.post(f"{base}/dingtalk/card-callback", json=body, headers=headers)
    assert response.status_code == 200, response.text


def _worker_pids(proc: subprocess.Popen[bytes]) -> set[int]:
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    return {int(pid) for pid in children}


def _timed_in(directory: Path, pid: int) -> float:
    """The mini-app request time one worker wrote to its own file (prometheus-client's format)."""
    path = directory / f"histogram_{pid}.db"
    if not path.exists():
        return 0.0
    return sum(
        value
        for key, value, _ts, _pos in MmapedDict.read_all_values_from_file(str(path))  # type: ignore[no-untyped-call]
        if json.loads(key)[1] == "myinterviews_miniapp_request_duration_seconds_sum"
    )


def _spread_requests(base: str, proc: subprocess.Popen[bytes], directory: Path) -> int:
    """Mini-app requests until both gunicorn workers have served some."""
    workers, sent = _worker_pids(proc), 0
    assert len(workers) == 2
    while sent < 400:
        response = requests.get(f"{base}/api/v1/openapi.json", timeout=10)
        assert response.status_code == 200
        sent += 1
        if all(_timed_in(directory, pid) > 0 for pid in workers):
            return sent
    pytest.fail("one gunicorn worker served every request")


def _scrape(base: str) -> Samples:
    response = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _total(samples: Samples, name: str, **labels: str) -> float:
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


def test_metrics_refuses_without_the_token(web: tuple[str, subprocess.Popen[bytes]]) -> None:
    base, _ = web
    for headers in ({}, {"Authorization": "Bearer wrong-token"}, {"Authorization": TOKEN}):
        response = requests.get(f"{base}/metrics", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        assert "myinterviews" not in response.text
    answered = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answered.status_code == 200
    assert answered.headers["Content-Type"].startswith("text/plain")
    assert "myinterviews_rq_queue_jobs" in answered.text


def _scripted_run(
    base: str, runtime: Runtime, settings: Settings, sim: Sim
) -> list[dict[str, Any]]:
    """The run whose numbers the scrape must show; returns the batches' valid events."""
    secret = settings.require("EHR_WEBHOOK_SECRET")
    sim.post("/_sim/faults", {"path": CREATE, "kind": "throttle", "count": THROTTLES})
    valid = org_events()
    for n in range(1, SCORES + 1):
        valid += application_events(
            n, candidate_id=f"cand-{n:02d}", dingtalk_user_id=f"cand_{n:02d}"
        )
        valid.append(ev.event("score", ev.score(f"sc-{n}", interview_id=f"iv-{n}")))
    # Held: its application never came. Rejected: not an event of the contract.
    orphan = ev.event("interview", ev.interview("iv-orphan", application_id="app-none"))
    answer = _push(base, [*valid, orphan, {"id": "bad-1", "type": "nonsense"}], secret)
    assert [r["id"] for r in answer["rejected"]] == ["bad-1"]
    # A job that fails: called without the outbox id it needs.
    queue(NOTIFY_QUEUE, runtime.redis).enqueue("jobs.notify.deliver_outbox_event")
    _run_worker(settings)
    return valid


def test_a_scripted_run_shows_in_the_counters_and_gauges(
    web: tuple[str, subprocess.Popen[bytes]],
    metrics_settings: Settings,
    ops_sim: Sim,
    runtime: Runtime,
) -> None:
    base, proc = web
    valid = _scripted_run(base, runtime, metrics_settings, ops_sim)
    with runtime.session_factory() as s:
        sent = list(s.scalars(select(Delivery).where(Delivery.state == "sent")))
    assert len(sent) == 3 * SCORES and {d.channel for d in sent} == {"card"}
    hr_card = next(d for d in sent if d.recipient_kind == "staff")
    _click(base, hr_card)
    directory = Path(str(metrics_settings.PROMETHEUS_MULTIPROC_DIR))
    requests_sent = _spread_requests(base, proc, directory)

    # Several scrapes, answered by either worker: the same sums every time.
    scrapes = [_scrape(base) for _ in range(6)]
    m = scrapes[0]
    events = "myinterviews_ehr_events_total"
    assert _value(m, events, source="push", outcome="accepted") == len(valid)
    assert _value(m, events, source="push", outcome="held") == 1
    assert _value(m, events, source="push", outcome="rejected") == 1
    assert _value(m, events, source="push", outcome="duplicate") == 0
    assert _value(m, "myinterviews_ehr_held_events") == 1
    assert _value(m, "myinterviews_ehr_held_oldest_age_seconds") > 0
    calls = "myinterviews_dingtalk_calls_total"
    assert _value(m, calls, api="card/createAndDeliver", outcome="ok") == len(sent)
    assert _value(m, calls, api="card/createAndDeliver", outcome="throttled") == THROTTLES
    waits = "myinterviews_dingtalk_rate_limit_wait_seconds_count"
    assert _value(m, waits, api="card/createAndDeliver") == len(sent) + THROTTLES
    assert _total(m, "myinterviews_deliveries_total", channel="card", state="sent") == len(sent)
    assert _value(m, "myinterviews_card_callback_answer_seconds_count") == 1
    failed, depth = "myinterviews_rq_failed_jobs", "myinterviews_rq_queue_jobs"
    assert _value(m, failed, queue=NOTIFY_QUEUE) == 1
    # The click's decision: one outbox row, its job queued and not run yet.
    assert _value(m, depth, queue=NOTIFY_QUEUE) == 1
    assert _value(m, "myinterviews_outbox_waiting_events") == 1
    assert _value(m, "myinterviews_outbox_oldest_age_seconds") > 0
    timed = "myinterviews_miniapp_request_duration_seconds_count"
    assert _value(m, timed, endpoint="miniapp_api.openapi", status="2xx") == requests_sent
    for other in scrapes[1:]:
        for key in (events, calls, "myinterviews_deliveries_total", timed):
            assert _total(other, key) == _total(m, key)
