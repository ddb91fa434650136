"""Rake-vartti occurrences: planned once per team and meeting, enqueued with their prompt in
the same transaction, then recorded as held or skipped."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import Database, utcnow
from storage.models import Observation, VarttiOccurrence
from storage.outbox import enqueue

OCCURRENCES = cast(Table, VarttiOccurrence.__table__)
OBSERVATIONS = cast(Table, Observation.__table__)


class VarttiRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def plan(
        self,
        team_id: str,
        meeting_date: date,
        due_at: datetime,
        prompt_id: str,
        data_point: str | None,
        language: str,
        conversation_key: str,
        payload_for: Any,
    ) -> int | None:
        """Create the occurrence and enqueue its prompt, atomically and once: two replicas
        ticking at the same moment plan it once (the unique key), the loser gets None.
        ``payload_for(occurrence_id)`` builds the outbox payload (the card needs the id)."""
        insert = pg_insert if self._db.dialect == "postgresql" else sqlite_insert
        stmt = (
            insert(OCCURRENCES)
            .values(
                team_id=team_id,
                meeting_date=meeting_date.isoformat(),
                due_at=due_at,
                prompt_id=prompt_id,
                data_point=data_point,
                language=language,
                status="planned",
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(
                index_elements=[OCCURRENCES.c.team_id, OCCURRENCES.c.meeting_date]
            )
            .returning(OCCURRENCES.c.id)
        )
        async with self._db.engine.begin() as conn:
            occurrence_id = (await conn.execute(stmt)).scalar_one_or_none()
            if occurrence_id is None:
                return None
            await enqueue(
                conn,
                self._db.dialect,
                f"vartti:{team_id}:{meeting_date.isoformat()}",
                "vartti_prompt",
                conversation_key,
                payload_for(occurrence_id),
            )
        self._db.enqueued()
        return int(occurrence_id)

    async def skip(self, team_id: str, meeting_date: date, prompt_id: str) -> None:
        """A meeting the team skipped in advance: recorded, nothing is sent."""
        insert = pg_insert if self._db.dialect == "postgresql" else sqlite_insert
        async with self._db.engine.begin() as conn:
            await conn.execute(
                insert(OCCURRENCES)
                .values(
                    team_id=team_id,
                    meeting_date=meeting_date.isoformat(),
                    due_at=utcnow(),
                    prompt_id=prompt_id,
                    language="fi",
                    status="skipped",
                    created_at=utcnow(),
                )
                .on_conflict_do_nothing(
                    index_elements=[OCCURRENCES.c.team_id, OCCURRENCES.c.meeting_date]
                )
            )

    async def last_used(self, team_id: str) -> dict[str, date]:
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(OCCURRENCES.c.prompt_id, func.max(OCCURRENCES.c.meeting_date))
                .where(OCCURRENCES.c.team_id == team_id, OCCURRENCES.c.status != "skipped")
                .group_by(OCCURRENCES.c.prompt_id)
            )
            return {prompt: date.fromisoformat(day) for prompt, day in rows}

    async def get(self, occurrence_id: int) -> VarttiOccurrence | None:
        async with self._db.sessions() as session:
            return await session.get(VarttiOccurrence, occurrence_id)

    async def record(
        self,
        occurrence_id: int,
        team_id: str,
        status: str,
        participants: int | None = None,
        observations: int | None = None,
        note: str | None = None,
    ) -> bool:
        async with self._db.engine.begin() as conn:
            result = await conn.execute(
                update(OCCURRENCES)
                .where(OCCURRENCES.c.id == occurrence_id, OCCURRENCES.c.team_id == team_id)
                .values(
                    status=status, participants=participants, observations=observations, note=note
                )
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def count_observations(
        self, since: datetime, phenomenon: str | None, area: str | None, service_area: str | None
    ) -> int:
        """Observations since a moment, by phenomenon and the team's area / service area
        (an indexed count in SQL)."""
        stmt = select(func.count()).where(OBSERVATIONS.c.created_at >= since)
        if phenomenon:
            stmt = stmt.where(OBSERVATIONS.c.phenomenon == phenomenon)
        if area:
            stmt = stmt.where(OBSERVATIONS.c.area == area)
        if service_area:
            stmt = stmt.where(OBSERVATIONS.c.service_area == service_area)
        async with self._db.engine.connect() as conn:
            return int(await conn.scalar(stmt) or 0)
