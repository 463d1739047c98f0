"""The offer's rules as data (part of the per-position score policy) and the salary rule.

Pure: no session, no clock. The salary follows the score linearly within the position's band,
from the band's minimum at the qualifying score to its maximum at `top_score` and above,
rounded to `rounding`; every result carries its explanation, as the HR card, the editor and
the dry run show it ("岗位薪资带 8,000–10,000，综合分 90 → 10,000").
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

PERIOD_LABELS = {"month": "月薪", "year": "年薪"}


class OfferRules(BaseModel):
    """What the policy says about offers; stored inside score_policy.config as `offer`."""

    model_config = ConfigDict(extra="forbid")

    qualifying_score: float = Field(
        default=80.0, ge=0, le=100, description="the latest visible score that drafts an offer"
    )
    top_score: float = Field(
        default=90.0, ge=0, le=100, description="the score at which the band's maximum is offered"
    )
    rounding: int = Field(default=100, ge=1, le=100_000, description="round the salary to this")
    validity_days: int = Field(default=7, ge=1, le=90, description="days the candidate has")
    approval_outside_band: bool = Field(
        default=True, description="a salary outside the band needs a recruiting manager"
    )
    approval_on_change: list[Literal["salary", "benefits", "validity_days"]] = Field(
        default_factory=list,
        max_length=3,
        description="HR's changes to these drafted terms need a recruiting manager too",
    )

    @model_validator(mode="after")
    def _ordered(self) -> OfferRules:
        if self.top_score <= self.qualifying_score:
            raise ValueError("top_score must be above qualifying_score")
        return self


class SalaryBand(BaseModel):
    """`position.salary_band` of the contract v1.1."""

    model_config = ConfigDict(extra="ignore")

    min: int = Field(ge=0, le=100_000_000)
    max: int = Field(ge=0, le=100_000_000)
    currency: str = Field(default="CNY", min_length=3, max_length=3)
    period: Literal["month", "year"] = "month"

    @model_validator(mode="after")
    def _ordered(self) -> SalaryBand:
        if self.max < self.min:
            raise ValueError("max must not be below min")
        return self


def parse_band(value: Any) -> SalaryBand | None:
    """The band the EHR sent (kept in the position's `extra`), or None when absent or invalid."""
    if not isinstance(value, dict):
        return None
    try:
        return SalaryBand.model_validate(value)
    except ValidationError:
        return None


@dataclass(frozen=True)
class SalaryProposal:
    qualifies: bool
    amount: int | None  # None: not qualifying, or no band (HR fills it in)
    reason: str
    basis: dict[str, Any]


def money(amount: int) -> str:
    return f"{amount:,}"


def _rounded(value: Decimal, step: int) -> int:
    return int((value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step)


def propose_salary(band: SalaryBand | None, score: float, rules: OfferRules) -> SalaryProposal:
    """What the rules offer for `score` within `band`, with the explanation."""
    basis: dict[str, Any] = {
        "score": score,
        "qualifying_score": rules.qualifying_score,
        "top_score": rules.top_score,
        "rounding": rules.rounding,
        "band": band.model_dump() if band else None,
    }
    if score < rules.qualifying_score:
        reason = f"综合分 {score:g} 低于录用线 {rules.qualifying_score:g}，不起草录用意向"
        return SalaryProposal(False, None, reason, {**basis, "rule": "below_threshold"})
    if band is None:
        reason = f"综合分 {score:g}；岗位未设薪资带，薪资由 HR 填写"
        return SalaryProposal(True, None, reason, {**basis, "rule": "no_band"})
    span = Decimal(str(rules.top_score)) - Decimal(str(rules.qualifying_score))
    share = (Decimal(str(score)) - Decimal(str(rules.qualifying_score))) / span
    share = min(max(share, Decimal(0)), Decimal(1))
    raw = Decimal(band.min) + share * (band.max - band.min)
    amount = min(max(_rounded(raw, rules.rounding), band.min), band.max)
    reason = f"岗位薪资带 {money(band.min)}–{money(band.max)}，综合分 {score:g} → {money(amount)}"
    return SalaryProposal(True, amount, reason, {**basis, "rule": "linear_in_band"})


def outside_band(amount: int | None, band: SalaryBand | None) -> bool:
    """A salary the band does not cover (no band: nothing to be outside of)."""
    return amount is not None and band is not None and not band.min <= amount <= band.max
