"""The offer's use cases alike on PostgreSQL and SQLite (the embedded default): draft, edit,
send, accept with the signature, the funnel and expiry; HR and candidate scope."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.access.visibility import Viewer
from services.decisions.policy import PolicyConfig
from services.errors import Conflict, NotFound
from services.offers import answer, hr
from services.offers.clock import expire_offers
from services.offers.draft import draft_offer
from services.offers.funnel import offer_funnel
from storage.runtime import Runtime
from tests import factories as f

BAND = {"min": 8000, "max": 10000, "currency": "CNY", "period": "month"}


def _seed(runtime: Runtime) -> None:
    with runtime.session_factory() as s:
        f.department(s, "d-1")
        hr_row = f.staff(s, "st-hr", "hr_specialist", uid="hr")
        f.position(s, "pos-1", "d-1", owners=[hr_row.id], extra={"salary_band": BAND})
        f.candidate(s, "cand-1", uid="c1")
        f.candidate(s, "cand-2", uid="c2")
        f.application(s, "app-1", "cand-1", "pos-1", stage="offer")
        f.interview(s, "iv-1", "app-1", status="attended")
        f.score(s, "sc-1", "iv-1", 85.0)
        s.commit()


def test_the_offer_from_draft_to_signature(any_runtime: Runtime) -> None:
    _seed(any_runtime)
    now = datetime.now(UTC)
    staff = Viewer(dingtalk_user_id="hr", staff_id="st-hr", staff_role="hr_specialist")
    me = Viewer(dingtalk_user_id="c1", candidate_id="cand-1")
    other = Viewer(dingtalk_user_id="c2", candidate_id="cand-2")
    with any_runtime.session_factory() as s:
        drafted = draft_offer(s, "app-1", now=now, defaults=PolicyConfig())
        assert drafted.action == "drafted"
        assert draft_offer(s, "app-1", now=now, defaults=PolicyConfig()).action == "exists"
        hr.update_offer(s, staff, "app-1", {"start_date": date(2027, 1, 4)}, now=now)
        chain = hr.send_offer(s, staff, "app-1", now=now)
        assert chain.offer.status == "sent" and chain.offer.salary_amount == 9000
        offer_id, sha = chain.offer.id, chain.offer.terms_sha256 or ""
        with pytest.raises(NotFound):
            answer.my_offer(s, other, offer_id)
        with pytest.raises(Conflict):
            answer.accept_offer(
                s,
                me,
                offer_id,
                terms_sha256="0" * 64,
                client_address=None,
                user_agent=None,
                now=now,
            )
        accepted, signature = answer.accept_offer(
            s, me, offer_id, terms_sha256=sha, client_address="10.0.0.1", user_agent="UA", now=now
        )
        assert accepted.offer.status == "accepted" and signature.terms_sha256 == sha
        funnel = offer_funnel(s, "pos-1")
        assert (funnel.drafted, funnel.sent, funnel.accepted, funnel.acceptance_rate) == (
            1,
            1,
            1,
            1.0,
        )
        assert expire_offers(s, now=now + timedelta(days=30)) == []  # answered: never expires
