"""The OKR counts of a year (seed 000 §2.1), aggregated in SQL on both databases, and what the
yearly social-report draft lists: observations by phenomenon, the phenomena with their member
counts, the proposals with their follow-up answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, distinct, func, select

from dialogs.metrics import Counts
from dialogs.proposals import ACTION_TAKEN
from storage.db import Database
from storage.digests import instant
from storage.models import Observation, Summary, Team, VarttiOccurrence
from storage.processing_models import (
    FollowUp,
    PhenomenonGroup,
    PhenomenonMember,
    Proposal,
)

OBS = cast(Table, Observation.__table__)
SUMMARIES = cast(Table, Summary.__table__)
TEAMS = cast(Table, Team.__table__)
VARTTIS = cast(Table, VarttiOccurrence.__table__)
PROPOSALS = cast(Table, Proposal.__table__)
FOLLOW_UPS = cast(Table, FollowUp.__table__)
PHENOMENA = cast(Table, PhenomenonGroup.__table__)
MEMBERS = cast(Table, PhenomenonMember.__table__)


@dataclass(frozen=True)
class YearBounds:
    year: int
    start: datetime
    end: datetime

    @classmethod
    def of(cls, year: int, tz: ZoneInfo) -> YearBounds:
        return cls(year, instant(date(year, 1, 1), tz), instant(date(year + 1, 1, 1), tz))


class MetricsRepository:
    def __init__(self, db: Database, tz: ZoneInfo) -> None:
        self._db = db
        self._tz = tz

    async def counts(self, year: int) -> Counts:
        b = YearBounds.of(year, self._tz)
        in_year = and_(OBS.c.created_at >= b.start, OBS.c.created_at < b.end)
        active_teams = select(TEAMS.c.team_id).where(
            TEAMS.c.installed.is_(True), TEAMS.c.archived.is_(False)
        )
        actions = (
            select(func.count(distinct(FOLLOW_UPS.c.proposal_id)))
            .where(
                FOLLOW_UPS.c.answer.in_([a.value for a in ACTION_TAKEN]),
                FOLLOW_UPS.c.answered_at >= b.start,
                FOLLOW_UPS.c.answered_at < b.end,
            )
            .scalar_subquery()
        )
        stmt = select(
            select(func.count()).where(in_year).scalar_subquery(),
            select(func.count(distinct(OBS.c.team_id)))
            .where(in_year, OBS.c.team_id.in_(active_teams))
            .scalar_subquery(),
            select(func.count()).select_from(active_teams.subquery()).scalar_subquery(),
            # periodic summaries (not weekly digests) of periods ending in the year
            select(func.count())
            .where(
                SUMMARIES.c.kind != "weekly",
                SUMMARIES.c.period_end > f"{year}-01-01",
                SUMMARIES.c.period_end <= f"{year + 1}-01-01",
            )
            .scalar_subquery(),
            select(func.count()).where(PROPOSALS.c.year == year).scalar_subquery(),
            actions,
            select(func.count())
            .where(
                VARTTIS.c.status == "held",
                VARTTIS.c.meeting_date >= f"{year}-01-01",
                VARTTIS.c.meeting_date < f"{year + 1}-01-01",
            )
            .scalar_subquery(),
        )
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(stmt)).one()
        return Counts(year, *(int(v or 0) for v in row))

    async def by_phenomenon(self, year: int) -> list[tuple[str, int]]:
        """Observations of the year per phenomenon (the report field), most first."""
        b = YearBounds.of(year, self._tz)
        n = func.count()
        stmt = (
            select(OBS.c.phenomenon, n)
            .where(OBS.c.created_at >= b.start, OBS.c.created_at < b.end)
            .group_by(OBS.c.phenomenon)
            .order_by(n.desc(), OBS.c.phenomenon)
        )
        async with self._db.engine.connect() as conn:
            return [(str(p), int(c)) for p, c in await conn.execute(stmt)]

    async def phenomena(self, year: int) -> list[tuple[str, str, int]]:
        """Phenomena with members reported in the year: (name, description, members)."""
        b = YearBounds.of(year, self._tz)
        n = func.count(MEMBERS.c.observation_id)
        stmt = (
            select(PHENOMENA.c.name, PHENOMENA.c.description, n)
            .join(MEMBERS, MEMBERS.c.phenomenon_id == PHENOMENA.c.id)
            .join(OBS, OBS.c.id == MEMBERS.c.observation_id)
            .where(OBS.c.created_at >= b.start, OBS.c.created_at < b.end)
            .group_by(PHENOMENA.c.id, PHENOMENA.c.name, PHENOMENA.c.description)
            .order_by(n.desc(), PHENOMENA.c.id)
        )
        async with self._db.engine.connect() as conn:
            return [(str(a), str(b_), int(c)) for a, b_, c in await conn.execute(stmt)]

    async def proposals(self, year: int) -> list[tuple[Any, list[Any]]]:
        """The year's proposals, each with its answered follow-ups (oldest first)."""
        async with self._db.engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(PROPOSALS).where(PROPOSALS.c.year == year).order_by(PROPOSALS.c.id)
                )
            ).all()
            answers = (
                await conn.execute(
                    select(FOLLOW_UPS)
                    .where(
                        FOLLOW_UPS.c.proposal_id.in_([r.id for r in rows]),
                        FOLLOW_UPS.c.answer.is_not(None),
                    )
                    .order_by(FOLLOW_UPS.c.answered_at, FOLLOW_UPS.c.id)
                )
            ).all()
        by_proposal: dict[int, list[Any]] = {}
        for answer in answers:
            by_proposal.setdefault(answer.proposal_id, []).append(answer)
        return [(row, by_proposal.get(row.id, [])) for row in rows]
