"""Turn the HR report's cached rows into its response model."""

from __future__ import annotations

from miniapp_api.schemas import (
    ApplicationReport,
    CandidateInfo,
    PositionRef,
    ScoreVersion,
)
from services.views.hr import ApplicationReport as Report
from storage.sync_models import ChangeHistory


def _version(row: ChangeHistory) -> ScoreVersion:
    data = row.data or {}
    overall = data.get("overall")
    return ScoreVersion(
        score_id=row.entity_id,
        version=row.version,
        operation=row.operation,
        source=row.source,
        applied_at=row.applied_at,
        status=data.get("status") if isinstance(data.get("status"), str) else None,
        overall=float(overall) if isinstance(overall, int | float) else None,
    )


def application_report(report: Report) -> ApplicationReport:
    """Build the HR application report answer."""
    app = report.application
    return ApplicationReport.model_validate(
        {
            "id": app.id,
            "stage": app.stage,
            "batch": app.batch,
            "stage_changed_at": app.stage_changed_at,
            "position": PositionRef.model_validate(report.position),
            "candidate": CandidateInfo.model_validate(report.candidate),
            "requirements": app.requirements,
            "interviews": report.interviews,
            "scores": report.scores,
            "score_history": [_version(row) for row in report.score_history],
            "flags": report.flags,
            "decisions": report.decisions,
            "timeline": report.timeline,
        }
    )
