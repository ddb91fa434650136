"""Delivery records of acute-report notifications (one row per recipient)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from storage.db import Database, utcnow
from storage.models import Notification


class NotificationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(self, observation_id: int, recipient: str) -> int | None:
        """Create the row; None if this recipient was already handled for the observation."""
        try:
            async with self._db.sessions.begin() as session:
                row = Notification(observation_id=observation_id, recipient=recipient)
                session.add(row)
                await session.flush()
                return row.id
        except IntegrityError:
            return None

    async def finish(self, notification_id: int, attempts: int, error: str | None) -> None:
        async with self._db.sessions.begin() as session:
            row = await session.get(Notification, notification_id)
            if row is None:
                return
            row.attempts = attempts
            row.status = "failed" if error else "sent"
            row.last_error = error[:300] if error else None
            row.sent_at = None if error else utcnow()

    async def for_observation(self, observation_id: int) -> list[Notification]:
        async with self._db.sessions() as session:
            rows = await session.scalars(
                select(Notification).where(Notification.observation_id == observation_id)
            )
            return list(rows)
