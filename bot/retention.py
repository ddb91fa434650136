"""Retention jobs run by the scheduler (every replica; each purge is idempotent): drafts past
their expiry, observations past the county's ``retention.observations_years`` (with their
dependent rows), the audit log past ``retention.audit_log_years``. Each purge that removed
anything is written to the audit log with counts only (actor ``retention``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.scheduler import Job
from counties import County
from storage.audit import AuditLog
from storage.db import Database, utcnow
from storage.retention import RetentionRepository

ACTOR = "retention"
EVERY_S = 3600.0


def years_before(moment: datetime, years: int) -> datetime:
    """The same instant ``years`` calendar years earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


class Retention:
    def __init__(
        self,
        db: Database,
        county: County,
        clock: Callable[[], datetime] = utcnow,
        batch: int | None = None,
    ) -> None:
        self._county = county
        self._clock = clock
        self._repo = RetentionRepository(db) if batch is None else RetentionRepository(db, batch)
        self._audit = AuditLog(db)

    def cutoffs(self) -> dict[str, datetime]:
        now = self._clock().astimezone(UTC)
        keep = self._county.retention
        return {
            "observations": years_before(now, keep.observations_years),
            "audit_log": years_before(now, keep.audit_log_years),
        }

    async def drafts(self) -> int:
        purged = await self._repo.purge_drafts(self._clock())
        if purged:
            await self._audit.record(
                ACTOR, "retention.drafts", f"drafts={purged} expired", True, self._clock()
            )
        return purged

    async def observations(self) -> int:
        before = self.cutoffs()["observations"]
        counts = await self._repo.purge_observations(before)
        if any(counts.values()):
            shown = {k: v for k, v in counts.items() if v or k == "observations"}
            detail = " ".join(f"{k}={v}" for k, v in shown.items())
            await self._audit.record(
                ACTOR,
                "retention.observations",
                f"{detail} before {before:%Y-%m-%d}",
                True,
                self._clock(),
            )
        return counts["observations"]

    async def audit_log(self) -> int:
        before = self.cutoffs()["audit_log"]
        purged = await self._repo.purge_audit_log(before)
        if purged:  # written after the purge, so the entry itself is kept
            await self._audit.record(
                ACTOR,
                "retention.audit_log",
                f"entries={purged} before {before:%Y-%m-%d}",
                True,
                self._clock(),
            )
        return purged

    def jobs(self) -> list[Job]:
        return [
            Job("purge-expired-drafts", EVERY_S, self.drafts),
            Job("retention-observations", EVERY_S, self.observations),
            Job("retention-audit-log", EVERY_S, self.audit_log),
        ]
