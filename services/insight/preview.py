"""HR's preview of the feedback a candidate reads in their report: the same function as the
candidate's view, on the application's latest visible score."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, bindparam
from sqlalchemy.orm import Session

from services.access.visibility import Viewer, get_application_for_viewer
from services.insight.candidate_feedback import feedback_for
from services.insight.feedback import CandidateFeedback
from storage.models import Score
from storage.scores import latest_application_score


@dataclass(frozen=True)
class FeedbackPreview:
    application_id: str
    score_id: str | None
    visible_to_candidate: bool  # the policy includes `feedback`
    feedback: CandidateFeedback | None  # exactly the candidate's section; None when they see none


def preview_feedback_for_viewer(
    session: Session, viewer: Viewer, application_id: str, *, policy: frozenset[str], lang: str
) -> FeedbackPreview:
    """The feedback section the application's candidate sees now, for HR."""
    application = get_application_for_viewer(session, viewer, application_id)
    latest = session.execute(
        latest_application_score(bindparam("application_id", application.id, type_=String))
    ).first()
    score = session.get(Score, latest.score_id) if latest is not None else None
    visible = "feedback" in policy
    feedback = None
    if visible and score is not None:
        feedback = feedback_for(
            session, score.dimensions, position_id=application.position_id, lang=lang
        )
    session.rollback()  # read only
    return FeedbackPreview(application.id, score.id if score else None, visible, feedback)
