"""The durable outbox: each message is enqueued once (unique dedupe key) and delivered by
workers that claim rows safely when several replicas run.

Life of an item: pending → claimed (a lease) → sending (committed just before the HTTP call)
→ sent | pending again (retryable answer, with next_attempt_at) | failed (a final answer) |
dead (attempts used up). After a crash, expired *claimed* rows go back to pending (they were
never attempted); expired *sending* rows become *uncertain*: the call may have reached Teams,
and Teams' API has no idempotency, so they are not sent again blindly (``python -m bot outbox``
lists them).

Claims are renewed while their worker lives, and a worker that is provably gone (on
PostgreSQL: the session advisory lock its process held is free, i.e. that process's
connection has ended) has its claims taken over at once instead of after the lease.
Taking over is safe even if the proof were wrong: ``start_sending`` only succeeds for the
row's current claimant, so a taken-over *claimed* row is never sent by both.
"""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, func, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database, utcnow
from storage.models import OutboxItem

OUTBOX = cast(Table, OutboxItem.__table__)
MAX_ATTEMPTS = 8
# The first key of the two-key advisory locks that say "this outbox worker lives"
# (the migration lock uses the one-key form).
_PRESENCE_SPACE = 0x52414B45  # "RAKE"


def _presence_key(worker: str) -> int:
    """A 31-bit key from the worker id; a collision only makes a dead worker look alive."""
    return int.from_bytes(hashlib.blake2b(worker.encode(), digest_size=4).digest()) >> 1


@dataclass(frozen=True)
class Item:
    id: int
    dedupe_key: str
    kind: str
    conversation_key: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class NewItem:
    """An item to enqueue, possibly inside another repository's transaction."""

    dedupe_key: str
    kind: str
    conversation_key: str
    payload: dict[str, Any]


