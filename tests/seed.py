"""Synthetic observations for the digest tests (no real data; no persons)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from storage.db import Database
from storage.models import Observation
from storage.reports import ObservationRepository

HELSINKI = ZoneInfo("Europe/Helsinki")


def local(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=HELSINKI)


def fields(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "county": "paijat-hame",
        "kind": "problem",
        "phenomenon": "housing",
        "phenomenon_other": None,
        "description": "Vuokra-asuntojen puute näkyy nuorten aikuisten asiakkuuksissa.",
        "target_groups": ["youth"],
        "area": "lahti",
        "service_area": "adult_social",
        "extent": "recurring",
        "trend": "increasing",
        "structural": "Kohtuuhintaisia asuntoja on liian vähän.",
        "proposal": None,
        "urgency": "normal",
        "acute_reason": None,
        "reporter_role": "employee",
        "contact_ok": False,
        "anonymous": False,
        "reporter_id": "aaaaaaaa-0000-0000-0000-000000000001",
        "origin": "chat",
        "team_id": None,
        "locale": "fi",
    }
    values.update(overrides)
    if values["urgency"] == "acute" and not values["acute_reason"]:
        values["acute_reason"] = "Asunnottomuus uhkaa usealla perheellä viikon sisällä."
    return values


async def add(db: Database, when: datetime, n: int = 1, **overrides: Any) -> list[Observation]:
    repo = ObservationRepository(db)
    made = []
    for _ in range(n):
        row, _created = await repo.submit(uuid.uuid4().hex, fields(**overrides), now=when)
        made.append(row)
    return made


async def week_10_dataset(db: Database) -> None:
    """The hand-computed dataset of test_digests (see its expectations)."""
    # ISO week 10 of 2026: Monday 2 March – Sunday 8 March (local time)
    await add(db, local(2026, 3, 2, 9), 3)
    await add(
        db,
        local(2026, 3, 4, 14),
        2,
        kind="good_practice",
        phenomenon="mental_health",
        area="heinola",
        service_area="family_social",
    )
    await add(
        db, local(2026, 3, 5, 10), kind="weak_signal", service_area="family_social", urgency="acute"
    )
    await add(db, local(2026, 3, 8, 23, 30), area="hollola")  # Sunday night: still week 10
    await add(db, local(2026, 3, 9, 0, 10), phenomenon="violence")  # Monday: week 11
    await add(db, local(2026, 3, 1, 23, 59), 2)  # week 9
    await add(db, local(2026, 2, 23, 8), 3, phenomenon="mental_health")  # week 9
    await add(db, local(2025, 3, 4, 12), 4, phenomenon="substances")  # week 10 of 2025
