"""Storage on SQLite and PostgreSQL: state store e-tags, drafts, references, idempotent submit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botbuilder.core import MemoryStorage, StoreItem

from bot.state import SqlStorage
from storage.db import Database, utcnow
from storage.kv import EtagConflict, KeyValueStore
from storage.migrate import current_revision, head_revision
from storage.reports import DraftRepository, ObservationRepository
from tests.conftest import DatabaseFactory

FIELDS: dict[str, Any] = {
    "county": "paijat-hame",
    "kind": "problem",
    "phenomenon": "housing",
    "phenomenon_other": None,
    "description": "Synteettinen kuvaus ilmiöstä.",
    "target_groups": ["youth"],
    "area": "lahti",
    "service_area": "adult_social",
    "extent": None,
    "trend": None,
    "structural": None,
    "proposal": None,
    "urgency": "normal",
    "acute_reason": None,
    "reporter_role": None,
    "contact_ok": False,
    "anonymous": False,
    "reporter_id": "worker-1",
    "origin": "chat",
    "team_id": None,
    "locale": "fi",
}


async def test_migrations_are_current(db: Database) -> None:
    assert await current_revision(db) == head_revision()


async def test_unmigrated_database_reports_no_revision(databases: DatabaseFactory) -> None:
    fresh = await databases.create(migrate=False)
    assert await current_revision(fresh) is None


async def test_kv_store_etag_semantics(db: Database) -> None:
    store = KeyValueStore(db)
    etags = await store.write({"a": ({"n": 1}, None)})
    assert (await store.read(["a", "missing"])) == {"a": ({"n": 1}, etags["a"])}
    newer = await store.write({"a": ({"n": 2}, etags["a"])})
    with pytest.raises(EtagConflict):
        await store.write({"a": ({"n": 3}, etags["a"])})  # stale e-tag
    assert (await store.read(["a"]))["a"] == ({"n": 2}, newer["a"])
    await store.write({"a": ({"n": 4}, "*")})  # wildcard always wins
    assert (await store.read(["a"]))["a"][0] == {"n": 4}
    await store.delete(["a"])
    assert await store.read(["a"]) == {}


async def test_kv_store_conflict_leaves_the_whole_batch_unwritten(db: Database) -> None:
    store = KeyValueStore(db)
    etags = await store.write({"a": ({"v": 1}, None)})
    await store.write({"a": ({"v": 2}, etags["a"])})
    with pytest.raises(EtagConflict):
        await store.write({"b": ({"v": 1}, None), "a": ({"v": 3}, etags["a"])})
    assert await store.read(["b"]) == {}


class Item(StoreItem):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)


async def test_sql_storage_contract(db: Database) -> None:
    """botbuilder's Storage contract as its Cosmos/Blob stores keep it: every write gets an e-tag,
    a stale e-tag is refused with KeyError, "*" overwrites. (MemoryStorage skips e-tags for items
    first written without one, so it is no reference for conflicts.)"""
    storage = SqlStorage(KeyValueStore(db))
    await storage.write({"k1": {"count": 1}, "k2": Item(name="x")})
    read = await storage.read(["k1", "k2", "nope"])
    assert sorted(read) == ["k1", "k2"]
    assert read["k1"]["count"] == 1 and read["k2"]["name"] == "x" and read["k1"]["e_tag"]
    current = dict(read["k1"], count=2)
    await storage.write({"k1": current})
    assert current["e_tag"] != read["k1"]["e_tag"]  # the caller's object gets the new e-tag
    with pytest.raises(KeyError, match="Etag conflict"):
        await storage.write({"k1": dict(read["k1"], count=3)})
    await storage.write({"k1": dict(read["k1"], count=4, e_tag="*")})
    assert (await storage.read(["k1"]))["k1"]["count"] == 4
    await storage.delete(["k1"])
    assert sorted(await storage.read(["k1", "k2"])) == ["k2"]
    with pytest.raises(TypeError):
        await storage.write({"k3": object()})


async def test_memory_storage_reference_differs_only_in_etags() -> None:
    """What MemoryStorage does for the same stale write (documents why it is not our oracle)."""
    memory = MemoryStorage()
    await memory.write({"k1": {"count": 1}})
    await memory.write({"k1": {"count": 3, "e_tag": "stale"}})  # no conflict raised
    assert (await memory.read(["k1"]))["k1"]["count"] == 3


async def test_state_survives_a_new_engine(databases: DatabaseFactory, db: Database) -> None:
    await SqlStorage(KeyValueStore(db)).write({"user/1": {"lang": "sv"}})
    again = Database(db.engine)  # a second handle, as after a restart or on another replica
    assert (await SqlStorage(KeyValueStore(again)).read(["user/1"]))["user/1"]["lang"] == "sv"


async def test_drafts_belong_to_their_user_and_expire(db: Database) -> None:
    drafts = DraftRepository(db, timedelta(days=14))
    draft = await drafts.create("worker-1", "chat", None, {"kind": "problem"}, 1)
    assert (await drafts.get(draft.id, "worker-1")) is not None
    assert await drafts.get(draft.id, "someone-else") is None
    await drafts.save(draft.id, "worker-1", {"kind": "weak_signal"}, 2)
    latest = await drafts.latest("worker-1")
    assert latest is not None and latest.step == 2 and latest.data == {"kind": "weak_signal"}
    assert await drafts.purge_expired(utcnow() + timedelta(days=15)) == 1
    assert await drafts.get(draft.id, "worker-1") is None


async def test_expired_draft_is_not_returned(db: Database) -> None:
    drafts = DraftRepository(db, timedelta(seconds=-1))
    draft = await drafts.create("worker-1", "chat", None, {}, 1)
    assert await drafts.get(draft.id, "worker-1") is None
    assert await drafts.latest("worker-1") is None


async def test_references_are_sequential_per_year(db: Database) -> None:
    repo = ObservationRepository(db)
    refs = [(await repo.submit(f"key-{i}", FIELDS))[0].reference for i in range(3)]
    assert refs == [
        f"RAKE-{utcnow().year}-0001",
        f"RAKE-{utcnow().year}-0002",
        f"RAKE-{utcnow().year}-0003",
    ]
    next_year = datetime(utcnow().year + 1, 1, 1, 0, 5, tzinfo=UTC)
    row, _ = await repo.submit("key-next-year", FIELDS, now=next_year)
    assert row.reference == f"RAKE-{next_year.year}-0001"


async def test_submit_is_idempotent_per_draft(db: Database) -> None:
    drafts = DraftRepository(db, timedelta(days=1))
    draft = await drafts.create("worker-1", "chat", None, {"description": "x"}, 5)
    repo = ObservationRepository(db)
    first, created = await repo.submit(draft.id, FIELDS)
    again, created_again = await repo.submit(draft.id, FIELDS)
    assert created and not created_again and first.reference == again.reference
    stored = await drafts.get(draft.id, "worker-1")
    assert stored is not None and stored.submitted_reference == first.reference
    assert stored.data == {}  # the draft's texts are not kept twice


async def test_concurrent_submits_get_unique_references(db: Database) -> None:
    repo = ObservationRepository(db)
    rows = await asyncio.gather(*(repo.submit(f"draft-{i}", FIELDS) for i in range(25)))
    refs = [row.reference for row, created in rows]
    assert all(created for _, created in rows)
    assert len(set(refs)) == 25
    assert sorted(int(r.rsplit("-", 1)[1]) for r in refs) == list(range(1, 26))


async def test_concurrent_double_submit_of_one_draft_stores_one(db: Database) -> None:
    repo = ObservationRepository(db)
    results = await asyncio.gather(*(repo.submit("same-draft", FIELDS) for _ in range(10)))
    assert sum(created for _, created in results) == 1
    assert len({row.reference for row, _ in results}) == 1
    assert len(await repo.for_reporter("worker-1")) == 1


async def _stored(db: Database) -> tuple[int, list[str]]:
    from sqlalchemy import func, select

    from storage.models import Observation, OutboxItem

    async with db.sessions() as session:
        n = int(await session.scalar(select(func.count()).select_from(Observation)) or 0)
        keys = sorted(i.dedupe_key for i in await session.scalars(select(OutboxItem)))
    return n, keys


@pytest.mark.parametrize("failure", ["in-python", "in-the-database"])
async def test_an_observation_and_its_outbox_items_commit_together(
    db: Database, failure: str
) -> None:
    """The alert is enqueued in the report's own transaction: when anything fails before
    the commit, neither exists; a retry stores both, once."""
    from storage.models import Observation
    from storage.outbox import NewItem

    drafts = DraftRepository(db, timedelta(days=1))
    draft = await drafts.create("worker-1", "chat", None, {"description": "x"}, 5)
    repo = ObservationRepository(db)

    def broken(row: Observation) -> list[NewItem]:
        if failure == "in-python":
            raise RuntimeError("the process died here")
        return [NewItem(f"acute:{row.reference}:x", "acute_alert", "c", {"bad": object()})]

    with pytest.raises(Exception):  # noqa: B017 - whatever the failure, nothing commits
        await repo.submit(draft.id, dict(FIELDS, urgency="acute"), items=broken)
    assert await _stored(db) == (0, [])
    stored = await drafts.get(draft.id, "worker-1")
    assert stored is not None and stored.submitted_reference is None

    def alerts(row: Observation) -> list[NewItem]:
        return [NewItem(f"acute:{row.reference}:channel:c1", "acute_alert", "c1", {"n": 1})]

    row, created = await repo.submit(draft.id, dict(FIELDS, urgency="acute"), items=alerts)
    again, created_again = await repo.submit(draft.id, dict(FIELDS, urgency="acute"), items=alerts)
    assert created and not created_again and again.reference == row.reference
    assert await _stored(db) == (1, [f"acute:{row.reference}:channel:c1"])
