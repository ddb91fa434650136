"""Retention: what has outlived its period is deleted, in batches of short transactions.

* drafts past their expiry (``drafts.expires_at``);
* observations created before the county's observation cutoff, with their dependent rows: every
  row with a foreign key to them (the links to the summaries that covered them — the summaries'
  figures are aggregates and stay — and whatever else refers to an observation) and the outbox
  messages that quoted them (acute alerts and reminders); outbox rows of any kind older than the
  same cutoff go too (their cards may carry excerpts of that time);
* audit-log entries older than the audit log's own cutoff.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Table, delete, or_, select

from storage.db import Database
from storage.models import Base
from storage.person_data import AUDIT, BATCH, DRAFTS, OBS, OUTBOX, Step, apply_batched

_REFS_PER_STATEMENT = 100  # keeps the OR of key prefixes well inside SQLite's expression depth


def dependents() -> list[tuple[Table, Column[Any]]]:
    """Every table with a foreign key to an observation (summary links, and any added later),
    with that column: their rows go with the observation, counted by table."""
    return [
        (table, fk.parent)
        for table in Base.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table is OBS and table is not OBS
    ]


class RetentionRepository:
    def __init__(self, db: Database, batch: int = BATCH) -> None:
        self._db = db
        self._batch = batch

    async def purge_drafts(self, now: datetime) -> int:
        return await apply_batched(
            self._db,
            Step("drafts", DRAFTS, "id", DRAFTS.c.expires_at <= now),
            self._batch,
            skip_locked=True,
        )

    async def purge_observations(self, before: datetime) -> dict[str, int]:
        """Observations created before ``before`` and what depends on them; returns counts."""
        linked = dependents()
        counts = {"observations": 0, **{table.name: 0 for table, _ in linked}, "outbox": 0}
        query = (
            select(OBS.c.id, OBS.c.reference)
            .where(OBS.c.created_at < before)
            .order_by(OBS.c.id)
            .limit(self._batch)
        )
        if self._db.dialect == "postgresql":  # replicas purging at once take different rows
            query = query.with_for_update(skip_locked=True)
        while True:
            async with self._db.engine.begin() as conn:
                rows = list(await conn.execute(query))
                if not rows:
                    break
                ids = [row.id for row in rows]
                for table, column in linked:
                    gone = await conn.execute(delete(table).where(column.in_(ids)))
                    counts[table.name] += int(gone.rowcount or 0)  # type: ignore[attr-defined]
                refs = [row.reference for row in rows]
                for start in range(0, len(refs), _REFS_PER_STATEMENT):
                    chunk = refs[start : start + _REFS_PER_STATEMENT]
                    quoted = or_(
                        *[
                            OUTBOX.c.dedupe_key.startswith(f"{prefix}:{ref}:", autoescape=True)
                            for ref in chunk
                            for prefix in ("acute", "acute-reminder")
                        ]
                    )
                    gone = await conn.execute(delete(OUTBOX).where(quoted))
                    counts["outbox"] += int(gone.rowcount or 0)  # type: ignore[attr-defined]
                gone = await conn.execute(delete(OBS).where(OBS.c.id.in_(ids)))
            counts["observations"] += int(gone.rowcount or 0)  # type: ignore[attr-defined]
            if len(ids) < self._batch:
                break
        counts["outbox"] += await apply_batched(
            self._db,
            Step("outbox", OUTBOX, "id", OUTBOX.c.created_at < before),
            self._batch,
            skip_locked=True,
        )
        return counts

    async def purge_audit_log(self, before: datetime) -> int:
        return await apply_batched(
            self._db,
            Step("audit_log", AUDIT, "id", AUDIT.c.at < before),
            self._batch,
            skip_locked=True,
        )
