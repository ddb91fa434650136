"""Texts that reach storage without a dialog: the audit target and team/channel names."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.audit import AuditLog
from storage.db import Database
from storage.models import AuditEntry, Channel, Team
from storage.teams import TeamRepository

# what a hostile or careless user types, as the issue found them passing
HOSTILE = [
    "kooste 131052-308T matti.virtanen@example.com 040 1234567",
    "131052-308t",
    "010101a123N",
    "1310\u200b52-308T",
    "１３１０５２-３０８Ｔ",
    "MATTI VIRTANEN",
    "040\u20101234567",
]


async def _all_text(db: Database) -> str:
    async with db.sessions() as session:
        audit = (await session.scalars(select(AuditEntry.target))).all()
        teams = (await session.scalars(select(Team.name))).all()
        channels = (await session.scalars(select(Channel.name))).all()
    return "\n".join(str(v) for v in [*audit, *teams, *channels])


@pytest.mark.parametrize("typed", HOSTILE)
async def test_the_audit_target_never_holds_an_identifier(db: Database, typed: str) -> None:
    log = AuditLog(db)
    await log.record("user-1", "digest", typed, False)
    await log.record("user-1", "observation.read", "RAKE-2026-0042", True)
    entries = await log.entries()
    assert entries[0].target == "RAKE-2026-0042"  # structured values stay
    assert entries[1].target.startswith("(withheld: ")
    stored = await _all_text(db)
    for fragment in ("308", "123N", "virtanen", "VIRTANEN", "1234567", "３０８"):
        assert fragment not in stored


async def test_team_and_channel_names_with_identifiers_are_not_stored(db: Database) -> None:
    teams = TeamRepository(db)
    await teams.installed("team-1", "Perhepalvelut Lahti", None, None, "https://example.invalid")
    await teams.installed("team-2", "Matti Virtasen asiat 040 1234567", None, None, "https://x")
    await teams.channel("chan-1", "team-1", "Vartti ja koosteet")
    await teams.channel("chan-2", "team-1", "hetu 131052-308T")
    await teams.channel("chan-1", "team-1", "Asiakas MATTI VIRTANEN")  # a rename keeps the old
    # a forged install with a 200 000-character name: not stored, and not read by the guard
    await teams.installed("team-3", "Perhepalvelut " * 15_000, None, None, "https://x")
    async with db.sessions() as session:
        names = {t.team_id: t.name for t in (await session.scalars(select(Team))).all()}
        channels = {c.channel_id: c.name for c in (await session.scalars(select(Channel))).all()}
    assert names == {"team-1": "Perhepalvelut Lahti", "team-2": None, "team-3": None}
    assert channels == {"chan-1": "Vartti ja koosteet", "chan-2": None}
