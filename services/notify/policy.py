"""The company's notification policy, as plain values handed to the notification services."""

from __future__ import annotations

from dataclasses import dataclass

from config import Settings
from services.access.score_visibility import parse_visibility
from services.clock.quiet_hours import WorkingHours, working_hours_from_settings


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
    # HR's score notifications (issue 22): a card per score, or a digest per position and
    # window of working time (services/digests/). Plain values default to today's behaviour.
    hr_score_notify: str = "each"
    digest_window_minutes: int = 30
    working_hours: WorkingHours | None = None

    def report_url(self, interview_id: str) -> str:
        return f"{self.miniapp_url.rstrip('/')}/#/interviews/{interview_id}"

    def hr_report_url(self, application_id: str) -> str:
        return f"{self.miniapp_url.rstrip('/')}/#/hr/applications/{application_id}"

    def ranking_url(self, position_id: str, since: str) -> str:
        """The H5 ranking of a position, filtered to the scores that landed since `since`."""
        return f"{self.miniapp_url.rstrip('/')}/#/hr/positions/{position_id}?since={since}"


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
        hr_score_notify=settings.HR_SCORE_NOTIFY,
        digest_window_minutes=settings.HR_DIGEST_WINDOW_MINUTES,
        working_hours=working_hours_from_settings(settings),
    )
