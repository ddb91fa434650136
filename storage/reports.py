"""Drafts and observations: the report's persistence."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.vocabulary import ObservationStatus
from storage.db import Database, UTCDateTime, utcnow
from storage.models import Draft, Observation, ReferenceCounter
from storage.outbox import NewItem, enqueue

# What to enqueue with a new observation (its acute alerts), built from the stored row.
ItemsFor = Callable[[Observation], Sequence[NewItem]]

REFERENCE_PREFIX = "RAKE"


def format_reference(year: int, seq: int) -> str:
    return f"{REFERENCE_PREFIX}-{year}-{seq:04d}"


@dataclass(frozen=True)
class DraftRecord:
    id: str
    user_id: str
    origin: str
    team_id: str | None
    step: int
    data: dict[str, Any]
    updated_at: datetime
    expires_at: datetime
    submitted_reference: str | None


_DRAFTS = cast(Table, Draft.__table__)
# The dialog reads and saves a draft on every turn: prebuilt Core statements, no ORM session.
_GET_DRAFT = select(_DRAFTS).where(
    _DRAFTS.c.id == bindparam("id"),
    _DRAFTS.c.user_id == bindparam("user_id"),
    _DRAFTS.c.expires_at > bindparam("now", type_=UTCDateTime()),
)
_SAVE_DRAFT = (
    update(_DRAFTS)
    .where(
        _DRAFTS.c.id == bindparam("draft_id"),
        _DRAFTS.c.user_id == bindparam("owner"),
        _DRAFTS.c.submitted_reference.is_(None),
    )
    .values(
        data=bindparam("data"),
        step=bindparam("step"),
        updated_at=bindparam("now"),
        expires_at=bindparam("expires"),
    )
)


_OBSERVATIONS = cast(Table, Observation.__table__)
_INSERT_OBSERVATION = insert(_OBSERVATIONS).returning(_OBSERVATIONS.c.id)
_MARK_SUBMITTED = (
    update(_DRAFTS)
    .where(_DRAFTS.c.id == bindparam("draft_id"))
    .values(submitted_reference=bindparam("ref"), data={})
)


def _record(row: Any) -> DraftRecord:
    return DraftRecord(
        row.id,
        row.user_id,
        row.origin,
        row.team_id,
        row.step,
        dict(row.data),
        row.updated_at,
        row.expires_at,
        row.submitted_reference,
    )


class DraftRepository:
    def __init__(self, db: Database, expiry: timedelta) -> None:
        self._db = db
        self._expiry = expiry

    async def create(
        self,
        user_id: str,
        origin: str,
        team_id: str | None,
        data: dict[str, Any],
        step: int,
        limit: int | None = None,
    ) -> DraftRecord | None:
        """A new draft; None when the user already has ``limit`` open (unsubmitted, live)
        drafts. The count and the insert share a transaction (on PostgreSQL two requests at
        the same instant may both pass: the limit is against floods, not exact)."""
        now = utcnow()
        record = DraftRecord(
            uuid.uuid4().hex, user_id, origin, team_id, step, data, now, now + self._expiry, None
        )
        async with self._db.engine.begin() as conn:
            if limit is not None:
                open_drafts = await conn.scalar(
                    select(func.count())
                    .select_from(_DRAFTS)
                    .where(
                        _DRAFTS.c.user_id == user_id,
                        _DRAFTS.c.submitted_reference.is_(None),
                        _DRAFTS.c.expires_at > now,
                    )
                )
                if (open_drafts or 0) >= limit:
                    return None
            await conn.execute(
                insert(_DRAFTS).values(
                    id=record.id,
                    user_id=user_id,
                    origin=origin,
                    team_id=team_id,
                    step=step,
                    data=data,
                    created_at=now,
                    updated_at=now,
                    expires_at=record.expires_at,
                )
            )
        return record

    async def get(self, draft_id: str, user_id: str) -> DraftRecord | None:
        """The user's own live draft (not expired); None for anyone else's."""
        async with self._db.engine.connect() as conn:
            result = await conn.execute(
                _GET_DRAFT, {"id": draft_id, "user_id": user_id, "now": utcnow()}
            )
            row = result.first()
        return _record(row) if row is not None else None

    async def latest(self, user_id: str) -> DraftRecord | None:
        async with self._db.sessions() as session:
            row = await session.scalar(
                select(Draft)
                .where(
                    Draft.user_id == user_id,
                    Draft.expires_at > utcnow(),
                    Draft.submitted_reference.is_(None),
                )
                .order_by(Draft.updated_at.desc())
                .limit(1)
            )
        return _record(row) if row else None

    async def save(self, draft_id: str, user_id: str, data: dict[str, Any], step: int) -> None:
        now = utcnow()
        async with self._db.engine.begin() as conn:
            await conn.execute(
                _SAVE_DRAFT,
                {
                    "draft_id": draft_id,
                    "owner": user_id,
                    "data": data,
                    "step": step,
                    "now": now,
                    "expires": now + self._expiry,
                },
            )

    async def delete(self, draft_id: str, user_id: str) -> None:
        async with self._db.sessions.begin() as session:
            await session.execute(
                delete(Draft).where(Draft.id == draft_id, Draft.user_id == user_id)
            )

    async def purge_expired(self, now: datetime | None = None) -> int:
        async with self._db.sessions.begin() as session:
            result = await session.execute(
                delete(Draft).where(Draft.expires_at <= (now or utcnow()))
            )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def _next_seq(conn: AsyncConnection, dialect: str, year: int) -> int:
    """Atomically take the next number of the year (row-locked upsert on both databases)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        insert(ReferenceCounter)
        .values(year=year, last=1)
        .on_conflict_do_update(
            index_elements=[ReferenceCounter.year], set_={"last": ReferenceCounter.last + 1}
        )
        .returning(ReferenceCounter.last)
    )
    return int((await conn.execute(stmt)).scalar_one())


class ObservationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def submit(
        self,
        submission_key: str,
        fields: dict[str, Any],
        now: datetime | None = None,
        items: ItemsFor | None = None,
    ) -> tuple[Observation, bool]:
        """Store once per submission key (the draft id). Returns (observation, created).

        One transaction: take the year's next number, insert, mark the draft submitted and
        enqueue the outbox items ``items`` builds from the new row (an acute report's alerts):
        the observation and its alerts commit together or not at all. If the key exists
        already (a double click, a retry, another replica), the insert fails, the number goes
        back with the rollback, and the stored observation is returned instead (nothing is
        enqueued again)."""
        now = now or utcnow()
        try:
            async with self._db.engine.begin() as conn:
                seq = await _next_seq(conn, self._db.dialect, now.year)
                values = dict(
                    fields,
                    reference=format_reference(now.year, seq),
                    year=now.year,
                    seq=seq,
                    submission_key=submission_key,
                    created_at=now,
                    status=ObservationStatus.RECEIVED.value,
                )
                new_id = (await conn.execute(_INSERT_OBSERVATION, values)).scalar_one()
                await conn.execute(
                    _MARK_SUBMITTED, {"draft_id": submission_key, "ref": values["reference"]}
                )
                row = Observation(id=new_id, **values)
                queued = list(items(row)) if items else []
                for item in queued:
                    await enqueue(
                        conn,
                        self._db.dialect,
                        item.dedupe_key,
                        item.kind,
                        item.conversation_key,
                        item.payload,
                    )
        except IntegrityError:
            existing = await self.by_submission_key(submission_key)
            if existing is None:
                raise
            return existing, False
        if queued:
            self._db.enqueued()
        return row, True

    async def by_submission_key(self, key: str) -> Observation | None:
        async with self._db.sessions() as session:
            return await session.scalar(
                select(Observation).where(Observation.submission_key == key)
            )

    async def by_reference(self, reference: str) -> Observation | None:
        async with self._db.sessions() as session:
            return await session.scalar(
                select(Observation).where(Observation.reference == reference)
            )

    async def for_reporter(self, reporter_id: str, limit: int = 10) -> list[Observation]:
        async with self._db.sessions() as session:
            rows = await session.scalars(
                select(Observation)
                .where(Observation.reporter_id == reporter_id)
                .order_by(Observation.created_at.desc(), Observation.id.desc())
                .limit(limit)
            )
            return list(rows)
