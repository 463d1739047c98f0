"""Cards through the real SDKs: createAndDeliver, update (merge vs replace), click round trips."""

from __future__ import annotations

import json
from typing import Any

import pytest
from Tea.exceptions import TeaException

from tests.sandbox.conftest import SimClient
from tests.sandbox.sdk import card_client, create_and_deliver, get_token, update_card

HR = "hr_lina"
SCORE = {
    "interview_id": "42",
    "candidate_name": "张伟",
    "position": "门店店员（夜班）",
    "overall": "82",
    "decision": "",
}


def _card(sim: SimClient, out_track_id: str) -> dict[str, Any]:
    cards = sim.get("/_sim/cards", params={"userid": HR})["cards"]
    return next(c for c in cards if c["out_track_id"] == out_track_id)


def _deliver(sim: SimClient, org: dict[str, Any], out_track_id: str) -> tuple[Any, str]:
    token = get_token(sim.base_url, org["app_key"], org["app_secret"])
    client = card_client(sim.base_url)
    resp = create_and_deliver(
        client,
        token,
        org,
        template="score_hr",
        out_track_id=out_track_id,
        userid=HR,
        params=SCORE,
        private={HR: {"my_choice": ""}},
    )
    return resp, token


def test_create_update_and_click_round_trip(connected: SimClient, org: dict[str, Any]) -> None:
    resp, token = _deliver(connected, org, "iv-42-score")
    result = resp.body.result
    assert resp.body.success is True
    assert result.out_track_id == "iv-42-score"
    assert [(r.space_type, r.space_id, r.success) for r in result.deliver_results] == [
        ("IM_ROBOT", HR, True)
    ]

    client = card_client(connected.base_url)
    update_card(client, token, "iv-42-score", {"overall": "85"}, by_key=True)
    card = _card(connected, "iv-42-score")
    assert card["public"]["overall"] == "85" and card["public"]["candidate_name"] == "张伟"

    click = connected.post(
        "/_sim/cards/iv-42-score/click",
        {
            "userid": HR,
            "action_ids": ["advance"],
            "params": {"action": "advance", "interview_id": "42"},
        },
    )
    assert click["delivered"] is True, click
    assert click["response"]["cardData"]["cardParamMap"]["decision"] == "advance"
    assert click["card"]["public"]["decision"] == "advance"
    assert click["card"]["public"]["decided_by"] == HR
    assert click["card"]["public"]["overall"] == "85"  # merged, not replaced
    assert click["card"]["private"][HR]["my_choice"] == "advance"
    assert [h["source"] for h in click["card"]["history"]] == ["create", "update", "callback"]

    callback_acks = [
        a
        for a in connected.get("/_sim/acks")["acks"]
        if a["topic"] == "/v1.0/card/instances/callback"
    ]
    assert callback_acks and callback_acks[-1]["code"] == 200


def test_update_replace_drops_other_keys(sim: SimClient, org: dict[str, Any]) -> None:
    _, token = _deliver(sim, org, "iv-43-score")
    update_card(card_client(sim.base_url), token, "iv-43-score", {"overall": "60"}, by_key=False)
    assert _card(sim, "iv-43-score")["public"] == {"overall": "60"}


def test_callback_answer_after_deadline_leaves_card_unchanged(
    connected: SimClient, org: dict[str, Any]
) -> None:
    _deliver(connected, org, "iv-44-score")
    click = connected.post(
        "/_sim/cards/iv-44-score/click",
        {"userid": HR, "action_ids": ["advance"], "params": {"action": "advance", "sleep": 3}},
    )
    assert click["delivered"] is False
    assert "2 s" in click["error"]
    assert click["card"]["public"]["decision"] == ""


def test_reused_out_track_id_does_not_replace_card(sim: SimClient, org: dict[str, Any]) -> None:
    _deliver(sim, org, "iv-45-score")
    token = get_token(sim.base_url, org["app_key"], org["app_secret"])
    create_and_deliver(
        card_client(sim.base_url),
        token,
        org,
        template="score_candidate",
        out_track_id="iv-45-score",
        userid=HR,
        params={"overall": "1"},
    )
    card = _card(sim, "iv-45-score")
    assert card["template_id"] == org["card_templates"]["score_hr"]
    assert card["public"]["overall"] == "82" and card["warnings"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            {"outTrackId": "nope", "cardData": {"cardParamMap": {"a": "b"}}},
            "InvalidParameter.OutTrackId",
        ),
        ({"cardData": {}}, "MissingoutTrackId"),
    ],
)
def test_update_errors_are_dingtalk_shaped(
    sim: SimClient, org: dict[str, Any], body: dict[str, Any], code: str
) -> None:
    token = get_token(sim.base_url, org["app_key"], org["app_secret"])
    resp = sim.raw(
        "PUT", "/v1.0/card/instances", json=body, headers={"x-acs-dingtalk-access-token": token}
    )
    assert resp.status_code == 400
    assert resp.json()["code"] == code and "requestid" in resp.json()


def test_non_string_card_values_are_rejected(sim: SimClient, org: dict[str, Any]) -> None:
    token = get_token(sim.base_url, org["app_key"], org["app_secret"])
    with pytest.raises(TeaException) as caught:
        create_and_deliver(
            card_client(sim.base_url),
            token,
            org,
            template="score_hr",
            out_track_id="iv-46",
            userid=HR,
            params={"overall": 82},
        )  # type: ignore[dict-item]
    assert caught.value.code == "InvalidParameter"
    assert json.dumps(caught.value.data).find("statusCode") >= 0
