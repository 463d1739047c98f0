"""No-show alerts: the minimum sample, the threshold, once per crossing, re-armed on recovery."""

from __future__ import annotations

from sqlalchemy.orm import Session

from config import Settings
from services.clock.no_show import NoShowRules, no_show_rules_from_settings, sweep_no_show_alerts
from storage.models import Interview
from tests.clock.conftest import WED, at, invite, outbox

ALERT = "alert.no_show_rate"


def _rules(settings: Settings) -> NoShowRules:
    return no_show_rules_from_settings(settings)


def _batch(
    s: Session, attended: int, missed: int, *, start: int = 1, deadline_hour: float = 20
) -> None:
    for n in range(start, start + attended + missed):
        status = "attended" if n < start + attended else "invited"
        invite(s, n, invited_at=at(WED, 0), deadline_at=at(WED, deadline_hour), status=status)


def test_no_alert_below_the_minimum_sample(org: Session, settings: Settings) -> None:
    _batch(org, attended=6, missed=3)  # 9 past deadline: a third missed, but too few to judge
    actions = sweep_no_show_alerts(org, now=at(WED, 21), rules=_rules(settings))
    assert [(a.action, a.past_deadline, a.no_shows) for a in actions] == [("unchanged", 9, 3)]
    assert outbox(org, ALERT) == []


def test_no_alert_at_or_below_the_threshold(org: Session, settings: Settings) -> None:
    _batch(org, attended=9, missed=1)  # exactly 10 %: not above it
    sweep_no_show_alerts(org, now=at(WED, 21), rules=_rules(settings))
    assert outbox(org, ALERT) == []


def test_not_before_the_deadline(org: Session, settings: Settings) -> None:
    _batch(org, attended=5, missed=6)
    assert sweep_no_show_alerts(org, now=at(WED, 19.9), rules=_rules(settings)) == []
    assert outbox(org, ALERT) == []


def test_alert_once_per_crossing_and_again_after_recovery(org: Session, settings: Settings) -> None:
    rules = _rules(settings)
    _batch(org, attended=8, missed=2)  # 20 % of 10
    actions = sweep_no_show_alerts(org, now=at(WED, 21), rules=rules)
    assert [a.action for a in actions] == ["alerted"]
    [alert] = outbox(org, ALERT)
    assert alert.payload["past_deadline"] == 10 and alert.payload["no_shows"] == 2
    assert sorted(alert.payload["no_show_interview_ids"]) == ["i-10", "i-9"]
    assert alert.payload["batch"] == "2026-11" and alert.entity_id == "p-1"

    # Still above the threshold: no second alert for the same crossing.
    sweep_no_show_alerts(org, now=at(WED, 22), rules=rules)
    _batch(org, attended=0, missed=1, start=11, deadline_hour=22.5)
    sweep_no_show_alerts(org, now=at(WED, 23), rules=rules)
    assert len(outbox(org, ALERT)) == 1

    # Recovers (late attendance and new attendees bring it to 10 % or less): re-armed.
    for n in (9, 10, 11):
        org.get(Interview, f"i-{n}").status = "attended"  # type: ignore[union-attr]
    org.commit()
    assert [a.action for a in sweep_no_show_alerts(org, now=at(WED, 24), rules=rules)] == [
        "rearmed"
    ]
    # Crosses again: a second alert.
    _batch(org, attended=0, missed=3, start=12, deadline_hour=24.5)
    actions = sweep_no_show_alerts(org, now=at(WED, 25), rules=rules)
    assert [a.action for a in actions] == ["alerted"]
    assert len(outbox(org, ALERT)) == 2
    assert outbox(org, ALERT)[1].payload["no_shows"] == 3


def test_batches_are_counted_apart(org: Session, settings: Settings) -> None:
    _batch(org, attended=8, missed=2)
    for n in range(11, 21):
        invite(
            org, n, invited_at=at(WED, 0), deadline_at=at(WED, 20), status="attended", batch=None
        )
    actions = sweep_no_show_alerts(org, now=at(WED, 21), rules=_rules(settings))
    assert sorted((a.batch, a.action) for a in actions) == [
        ("", "unchanged"),
        ("2026-11", "alerted"),
    ]
