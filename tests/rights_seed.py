"""Two synthetic people (and a third who only appears as the target of a role change) with
something in every table that is keyed by a person, for the data-rights tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update

from storage.audit import AuditLog
from storage.conversations import ConversationRepository, Reference
from storage.db import Database, utcnow
from storage.kv import KeyValueStore
from storage.models import Base, Observation, VarttiSchedule
from storage.outbox import Outbox
from storage.reports import DraftRepository
from storage.roles import RoleRepository, SettingsRepository
from storage.teams import TeamRepository
from tests import seed

A = "aaaaaaaa-0000-4000-8000-00000000000a"
B = "bbbbbbbb-0000-4000-8000-00000000000b"
C = "cccccccc-0000-4000-8000-00000000000c"  # only the target of A's role change
PEOPLE: dict[str, dict[str, str]] = {
    A: {"account": "29:acct-a", "chat": "a:chat-a", "text": "Alpha"},
    B: {"account": "29:acct-b", "chat": "a:chat-b", "text": "Bravo"},
}


async def person(db: Database, who: str, when: datetime) -> dict[str, Any]:
    """Drafts, bot state, a personal reference, messages, reports, a schedule, a setting."""
    ids = PEOPLE[who]
    tag = ids["text"]
    drafts = DraftRepository(db, timedelta(days=14))
    for n in range(3):
        await drafts.create(who, "chat", None, {"description": f"{tag} luonnos {n}"}, 1)
    await KeyValueStore(db).write(
        {
            f"msteams/users/{ids['account']}": ({"lang": "sv", "who": tag}, None),
            f"msteams/conversations/{ids['chat']}": ({"dialog": tag}, None),
        }
    )
    await ConversationRepository(db).upsert(
        Reference(
            "personal",
            who,
            ids["chat"],
            "https://smba.example/",
            "tenant-1",
            None,
            "28:bot",
            ids["account"],
        )
    )
    reports = [
        *await seed.add(db, when, 2, reporter_id=who, description=f"{tag} havainto tavallinen"),
        *await seed.add(
            db, when, reporter_id=who, anonymous=True, description=f"{tag} havainto anonyymi"
        ),
        *await seed.add(
            db,
            when,
            reporter_id=who,
            contact_ok=True,
            urgency="acute",
            description=f"{tag} havainto akuutti",
        ),
    ]
    outbox = Outbox(db)
    acute = reports[-1].reference
    await outbox.add(
        f"acute:{acute}:personal:{who}", "acute_alert", ids["chat"], {"card": {"t": tag}}
    )
    await outbox.add(
        f"acute:{acute}:channel:19:rake", "acute_alert", "19:rake", {"card": {"t": tag}}
    )
    team = f"19:team-{tag.lower()}"
    await TeamRepository(db).installed(team, f"Tiimi {tag}", None, "tenant-1", "https://smba/")
    async with db.engine.begin() as conn:
        await conn.execute(
            insert(VarttiSchedule).values(
                team_id=team,
                channel_id=team,
                weekday=1,
                meeting_time="09:00",
                lead_minutes=30,
                frequency="weekly",
                anchor_date="2026-01-06",
                language="fi",
                timezone="Europe/Helsinki",
                paused=False,
                updated_by=who,
                updated_at=utcnow(),
            )
        )
    await SettingsRepository(db).put(f"setting-{tag}", {"by": tag}, who)
    await processing(db, who, reports)
    await AuditLog(db).record(who, "observation.read", reports[0].reference, True)
    return {"reports": reports, "team": team}


async def processing(db: Database, who: str, reports: list[Observation]) -> None:
    """What an expert and a lead leave on the way from an observation to an action."""
    from storage.processing_models import (
        OBS_PROCESSING,
        CommentRequest,
        EnrichmentNote,
        FeedbackItem,
        FollowUp,
        ObservationTag,
        PhenomenonGroup,
        PhenomenonMember,
        Proposal,
    )

    tag, first = PEOPLE[who]["text"], reports[0].id
    async with db.sessions.begin() as session:
        group = PhenomenonGroup(county="paijat-hame", name=f"{tag} ilmiö", created_by=who)
        proposal = Proposal(
            county="paijat-hame",
            title=f"{tag} ehdotus",
            service_area="adult_social",
            owner_id=who,
            due_date="2027-03-01",
            status="open",
            year=2026,
            created_by=who,
        )
        session.add_all([group, proposal])
        await session.flush()
        session.add_all(
            [
                ObservationTag(observation_id=first, tag=f"t-{tag.lower()}", added_by=who),
                PhenomenonMember(phenomenon_id=group.id, observation_id=first, added_by=who),
                EnrichmentNote(observation_id=first, author=who, text=f"{tag} rikastus"),
                CommentRequest(
                    observation_id=first,
                    service_area="adult_social",
                    lead_id=who,
                    asked_by=who,
                    question=f"{tag} kysymys",
                    answer=f"{tag} vastaus",
                    answered_by=who,
                    answered_at=utcnow(),
                ),
                FollowUp(
                    proposal_id=proposal.id,
                    trigger="due",
                    owner_id=who,
                    resolve_by=utcnow(),
                    answer="done",
                    note=f"{tag} tehty",
                    answered_by=who,
                    answered_at=utcnow(),
                ),
                FeedbackItem(
                    dedupe_key=f"{tag}-feedback",
                    recipient_id=who,
                    observation_id=first,
                    event="enriched",
                    locale="fi",
                ),
            ]
        )
    async with db.engine.begin() as conn:
        await conn.execute(
            update(OBS_PROCESSING)
            .where(OBS_PROCESSING.c.id == reports[1].id)
            .values(closed_by=who, closed_at=utcnow(), closing_reason="other")
        )


async def world(db: Database, when: datetime | None = None) -> dict[str, Any]:
    when = when or seed.local(2026, 11, 2, 10)
    made = {A: await person(db, A, when), B: await person(db, B, when)}
    roles = RoleRepository(db)
    await roles.set(A, "expert", added_by=B)
    await roles.set(B, "expert", added_by="county-file")
    await roles.set(C, "admin", added_by=A)
    audit = AuditLog(db)
    await audit.record(B, "role.add", f"{A} expert", True)
    await audit.record(A, "role.add", f"{C} admin", True)
    # A acknowledges B's acute report
    b_acute = made[B]["reports"][-1]
    async with db.engine.begin() as conn:
        await conn.execute(
            update(Observation)
            .where(Observation.id == b_acute.id)
            .values(acknowledged_by=A, acknowledged_at=utcnow())
        )
    return made


async def dump(db: Database) -> dict[str, set[str]]:
    """Every row of every table, as text (to compare before and after)."""
    rows: dict[str, set[str]] = {}
    async with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            result = await conn.execute(select(table))
            rows[table.name] = {repr(tuple(r)) for r in result}
    return rows


def mentions(text: str, who: str, texts: bool = True) -> bool:
    """Whether a row names the person (their ids) or, with ``texts``, holds their seeded texts."""
    ids = PEOPLE[who]
    named = who in text or ids["account"] in text or ids["chat"] in text
    return named or (texts and ids["text"] in text)