async def enqueue(
    conn: AsyncConnection,
    dialect: str,
    dedupe_key: str,
    kind: str,
    conversation_key: str,
    payload: dict[str, Any],
    not_before: datetime | None = None,
) -> int | None:
    """Insert once; None when the key was enqueued before (by this or another replica)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(OUTBOX)
        .values(
            dedupe_key=dedupe_key,
            kind=kind,
            conversation_key=conversation_key,
            payload=payload,
            status="pending",
            attempts=0,
            next_attempt_at=not_before or utcnow(),
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[OUTBOX.c.dedupe_key])
        .returning(OUTBOX.c.id)
    )
    return (await conn.execute(stmt)).scalar_one_or_none()


class Outbox:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, dedupe_key: str, kind: str, conversation_key: str, payload: dict[str, Any]
    ) -> int | None:
        async with self._db.engine.begin() as conn:
            added = await enqueue(
                conn, self._db.dialect, dedupe_key, kind, conversation_key, payload
            )
        if added is not None:
            self._db.enqueued()
        return added

    async def recover(self, now: datetime | None = None) -> tuple[int, int]:
        """Expired leases: claimed → pending, sending → uncertain. Returns both counts."""
        now = now or utcnow()
        async with self._db.engine.begin() as conn:
            back = await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.status == "claimed", OUTBOX.c.claimed_until < now)
                .values(status="pending", claimed_by=None, claimed_until=None)
            )
            unsure = await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.status == "sending", OUTBOX.c.claimed_until < now)
                .values(status="uncertain", last_error="the sender stopped during the call")
            )
        return int(back.rowcount or 0), int(unsure.rowcount or 0)  # type: ignore[attr-defined]

    async def renew(self, worker: str, lease: timedelta, ids: list[int]) -> int:
        """Extend these claims of this worker (queued and on the wire) while it lives."""
        if not ids:
            return 0
        async with self._db.engine.begin() as conn:
            result = await conn.execute(
                update(OUTBOX)
                .where(
                    OUTBOX.c.id.in_(ids),
                    OUTBOX.c.claimed_by == worker,
                    OUTBOX.c.status.in_(["claimed", "sending"]),
                )
                .values(claimed_until=utcnow() + lease)
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def claimants(self, now: datetime | None = None) -> list[str]:
        """Workers holding unexpired claims."""
        now = now or utcnow()
        stmt = (
            select(OUTBOX.c.claimed_by)
            .where(
                OUTBOX.c.status.in_(["claimed", "sending"]),
                OUTBOX.c.claimed_until >= now,
                OUTBOX.c.claimed_by.is_not(None),
            )
            .distinct()
        )
        async with self._db.engine.connect() as conn:
            return [str(w) for w in (await conn.scalars(stmt))]

    async def take_over(self, worker: str) -> tuple[int, int]:
        """A gone worker's claims, without waiting for the lease: claimed → pending,
        sending → uncertain (as ``recover`` does when a lease expires)."""
        async with self._db.engine.begin() as conn:
            back = await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.status == "claimed", OUTBOX.c.claimed_by == worker)
                .values(status="pending", claimed_by=None, claimed_until=None)
            )
            unsure = await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.status == "sending", OUTBOX.c.claimed_by == worker)
                .values(status="uncertain", last_error="the sender's process ended during the call")
            )
        return int(back.rowcount or 0), int(unsure.rowcount or 0)  # type: ignore[attr-defined]

    async def presence_gone(self, worker: str) -> bool | None:
        """On PostgreSQL: True when no session holds the worker's presence lock (its process
        or its connection is gone), False when one does; None elsewhere (no proof here)."""
        if self._db.dialect != "postgresql":
            return None
        key = {"s": _PRESENCE_SPACE, "k": _presence_key(worker)}
        async with self._db.engine.connect() as conn:
            free = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:s, :k)"), key))
            if free:
                await conn.execute(text("SELECT pg_advisory_unlock(:s, :k)"), key)
            await conn.commit()
        return free

    async def next_due(self) -> datetime | None:
        """When the earliest pending item becomes due (the idle worker sleeps until then)."""
        async with self._db.engine.connect() as conn:
            return cast(
                datetime | None,
                await conn.scalar(
                    select(func.min(OUTBOX.c.next_attempt_at)).where(OUTBOX.c.status == "pending")
                ),
            )

    async def claim(
        self, worker: str, limit: int, lease: timedelta, now: datetime | None = None
    ) -> list[Item]:
        """Take up to ``limit`` due items for this worker; concurrent workers never get the same
        row (SKIP LOCKED on PostgreSQL; SQLite has one writer at a time)."""
        now = now or utcnow()
        due = (
            select(OUTBOX.c.id)
            .where(OUTBOX.c.status == "pending", OUTBOX.c.next_attempt_at <= now)
            .order_by(OUTBOX.c.next_attempt_at, OUTBOX.c.id)
            .limit(limit)
        )
        if self._db.dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        # A CTE is evaluated once; PostgreSQL may re-run an IN (subquery) and so take more
        # rows than the limit.
        picked = due.cte("picked")
        stmt = (
            update(OUTBOX)
            .where(OUTBOX.c.id == picked.c.id, OUTBOX.c.status == "pending")
            .values(status="claimed", claimed_by=worker, claimed_until=now + lease)
            .returning(
                OUTBOX.c.id,
                OUTBOX.c.dedupe_key,
                OUTBOX.c.kind,
                OUTBOX.c.conversation_key,
                OUTBOX.c.payload,
                OUTBOX.c.attempts,
            )
        )
        async with self._db.engine.begin() as conn:
            rows = (await conn.execute(stmt)).all()
        return sorted((Item(*row) for row in rows), key=lambda item: item.id)

    async def start_sending(self, item_id: int, worker: str, lease: timedelta) -> bool:
        """Committed before the HTTP call; False if the claim was lost meanwhile."""
        async with self._db.engine.begin() as conn:
            result = await conn.execute(
                update(OUTBOX)
                .where(
                    OUTBOX.c.id == item_id,
                    OUTBOX.c.status == "claimed",
                    OUTBOX.c.claimed_by == worker,
                )
                .values(
                    status="sending", attempts=OUTBOX.c.attempts + 1, claimed_until=utcnow() + lease
                )
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _finish(self, item_id: int, **values: Any) -> None:
        async with self._db.engine.begin() as conn:
            await conn.execute(update(OUTBOX).where(OUTBOX.c.id == item_id).values(**values))

    async def sent(
        self, item_id: int, result_id: str | None, activity_id: str | None = None
    ) -> None:
        await self._finish(
            item_id,
            status="sent",
            sent_at=utcnow(),
            result_id=result_id,
            result_activity_id=activity_id,
            last_error=None,
            claimed_by=None,
            claimed_until=None,
        )

    async def retry(self, item_id: int, attempts: int, delay_s: float, error: str) -> None:
        status = "dead" if attempts >= MAX_ATTEMPTS else "pending"
        await self._finish(
            item_id,
            status=status,
            last_error=error[:300],
            claimed_by=None,
            claimed_until=None,
            next_attempt_at=utcnow() + timedelta(seconds=delay_s),
        )

    async def failed(self, item_id: int, error: str) -> None:
        await self._finish(
            item_id, status="failed", last_error=error[:300], claimed_by=None, claimed_until=None
        )

    async def release(self, worker: str) -> int:
        """Graceful shutdown: claims not yet attempted go back to pending."""
        async with self._db.engine.begin() as conn:
            result = await conn.execute(
                update(OUTBOX)
                .where(OUTBOX.c.status == "claimed", OUTBOX.c.claimed_by == worker)
                .values(status="pending", claimed_by=None, claimed_until=None)
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def by_key(self, dedupe_key: str) -> Any | None:
        """One item's status and results (the daily card finds its post here)."""
        stmt = select(
            OUTBOX.c.id,
            OUTBOX.c.status,
            OUTBOX.c.payload,
            OUTBOX.c.result_id,
            OUTBOX.c.result_activity_id,
        ).where(OUTBOX.c.dedupe_key == dedupe_key)
        async with self._db.engine.connect() as conn:
            return (await conn.execute(stmt)).one_or_none()

    async def newer_exists(self, prefix: str, item_id: int) -> bool:
        """An update superseded by a later one of the same card need not be sent."""
        stmt = select(func.count()).where(
            OUTBOX.c.dedupe_key.startswith(prefix, autoescape=True), OUTBOX.c.id > item_id
        )
        async with self._db.engine.connect() as conn:
            return bool(await conn.scalar(stmt))

    async def counts(self) -> dict[str, int]:
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(OUTBOX.c.status, func.count()).group_by(OUTBOX.c.status)
            )
            return {status: int(n) for status, n in rows}

    async def listing(self, statuses: list[str] | None = None, limit: int = 50) -> list[Any]:
        stmt = (
            select(
                OUTBOX.c.id,
                OUTBOX.c.kind,
                OUTBOX.c.dedupe_key,
                OUTBOX.c.status,
                OUTBOX.c.attempts,
                OUTBOX.c.next_attempt_at,
                OUTBOX.c.last_error,
                OUTBOX.c.sent_at,
            )
            .order_by(OUTBOX.c.id.desc())
            .limit(limit)
        )
        if statuses:
            stmt = stmt.where(OUTBOX.c.status.in_(statuses))
        async with self._db.engine.connect() as conn:
            return list(await conn.execute(stmt))

    async def pending_count(self) -> int:
        async with self._db.engine.connect() as conn:
            value = await conn.scalar(
                select(func.count()).where(OUTBOX.c.status.in_(["pending", "claimed", "sending"]))
            )
            return int(value or 0)


