"""The audit log of reads of observation texts and exports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.guard import withheld
from storage.db import Database, utcnow
from storage.models import AuditEntry


class AuditLog:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(
        self, actor: str, action: str, target: str, allowed: bool, at: datetime | None = None
    ) -> None:
        """One entry; a target holding an identifier is stored as "(withheld: kinds)" (callers
        pass structured values — a reference, a period, filter ids — so this is the backstop).
        A NUL (which PostgreSQL's text refuses) is kept visible as U+FFFD, so a refusal is
        audited on both databases alike."""
        target = withheld(_printable(target)[:200])
        async with self._db.sessions.begin() as session:
            session.add(
                AuditEntry(
                    at=at or utcnow(),
                    actor=_printable(actor)[:128],
                    action=action,
                    target=target,
                    allowed=allowed,
                )
            )

    async def entries(self, limit: int = 100) -> list[AuditEntry]:
        async with self._db.sessions() as session:
            rows = await session.scalars(
                select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
            )
            return list(rows)


async def write(
    conn: AsyncConnection, actor: str, action: str, target: str, allowed: bool = True
) -> None:
    """An audit entry inside the caller's transaction (it commits, or rolls back, with the
    change it records)."""
    await conn.execute(
        insert(AuditEntry).values(
            at=utcnow(),
            actor=_printable(actor)[:128],
            action=action[:32],
            target=withheld(_printable(target)[:200]),
            allowed=allowed,
        )
    )


def _printable(value: str) -> str:
    return value.replace("\x00", "\ufffd")
