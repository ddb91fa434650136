"""The reporter-feedback queue: happenings are queued in the transaction that causes them (once
each, by a dedupe key; never for anonymous reports), and a daily batch turns each person's
waiting happenings into one outbox message — at most one a day per person, by the outbox key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.feedback import Message, Pending, dedupe_key, wants_feedback
from dialogs.processing import FeedbackEvent
from storage.db import Database, utcnow
from storage.outbox import enqueue
from storage.processing_models import OBS_PROCESSING as OBS
from storage.processing_models import FeedbackItem

QUEUE = cast(Table, FeedbackItem.__table__)
Outgoing = tuple[str, str, str, dict[str, Any]]  # dedupe key, kind, conversation key, payload


async def queue(
    conn: AsyncConnection,
    dialect: str,
    row: Any,
    event: FeedbackEvent,
    ref: str,
    detail: dict[str, Any],
    now: datetime,
) -> bool:
    """Queue one happening for an observation's reporter (``row`` has id, reporter_id,
    anonymous, locale). False when anonymous or queued before."""
    if not wants_feedback(bool(row.anonymous), row.reporter_id):
        return False
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(QUEUE)
        .values(
            dedupe_key=dedupe_key(row.id, event, ref),
            recipient_id=row.reporter_id,
            observation_id=row.id,
            event=event.value,
            detail=detail,
            locale=row.locale or "fi",
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=[QUEUE.c.dedupe_key])
        .returning(QUEUE.c.id)
    )
    return (await conn.execute(stmt)).scalar_one_or_none() is not None


class FeedbackRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def pending(self, limit: int = 5000) -> list[Pending]:
        stmt = (
            select(
                QUEUE.c.id,
                QUEUE.c.recipient_id,
                OBS.c.reference,
                QUEUE.c.event,
                QUEUE.c.detail,
                QUEUE.c.locale,
                QUEUE.c.created_at,
            )
            .join(OBS, OBS.c.id == QUEUE.c.observation_id)
            .where(QUEUE.c.sent_at.is_(None))
            .order_by(QUEUE.c.id)
            .limit(limit)
        )
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [
            Pending(r[0], r[1], r[2], FeedbackEvent(r[3]), dict(r[4] or {}), r[5], r[6])
            for r in rows
        ]

    async def told_since(self, since: datetime) -> set[str]:
        """People who got a feedback message since a moment (the start of today, locally)."""
        stmt = select(QUEUE.c.recipient_id).where(QUEUE.c.sent_at >= since).distinct()
        async with self._db.engine.connect() as conn:
            return {r[0] for r in await conn.execute(stmt)}

    async def settle(
        self, message: Message, outgoing: Callable[[Message], Outgoing | None], now: datetime
    ) -> bool:
        """Enqueue the day's message and mark its happenings told, in one transaction. False
        (nothing marked) when the person's message of the day was enqueued already, or when
        the person cannot be reached yet (no conversation: the happenings wait)."""
        item = outgoing(message)
        if item is None:
            return False
        async with self._db.engine.begin() as conn:
            if await enqueue(conn, self._db.dialect, *item) is None:
                return False
            await conn.execute(
                update(QUEUE)
                .where(QUEUE.c.id.in_(message.ids), QUEUE.c.sent_at.is_(None))
                .values(sent_at=now or utcnow(), message_key=item[0])
            )
        self._db.enqueued()
        return True

    async def for_observations(self, observation_ids: list[int]) -> dict[int, list[Any]]:
        """What each observation's reporter has been (or will be) told, oldest first."""
        if not observation_ids:
            return {}
        stmt = (
            select(QUEUE.c.observation_id, QUEUE.c.event, QUEUE.c.detail, QUEUE.c.created_at)
            .where(QUEUE.c.observation_id.in_(observation_ids))
            .order_by(QUEUE.c.id)
        )
        found: dict[int, list[Any]] = {}
        async with self._db.engine.connect() as conn:
            for row in await conn.execute(stmt):
                found.setdefault(row[0], []).append(row)
        return found
