"""The experts' desk's queries: the filtered, searched, sorted observation list (a page at a
time), one observation with its audit trail, and trend counts per week or month. All in SQL on
SQLite and PostgreSQL alike; buckets are local calendar periods given as instants, so a week or
month follows the county's clock across daylight-saving changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import Table, and_, case, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnElement

from storage.db import Database
from storage.models import AuditEntry, Observation

OBS = cast(Table, Observation.__table__)
AUDIT = cast(Table, AuditEntry.__table__)
PAGE_SIZE = 20
SORTABLE = ("created_at", "reference", "kind", "phenomenon", "area", "service_area", "status")
FILTERABLE = ("status", "kind", "phenomenon", "area", "service_area", "urgency")
TREND_DIMENSIONS = ("phenomenon", "area", "service_area")
Direction = Literal["asc", "desc"]


@dataclass(frozen=True)
class DeskQuery:
    """What the list shows: a time span (instants, end exclusive), equality filters, a search
    text, a sort column and direction, and a page (from 1)."""

    start: datetime | None = None
    end: datetime | None = None
    filters: tuple[tuple[str, str], ...] = ()
    search: str = ""
    sort: str = "created_at"
    direction: Direction = "desc"
    page: int = 1


@dataclass(frozen=True)
class DeskRow:
    id: int
    reference: str
    created_at: datetime
    kind: str
    phenomenon: str
    area: str
    service_area: str
    urgency: str
    status: str
    excerpt: str


@dataclass(frozen=True)
class DeskPage:
    rows: list[DeskRow]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class TrailEntry:
    at: datetime
    actor: str
    action: str
    allowed: bool


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(query: DeskQuery) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if query.start is not None:
        clauses.append(OBS.c.created_at >= query.start)
    if query.end is not None:
        clauses.append(OBS.c.created_at < query.end)
    for column, value in query.filters:
        if column not in FILTERABLE:
            raise ValueError(f"not a filter: {column}")
        clauses.append(OBS.c[column] == value)
    for word in query.search.split()[:8]:
        pattern = f"%{_like_escape(word[:100])}%"
        clauses.append(
            or_(
                OBS.c.reference.ilike(pattern, escape="\\"),
                OBS.c.description.ilike(pattern, escape="\\"),
                OBS.c.structural.ilike(pattern, escape="\\"),
                OBS.c.proposal.ilike(pattern, escape="\\"),
                OBS.c.phenomenon_other.ilike(pattern, escape="\\"),
            )
        )
    return and_(True, *clauses)


def _shorten(value: str | None, limit: int) -> str:
    value = " ".join((value or "").split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


class DeskRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def page(self, query: DeskQuery, excerpt: int = 120) -> DeskPage:
        if query.sort not in SORTABLE:
            raise ValueError(f"not sortable: {query.sort}")
        where = _where(query)
        column = OBS.c[query.sort]
        order = column.asc() if query.direction == "asc" else column.desc()
        tie = OBS.c.id.asc() if query.direction == "asc" else OBS.c.id.desc()
        async with self._db.engine.connect() as conn:
            total = int(await conn.scalar(select(func.count()).select_from(OBS).where(where)) or 0)
            pages = max(1, -(-total // PAGE_SIZE))
            page = min(max(1, query.page), pages)
            rows = await conn.execute(
                select(
                    OBS.c.id,
                    OBS.c.reference,
                    OBS.c.created_at,
                    OBS.c.kind,
                    OBS.c.phenomenon,
                    OBS.c.area,
                    OBS.c.service_area,
                    OBS.c.urgency,
                    OBS.c.status,
                    func.substr(OBS.c.description, 1, excerpt + 1),
                )
                .where(where)
                .order_by(order, tie)
                .limit(PAGE_SIZE)
                .offset((page - 1) * PAGE_SIZE)
            )
            found = [DeskRow(*row[:9], excerpt=_shorten(row[9], excerpt)) for row in rows]
        return DeskPage(found, total, page, pages)

    async def observation(self, reference: str) -> Any:
        """All fields of one observation (a row), or None."""
        columns = [c for c in OBS.c if c.name != "submission_key"]
        async with self._db.engine.connect() as conn:
            result = await conn.execute(select(*columns).where(OBS.c.reference == reference))
            return result.first()

    async def trail(self, reference: str, limit: int = 200) -> list[TrailEntry]:
        """The audit log's entries about one observation, newest first."""
        stmt = (
            select(AUDIT.c.at, AUDIT.c.actor, AUDIT.c.action, AUDIT.c.allowed)
            .where(AUDIT.c.target == reference)
            .order_by(AUDIT.c.id.desc())
            .limit(limit)
        )
        async with self._db.engine.connect() as conn:
            return [TrailEntry(*row) for row in await conn.execute(stmt)]

    async def bucket_counts(
        self, edges: Sequence[datetime], dimension: str | None = None
    ) -> dict[tuple[int, str], int]:
        """Counts per bucket (and per value of a dimension): bucket i is [edges[i],
        edges[i+1]). One GROUP BY over a CASE of the boundaries, so local weeks and months
        are exact whatever the database's time zone."""
        if dimension is not None and dimension not in TREND_DIMENSIONS:
            raise ValueError(f"not a trend dimension: {dimension}")
        if len(edges) < 2:
            return {}
        bucket = case(
            *((OBS.c.created_at < edge, index) for index, edge in enumerate(edges[1:])),
            else_=-1,
        ).label("bucket")
        dim = OBS.c[dimension] if dimension else literal("")
        in_span = and_(OBS.c.created_at >= edges[0], OBS.c.created_at < edges[-1])
        stmt = select(bucket, dim, func.count()).where(in_span).group_by(bucket)
        if dimension:
            stmt = stmt.group_by(OBS.c[dimension])
        async with self._db.engine.connect() as conn:
            rows = await conn.execute(stmt)
            return {(int(b), str(d or "")): int(n) for b, d, n in rows if int(b) >= 0}
