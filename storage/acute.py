"""Acute reports after they were stored: the first acknowledgement, and the one reminder
when nobody acknowledged in time (claimed by a conditional UPDATE: one replica reminds)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update

from dialogs.vocabulary import Urgency
from storage.db import Database
from storage.models import Observation


class AcuteRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def acknowledge(self, reference: str, user_id: str, now: datetime) -> Observation | None:
        """Record the first acknowledgement (a later one changes nothing); the acute
        observation as it is now, None when there is no acute observation of that reference."""
        async with self._db.sessions.begin() as session:
            await session.execute(
                update(Observation)
                .where(Observation.reference == reference, Observation.acknowledged_at.is_(None))
                .values(acknowledged_at=now, acknowledged_by=user_id)
            )
            row = await session.scalar(
                select(Observation).where(Observation.reference == reference)
            )
        if row is None or row.urgency != Urgency.ACUTE:
            return None
        return row

    async def unacknowledged(self, created_before: datetime) -> list[Observation]:
        """Acute observations nobody acknowledged nor was reminded of, older than the limit."""
        async with self._db.sessions() as session:
            return list(
                await session.scalars(
                    select(Observation).where(
                        Observation.urgency == Urgency.ACUTE,
                        Observation.acknowledged_at.is_(None),
                        Observation.reminded_at.is_(None),
                        Observation.created_at < created_before,
                    )
                )
            )

    async def claim_reminder(self, observation_id: int, now: datetime) -> bool:
        """True for the one caller (of any replica) that is to send the reminder."""
        async with self._db.sessions.begin() as session:
            claimed = await session.execute(
                update(Observation)
                .where(Observation.id == observation_id, Observation.reminded_at.is_(None))
                .values(reminded_at=now)
            )
        return bool(claimed.rowcount)  # type: ignore[attr-defined]
