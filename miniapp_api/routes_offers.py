"""The offer (issue 19): HR reads, edits and sends the draft; the candidate reads their offers
and accepts (click-signed) or declines.

Register by adding `routes_offers.bp` to the features in miniapp_api/__init__.py `_blueprint()`.
"""

from __future__ import annotations

from flask import Blueprint, request

from clients.dingtalk import DingTalkError
from jobs.offer_signing import open_signing
from miniapp_api import context as c
from miniapp_api.schemas_offers import (
    AcceptOut,
    AcceptRequest,
    DeclineRequest,
    HrOffer,
    MyOffers,
    OfferEdit,
    OfferTerms,
    SignatureOut,
    hr_out,
    terms_out,
)
from miniapp_api.spec import endpoint
from services.offers import answer, hr
from services.offers import state as st
from web_context import db_session, get_runtime

bp = Blueprint("offers", __name__)


def _hr_view(chain: st.OfferChain) -> HrOffer:
    events, signatures = hr.history_of(db_session(), chain.offer)
    view = hr_out(chain, events, signatures)
    db_session().rollback()  # read only: end the transaction the queries opened
    return view


@endpoint(
    bp,
    "GET",
    "/hr/applications/{application_id}/offer",
    summary="The application's offer: terms, the salary's reasons, history, signatures",
    response=HrOffer,
)
def get_offer(application_id: str) -> HrOffer:
    return _hr_view(hr.get_offer(db_session(), c.viewer(), application_id))


@endpoint(
    bp,
    "PUT",
    "/hr/applications/{application_id}/offer",
    summary="Edit the draft (a sent offer goes back to a draft to be sent again)",
    response=HrOffer,
    body=OfferEdit,
    errors=(409,),
)
def put_offer(application_id: str, body: OfferEdit) -> HrOffer:
    changes = body.model_dump(exclude_unset=True)
    if "benefits" in changes and changes["benefits"] is None:
        changes["benefits"] = []
    chain = hr.update_offer(db_session(), c.viewer(), application_id, changes, now=c.now())
    return _hr_view(chain)


@endpoint(
    bp,
    "POST",
    "/hr/applications/{application_id}/offer/send",
    summary="Send the offer (or ask a recruiting manager first when outside the band)",
    response=HrOffer,
    errors=(409,),
)
def send(application_id: str) -> HrOffer:
    return _hr_view(hr.send_offer(db_session(), c.viewer(), application_id, now=c.now()))


@endpoint(bp, "GET", "/me/offers", summary="My offers", response=MyOffers)
def my_offers() -> MyOffers:
    return MyOffers(items=[terms_out(ch) for ch in answer.my_offers(db_session(), c.viewer())])


@endpoint(bp, "GET", "/me/offers/{offer_id}", summary="One of my offers", response=OfferTerms)
def my_offer(offer_id: str) -> OfferTerms:
    return terms_out(answer.my_offer(db_session(), c.viewer(), offer_id))


@endpoint(
    bp,
    "POST",
    "/me/offers/{offer_id}/accept",
    summary="Accept the terms shown (their SHA-256): click-signed, or the DingTalk e-signature "
    "flow to open (OFFER_SIGNING)",
    response=AcceptOut,
    body=AcceptRequest,
    errors=(409, 503),
)
def accept(offer_id: str, body: AcceptRequest) -> AcceptOut:
    if get_runtime().settings.OFFER_SIGNING == "dingtalk_esign":
        return _accept_by_esign(offer_id, body)
    chain, signature = answer.accept_offer(
        db_session(),
        c.viewer(),
        offer_id,
        terms_sha256=body.terms_sha256,
        client_address=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
        now=c.now(),
    )
    return AcceptOut(offer=terms_out(chain), signature=SignatureOut.model_validate(signature))


def _accept_by_esign(offer_id: str, body: AcceptRequest) -> AcceptOut:
    """Open (or reopen) the DingTalk e-signature flow of the terms shown: the page goes to the
    signing URL; the offer is accepted when the flow completes (the offer sweep reads it)."""
    page = f"{get_runtime().settings.MINIAPP_URL.rstrip('/')}/#/offers/{offer_id[:32]}"
    try:
        chain, url = open_signing(
            c.ctx().dingtalk(),
            get_runtime().session_factory,
            c.viewer(),
            offer_id,
            terms_sha256=body.terms_sha256,
            redirect_url=page,
            now=c.now(),
        )
    except DingTalkError:
        raise c.UpstreamUnavailable("DingTalk's e-signature is unavailable; retry later") from None
    return AcceptOut(offer=terms_out(chain), signature=None, sign_url=url)


@endpoint(
    bp,
    "POST",
    "/me/offers/{offer_id}/decline",
    summary="Decline, with an optional reason",
    response=OfferTerms,
    body=DeclineRequest,
    errors=(409,),
)
def decline(offer_id: str, body: DeclineRequest) -> OfferTerms:
    chain = answer.decline_offer(
        db_session(), c.viewer(), offer_id, reason=body.reason, now=c.now()
    )
    return terms_out(chain)
