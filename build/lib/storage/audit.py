"""The audit log of reads of observation texts and exports."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import Database, utcnow
from storage.models import AuditEntry


class AuditLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, actor: str, action: str, target: str, allowed: bool) -> None:
        async with self._db.sessions.begin() as session:
            session.add(
                AuditEntry(
                    at=utcnow(), actor=actor, action=action, target=target[:200], allowed=allowed
                )
            )

    async def entries(self, limit: int = 100) -> list[AuditEntry]:
        async with self._db.sessions() as session:
            rows = await session.scalars(
                select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
            )
            return list(rows)
