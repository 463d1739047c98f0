"""The sample export `make run`'s walkthrough imports, against the demo scenario."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.ehr.scenario import load_org, scenario_events
from services.ehr.sync import ingest_events
from storage.models import Application, Candidate
from storage.sync_models import OutboxEvent

SAMPLE = Path(__file__).resolve().parents[2] / "sandbox" / "samples" / "ai_vendor_scores.csv"


def test_the_sample_imports_three_rows_rejects_one_and_notifies(
    app: Flask, session: Session
) -> None:
    ingest_events(
        session, scenario_events(load_org()), source="push", received_at=datetime.now(UTC)
    )
    already = set(session.scalars(select(OutboxEvent.id)))
    runner = app.test_cli_runner()

    result = runner.invoke(args=["import", "scores", str(SAMPLE), "--mapping", "ai-vendor"])

    assert result.exit_code == 0, result.output
    assert "csv (utf-8-sig), 4 rows" in result.output
    assert "rejected row 5, 综合得分: not a number: '缺考'" in result.output
    assert "create=3 update=0 unchanged=0 rejected=1" in result.output
    qian = session.scalars(select(Candidate).where(Candidate.mobile == "13800130021")).one()
    application = session.scalars(
        select(Application).where(Application.candidate_id == qian.id)
    ).one()
    assert application.position_id == "pos-store-night"
    published = session.scalars(
        select(OutboxEvent).where(
            OutboxEvent.kind == "score.published", OutboxEvent.id.not_in(already)
        )
    ).all()
    assert len(published) == 3
