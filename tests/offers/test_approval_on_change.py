"""A change to a drafted term the position's policy marks (here the benefits) waits for a
recruiting manager, like a salary outside the band; the terms as drafted go out at once, and an
approval covers exactly the terms approved."""

from __future__ import annotations

from flask.testing import FlaskClient

from storage.runtime import Runtime
from tests import factories as f
from tests.offers.conftest import BENEFITS, headers_of
from tests.offers.helpers import ehr_moves_to_offer, offer_row, send

MARKED = {"offer": {"approval_on_change": ["benefits"]}}


def _mark_benefits(runtime: Runtime, http: FlaskClient) -> None:
    with runtime.session_factory() as s:
        f.staff(s, "st-admin-o", "admin", uid="admin_o")
        s.commit()
    admin = headers_of(runtime, staff_id="st-admin-o")
    response = http.put("/api/v1/admin/policies/pos-store-night", headers=admin, json=MARKED)
    assert response.status_code == 200, response.get_json()


def test_a_marked_change_waits_for_approval_and_the_drafted_terms_do_not(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str]
) -> None:
    _mark_benefits(bot_runtime, http)
    ehr_moves_to_offer(bot_runtime, app_id)
    assert offer_row(bot_runtime, app_id).basis["approval_on_change"] == ["benefits"]
    fewer = [BENEFITS[0]]  # HR drops the housing fund line
    view = send(http, hr, app_id, benefits=fewer)
    assert view["status"] == "pending_approval"  # the salary (10,000) is inside the band

    # HR puts the drafted benefits back: nothing marked has changed, so it goes out at once.
    back = send(http, hr, app_id, benefits=BENEFITS)
    assert back["status"] == "sent"


def test_unmarked_changes_and_the_drafted_terms_go_out_at_once(
    bot_runtime: Runtime, app_id: str, http: FlaskClient, hr: dict[str, str]
) -> None:
    _mark_benefits(bot_runtime, http)
    ehr_moves_to_offer(bot_runtime, app_id)
    view = send(http, hr, app_id, salary_amount=9500)  # the salary is not marked, and in band
    assert view["status"] == "sent"