class Presence:
    """A worker's sign of life on PostgreSQL: a session advisory lock on a connection of its
    own, held while the process runs. When the process dies its connection closes and the
    lock is free, which ``Outbox.presence_gone`` reads as proof. Nothing on SQLite."""

    def __init__(self, db: Database, worker: str) -> None:
        self._db = db
        self._key = {"s": _PRESENCE_SPACE, "k": _presence_key(worker)}
        self._conn: AsyncConnection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None or self._db.dialect != "postgresql"

    async def ensure(self) -> bool:
        """Hold the lock (again, after the connection was lost). True while held."""
        if self._db.dialect != "postgresql":
            return True
        if self._conn is not None:
            try:
                await self._conn.execute(text("SELECT 1"))
                await self._conn.commit()
                return True
            except Exception:
                await self._drop()
        conn = await self._db.engine.connect()
        try:
            await conn.execute(text("SELECT pg_advisory_lock(:s, :k)"), self._key)
            await conn.commit()
        except BaseException:
            with contextlib.suppress(Exception):
                await conn.close()
            raise
        self._conn = conn
        return True

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.invalidate()

    async def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await conn.execute(text("SELECT pg_advisory_unlock(:s, :k)"), self._key)
            await conn.commit()
            await conn.close()
        except Exception:
            with contextlib.suppress(Exception):
                await conn.invalidate()
