"""Retention on SQLite and PostgreSQL with a clock moved past the periods: expired drafts,
observations past the county's period (with their summary links and outbox messages), the
audit log past its own period; each purge audited with counts only; the county-file keys."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, insert, select

from bot.retention import Retention, years_before
from bot.scheduler import Scheduler
from counties import CountyConfigError, county_path, load_county, shipped_counties
from storage.audit import AuditLog
from storage.db import Database
from storage.models import AuditEntry, Draft, Observation, OutboxItem, Summary, SummaryObservation
from storage.outbox import Outbox
from storage.reports import DraftRepository
from tests import seed

COUNTY = load_county(county_path("paijat-hame"))  # defaults: observations 10 y, audit log 5 y


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def count(db: Database, model: type) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def audit_actions(db: Database, prefix: str = "retention.") -> list[str]:
    return [e.target for e in reversed(await AuditLog(db).entries()) if e.action.startswith(prefix)]


async def test_observations_past_the_period_go_with_their_dependents(db: Database) -> None:
    old = await seed.add(db, seed.local(2026, 3, 1), 7, urgency="acute")
    new = await seed.add(db, seed.local(2027, 6, 1), 2)
    async with db.engine.begin() as conn:
        summary = (
            await conn.execute(
                insert(Summary)
                .values(
                    kind="annual",
                    period_key="2026",
                    period_start="2026-01-01",
                    period_end="2027-01-01",
                    county="paijat-hame",
                    figures={"total": 7},
                    observations=7,
                    created_at=datetime(2027, 1, 1, tzinfo=UTC),
                )
                .returning(Summary.id)
            )
        ).scalar_one()
        await conn.execute(
            insert(SummaryObservation),
            [{"summary_id": summary, "observation_id": o.id} for o in [*old, *new]],
        )
    outbox = Outbox(db)
    for row in [*old, *new]:
        await outbox.add(f"acute:{row.reference}:channel:19:rake", "acute_alert", "19:rake", {})
        await outbox.add(f"acute-reminder:{row.reference}:personal:x", "acute_reminder", "c", {})
    clock = Clock(datetime(2036, 12, 1, tzinfo=UTC))  # cut-off 1.12.2026: the 2026 ones go
    retention = Retention(db, COUNTY, clock, batch=3)  # three rounds of batches
    assert await retention.observations() == 7
    async with db.sessions() as session:
        left = set(await session.scalars(select(Observation.reference)))
        links = list(await session.scalars(select(SummaryObservation.observation_id)))
        keys = set(await session.scalars(select(OutboxItem.dedupe_key)))
    assert left == {r.reference for r in new}
    assert sorted(links) == sorted(r.id for r in new)
    assert await count(db, Summary) == 1  # aggregated figures stay
    assert keys == {
        f"{p}:{r.reference}:{s}" for r in new for p, s in [("acute", "channel:19:rake")]
    } | {f"acute-reminder:{r.reference}:personal:x" for r in new}
    assert await audit_actions(db) == [
        "observations=7 summary_observations=7 outbox=14 before 2026-12-01"
    ]
    assert await retention.observations() == 0  # nothing more, and not audited again
    assert len(await audit_actions(db)) == 1
    clock.now = datetime(2037, 7, 1, tzinfo=UTC)
    assert await retention.observations() == 2
    assert await count(db, Observation) == 0


async def test_old_outbox_rows_go_with_the_observation_period(db: Database) -> None:
    async with db.engine.begin() as conn:
        for when in (datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 1, 1, tzinfo=UTC)):
            await conn.execute(
                insert(OutboxItem).values(
                    dedupe_key=f"daily:{when:%Y-%m-%d}",
                    kind="daily_card",
                    conversation_key="19:rake",
                    payload={"card": {}},
                    status="sent",
                    attempts=1,
                    next_attempt_at=when,
                    created_at=when,
                )
            )
    await Retention(db, COUNTY, Clock(datetime(2035, 1, 1, tzinfo=UTC))).observations()
    async with db.sessions() as session:
        assert list(await session.scalars(select(OutboxItem.dedupe_key))) == ["daily:2030-01-01"]
    assert await audit_actions(db) == ["observations=0 outbox=1 before 2025-01-01"]


async def test_the_audit_log_is_kept_for_its_own_period(db: Database) -> None:
    audit = AuditLog(db)
    for year in (2026, 2027, 2028):
        for n in range(4):
            at = datetime(year, 5, 1, tzinfo=UTC)
            await audit.record("expert-1", "digest", f"{year}-{n}", True, at)
    clock = Clock(datetime(2031, 12, 31, tzinfo=UTC))  # cut-off 31.12.2026
    retention = Retention(db, COUNTY, clock, batch=5)
    assert await retention.audit_log() == 4
    clock.now = datetime(2033, 6, 1, tzinfo=UTC)  # cut-off 1.6.2028: 2027 and 2028 go
    assert await retention.audit_log() == 8
    entries = await audit.entries()
    assert [(e.actor, e.action, e.target) for e in reversed(entries)] == [
        ("retention", "retention.audit_log", "entries=4 before 2026-12-31"),
        ("retention", "retention.audit_log", "entries=8 before 2028-06-01"),
    ]
    clock.now = datetime(2033, 6, 2, tzinfo=UTC)
    assert await retention.audit_log() == 0  # the purges' own entries are newer


async def test_expired_drafts_are_purged_and_audited(db: Database) -> None:
    drafts = DraftRepository(db, timedelta(days=14))
    for n in range(5):
        await drafts.create(f"worker-{n}", "chat", None, {}, 0)
    now = datetime.now(UTC)
    retention = Retention(db, COUNTY, Clock(now + timedelta(days=13)), batch=2)
    assert await retention.drafts() == 0
    assert await audit_actions(db) == []
    retention = Retention(db, COUNTY, Clock(now + timedelta(days=15)), batch=2)
    assert await retention.drafts() == 5
    assert await count(db, Draft) == 0
    assert await audit_actions(db) == ["drafts=5 expired"]


async def test_the_scheduler_runs_the_retention_jobs(db: Database) -> None:
    await seed.add(db, seed.local(2026, 3, 1), 2)
    county = COUNTY.model_copy(
        update={"retention": COUNTY.retention.model_copy(update={"observations_years": 1})}
    )
    scheduler = Scheduler(Retention(db, county, Clock(datetime(2027, 6, 1, tzinfo=UTC))).jobs())
    outcomes = await scheduler.tick(force=True)
    assert outcomes == {
        "purge-expired-drafts": "ok 0",
        "retention-observations": "ok 2",
        "retention-audit-log": "ok 0",
    }


def test_years_before_handles_leap_days() -> None:
    assert years_before(datetime(2028, 2, 29, 12, tzinfo=UTC), 5) == datetime(
        2023, 2, 28, 12, tzinfo=UTC
    )
    assert years_before(datetime(2036, 12, 1, tzinfo=UTC), 10) == datetime(2026, 12, 1, tzinfo=UTC)


def test_county_retention_keys(tmp_path: Path) -> None:
    assert (COUNTY.retention.observations_years, COUNTY.retention.audit_log_years) == (10, 5)
    for name in shipped_counties():
        county = load_county(county_path(name))
        assert county.retention.observations_years >= county.retention.audit_log_years >= 1
    raw = yaml.safe_load(county_path("satakunta").read_text(encoding="utf-8"))
    own = tmp_path / "own.yaml"
    for value, expected in [
        ({"observations_years": 12, "audit_log_years": 3}, (12, 3)),
        ({"observations_years": 12}, (12, 5)),
        ({}, (10, 5)),
    ]:
        own.write_text(yaml.safe_dump({**raw, "retention": value}), "utf-8")
        kept = load_county(own).retention
        assert (kept.observations_years, kept.audit_log_years) == expected
    for bad in ({"observations_years": 0}, {"audit_log_days": 3}):
        own.write_text(yaml.safe_dump({**raw, "retention": bad}), "utf-8")
        with pytest.raises(CountyConfigError, match="retention"):
            load_county(own)
    assert AuditEntry.__tablename__ == "audit_log"


async def test_replicas_purging_at_once_count_each_row_once(db: Database) -> None:
    """Two purges at once (on PostgreSQL on two pooled connections, as two replicas would)."""
    await seed.add(db, seed.local(2026, 3, 1), 12)
    clock = Clock(datetime(2037, 1, 1, tzinfo=UTC))
    first, second = Retention(db, COUNTY, clock, batch=2), Retention(db, COUNTY, clock, batch=2)
    counts = await asyncio.gather(first.observations(), second.observations())
    assert sum(counts) == 12 and await count(db, Observation) == 0


async def test_the_processing_of_a_purged_observation_goes_with_it(db: Database) -> None:
    from storage.processing_models import FeedbackItem, ObservationTag, Proposal
    from tests.rights_seed import world

    await world(db, when=seed.local(2026, 3, 1))
    retention = Retention(db, COUNTY, Clock(datetime(2037, 1, 1, tzinfo=UTC)))
    assert await retention.observations() == 8
    assert await count(db, ObservationTag) == 0 and await count(db, FeedbackItem) == 0
    assert await count(db, Proposal) == 2  # a proposal is not an observation: it stays
    (entry,) = await audit_actions(db)
    assert "observations=8 " in entry and "observation_tags=2" in entry
    assert "enrichment_notes=2" in entry and "feedback_queue=2" in entry
