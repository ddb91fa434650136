"""The processing service on a real database with a clock moved by hand (no waiting)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.processing_jobs import LoopJobs
from bot.processing_service import Actor, ProcessingService, Repositories
from counties import county_path, load_county
from i18n import Catalog
from storage.conversations import ConversationRepository, Reference
from storage.db import Database
from storage.outbox import Outbox

HELSINKI = ZoneInfo("Europe/Helsinki")
EXPERT = Actor("expert-1", "fi")
LEAD = Actor("lead-1", "fi")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def move(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def at_local(self, y: int, m: int, d: int, hh: int = 9, mm: int = 0) -> datetime:
        self.now = datetime(y, m, d, hh, mm, tzinfo=HELSINKI)
        return self.now


def service(db: Database, clock: Clock, similar: Any = None, **county: Any) -> ProcessingService:
    base = load_county(county_path("paijat-hame"))
    updates: dict[str, Any] = {"service_area_leads": {"adult_social": ["lead-1"]}}
    updates.update(county)
    cfg = base.model_copy(update=updates)

    async def is_expert(aad_id: str) -> bool:
        return aad_id == EXPERT.aad_id

    return ProcessingService(
        Repositories.build(db, HELSINKI), cfg, Catalog.load(), clock, is_expert, similar
    )


def jobs(svc: ProcessingService) -> LoopJobs:
    return LoopJobs(svc)


async def reachable(db: Database, *people: str) -> None:
    """Personal conversations exist for these people (as after they talked to the bot)."""
    repo = ConversationRepository(db)
    for person in people:
        await repo.upsert(Reference("personal", person, f"conv-{person}", "https://svc.test/"))


async def outbox_keys(db: Database, prefix: str) -> list[str]:
    rows = await Outbox(db).listing(limit=500)
    return sorted(r.dedupe_key for r in rows if r.dedupe_key.startswith(prefix))
