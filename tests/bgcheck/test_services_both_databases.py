"""The check and the notice alike on PostgreSQL and SQLite (the embedded default): start,
consent with the encrypted number, the vendor's report to consider, HR's decision, the notice
confirmed with its plan; another candidate's check and notice are NotFound."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.access.visibility import Viewer
from services.bgcheck import candidate as cand
from services.bgcheck import state as st
from services.bgcheck import vendor as vd
from services.bgcheck.decide import decide_check
from services.errors import NotFound
from services.onboarding import notice as ob
from storage.bgcheck_models import BackgroundCheck
from storage.runtime import Runtime
from tests import factories as f
from tests.bgcheck.conftest import PII_KEY
from tests.bgcheck.helpers import ID_NUMBER


def _seed(runtime: Runtime) -> None:
    with runtime.session_factory() as s:
        f.department(s, "d-1")
        hr_row = f.staff(s, "st-hr", "hr_specialist", uid="hr")
        f.position(s, "pos-1", "d-1", owners=[hr_row.id])
        f.candidate(s, "cand-1", uid="c1")
        f.candidate(s, "cand-2", uid="c2")
        f.application(s, "app-1", "cand-1", "pos-1", stage="offer")
        f.interview(s, "iv-1", "app-1", status="attended")
        f.score(s, "sc-1", "iv-1", 80.0, dimensions={"negotiation": 70.0})
        s.commit()


def test_the_check_and_the_notice_on_both_databases(any_runtime: Runtime) -> None:
    _seed(any_runtime)
    now = datetime.now(UTC)
    staff = Viewer(dingtalk_user_id="hr", staff_id="st-hr", staff_role="hr_specialist")
    me = Viewer(dingtalk_user_id="c1", candidate_id="cand-1")
    other = Viewer(dingtalk_user_id="c2", candidate_id="cand-2")
    with any_runtime.session_factory() as s:
        check = cand.start_check(s, "app-1", vendor="sandbox", now=now)
        assert check is not None and check.status == "awaiting_consent"
        assert cand.start_check(s, "app-1", vendor="sandbox", now=now).id == check.id  # type: ignore[union-attr]
        with pytest.raises(NotFound):
            cand.my_check(s, other)
        consent = cand.Consent(st.CONSENT_SHA256, ID_NUMBER, [{"name": "华联"}], "10.0.0.1")
        cand.give_consent(s, me, consent, pii_key=PII_KEY, now=now)
        request = vd.creation_request(s, check.id, pii_key=PII_KEY)
        assert request is not None and request.id_number == ID_NUMBER
        items = [{"key": "employment", "label": "工作经历核验", "result": "pending"}]
        vd.record_created(
            s, check.id, vendor_candidate_id="vc-1", reference="rpt-1", items=items, now=now
        )
        done = [{**items[0], "result": "consider"}]
        settled = vd.apply_report(s, check.id, status="complete", items=done, now=now)
        assert settled is not None and (settled.status, settled.result) == ("completed", "consider")
        assert s.get(BackgroundCheck, check.id).id_number_encrypted is None  # type: ignore[union-attr]
        assert decide_check(s, staff, "app-1", "pass", now=now).outcome == "done"
        assert decide_check(s, staff, "app-1", "fail", now=now).outcome == "already_decided"
        with pytest.raises(NotFound):
            ob.my_onboarding(s, me)  # planned, not sent yet
        join = (now + timedelta(days=14)).date()
        sent = ob.confirm_onboarding(s, staff, "app-1", join_date=join, location="总部", now=now)
        assert sent.outcome == "done" and sent.notice.join_date == join
        notice, _ = ob.my_onboarding(s, me)
        assert [p["reason"] for p in notice.training_plan] == ["negotiation label 70 < 75"] * 2
        with pytest.raises(NotFound):
            ob.my_onboarding(s, other)
        past = ob.confirm_onboarding(
            s, staff, "app-1", join_date=date(2020, 1, 1), location="x", now=now
        )
        assert past.outcome == "already_decided"
