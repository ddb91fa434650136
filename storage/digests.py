"""Digests and periodic summaries, computed in SQL: one GROUP BY over the digest index per
period, never rows loaded into Python; summaries stored once with the observations they cover."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, func, insert, literal, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.elements import ColumnElement

from dialogs.digest import Group
from dialogs.fields import DIGEST_GROUPS
from dialogs.periods import DigestFilter, Period, Rhythm
from dialogs.views import Listed
from dialogs.vocabulary import ObservationStatus, Urgency
from storage.db import Database, utcnow
from storage.models import Observation, Summary, SummaryObservation
from storage.outbox import enqueue

OBS = cast(Table, Observation.__table__)
SUMMARIES = cast(Table, Summary.__table__)
COVERED = cast(Table, SummaryObservation.__table__)


def instant(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight of a day as an aware instant (DST-correct through zoneinfo)."""
    return datetime.combine(day, time(0), tzinfo=tz)


def _where(flt: DigestFilter, period: Period, tz: ZoneInfo) -> ColumnElement[bool]:
    clauses = [
        OBS.c.created_at >= instant(period.start, tz),
        OBS.c.created_at < instant(period.end, tz),
    ]
    for column, value in flt.dimensions().items():
        clauses.append(OBS.c[column] == value)
    return and_(*clauses)


@dataclass(frozen=True)
class StoredSummary:
    id: int
    kind: str
    period_key: str
    period_start: str
    period_end: str
    figures: dict[str, Any]
    observations: int
    created: bool  # made by this call (False: it existed already)


