"""Processing an observation in SQL: status changes by the transition table (one timestamp per
status, a conditional UPDATE so two experts cannot both move it), tags, phenomena and their
members, enrichment notes, comment requests to a service area's lead, and the "in a summary"
stamps. Every change is audited and its reporter feedback queued in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.processing import Effect, Plan, ProcessingError, plan_event
from dialogs.vocabulary import ObservationStatus
from storage.audit import write as audit
from storage.db import Database
from storage.feedback import Outgoing, queue
from storage.models import Observation, Summary, SummaryObservation
from storage.outbox import enqueue
from storage.processing_models import OBS_PROCESSING as OBS
from storage.processing_models import (
    CommentRequest,
    EnrichmentNote,
    ObservationTag,
    PhenomenonGroup,
    PhenomenonMember,
)

TAGS = cast(Table, ObservationTag.__table__)
PHENOMENA = cast(Table, PhenomenonGroup.__table__)
MEMBERS = cast(Table, PhenomenonMember.__table__)
NOTES = cast(Table, EnrichmentNote.__table__)
REQUESTS = cast(Table, CommentRequest.__table__)
SUMMARIES = cast(Table, Summary.__table__)
OBS_TEXT = cast(Table, Observation.__table__)
COVERED = cast(Table, SummaryObservation.__table__)


def _short(value: str | None, limit: int) -> str:
    value = " ".join((value or "").split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


class Conflict(ProcessingError):
    """Someone else changed the observation meanwhile; the card is out of date."""

    def __init__(self) -> None:
        super().__init__("processing.error.conflict")


@dataclass(frozen=True)
class ProcessingState:
    id: int
    reference: str
    status: ObservationStatus
    stamps: dict[str, datetime | None]
    closing_reason: str | None
    closing_description: str | None
    duplicate_of: str | None
    tags: tuple[str, ...]
    phenomena: tuple[tuple[int, str], ...]
    notes: tuple[tuple[datetime, str, str], ...]  # (when, author, text)
    requests: tuple[Any, ...]  # comment_requests rows


_STAMP_NAMES = (
    "in_processing_at",
    "enriched_at",
    "grouped_at",
    "in_summary_at",
    "proposed_at",
    "closed_at",
)


def _ins(dialect: str) -> Any:
    return pg_insert if dialect == "postgresql" else sqlite_insert


async def apply_plan(
    conn: AsyncConnection,
    dialect: str,
    row: Any,
    plan: Plan,
    actor: str,
    now: datetime,
    feedback_ref: str = "",
    feedback_detail: dict[str, Any] | None = None,
    closing: dict[str, Any] | None = None,
) -> None:
    """Carry out one plan on one observation row inside the caller's transaction. The UPDATE
    is conditional on the status the plan was made from: a concurrent change raises Conflict."""
    values: dict[str, Any] = {}
    if plan.moves:
        values["status"] = plan.status.value
        values["status_changed_at"] = now
    if plan.stamp and (plan.moves or getattr(row, plan.stamp, None) is None):
        values[plan.stamp] = now
    if Effect.CLEAR_CLOSING in plan.effects:
        values.update(
            closed_at=None,
            closed_by=None,
            closing_reason=None,
            closing_description=None,
            duplicate_of_id=None,
        )
    if closing:
        values.update(closing, closed_by=actor)
    if values:
        result = await conn.execute(
            update(OBS)
            .where(OBS.c.id == row.id, OBS.c.status == plan.source.value)
            .values(**values)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise Conflict()
    await audit(conn, actor, f"observation.{plan.target.value}", row.reference)
    if plan.feedback is not None and Effect.TELL_REPORTER in plan.effects:
        await queue(conn, dialect, row, plan.feedback, feedback_ref, feedback_detail or {}, now)


async def observation_row(conn: AsyncConnection, reference: str) -> Any:
    stmt = select(OBS).where(OBS.c.reference == reference)
    found = (await conn.execute(stmt)).one_or_none()
    if found is None:
        raise ProcessingError("processing.error.not_found", reference=reference)
    return found


async def observation_rows(conn: AsyncConnection, ids: list[int]) -> list[Any]:
    return list((await conn.execute(select(OBS).where(OBS.c.id.in_(ids)))).all())


async def observation_event(
    conn: AsyncConnection,
    dialect: str,
    row: Any,
    event: ObservationStatus,
    actor: str,
    now: datetime,
    ref: str = "",
    detail: dict[str, Any] | None = None,
) -> Plan:
    """Something happened to an observation (grouped, enriched, in a summary, proposed)."""
    plan = plan_event(ObservationStatus(row.status), event)
    await apply_plan(conn, dialect, row, plan, actor, now, ref, detail)
    return plan


class ProcessingRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def row(self, conn: AsyncConnection, reference: str) -> Any:
        return await observation_row(conn, reference)

    async def rows(self, conn: AsyncConnection, ids: list[int]) -> list[Any]:
        return await observation_rows(conn, ids)

    async def similar_candidates(
        self, reference: str, observations: int = 2000, phenomena: int = 500
    ) -> tuple[str, list[tuple[str, str, str, str, str | None]]]:
        """The opened observation's text and what it may resemble: the newest earlier
        observations and the phenomena, as (key, text, title, excerpt, reference)."""
        t = OBS_TEXT
        full = select(t.c.id, t.c.reference, t.c.description, t.c.structural)
        async with self._db.engine.connect() as conn:
            row = (await conn.execute(full.where(t.c.reference == reference))).one_or_none()
            if row is None:
                raise ProcessingError("processing.error.not_found", reference=reference)
            earlier = (
                await conn.execute(
                    full.where(t.c.id < row.id).order_by(t.c.id.desc()).limit(observations)
                )
            ).all()
            groups = (
                await conn.execute(
                    select(PHENOMENA.c.id, PHENOMENA.c.name, PHENOMENA.c.description)
                    .order_by(PHENOMENA.c.id.desc())
                    .limit(phenomena)
                )
            ).all()
        found: list[tuple[str, str, str, str, str | None]] = [
            (
                f"obs:{r.id}",
                f"{r.description} {r.structural or ''}".strip(),
                r.reference,
                _short(r.description, 120),
                r.reference,
            )
            for r in earlier
        ]
        found += [
            (f"phen:{g.id}", f"{g.name}. {g.description}", g.name, _short(g.description, 120), None)
            for g in groups
        ]
        return f"{row.description} {row.structural or ''}".strip(), found

    async def reference_of(self, observation_id: int) -> str:
        async with self._db.engine.connect() as conn:
            found = await conn.scalar(select(OBS.c.reference).where(OBS.c.id == observation_id))
        if found is None:
            raise ProcessingError("processing.error.not_found", reference=str(observation_id))
        return str(found)

    async def state(self, reference: str) -> ProcessingState:
        async with self._db.engine.connect() as conn:
            row = await self.row(conn, reference)
            duplicate = None
            if row.duplicate_of_id is not None:
                duplicate = await conn.scalar(
                    select(OBS.c.reference).where(OBS.c.id == row.duplicate_of_id)
                )
            tags = await conn.scalars(
                select(TAGS.c.tag).where(TAGS.c.observation_id == row.id).order_by(TAGS.c.tag)
            )
            phenomena = await conn.execute(
                select(PHENOMENA.c.id, PHENOMENA.c.name)
                .join(MEMBERS, MEMBERS.c.phenomenon_id == PHENOMENA.c.id)
                .where(MEMBERS.c.observation_id == row.id)
                .order_by(PHENOMENA.c.id)
            )
            notes = await conn.execute(
                select(NOTES.c.created_at, NOTES.c.author, NOTES.c.text)
                .where(NOTES.c.observation_id == row.id)
                .order_by(NOTES.c.id)
            )
            requests = await conn.execute(
                select(REQUESTS).where(REQUESTS.c.observation_id == row.id).order_by(REQUESTS.c.id)
            )
            return ProcessingState(
                row.id,
                row.reference,
                ObservationStatus(row.status),
                {name: getattr(row, name) for name in _STAMP_NAMES},
                row.closing_reason,
                row.closing_description,
                duplicate,
                tuple(tags),
                tuple((int(i), str(n)) for i, n in phenomena),
                tuple((a, b, c) for a, b, c in notes),
                tuple(requests.all()),
            )

    # --- status ------------------------------------------------------------------------------
    async def change(
        self,
        reference: str,
        plan_for: Any,
        actor: str,
        now: datetime,
    ) -> Plan:
        """``plan_for(current_status)`` returns the Plan (dialogs.processing.plan_change); the
        closing reason, its description and the duplicate pointer are stored with a close."""
        async with self._db.engine.begin() as conn:
            row = await self.row(conn, reference)
            plan: Plan = plan_for(ObservationStatus(row.status))
            closing = None
            if plan.closing is not None:
                original = None
                if plan.closing.duplicate_of:
                    target = await self.row(conn, plan.closing.duplicate_of)
                    if target.id == row.id:
                        raise ProcessingError("processing.error.duplicate_of_itself")
                    original = target.id
                closing = {
                    "closing_reason": plan.closing.reason.value,
                    "closing_description": plan.closing.description.strip(),
                    "duplicate_of_id": original,
                }
            await apply_plan(conn, self._db.dialect, row, plan, actor, now, closing=closing)
            return plan

    async def event(
        self,
        conn: AsyncConnection,
        row: Any,
        event: ObservationStatus,
        actor: str,
        now: datetime,
        ref: str = "",
        detail: dict[str, Any] | None = None,
    ) -> Plan:
        return await observation_event(conn, self._db.dialect, row, event, actor, now, ref, detail)

    # --- tags --------------------------------------------------------------------------------
    async def tag(self, reference: str, tag: str, actor: str, now: datetime, add: bool) -> bool:
        async with self._db.engine.begin() as conn:
            row = await self.row(conn, reference)
            if add:
                result = await conn.execute(
                    _ins(self._db.dialect)(TAGS)
                    .values(observation_id=row.id, tag=tag, added_by=actor, added_at=now)
                    .on_conflict_do_nothing()
                )
            else:
                result = await conn.execute(
                    delete(TAGS).where(TAGS.c.observation_id == row.id, TAGS.c.tag == tag)
                )
            changed = bool(result.rowcount)  # type: ignore[attr-defined]
            if changed:
                await audit(
                    conn,
                    actor,
                    "observation.tag" if add else "observation.untag",
                    f"{reference} {tag}",
                )
            return changed

    # --- enrichment ----------------------------------------------------------------------------
    async def add_note(self, reference: str, text: str, actor: str, now: datetime) -> int:
        async with self._db.engine.begin() as conn:
            row = await self.row(conn, reference)
            note_id = (
                await conn.execute(
                    insert(NOTES)
                    .values(observation_id=row.id, author=actor, text=text, created_at=now)
                    .returning(NOTES.c.id)
                )
            ).scalar_one()
            await self.event(conn, row, ObservationStatus.ENRICHED, actor, now)
            return int(note_id)

    # --- asking a service area's lead ----------------------------------------------------------
    async def ask_lead(
        self,
        reference: str | None,
        phenomenon_id: int | None,
        service_area: str,
        lead_id: str,
        question: str,
        actor: str,
        now: datetime,
        outgoing: Any,
    ) -> int:
        """Store the request and enqueue the card to the lead (``outgoing(request_id)``), in one
        transaction."""
        async with self._db.engine.begin() as conn:
            observation_id = None
            target = f"phen:{phenomenon_id}"
            if reference is not None:
                observation_id = (await self.row(conn, reference)).id
                target = reference
            request_id = (
                await conn.execute(
                    insert(REQUESTS)
                    .values(
                        observation_id=observation_id,
                        phenomenon_id=phenomenon_id,
                        service_area=service_area,
                        lead_id=lead_id,
                        asked_by=actor,
                        question=question,
                        asked_at=now,
                    )
                    .returning(REQUESTS.c.id)
                )
            ).scalar_one()
            item: Outgoing | None = outgoing(int(request_id))
            if item is not None:
                await enqueue(conn, self._db.dialect, *item)
            await audit(conn, actor, "comment.ask", f"{target} {service_area}")
        if item is not None:
            self._db.enqueued()
        return int(request_id)

    async def request(self, request_id: int) -> Any:
        async with self._db.engine.connect() as conn:
            row = (
                await conn.execute(select(REQUESTS).where(REQUESTS.c.id == request_id))
            ).one_or_none()
        if row is None:
            raise ProcessingError("processing.error.no_request")
        return row

    async def answer_request(
        self, request_id: int, lead_id: str, answer: str, now: datetime
    ) -> Any:
        """Only the lead asked may answer, once; the answer enriches the observation."""
        async with self._db.engine.begin() as conn:
            result = await conn.execute(
                update(REQUESTS)
                .where(
                    REQUESTS.c.id == request_id,
                    REQUESTS.c.lead_id == lead_id,
                    REQUESTS.c.answered_at.is_(None),
                )
                .values(answer=answer, answered_by=lead_id, answered_at=now)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                raise ProcessingError("processing.error.request_closed")
            row = (await conn.execute(select(REQUESTS).where(REQUESTS.c.id == request_id))).one()
            target = f"phen:{row.phenomenon_id}"
            if row.observation_id is not None:
                (obs,) = await self.rows(conn, [row.observation_id])
                await self.event(conn, obs, ObservationStatus.ENRICHED, lead_id, now)
                target = obs.reference
            await audit(conn, lead_id, "comment.answer", target)
            return row

    # --- summaries -----------------------------------------------------------------------------
    async def stamp_summaries(self, now: datetime) -> int:
        """Observations covered by a periodic summary and not yet stamped: "in a summary" (the
        status only forward), the stamp at the summary's moment, the reporter told once."""
        stmt = (
            select(
                OBS,
                SUMMARIES.c.kind,
                SUMMARIES.c.period_key,
                SUMMARIES.c.created_at.label("summary_at"),
            )
            .join(COVERED, COVERED.c.observation_id == OBS.c.id)
            .join(SUMMARIES, SUMMARIES.c.id == COVERED.c.summary_id)
            .where(OBS.c.in_summary_at.is_(None), SUMMARIES.c.kind != "weekly")
            .order_by(OBS.c.id, SUMMARIES.c.id)
            .limit(500)
        )
        done: set[int] = set()
        async with self._db.engine.begin() as conn:
            for row in (await conn.execute(stmt)).all():
                if row.id in done:
                    continue
                done.add(row.id)
                plan = plan_event(ObservationStatus(row.status), ObservationStatus.IN_SUMMARY)
                await apply_plan(
                    conn,
                    self._db.dialect,
                    row,
                    plan,
                    "system",
                    min(row.summary_at, now),
                    feedback_ref=f"{row.kind}:{row.period_key}",
                    feedback_detail={"period": row.period_key},
                )
        return len(done)
