"""The processing service's parts: its repositories, the proposal card's view, and what the
yearly social-report draft lists, gathered from the database (SDK-free)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from cards.common import Ctx
from cards.proposals import FollowUpLine, ProposalCardView
from counties import County
from dialogs import social_report
from dialogs.metrics import Metrics, Targets
from storage.audit import AuditLog
from storage.conversations import ConversationRepository
from storage.db import Database
from storage.feedback import FeedbackRepository
from storage.metrics import MetricsRepository
from storage.paths import PathRepository
from storage.phenomena import PhenomenonRepository
from storage.processing import ProcessingRepository
from storage.proposals import ProposalRepository, ProposalView
from storage.reports import ObservationRepository


@dataclass
class Repositories:
    processing: ProcessingRepository
    phenomena: PhenomenonRepository
    proposals: ProposalRepository
    feedback: FeedbackRepository
    metrics: MetricsRepository
    observations: ObservationRepository
    conversations: ConversationRepository
    paths: PathRepository
    audit: AuditLog

    @classmethod
    def build(cls, db: Database, tz: ZoneInfo) -> Repositories:
        return cls(
            ProcessingRepository(db),
            PhenomenonRepository(db),
            ProposalRepository(db),
            FeedbackRepository(db),
            MetricsRepository(db, tz),
            ObservationRepository(db),
            ConversationRepository(db),
            PathRepository(db),
            AuditLog(db),
        )


def proposal_card_view(view: ProposalView, tz: ZoneInfo) -> ProposalCardView:
    return ProposalCardView(
        view.id,
        view.title,
        view.text,
        view.service_area,
        view.due,
        view.status,
        view.overdue,
        view.observations,
        tuple(f"phen:{p}" for p in view.phenomena),
        tuple(
            FollowUpLine(
                f.id,
                f.asked_at.astimezone(tz).date(),
                f.answer,
                f.note,
                f.answered_at.astimezone(tz).date() if f.answered_at else None,
            )
            for f in view.follow_ups
        ),
    )


def excerpt(value: str | None, limit: int = 200) -> str:
    value = " ".join((value or "").split())
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def targets_of(county: County) -> Targets:
    """The county file's OKR targets (seed 000 §2.1) for dialogs.metrics."""
    t = county.okr_targets
    return Targets(
        observations=t.observations_per_year,
        observations_baseline=t.observations_baseline,
        summaries=t.summaries_per_year,
        proposals=t.recommendations_per_year,
        actions=t.actions_per_year,
        varttis=t.rake_items_per_year,
    )


async def draft_blocks(
    repo: MetricsRepository, ctx: Ctx, metrics: Metrics, year: int
) -> list[social_report.Block]:
    tz = ZoneInfo(ctx.county.timezone)
    by_phenomenon = [
        (ctx.label_of("phenomena", pid), n) for pid, n in await repo.by_phenomenon(year)
    ]
    phenomena = [
        social_report.PhenomenonItem(name, description, n)
        for name, description, n in await repo.phenomena(year)
    ]
    proposals = [
        social_report.ProposalItem(
            row.title,
            row.text,
            ctx.label_of("service_areas", row.service_area),
            date.fromisoformat(row.due_date),
            row.status,
            tuple(
                social_report.FollowUpItem(
                    f.answered_at.astimezone(tz).date(), f.answer, f.note or ""
                )
                for f in answers
            ),
        )
        for row, answers in await repo.proposals(year)
    ]
    data = social_report.DraftData(
        ctx.county_name(), year, metrics, by_phenomenon, phenomena, proposals
    )
    return social_report.build(data, ctx.t)
