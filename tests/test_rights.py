"""Data rights on SQLite and PostgreSQL: a person's export holds exactly their data, an erasure
removes or unlinks exactly it (another person untouched), a dry run changes nothing, and every
call is audited without the erased id in clear."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.rights import REPORT_COLUMNS, RightsError, UserRights
from bot.services import Services
from counties import County, county_path, load_county
from storage.audit import AuditLog
from storage.db import Database
from storage.models import Draft, Observation
from storage.reports import DraftRepository
from storage.rights import TOMBSTONE
from tests.conftest import make_settings
from tests.rights_seed import PEOPLE, A, B, C, dump, mentions, world

COUNTY = load_county(county_path("paijat-hame"))


def services_of(db: Database, county: County = COUNTY) -> Services:
    return replace(Services.build(make_settings(), db=db), county=county)


def rights(db: Database, batch: int | None = None) -> UserRights:
    return UserRights(services_of(db), batch=batch)


async def test_export_holds_exactly_the_persons_data(db: Database) -> None:
    made = await world(db)
    doc = await rights(db).export(A, "dpo-operator")
    text = json.dumps(doc, ensure_ascii=False)
    assert not mentions(text, B), "another person's data in the export"
    assert doc["user"] == A and doc["format"] == "rake-user-export/1"
    assert len(doc["drafts"]) == 3
    assert {d["data"]["description"] for d in doc["drafts"]} == {
        f"Alpha luonnos {n}" for n in range(3)
    }
    assert sorted(s["key"] for s in doc["bot_state"]) == [
        "msteams/conversations/a:chat-a",
        "msteams/users/29:acct-a",
    ]
    assert [r["conversation_id"] for r in doc["conversation_references"]] == ["a:chat-a"]
    assert [(o["kind"], o["status"]) for o in doc["outbox"]] == [("acute_alert", "pending")]
    assert "payload" not in doc["outbox"][0]  # cards quote others' observations
    assert [r["role"] for r in doc["roles"]] == ["expert"]
    assert "added_by" not in doc["roles"][0]  # who granted it is someone else's action
    assert [(r["aad_id"], r["role"]) for r in doc["roles_granted"]] == [(C, "admin")]
    # all four reports, the anonymous one too: it is their own data
    assert sorted(r["reference"] for r in doc["reports"]) == sorted(
        r.reference for r in made[A]["reports"]
    )
    assert {r["description"] for r in doc["reports"]} == {
        "Alpha havainto tavallinen",
        "Alpha havainto anonyymi",
        "Alpha havainto akuutti",
    }
    anonymous = next(r for r in doc["reports"] if r["description"] == "Alpha havainto anonyymi")
    assert anonymous["anonymous"] == "Kyllä" and anonymous["reporter"] == A
    assert anonymous["kind"] == "Epäkohta tai puute" and anonymous["area"] == "Lahti"
    assert set(REPORT_COLUMNS) <= set(doc["reports"][0]) and set(doc["report_columns"]) == set(
        REPORT_COLUMNS
    )
    assert [a["reference"] for a in doc["acknowledgements"]] == [made[B]["reports"][-1].reference]
    assert [s["team_id"] for s in doc["vartti_schedules"]] == [made[A]["team"]]
    assert [s["key"] for s in doc["settings_changed"]] == ["setting-Alpha"]
    assert [(e["action"], e["target"]) for e in doc["audit_log"]] == [
        ("observation.read", made[A]["reports"][0].reference),
        ("role.add", f"{C} admin"),
    ]
    assert [(e["action"], e["target"]) for e in doc["audit_log_about"]] == [
        ("role.add", f"{A} expert")
    ]
    assert "actor" not in doc["audit_log_about"][0]
    # JSON all the way down
    assert json.loads(text) == doc


async def test_export_labels_follow_the_language(db: Database) -> None:
    await world(db)
    doc = await rights(db).export(A, "cli", lang="en")
    assert doc["report_columns"]["reference"] == "Reference"
    assert {r["kind"] for r in doc["reports"]} == {"Problem or gap"}


async def test_the_report_view_is_the_experts_export_but_for_the_reporter(db: Database) -> None:
    from bot.export_flow import COLUMNS, Exporter
    from bot.rights import ReportView
    from cards.common import Ctx

    made = await world(db)
    services = services_of(db)
    ctx = Ctx("fi", services.catalog, COUNTY)
    exporter, view = Exporter(services, ctx), ReportView(services, ctx)
    assert list(view.headings()) == list(COLUMNS)
    assert list(view.headings().values()) == exporter.headings()
    at = COLUMNS.index("reporter")
    for row in made[A]["reports"]:
        ours, theirs = list(view.report(row).values()), exporter.values(row)
        assert ours[:at] + ours[at + 1 : -1] == theirs[:at] + theirs[at + 1 :]
        assert ours[at] == A  # even when anonymous or without contact permission
        assert theirs[at] == (A if row.contact_ok and not row.anonymous else "")


async def test_delete_removes_or_unlinks_exactly_the_person(db: Database) -> None:
    made = await world(db)
    before = await dump(db)
    done = await rights(db, batch=2).erase(A, "dpo-operator")  # small batches: many rounds
    after = await dump(db)
    assert done == {
        "drafts": 3,
        "bot_state": 2,
        "conversation_references": 1,
        "outbox": 1,
        "roles": 1,
        "reports_unlinked": 4,
        "acknowledgements_unlinked": 1,
        "vartti_schedules_unlinked": 1,
        "roles_granted_unlinked": 1,
        "settings_unlinked": 1,
        "observations_closed_unlinked": 1,
        "tags_added_unlinked": 1,
        "phenomena_created_unlinked": 1,
        "phenomenon_groupings_unlinked": 1,
        "enrichment_notes_unlinked": 1,
        "comment_requests_to_them_unlinked": 1,
        "comment_requests_asked_unlinked": 1,
        "comment_answers_unlinked": 1,
        "proposals_owned_unlinked": 1,
        "proposals_made_unlinked": 1,
        "follow_ups_asked_unlinked": 1,
        "follow_ups_answered_unlinked": 1,
        "feedback": 1,
    }
    for table in before:
        removed, added = before[table] - after[table], after[table] - before[table]
        for row in removed:
            assert mentions(row, A), (table, row)
        for row in added:
            if table == "audit_log" or (table == "app_settings" and "rights." in row):
                continue
            assert TOMBSTONE in row and not mentions(row, A, texts=False), (table, row)
        # every row of the other person is still there, unchanged, unless A's link was on it
        for row in before[table]:
            if mentions(row, B) and not mentions(row, A):
                assert row in after[table], (table, row)
    for table, rows in after.items():  # the audit log keeps its entries (see the README)
        if table != "audit_log":
            assert not [r for r in rows if mentions(r, A, texts=False)], table
    async with db.sessions() as session:
        reports = list(
            await session.scalars(
                select(Observation).where(Observation.id.in_([r.id for r in made[A]["reports"]]))
            )
        )
    assert len(reports) == 4  # the reports stay
    assert {(r.reporter_id, r.contact_ok) for r in reports} == {(TOMBSTONE, False)}
    assert (await rights(db).erasure_counts(A, "cli"))["drafts"] == 0
    doc = await rights(db).export(B, "cli")
    assert len(doc["drafts"]) == 3 and len(doc["reports"]) == 4 and doc["roles"]


async def test_dry_run_changes_nothing_and_counts_what_delete_does(db: Database) -> None:
    await world(db)
    before = await dump(db)
    counts = await rights(db).erasure_counts(A, "cli")
    after = await dump(db)
    added = {t: after[t] - before[t] for t in after if after[t] != before[t]}
    assert set(added) <= {"audit_log", "app_settings"}  # the audit entry (and the hash key)
    assert before["drafts"] == after["drafts"] and counts["audit_log_kept"] == 3
    done = await rights(db).erase(A, "cli")
    assert done == {k: v for k, v in counts.items() if k != "audit_log_kept"}


async def test_each_operation_is_audited_without_the_id_in_clear(db: Database) -> None:
    await world(db)
    r = rights(db)
    await r.export(A, "dpo-1")
    await r.erasure_counts(A, "dpo-2")
    await r.erase(A, "dpo-3")
    entries = [e for e in await AuditLog(db).entries() if e.action.startswith("user.")]
    assert [(e.actor, e.action) for e in reversed(entries)] == [
        ("dpo-1", "user.export"),
        ("dpo-2", "user.delete.dry_run"),
        ("dpo-3", "user.delete"),
    ]
    pseudonym = await r.repo.pseudonym(A)
    assert pseudonym != await r.repo.pseudonym(B)
    assert re.fullmatch(r"person:[a-p]{20}", pseudonym)  # no digits to look like a number
    for entry in entries:
        assert A not in entry.target and not mentions(entry.target, A)
        assert entry.target.startswith(pseudonym + " ")
    assert "drafts=3" in entries[0].target and "reports_unlinked=4" in entries[0].target
    assert await r.repo.pseudonym(A) == pseudonym  # the key is kept: a deletion can be confirmed


async def test_an_unknown_person_exports_empty_and_bad_ids_are_refused(db: Database) -> None:
    await world(db)
    doc = await rights(db).export("dddddddd-0000-4000-8000-00000000000d", "cli")
    assert all(doc[k] == [] for k in ("drafts", "reports", "bot_state", "audit_log"))
    for bad in ("", "  ", "two words", TOMBSTONE, "x" * 129):
        with pytest.raises(RightsError):
            await rights(db).erase(bad, "cli")


async def test_many_drafts_are_deleted_in_batches(db: Database) -> None:
    drafts = DraftRepository(db, timedelta(days=14))
    for _ in range(23):
        await drafts.create(A, "chat", None, {}, 0)
    await drafts.create(B, "chat", None, {}, 0)
    assert (await rights(db, batch=5).erase(A, "cli"))["drafts"] == 23
    async with db.sessions() as session:
        left = await session.scalar(select(func.count()).select_from(Draft))
    assert left == 1


async def test_person_who_is_in_the_county_file_is_told(db: Database) -> None:
    county = COUNTY.model_copy(update={"experts": [A], "escalation": COUNTY.escalation})
    county = county.model_copy(
        update={"escalation": county.escalation.model_copy(update={"people": [A]})}
    )
    r = UserRights(services_of(db, county))
    assert r.named_in_county_file(A) == ["experts", "escalation.people"]
    assert (await r.export(A, "cli"))["named_in_county_file"] == ["experts", "escalation.people"]
    assert r.named_in_county_file(B) == []
    assert PEOPLE  # the seed's people are the ones named above


# Columns whose names look like a person's id but are not one.
NOT_A_PERSON = {
    ("outbox", "claimed_by"),  # the worker process holding the lease
    ("follow_ups", "resolve_by"),  # a moment
}
PERSON_NAMES = {"user_id", "owner_id", "reporter_id", "aad_id", "actor", "author"}


def test_every_person_column_of_the_models_is_exported_and_erased() -> None:
    """A new table with a person's id fails here until storage/rights.py covers it."""
    import importlib
    import pkgutil

    import storage
    from storage.models import Base
    from storage.person_data import LINKS, PERSON_COLUMNS_ELSEWHERE

    for module in pkgutil.iter_modules(storage.__path__):
        importlib.import_module(f"storage.{module.name}")
    from storage.processing_models import OBS_PROCESSING  # columns of a migration, not a model

    covered = {(link.table.name, link.column) for link in LINKS} | PERSON_COLUMNS_ELSEWHERE
    found = {
        (table.name, column.name)
        for table in [*Base.metadata.sorted_tables, OBS_PROCESSING]
        for column in table.columns
        if column.name in PERSON_NAMES or column.name.endswith(("_by", "lead_id", "recipient_id"))
    }
    assert found - NOT_A_PERSON - covered == set()
    assert covered <= found  # and nothing listed that is not there


def test_an_erased_reporter_is_never_sent_feedback() -> None:
    from dialogs.feedback import wants_feedback

    assert wants_feedback(False, A) and not wants_feedback(True, A)
    assert not wants_feedback(False, TOMBSTONE)
