"""The offer signed with DingTalk's e-signature (`OFFER_SIGNING=dingtalk_esign`).

* `open_signing` (the candidate's Accept, from the mini-app API): open the flow for the terms
  shown (upload the offer letter, CreateProcess with the candidate as signer) unless one is open
  for them, and return the candidate's signing URL (GetExecuteUrl).
* `poll_signing` (the offer sweep, every minute): read each sent offer's flow (GetSignDetail) and
  answer the offer when it ended (services/offers/esign.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from clients.dingtalk import DingTalkClient, DingTalkError, SigningSpec
from jobs import context
from services.access.visibility import Viewer
from services.offers import esign
from services.offers import state as st

log = logging.getLogger(__name__)


def _spec(start: esign.SigningStart, redirect_url: str) -> SigningSpec:
    offer, chain = start.chain.offer, start.chain
    expires = offer.expires_at or datetime.now(UTC)
    return SigningSpec(
        initiator_user_id=start.initiator_user_id,
        task_name=f"录用意向书 · {chain.position.title}"[:100],
        file_name=f"offer-{offer.id}-v{offer.terms_version}.txt",
        document=start.letter.encode(),
        signer_mobile=start.mobile,
        signer_name=chain.candidate.name,
        sign_end_ms=int(expires.timestamp() * 1000),
        redirect_url=redirect_url,
    )


def open_signing(
    dingtalk: DingTalkClient,
    session_factory: Callable[[], Session],
    viewer: Viewer,
    offer_id: str,
    *,
    terms_sha256: str,
    redirect_url: str,
    now: datetime,
) -> tuple[st.OfferChain, str]:
    """The candidate's offer and the URL where they sign the terms they were shown."""
    with session_factory() as session:
        start = esign.begin_signing(session, viewer, offer_id, terms_sha256=terms_sha256, now=now)
    task_id = start.task_id
    if task_id is None:
        opened = dingtalk.start_signing(_spec(start, redirect_url))
        with session_factory() as session:
            version = start.chain.offer.terms_version
            task_id = esign.record_flow(session, start.chain.offer.id, version, opened, now=now)
        log.info("offer signing flow opened", extra={"ctx": {"offer_id": start.chain.offer.id}})
    return start.chain, dingtalk.signing_url(task_id, start.mobile)


def poll_signing() -> dict[str, int]:
    """The offer sweep's reading of the open e-signature flows."""
    ctx = context.current()
    if ctx.runtime.settings.OFFER_SIGNING != esign.METHOD:
        return {}
    with ctx.runtime.session_factory() as session:
        flows = esign.signing_flows(session)
    counts: dict[str, int] = {}
    for task_id in flows:
        try:
            status = ctx.dingtalk.signing_status(task_id)
        except DingTalkError as exc:
            outcome = "poll_failed"
            log.warning("signing poll failed: %s", type(exc).__name__)
        else:
            with ctx.runtime.session_factory() as session:
                outcome = esign.finish_signing(session, task_id, status, now=datetime.now(UTC))
        counts[f"esign_{outcome}"] = counts.get(f"esign_{outcome}", 0) + 1
    return counts
