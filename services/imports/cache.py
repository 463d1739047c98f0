"""What the import's planner reads of the cache: plain rows, a chunk of keys at a time.

Columns, not ORM entities: a 20,000-row export refers to as many candidates, applications,
interviews and scores, and building (and eagerly loading the children of) that many entities
costs several times what the planning itself does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.imports import fields as f
from storage.models import (
    Application,
    Candidate,
    Interview,
    Position,
    Score,
    ScoreComment,
    ScoreDimension,
)

QUERY_CHUNK = 1000


class CachedCandidate(NamedTuple):
    id: str
    version: int
    deleted: bool
    name: str
    mobile: str | None
    email: str | None
    extra: dict[str, Any]


class CachedInterview(NamedTuple):
    id: str
    application_id: str
    scheduled_at: datetime | None
    attended_at: datetime | None


class CachedScore(NamedTuple):
    id: str
    interview_id: str
    version: int
    overall: float
    published_at: datetime | None
    extra: dict[str, Any]
    dimensions: list[tuple[str, str, float, float]]
    comments: list[tuple[str, str]]


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), QUERY_CHUNK):
        yield values[start : start + QUERY_CHUNK]


class ImportCache:
    """The cached entities the rows refer to: positions, candidates and their AI interviews."""

    def __init__(self, session: Session, rows: list[dict[str, Any]]) -> None:
        self.session = session
        live_positions = session.execute(
            select(Position.id, Position.title).where(Position.deleted.is_(False))
        ).all()
        self.positions = {p.id: p.id for p in live_positions}
        self.titles: dict[str, list[str]] = {}
        for p in live_positions:
            self.titles.setdefault(f.normalise(p.title), []).append(p.id)
        values = [r["values"] for r in rows]
        mobiles = sorted({v["mobile"] for v in values if v.get("mobile")})
        ids = sorted({v["candidate_id"] for v in values if v.get("candidate_id")})
        self.candidates: dict[str, CachedCandidate] = {}
        self.by_mobile: dict[str, CachedCandidate] = {}
        columns = (
            Candidate.id,
            Candidate.version,
            Candidate.deleted,
            Candidate.name,
            Candidate.mobile,
            Candidate.email,
            Candidate.extra,
        )
        for column, keys in ((Candidate.mobile, mobiles), (Candidate.id, ids)):
            for chunk in _chunks(keys):
                for row in session.execute(select(*columns).where(column.in_(chunk))):
                    c = CachedCandidate(*row)
                    self.candidates[c.id] = c
                    if c.mobile and not c.deleted:
                        self.by_mobile.setdefault(c.mobile, c)
        self.by_name_position: dict[tuple[str, str], set[str]] = {}
        self._load_without_mobile(sorted({v["name"] for v in values}), columns)
        self.applications: dict[tuple[str, str], str] = {}
        self.interviews: dict[str, list[CachedInterview]] = {}
        self.scores: dict[str, CachedScore] = {}
        self._load_children(sorted(self.candidates))

    def _load_without_mobile(self, names: list[str], columns: tuple[Any, ...]) -> None:
        """Candidates a source without mobiles gave (DingTalk's recruiting module), by name and
        the positions they applied to: a row names them only so."""
        for chunk in _chunks(names):
            query = (
                select(*columns, Application.position_id)
                .join(Application, Application.candidate_id == Candidate.id)
                .where(
                    Candidate.name.in_(chunk),
                    Candidate.mobile.is_(None),
                    ~Candidate.deleted,
                    ~Application.deleted,
                )
            )
            for row in self.session.execute(query):
                c = CachedCandidate(*row[:-1])
                self.candidates[c.id] = c
                self.by_name_position.setdefault((c.name, row[-1]), set()).add(c.id)

    def candidate_for(self, values: dict[str, Any], position_id: str) -> CachedCandidate | None:
        """The cached candidate a row names: by id, by mobile, else the one candidate without
        a mobile of that name who applied to that position."""
        if values.get("candidate_id"):
            return self.candidates.get(values["candidate_id"])
        found = self.by_mobile.get(values.get("mobile") or "")
        if found is not None:
            return found
        named = self.by_name_position.get((values["name"], position_id), set())
        return self.candidates[next(iter(named))] if len(named) == 1 else None

    def _load_children(self, candidate_ids: list[str]) -> None:
        application_ids: list[str] = []
        for chunk in _chunks(candidate_ids):
            by_candidate = select(
                Application.id, Application.candidate_id, Application.position_id
            ).where(Application.candidate_id.in_(chunk), ~Application.deleted)
            for a in self.session.execute(by_candidate.order_by(Application.id)):
                self.applications.setdefault((a.candidate_id, a.position_id), a.id)
                application_ids.append(a.id)
        interview_ids: list[str] = []
        for chunk in _chunks(application_ids):
            query = select(
                Interview.id,
                Interview.application_id,
                Interview.scheduled_at,
                Interview.attended_at,
            ).where(Interview.application_id.in_(chunk), Interview.kind == "ai", ~Interview.deleted)
            for row in self.session.execute(query):
                i = CachedInterview(row[0], row[1], row[2], row[3])
                self.interviews.setdefault(i.application_id, []).append(i)
                interview_ids.append(i.id)
        for chunk in _chunks(interview_ids):
            self._load_scores(chunk)

    def _load_scores(self, interview_ids: list[str]) -> None:
        query = select(
            Score.id,
            Score.interview_id,
            Score.version,
            Score.overall,
            Score.published_at,
            Score.extra,
        ).where(Score.interview_id.in_(interview_ids), ~Score.deleted)
        found = {}
        for row in self.session.execute(query.order_by(Score.version)):
            found[row.interview_id] = CachedScore(
                row.id,
                row.interview_id,
                row.version,
                row.overall,
                row.published_at,
                row.extra,
                [],
                [],
            )
        by_id = {s.id: s for s in found.values()}
        dims = select(
            ScoreDimension.score_id,
            ScoreDimension.key,
            ScoreDimension.label,
            ScoreDimension.score,
            ScoreDimension.max_score,
        ).where(ScoreDimension.score_id.in_(list(by_id)))
        for d in self.session.execute(dims.order_by(ScoreDimension.ordinal)):
            by_id[d.score_id].dimensions.append((d.key, d.label, d.score, d.max_score))
        notes = select(ScoreComment.score_id, ScoreComment.author, ScoreComment.text)
        notes = notes.where(ScoreComment.score_id.in_(list(by_id)))
        for c in self.session.execute(notes.order_by(ScoreComment.ordinal)):
            by_id[c.score_id].comments.append((c.author, c.text))
        self.scores.update(found)

    def position(self, key: str) -> str | list[str] | None:
        """The id of the position a cell names by id or title; None, or the ids it could be."""
        if key in self.positions:
            return key
        found = self.titles.get(f.normalise(key), [])
        if len(found) == 1:
            return found[0]
        return sorted(found) or None
