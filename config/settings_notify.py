"""Settings of notifications: DingTalk delivery, rate limits, card templates, channels."""

# A mixin of config.settings.Settings: one object, each feature owning its own fields.

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

# Template ids as created in DingTalk's card builder from cards/templates/*.json; the sandbox
# knows the same ids. Override per tenant with a JSON object in DINGTALK_CARD_TEMPLATES.
DEFAULT_CARD_TEMPLATES: dict[str, str] = {
    "score_candidate": "mi-score-candidate-v1.schema",
    "score_hr": "mi-score-hr-v1.schema",
    "invite_reminder": "mi-invite-reminder-v1.schema",
    "not_attended_hr": "mi-not-attended-hr-v1.schema",
    "no_show_alert": "mi-no-show-alert-v1.schema",
    "next_round": "mi-next-round-v1.schema",
    "requirement_todo": "mi-requirement-todo-v1.schema",
    "requirement_review_hr": "mi-requirement-review-hr-v1.schema",
    "rejection_notice": "mi-rejection-notice-v1.schema",
    # The rounds after the AI interview (issue 18)
    "invitation": "mi-invitation-v1.schema",
    "more_time_hr": "mi-more-time-hr-v1.schema",
    "round_scheduled": "mi-round-scheduled-v1.schema",
    "round_changed": "mi-round-changed-v1.schema",
    "reschedule_request_hr": "mi-reschedule-request-hr-v1.schema",
    "interviewer_briefing": "mi-interviewer-briefing-v1.schema",
    "feedback_request": "mi-feedback-request-v1.schema",
    "feedback_summary_hr": "mi-feedback-summary-hr-v1.schema",
    # HR's score digest (issue 22)
    "score_digest_hr": "mi-score-digest-hr-v1.schema",
    # The offer (issue 19)
    "offer_draft_hr": "mi-offer-draft-hr-v1.schema",
    "offer_approval_manager": "mi-offer-approval-manager-v1.schema",
    "offer_candidate": "mi-offer-candidate-v1.schema",
    "offer_reminder": "mi-offer-reminder-v1.schema",
    # Training follow-up (issue 21)
    "training_alert_hr": "mi-training-alert-hr-v1.schema",
    # The background check (issue 20)
    "bgcheck_consent": "mi-bgcheck-consent-v1.schema",
    "bgcheck_review_hr": "mi-bgcheck-review-hr-v1.schema",
    "onboarding_confirm_hr": "mi-onboarding-confirm-hr-v1.schema",
    "onboarding_notice": "mi-onboarding-notice-v1.schema",
}


class NotifySettings(BaseModel):
    """Fields are environment variables of the same name; every one is in the README table."""

    # DingTalk allows 20 calls per app per API in any one-second window (standard orgs). We admit
    # at most DINGTALK_RATE_PER_SECOND calls in any DINGTALK_RATE_WINDOW_MS window: the extra
    # 80 ms absorb the jitter between our admission and DingTalk's arrival clock, so we never
    # cause a throttle ourselves (20 per 1.08 s is about 18.5 calls/s).
    DINGTALK_RATE_PER_SECOND: float = Field(default=20.0, gt=0, le=1000)
    DINGTALK_RATE_WINDOW_MS: int = Field(default=1080, ge=1000, le=10000)
    DINGTALK_CARD_TEMPLATES: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_CARD_TEMPLATES)
    )
    # "card": interactive cards in the robot chat, work notification only as fallback;
    # "work_notice": always work notifications (action cards linking to the mini-app).
    NOTIFY_CHANNEL: Literal["card", "work_notice"] = "card"
    NOTIFY_LANGUAGE: Literal["zh", "en"] = "zh"
    # How card clicks come back: over the Stream connection (default), or as signed HTTP
    # callbacks to the route registered under DINGTALK_CARD_CALLBACK_ROUTE_KEY.
    DINGTALK_CARD_CALLBACK_TYPE: Literal["STREAM", "HTTP"] = "STREAM"
    # Where links in cards point: the H5 "My Interviews" page.
    MINIAPP_URL: str = "http://127.0.0.1:8000/app/"
    # A rejection message to the candidate is sent only if the company enables it.
    NOTIFY_CANDIDATE_ON_REJECT: bool = False
    # Suggest advancing when the overall score reaches this (the global score policy default).
    SCORE_ADVANCE_THRESHOLD: float = Field(default=80.0, ge=0, le=100)
