"""A listener killed after the durable hand-off and before its ack: DingTalk redelivers the event
to the next listener, which acknowledges it as a duplicate; the work runs exactly once."""

from __future__ import annotations

from collections.abc import Callable

from rq import Queue
from sqlalchemy import func, select

from jobs.queues import DEFAULT_QUEUE
from storage.models import Candidate
from storage.runtime import Runtime
from storage.sync_models import ChangeHistory
from tests import factories as f
from tests.bot.conftest import Listener, run_jobs
from tests.support.servers import LocalHttp, wait_for


def test_redelivery_after_a_kill_is_processed_once(
    bot_runtime: Runtime, sim: LocalHttp, start_listener: Callable[..., Listener]
) -> None:
    with bot_runtime.session_factory() as s:
        f.candidate(s, "cand-05", name="陈静", mobile="13800130005")
        s.commit()
    doomed = start_listener("--exit-before-ack")
    wait_for(
        lambda: len(sim.get("/_sim/connections")["connections"]) == 1,
        timeout=30,
        what="one listener",
    )

    sim.post(
        "/_sim/events",
        {"event_type": "user_add_org", "data": {"userId": ["cand_05"]}, "event_id": "evt-kill-1"},
    )
    wait_for(lambda: doomed.proc.poll() is not None, timeout=15, what="the listener to die")
    assert doomed.proc.returncode == 17
    assert Queue(DEFAULT_QUEUE, connection=bot_runtime.redis).count == 1  # handed off, not acked

    successor = start_listener()
    events = wait_for(
        lambda: [e for e in sim.get("/_sim/events")["events"] if e.get("status") == "acked"],
        timeout=30,
        what=f"the redelivery to be acked (log: {successor.log})",
    )
    assert len([d for d in events[0]["deliveries"] if "message_id" in d]) >= 2
    assert Queue(DEFAULT_QUEUE, connection=bot_runtime.redis).count == 1  # not enqueued again

    run_jobs(bot_runtime)
    with bot_runtime.session_factory() as s:
        candidate = s.get(Candidate, "cand-05")
        assert candidate is not None and candidate.linked_dingtalk_user_id == "cand_05"
        links = s.scalar(
            select(func.count())
            .select_from(ChangeHistory)
            .where(ChangeHistory.entity_id == "cand-05")
        )
    assert links == 1
    successor.proc.terminate()  # SIGTERM stops the listener cleanly, promptly
    assert successor.proc.wait(timeout=10) == 0
