"""The background check (issue 20): the candidate reads it and consents (with the ID-card
number, which no answer ever returns) or explains an item; HR reads it and decides.

Registered in miniapp_api/__init__.py `_blueprint()`.
"""

from __future__ import annotations

from flask import Blueprint, request

from miniapp_api import context as c
from miniapp_api.schemas_bgcheck import (
    CheckOut,
    ConsentRequest,
    DecisionOut,
    DecisionRequest,
    ExplanationRequest,
    check_out,
)
from miniapp_api.spec import endpoint
from services.bgcheck import candidate
from services.bgcheck.decide import decide_check, get_check_for_hr
from services.errors import InvalidInput, NotFound
from web_context import db_session, get_runtime

bp = Blueprint("bgcheck", __name__)


def _on() -> None:
    if get_runtime().settings.BGCHECK_VENDOR == "none":
        raise NotFound("background checks are off", code="bgcheck_off")


@endpoint(bp, "GET", "/me/background-check", summary="My background check", response=CheckOut)
def my_check() -> CheckOut:
    _on()
    return check_out(candidate.my_check(db_session(), c.viewer()))


@endpoint(
    bp,
    "POST",
    "/me/background-check/consent",
    summary="Consent to the check (the SHA-256 of the text shown), with the ID-card number",
    response=CheckOut,
    body=ConsentRequest,
    errors=(409,),
)
def consent(body: ConsentRequest) -> CheckOut:
    _on()
    if not body.agree:  # no consent, no check
        raise InvalidInput("the check needs the candidate's consent", code="consent_required")
    given = candidate.Consent(
        consent_sha256=body.consent_sha256,
        id_number=body.id_number,
        previous_employers=[e.model_dump(by_alias=True) for e in body.previous_employers],
        client_address=request.remote_addr,
    )
    key = get_runtime().settings.require("PII_ENCRYPTION_KEY")
    check = candidate.give_consent(db_session(), c.viewer(), given, pii_key=key, now=c.now())
    return check_out(check)


@endpoint(
    bp,
    "POST",
    "/me/background-check/explanation",
    summary="Explain the items HR asked about",
    response=CheckOut,
    body=ExplanationRequest,
    errors=(409,),
)
def explanation(body: ExplanationRequest) -> CheckOut:
    _on()
    return check_out(candidate.explain(db_session(), c.viewer(), body.text, now=c.now()))


@endpoint(
    bp,
    "GET",
    "/hr/applications/{application_id}/background-check",
    summary="The application's background check",
    response=CheckOut,
)
def hr_check(application_id: str) -> CheckOut:
    _on()
    return check_out(get_check_for_hr(db_session(), c.viewer(), application_id))


@endpoint(
    bp,
    "POST",
    "/hr/applications/{application_id}/background-check/decision",
    summary="Pass, Fail, or Ask the candidate (a check with an item to consider)",
    response=DecisionOut,
    body=DecisionRequest,
    errors=(409,),
)
def decide(application_id: str, body: DecisionRequest) -> DecisionOut:
    _on()
    result = decide_check(db_session(), c.viewer(), application_id, body.decision, now=c.now())
    return DecisionOut(
        outcome=result.outcome, decision=result.decision, decided_by=result.decided_by
    )