class DigestRepository:
    def __init__(self, db: Database, tz: ZoneInfo) -> None:
        self._db = db
        self.tz = tz

    async def groups(self, flt: DigestFilter, period: Period) -> list[Group]:
        """Counts per combination of kind, phenomenon, area, service area and urgency."""
        dims = [OBS.c[name] for name in DIGEST_GROUPS]  # the field registry's dimensions
        stmt = select(*dims, func.count()).where(_where(flt, period, self.tz)).group_by(*dims)
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(stmt)
            return [
                Group(**{name: str(r[i]) for i, name in enumerate(DIGEST_GROUPS)}, count=int(r[-1]))
                for r in rows
            ]

    async def listed(
        self,
        flt: DigestFilter,
        period: Period,
        limit: int = 10,
        excerpt: int = 80,
    ) -> list[Listed]:
        """The newest observations of a period (acute first), with a short excerpt."""
        stmt = (
            select(
                OBS.c.reference,
                OBS.c.kind,
                OBS.c.phenomenon,
                OBS.c.area,
                OBS.c.service_area,
                OBS.c.extent,
                OBS.c.urgency,
                OBS.c.created_at,
                func.substr(OBS.c.description, 1, excerpt + 1),
            )
            .where(_where(flt, period, self.tz))
            .order_by(
                (OBS.c.urgency == Urgency.ACUTE.value).desc(),
                OBS.c.created_at.desc(),
                OBS.c.id.desc(),
            )
            .limit(limit)
        )
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [Listed(*row[:8], excerpt=_shorten(row[8], excerpt)) for row in rows]

    async def day_state(self, period: Period) -> tuple[int, int]:
        """How many observations a day has and the highest id (the daily card's version)."""
        stmt = select(func.count(), func.coalesce(func.max(OBS.c.id), 0)).where(
            OBS.c.created_at >= instant(period.start, self.tz),
            OBS.c.created_at < instant(period.end, self.tz),
        )
        async with self._db.engine.connect() as conn:
            count, top = (await conn.execute(stmt)).one()
        return int(count), int(top)

    # --- periodic summaries --------------------------------------------------------------
    async def store_summary(
        self,
        kind: str,
        period: Period,
        county: str,
        figures: dict[str, Any],
        outbox_item: tuple[str, str, str, dict[str, Any]] | None = None,
    ) -> StoredSummary:
        """Store the summary once (unique per kind and period), link the observations it
        covers with one INSERT … SELECT, mark them as summarised, and enqueue its post in the
        same transaction. A second call (another replica) returns the stored one."""
        dialect = self._db.dialect
        ins = pg_insert if dialect == "postgresql" else sqlite_insert
        start, end = instant(period.start, self.tz), instant(period.end, self.tz)
        in_period = and_(OBS.c.created_at >= start, OBS.c.created_at < end)
        async with self._db.engine.begin() as conn:
            count = int(await conn.scalar(select(func.count()).where(in_period)) or 0)
            new_id = (
                await conn.execute(
                    ins(SUMMARIES)
                    .values(
                        kind=kind,
                        period_key=period.key,
                        period_start=period.start.isoformat(),
                        period_end=period.end.isoformat(),
                        county=county,
                        figures=figures,
                        observations=count,
                        created_at=utcnow(),
                    )
                    .on_conflict_do_nothing(index_elements=["kind", "period_key"])
                    .returning(SUMMARIES.c.id)
                )
            ).scalar_one_or_none()
            if new_id is not None:
                await conn.execute(
                    insert(COVERED).from_select(
                        ["summary_id", "observation_id"],
                        select(literal(new_id), OBS.c.id).where(in_period),
                    )
                )
                if kind != Rhythm.WEEKLY:  # a kooste: the reporters see their observation in it
                    await conn.execute(
                        update(OBS)
                        .where(in_period, OBS.c.status == ObservationStatus.RECEIVED.value)
                        .values(status=ObservationStatus.IN_SUMMARY.value)
                    )
                if outbox_item is not None:
                    await enqueue(conn, dialect, *outbox_item)
            row = (
                await conn.execute(
                    select(SUMMARIES).where(
                        SUMMARIES.c.kind == kind, SUMMARIES.c.period_key == period.key
                    )
                )
            ).one()
        if new_id is not None and outbox_item is not None:
            self._db.enqueued()
        return StoredSummary(
            row.id,
            row.kind,
            row.period_key,
            row.period_start,
            row.period_end,
            dict(row.figures),
            row.observations,
            new_id is not None,
        )

    async def summaries(self, limit: int = 20) -> list[StoredSummary]:
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(
                select(SUMMARIES).order_by(SUMMARIES.c.id.desc()).limit(limit)
            )
            return [
                StoredSummary(
                    r.id,
                    r.kind,
                    r.period_key,
                    r.period_start,
                    r.period_end,
                    dict(r.figures),
                    r.observations,
                    False,
                )
                for r in rows
            ]

    async def summaries_of(self, observation_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
        """For "my reports": the summaries (kind, period) each observation was in."""
        if not observation_ids:
            return {}
        stmt = (
            select(COVERED.c.observation_id, SUMMARIES.c.kind, SUMMARIES.c.period_key)
            .join(SUMMARIES, SUMMARIES.c.id == COVERED.c.summary_id)
            .where(
                COVERED.c.observation_id.in_(observation_ids),
                SUMMARIES.c.kind != Rhythm.WEEKLY.value,
            )
            .order_by(SUMMARIES.c.id)
        )
        found: dict[int, list[tuple[str, str]]] = {}
        async with self._db.engine.connect() as conn:
            for obs_id, kind, key in await conn.execute(stmt):
                found.setdefault(obs_id, []).append((kind, key))
        return found

    async def summary_exists(self, kind: str, period_key: str) -> bool:
        stmt = select(SUMMARIES.c.id).where(
            SUMMARIES.c.kind == kind, SUMMARIES.c.period_key == period_key
        )
        async with self._db.engine.connect() as conn:
            return (await conn.scalar(stmt)) is not None

    async def summary_counts(self) -> dict[str, int]:
        stmt = select(SUMMARIES.c.kind, func.count()).group_by(SUMMARIES.c.kind)
        async with self._db.engine.connect() as conn:
            return {kind: int(n) for kind, n in await conn.execute(stmt)}

    async def summaries_per_year(self, year: int) -> int:
        """The counties' metric "summaries/year" (periodic summaries, not weekly digests)."""
        stmt = select(func.count()).where(
            SUMMARIES.c.kind != Rhythm.WEEKLY.value, SUMMARIES.c.period_end.like(f"{year}-%")
        )
        async with self._db.engine.connect() as conn:
            return int(await conn.scalar(stmt) or 0)

    # --- exports ---------------------------------------------------------------------------
    async def export_rows(
        self, start: datetime, end: datetime, chunk: int = 2000
    ) -> AsyncIterator[list[Any]]:
        """All fields of a period's observations in chunks, by keyset pagination: each chunk is
        one short query, so an export never holds a connection (SQLite has only one)."""
        columns = [c for c in OBS.c if c.name not in ("submission_key",)]
        last: tuple[datetime, int] | None = None
        while True:
            stmt = (
                select(*columns)
                .where(OBS.c.created_at >= start, OBS.c.created_at < end)
                .order_by(OBS.c.created_at, OBS.c.id)
                .limit(chunk)
            )
            if last is not None:
                stmt = stmt.where(tuple_(OBS.c.created_at, OBS.c.id) > tuple_(*last))
            async with self._db.engine.connect() as conn:
                rows = list((await conn.execute(stmt)).all())
            if not rows:
                return
            yield rows
            last = (rows[-1].created_at, rows[-1].id)
            if len(rows) < chunk:
                return


def _shorten(value: str | None, limit: int) -> str:
    value = " ".join((value or "").split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"
