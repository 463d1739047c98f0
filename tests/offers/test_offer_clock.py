"""The offer's clock: one reminder 24 h before expiry, inside working hours only; expiry."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient

from services.clock.quiet_hours import WorkingHours
from services.offers.clock import sweep_offers
from storage.offer_models import Offer
from storage.runtime import Runtime
from tests.bot.conftest import run_jobs
from tests.offers.helpers import cards, ehr_moves_to_offer, send
from tests.support.servers import LocalHttp

ALWAYS = WorkingHours(time(0), time(0), ZoneInfo("Asia/Shanghai"), False, end_of_day=True)
NEVER = WorkingHours(time(23, 59), time(23, 59), ZoneInfo("Asia/Shanghai"), False)


def test_one_reminder_within_24_hours_and_only_in_working_hours(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str], sim: LocalHttp
) -> None:
    ehr_moves_to_offer(bot_runtime, app_id)
    offer_id = send(http, hr, app_id)["offer_id"]
    run_jobs(bot_runtime)
    now = datetime.now(UTC)
    with bot_runtime.session_factory() as s:
        assert sweep_offers(s, now=now, hours=ALWAYS) == []  # 7 days left: nothing yet
        offer = s.get(Offer, offer_id)
        assert offer is not None
        offer.expires_at = now + timedelta(hours=10)
        s.commit()
        assert [a.action for a in sweep_offers(s, now=now, hours=NEVER)] == ["held"]
        assert [a.action for a in sweep_offers(s, now=now, hours=ALWAYS)] == ["reminded"]
        assert sweep_offers(s, now=now, hours=ALWAYS) == []  # once
    run_jobs(bot_runtime)
    [card] = cards(sim, "cand_01", "mi-offer-reminder-v1.schema")
    assert card["public"]["offer_url"].endswith(f"#/offers/{offer_id}")
    with bot_runtime.session_factory() as s:
        later = now + timedelta(hours=11)
        assert [a.action for a in sweep_offers(s, now=later, hours=NEVER)] == ["expired"]
        assert s.get(Offer, offer_id).status == "expired"  # type: ignore[union-attr]
