"""The company's notification policy, as plain values handed to the notification services."""

from __future__ import annotations

from dataclasses import dataclass

from config import Settings
from services.access.score_visibility import parse_visibility


@dataclass(frozen=True)
class NotifyPolicy:
    channel: str  # card | work_notice
    language: str  # zh | en
    miniapp_url: str
    candidate_score_parts: frozenset[str]
    advance_threshold: float
    notify_candidate_on_reject: bool
    auto_reject: bool = False  # the built-in score policy's default (POLICY_AUTO_REJECT)
    # Card links must be https; development and tests run on http://127.0.0.1 (MINIAPP_URL, the
    # demo EHR's invitation links), so http is allowed there. See cards/links.py.
    allow_http_links: bool = False

    def report_url(self, interview_id: str) -> str:
        return f"{self.miniapp_url.rstrip('/')}/#/interviews/{interview_id}"

    def hr_report_url(self, application_id: str) -> str:
        return f"{self.miniapp_url.rstrip('/')}/#/hr/applications/{application_id}"


def policy_from_settings(settings: Settings) -> NotifyPolicy:
    """Read the policy once per process from settings."""
    # The same policy as the mini-app's report, so a card never shows more than the page.
    parts = parse_visibility(settings.CANDIDATE_SCORE_VISIBILITY)
    return NotifyPolicy(
        channel=settings.NOTIFY_CHANNEL,
        language=settings.NOTIFY_LANGUAGE,
        miniapp_url=settings.MINIAPP_URL,
        candidate_score_parts=parts,
        advance_threshold=settings.SCORE_ADVANCE_THRESHOLD,
        notify_candidate_on_reject=settings.NOTIFY_CANDIDATE_ON_REJECT,
        auto_reject=settings.POLICY_AUTO_REJECT,
        allow_http_links=not settings.is_production,
    )
