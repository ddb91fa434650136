"""Action proposals and their follow-up questions in SQL. A proposal made from observations or
phenomena marks those observations "led to a proposal"; a follow-up is asked once per trigger
(unique per proposal and trigger) with its card enqueued in the same transaction; an answer
sets the proposal's status and tells the reporters; reminders are claimed per owner and day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, and_, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from dialogs.processing import FeedbackEvent, ProcessingError
from dialogs.proposals import (
    AFTER_ANSWER,
    FINAL,
    CheckedProposal,
    FollowUpAnswer,
    OpenFollowUp,
    ProposalState,
    ProposalStatus,
    SummaryMade,
)
from dialogs.vocabulary import ObservationStatus
from storage.audit import write as audit
from storage.db import Database
from storage.feedback import Outgoing, queue
from storage.models import Summary
from storage.outbox import enqueue
from storage.processing import observation_event, observation_row, observation_rows
from storage.processing_models import (
    FollowUp,
    PhenomenonMember,
    Proposal,
    ProposalObservation,
    ProposalPhenomenon,
)

PROPOSALS = cast(Table, Proposal.__table__)
P_OBS = cast(Table, ProposalObservation.__table__)
P_PHEN = cast(Table, ProposalPhenomenon.__table__)
FOLLOW_UPS = cast(Table, FollowUp.__table__)
MEMBERS = cast(Table, PhenomenonMember.__table__)
SUMMARIES = cast(Table, Summary.__table__)


@dataclass(frozen=True)
class ProposalView:
    id: int
    title: str
    text: str
    service_area: str
    owner_id: str
    due: date
    status: ProposalStatus
    year: int
    created_by: str
    created_at: datetime
    observations: tuple[str, ...] = ()
    phenomena: tuple[int, ...] = ()
    follow_ups: tuple[Any, ...] = ()  # follow_ups rows, oldest first
    overdue: bool = False


def _view(row: Any, **extra: Any) -> ProposalView:
    return ProposalView(
        row.id,
        row.title,
        row.text,
        row.service_area,
        row.owner_id,
        date.fromisoformat(row.due_date),
        ProposalStatus(row.status),
        row.year,
        row.created_by,
        row.created_at,
        **extra,
    )


async def _observations_of(conn: AsyncConnection, proposal_id: int) -> list[Any]:
    """The proposal's observations: named ones and the members of its phenomena."""
    direct = select(P_OBS.c.observation_id).where(P_OBS.c.proposal_id == proposal_id)
    via = (
        select(MEMBERS.c.observation_id)
        .join(P_PHEN, P_PHEN.c.phenomenon_id == MEMBERS.c.phenomenon_id)
        .where(P_PHEN.c.proposal_id == proposal_id)
    )
    ids = set(await conn.scalars(direct)) | set(await conn.scalars(via))
    return sorted(await observation_rows(conn, list(ids)), key=lambda r: r.id) if ids else []


class ProposalRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def _ins(self) -> Any:
        return pg_insert if self._db.dialect == "postgresql" else sqlite_insert

    async def create(
        self,
        proposal: CheckedProposal,
        references: list[str],
        phenomenon_ids: list[int],
        county: str,
        year: int,
        actor: str,
        now: datetime,
    ) -> int:
        async with self._db.engine.begin() as conn:
            rows = [await observation_row(conn, ref) for ref in references]
            proposal_id = int(
                (
                    await conn.execute(
                        insert(PROPOSALS)
                        .values(
                            county=county,
                            title=proposal.title,
                            text=proposal.text,
                            service_area=proposal.service_area,
                            owner_id=proposal.owner_id,
                            due_date=proposal.due.isoformat(),
                            status=ProposalStatus.OPEN.value,
                            year=year,
                            created_by=actor,
                            created_at=now,
                            updated_at=now,
                        )
                        .returning(PROPOSALS.c.id)
                    )
                ).scalar_one()
            )
            for row in rows:
                await conn.execute(
                    self._ins()(P_OBS)
                    .values(proposal_id=proposal_id, observation_id=row.id)
                    .on_conflict_do_nothing()
                )
            for phenomenon_id in dict.fromkeys(phenomenon_ids):
                await conn.execute(
                    insert(P_PHEN).values(proposal_id=proposal_id, phenomenon_id=phenomenon_id)
                )
            for row in await _observations_of(conn, proposal_id):
                await observation_event(
                    conn,
                    self._db.dialect,
                    row,
                    ObservationStatus.PROPOSED,
                    actor,
                    now,
                    ref=str(proposal_id),
                    detail={"title": proposal.title},
                )
            await audit(conn, actor, "proposal.create", f"prop:{proposal_id}")
            return proposal_id

    async def get(self, proposal_id: int, now: datetime | None = None) -> ProposalView:
        async with self._db.engine.connect() as conn:
            row = (
                await conn.execute(select(PROPOSALS).where(PROPOSALS.c.id == proposal_id))
            ).one_or_none()
            if row is None:
                raise ProcessingError("proposal.error.not_found", id=str(proposal_id))
            refs = tuple(r.reference for r in await _observations_of(conn, proposal_id))
            phenomena = tuple(
                await conn.scalars(
                    select(P_PHEN.c.phenomenon_id).where(P_PHEN.c.proposal_id == proposal_id)
                )
            )
            follow_ups = tuple(
                (
                    await conn.execute(
                        select(FOLLOW_UPS)
                        .where(FOLLOW_UPS.c.proposal_id == proposal_id)
                        .order_by(FOLLOW_UPS.c.id)
                    )
                ).all()
            )
        overdue = bool(
            now and any(f.answered_at is None and f.resolve_by <= now for f in follow_ups)
        )
        return _view(
            row, observations=refs, phenomena=phenomena, follow_ups=follow_ups, overdue=overdue
        )

    async def listing(
        self,
        now: datetime,
        status: ProposalStatus | None = None,
        service_area: str | None = None,
        year: int | None = None,
        overdue_only: bool = False,
        limit: int = 50,
    ) -> list[ProposalView]:
        """Filtered by status, service area and year; overdue = a question past resolve_by."""
        late = (
            select(FOLLOW_UPS.c.proposal_id)
            .where(FOLLOW_UPS.c.answered_at.is_(None), FOLLOW_UPS.c.resolve_by <= now)
            .distinct()
        )
        stmt = select(PROPOSALS, PROPOSALS.c.id.in_(late).label("late"))
        if status is not None:
            stmt = stmt.where(PROPOSALS.c.status == status.value)
        if service_area:
            stmt = stmt.where(PROPOSALS.c.service_area == service_area)
        if year:
            stmt = stmt.where(PROPOSALS.c.year == year)
        if overdue_only:
            stmt = stmt.where(PROPOSALS.c.id.in_(late))
        stmt = stmt.order_by(PROPOSALS.c.due_date, PROPOSALS.c.id).limit(limit)
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [_view(r, overdue=bool(r.late)) for r in rows]

    async def withdraw(self, proposal_id: int, actor: str, now: datetime) -> None:
        async with self._db.engine.begin() as conn:
            result = await conn.execute(
                update(PROPOSALS)
                .where(
                    PROPOSALS.c.id == proposal_id,
                    PROPOSALS.c.status.notin_([s.value for s in FINAL]),
                )
                .values(status=ProposalStatus.WITHDRAWN.value, closed_at=now, updated_at=now)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                raise ProcessingError("proposal.error.final")
            await conn.execute(
                update(FOLLOW_UPS)
                .where(FOLLOW_UPS.c.proposal_id == proposal_id, FOLLOW_UPS.c.answered_at.is_(None))
                .values(answered_at=now, answered_by=actor)
            )
            await audit(conn, actor, "proposal.withdraw", f"prop:{proposal_id}")

    # --- follow-up -------------------------------------------------------------------------
    async def states(self) -> list[ProposalState]:
        """Every proposal that may still be asked about, with the triggers asked already."""
        stmt = select(PROPOSALS).where(PROPOSALS.c.status.notin_([s.value for s in FINAL]))
        async with self._db.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
            asked = (
                await conn.execute(
                    select(
                        FOLLOW_UPS.c.proposal_id, FOLLOW_UPS.c.trigger, FOLLOW_UPS.c.answered_at
                    ).where(FOLLOW_UPS.c.proposal_id.in_([r.id for r in rows]))
                )
            ).all()
        triggers: dict[int, set[str]] = {}
        waiting: set[int] = set()
        for proposal_id, trigger, answered_at in asked:
            triggers.setdefault(proposal_id, set()).add(trigger)
            if answered_at is None:
                waiting.add(proposal_id)
        return [
            ProposalState(
                r.id,
                ProposalStatus(r.status),
                r.owner_id,
                date.fromisoformat(r.due_date),
                r.created_at,
                frozenset(triggers.get(r.id, set())),
                r.id in waiting,
                r.last_asked_at,
            )
            for r in rows
        ]

    async def periodic_summaries(self, since: datetime) -> list[SummaryMade]:
        stmt = select(SUMMARIES.c.kind, SUMMARIES.c.period_key, SUMMARIES.c.created_at).where(
            SUMMARIES.c.kind != "weekly", SUMMARIES.c.created_at > since
        )
        async with self._db.engine.connect() as conn:
            return [SummaryMade(*r) for r in await conn.execute(stmt)]

    async def ask(
        self,
        proposal_id: int,
        trigger: str,
        owner_id: str,
        now: datetime,
        resolve_by: datetime,
        outgoing: Callable[[int], Outgoing | None],
    ) -> int | None:
        """Ask once per trigger: the follow-up row, the proposal's status and the card to the
        owner commit together. None when this trigger was asked before (another replica)."""
        async with self._db.engine.begin() as conn:
            follow_up_id = (
                await conn.execute(
                    self._ins()(FOLLOW_UPS)
                    .values(
                        proposal_id=proposal_id,
                        trigger=trigger,
                        owner_id=owner_id,
                        asked_at=now,
                        resolve_by=resolve_by,
                        reminders=0,
                    )
                    .on_conflict_do_nothing(index_elements=["proposal_id", "trigger"])
                    .returning(FOLLOW_UPS.c.id)
                )
            ).scalar_one_or_none()
            if follow_up_id is None:
                return None
            await conn.execute(
                update(PROPOSALS)
                .where(PROPOSALS.c.id == proposal_id)
                .values(status=ProposalStatus.ASKED.value, last_asked_at=now, updated_at=now)
            )
            item = outgoing(int(follow_up_id))
            if item is not None:
                await enqueue(conn, self._db.dialect, *item)
            await audit(conn, "system", "followup.ask", f"prop:{proposal_id} {trigger}")
        if item is not None:
            self._db.enqueued()
        return int(follow_up_id)

    async def open_follow_ups(self) -> list[OpenFollowUp]:
        stmt = select(
            FOLLOW_UPS.c.id,
            FOLLOW_UPS.c.proposal_id,
            FOLLOW_UPS.c.owner_id,
            FOLLOW_UPS.c.resolve_by,
            FOLLOW_UPS.c.last_reminder_at,
        ).where(FOLLOW_UPS.c.answered_at.is_(None))
        async with self._db.engine.connect() as conn:
            return [OpenFollowUp(*r) for r in await conn.execute(stmt)]

    async def remind(
        self, follow_up_ids: list[int], day_start: datetime, now: datetime, item: Outgoing
    ) -> bool:
        """One owner's grouped reminder of the day: enqueued once (the outbox key names owner
        and day) and the follow-ups marked reminded, together. False if already done today."""
        async with self._db.engine.begin() as conn:
            if await enqueue(conn, self._db.dialect, *item) is None:
                return False
            await conn.execute(
                update(FOLLOW_UPS)
                .where(
                    FOLLOW_UPS.c.id.in_(follow_up_ids),
                    FOLLOW_UPS.c.answered_at.is_(None),
                    or_(
                        FOLLOW_UPS.c.last_reminder_at.is_(None),
                        FOLLOW_UPS.c.last_reminder_at < day_start,
                    ),
                )
                .values(last_reminder_at=now, reminders=FOLLOW_UPS.c.reminders + 1)
            )
        self._db.enqueued()
        return True

    async def follow_up(self, follow_up_id: int) -> Any:
        async with self._db.engine.connect() as conn:
            row = (
                await conn.execute(select(FOLLOW_UPS).where(FOLLOW_UPS.c.id == follow_up_id))
            ).one_or_none()
        if row is None:
            raise ProcessingError("followup.error.not_found")
        return row

    async def answer(
        self,
        follow_up_id: int,
        actor: str,
        answer: FollowUpAnswer,
        note: str,
        now: datetime,
        may_answer_for_others: bool = False,
    ) -> ProposalStatus:
        """The owner (or an expert on their behalf) answers once; the proposal takes the
        answer's status and the reporters of its observations are told."""
        async with self._db.engine.begin() as conn:
            owner_clause = (
                FOLLOW_UPS.c.id == follow_up_id
                if may_answer_for_others
                else and_(FOLLOW_UPS.c.id == follow_up_id, FOLLOW_UPS.c.owner_id == actor)
            )
            result = await conn.execute(
                update(FOLLOW_UPS)
                .where(owner_clause, FOLLOW_UPS.c.answered_at.is_(None))
                .values(answer=answer.value, note=note, answered_by=actor, answered_at=now)
            )
            if not result.rowcount:  # type: ignore[attr-defined]
                raise ProcessingError("followup.error.closed")
            proposal_id = int(
                await conn.scalar(
                    select(FOLLOW_UPS.c.proposal_id).where(FOLLOW_UPS.c.id == follow_up_id)
                )
                or 0
            )
            status = AFTER_ANSWER[answer]
            await conn.execute(
                update(PROPOSALS)
                .where(PROPOSALS.c.id == proposal_id)
                .values(
                    status=status.value,
                    updated_at=now,
                    closed_at=now if status in FINAL else None,
                )
            )
            title = await conn.scalar(
                select(PROPOSALS.c.title).where(PROPOSALS.c.id == proposal_id)
            )
            for row in await _observations_of(conn, proposal_id):
                await queue(
                    conn,
                    self._db.dialect,
                    row,
                    FeedbackEvent.FOLLOW_UP,
                    str(follow_up_id),
                    {"title": str(title), "answer": answer.value},
                    now,
                )
            await audit(conn, actor, "followup.answer", f"prop:{proposal_id} {answer.value}")
            return status

    async def count_by_status(self) -> dict[str, int]:
        stmt = select(PROPOSALS.c.status, func.count()).group_by(PROPOSALS.c.status)
        async with self._db.engine.connect() as conn:
            return {s: int(n) for s, n in await conn.execute(stmt)}
