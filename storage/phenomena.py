"""Phenomena (ilmiöt): named by the experts, with a description; observations grouped into one
keep their own status (moved forward to "grouped" only if behind) and their reporters hear of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from dialogs.processing import ProcessingError
from dialogs.vocabulary import ObservationStatus
from storage.audit import write as audit
from storage.db import Database
from storage.processing import observation_event, observation_row
from storage.processing_models import OBS_PROCESSING as OBS
from storage.processing_models import CommentRequest, PhenomenonGroup, PhenomenonMember

PHENOMENA = cast(Table, PhenomenonGroup.__table__)
MEMBERS = cast(Table, PhenomenonMember.__table__)
REQUESTS = cast(Table, CommentRequest.__table__)


@dataclass(frozen=True)
class PhenomenonView:
    id: int
    name: str
    description: str
    observations: int
    created_at: datetime


def _ins(dialect: str) -> Any:
    return pg_insert if dialect == "postgresql" else sqlite_insert


class PhenomenonRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create_phenomenon(
        self, county: str, name: str, description: str, actor: str, now: datetime
    ) -> int:
        async with self._db.engine.begin() as conn:
            new_id = (
                await conn.execute(
                    insert(PHENOMENA)
                    .values(
                        county=county,
                        name=name,
                        description=description,
                        created_by=actor,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(PHENOMENA.c.id)
                )
            ).scalar_one()
            await audit(conn, actor, "phenomenon.create", f"phen:{new_id}")
            return int(new_id)

    async def group(
        self, phenomenon_id: int, references: list[str], actor: str, now: datetime
    ) -> list[str]:
        """Add observations to a phenomenon; each keeps its own status (moved forward to
        "grouped" only if it was behind) and its reporter hears of it. Returns the references
        newly grouped."""
        grouped = []
        async with self._db.engine.begin() as conn:
            name = await conn.scalar(
                select(PHENOMENA.c.name).where(PHENOMENA.c.id == phenomenon_id)
            )
            if name is None:
                raise ProcessingError("processing.error.no_phenomenon")
            for reference in references:
                row = await observation_row(conn, reference)
                added = await conn.execute(
                    _ins(self._db.dialect)(MEMBERS)
                    .values(
                        phenomenon_id=phenomenon_id,
                        observation_id=row.id,
                        added_by=actor,
                        added_at=now,
                    )
                    .on_conflict_do_nothing()
                )
                if not added.rowcount:  # type: ignore[attr-defined]
                    continue
                await observation_event(
                    conn,
                    self._db.dialect,
                    row,
                    ObservationStatus.GROUPED,
                    actor,
                    now,
                    ref=str(phenomenon_id),
                    detail={"name": name},
                )
                grouped.append(reference)
            await conn.execute(
                update(PHENOMENA).where(PHENOMENA.c.id == phenomenon_id).values(updated_at=now)
            )
        return grouped

    async def phenomena(self, limit: int = 50) -> list[PhenomenonView]:
        count = func.count(MEMBERS.c.observation_id)
        stmt = (
            select(
                PHENOMENA.c.id,
                PHENOMENA.c.name,
                PHENOMENA.c.description,
                count,
                PHENOMENA.c.created_at,
            )
            .outerjoin(MEMBERS, MEMBERS.c.phenomenon_id == PHENOMENA.c.id)
            .group_by(PHENOMENA.c.id)
            .order_by(PHENOMENA.c.updated_at.desc(), PHENOMENA.c.id.desc())
            .limit(limit)
        )
        async with self._db.engine.connect() as conn:
            return [PhenomenonView(*r) for r in await conn.execute(stmt)]

    async def phenomenon(self, phenomenon_id: int) -> tuple[PhenomenonView, list[str]]:
        async with self._db.engine.connect() as conn:
            row = (
                await conn.execute(select(PHENOMENA).where(PHENOMENA.c.id == phenomenon_id))
            ).one_or_none()
            if row is None:
                raise ProcessingError("processing.error.no_phenomenon")
            refs = list(
                await conn.scalars(
                    select(OBS.c.reference)
                    .join(MEMBERS, MEMBERS.c.observation_id == OBS.c.id)
                    .where(MEMBERS.c.phenomenon_id == phenomenon_id)
                    .order_by(OBS.c.id)
                )
            )
        view = PhenomenonView(row.id, row.name, row.description, len(refs), row.created_at)
        return view, refs

    async def requests(self, phenomenon_id: int) -> list[Any]:
        """The comment requests about a phenomenon, oldest first."""
        stmt = (
            select(REQUESTS)
            .where(REQUESTS.c.phenomenon_id == phenomenon_id)
            .order_by(REQUESTS.c.id)
        )
        async with self._db.engine.connect() as conn:
            return list((await conn.execute(stmt)).all())
