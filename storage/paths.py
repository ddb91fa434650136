"""An observation's whole path for its reporter ("my reports"): the status stamps, the
phenomena it was grouped into, the proposals it led to and what was done about them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select

from storage.db import Database
from storage.processing_models import OBS_PROCESSING as OBS
from storage.processing_models import (
    FollowUp,
    PhenomenonGroup,
    PhenomenonMember,
    Proposal,
    ProposalObservation,
    ProposalPhenomenon,
)

PHENOMENA = cast(Table, PhenomenonGroup.__table__)
MEMBERS = cast(Table, PhenomenonMember.__table__)
PROPOSALS = cast(Table, Proposal.__table__)
P_OBS = cast(Table, ProposalObservation.__table__)
P_PHEN = cast(Table, ProposalPhenomenon.__table__)
FOLLOW_UPS = cast(Table, FollowUp.__table__)
STAMPS = (
    "in_processing_at",
    "enriched_at",
    "grouped_at",
    "in_summary_at",
    "proposed_at",
    "closed_at",
)


@dataclass(frozen=True)
class ProposalStep:
    id: int
    title: str
    status: str
    last_answer: str | None


@dataclass
class ObservationPath:
    stamps: dict[str, datetime] = field(default_factory=dict)
    closing_reason: str | None = None
    phenomena: list[str] = field(default_factory=list)
    proposals: list[ProposalStep] = field(default_factory=list)


class PathRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def paths(self, observation_ids: list[int]) -> dict[int, ObservationPath]:
        if not observation_ids:
            return {}
        found = {i: ObservationPath() for i in observation_ids}
        columns = [OBS.c.id, OBS.c.closing_reason, *(OBS.c[name] for name in STAMPS)]
        direct = select(P_OBS.c.observation_id, P_OBS.c.proposal_id).where(
            P_OBS.c.observation_id.in_(observation_ids)
        )
        via = (
            select(MEMBERS.c.observation_id, P_PHEN.c.proposal_id)
            .join(P_PHEN, P_PHEN.c.phenomenon_id == MEMBERS.c.phenomenon_id)
            .where(MEMBERS.c.observation_id.in_(observation_ids))
        )
        async with self._db.engine.connect() as conn:
            for row in await conn.execute(select(*columns).where(OBS.c.id.in_(observation_ids))):
                path = found[row.id]
                path.closing_reason = row.closing_reason
                path.stamps = {n: getattr(row, n) for n in STAMPS if getattr(row, n) is not None}
            for obs_id, name in await conn.execute(
                select(MEMBERS.c.observation_id, PHENOMENA.c.name)
                .join(PHENOMENA, PHENOMENA.c.id == MEMBERS.c.phenomenon_id)
                .where(MEMBERS.c.observation_id.in_(observation_ids))
                .order_by(PHENOMENA.c.id)
            ):
                found[obs_id].phenomena.append(name)
            links = {(o, p) for o, p in await conn.execute(direct.union(via))}
            ids = sorted({p for _o, p in links})
            proposals = {
                r.id: r
                for r in await conn.execute(select(PROPOSALS).where(PROPOSALS.c.id.in_(ids)))
            }
            answers: dict[int, str] = {}
            for proposal_id, answer in await conn.execute(
                select(FOLLOW_UPS.c.proposal_id, FOLLOW_UPS.c.answer)
                .where(FOLLOW_UPS.c.proposal_id.in_(ids), FOLLOW_UPS.c.answer.is_not(None))
                .order_by(FOLLOW_UPS.c.answered_at, FOLLOW_UPS.c.id)
            ):
                answers[proposal_id] = answer  # the latest wins
        for obs_id, proposal_id in sorted(links):
            p = proposals[proposal_id]
            found[obs_id].proposals.append(ProposalStep(p.id, p.title, p.status, answers.get(p.id)))
        return found
