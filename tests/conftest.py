"""Shared fixtures: real databases (SQLite file and PostgreSQL), the real app, a fake connector."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from storage.db import Database
from storage.migrate import upgrade
from tests.fake_connector import FakeConnector

PG_URL = os.environ.get("RAKE_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
_pg_state: dict[str, str | None] = {}


async def _pg_unreachable() -> str | None:
    """None if PostgreSQL answers, else why not (checked once per session)."""
    if "why" not in _pg_state:
        import asyncpg

        dsn = PG_URL.replace("postgresql+asyncpg://", "postgresql://")
        try:
            conn = await asyncio.wait_for(asyncpg.connect(dsn), timeout=5)
            await conn.close()
            _pg_state["why"] = None
        except Exception as exc:  # any failure to connect means: skip, loudly
            _pg_state["why"] = f"{type(exc).__name__}: {exc}"
    return _pg_state["why"]


class DatabaseFactory:
    """Fresh, migrated databases: an SQLite file, or a PostgreSQL schema of its own."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind = kind
        self._tmp = tmp
        self._schemas: list[str] = []
        self._dbs: list[Database] = []

    async def url_and_args(self) -> tuple[str, dict[str, Any]]:
        if self.kind == "sqlite":
            return f"sqlite+aiosqlite:///{self._tmp / f'rake-{uuid.uuid4().hex[:8]}.db'}", {}
        why = await _pg_unreachable()
        if why:
            if os.environ.get("CI"):
                pytest.fail(f"PostgreSQL at {PG_URL} is unreachable under CI: {why}")
            pytest.skip(f"PostgreSQL at {PG_URL} is unreachable ({why}); PostgreSQL tests skipped")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = Database.from_url(PG_URL)
        async with admin.engine.begin() as conn:
            from sqlalchemy import text

            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await admin.dispose()
        self._schemas.append(schema)
        return PG_URL, {"server_settings": {"search_path": schema}}

    async def create(self, migrate: bool = True) -> Database:
        url, args = await self.url_and_args()
        db = Database.from_url(url, connect_args=args)
        if migrate:
            await upgrade(db)
        self._dbs.append(db)
        return db

    async def close(self) -> None:
        for db in self._dbs:
            await db.dispose()
        if self._schemas:
            from sqlalchemy import text

            admin = Database.from_url(PG_URL)
            async with admin.engine.begin() as conn:
                for schema in self._schemas:
                    await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def databases(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(request.param, tmp_path)
    yield factory
    await factory.close()


@pytest.fixture
async def db(databases: DatabaseFactory) -> Database:
    return await databases.create()


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.start()
    yield fake
    await fake.close()


def make_settings(**overrides: Any) -> Any:
    from bot.settings import load_settings

    values: dict[str, Any] = {
        "RAKE_ENVIRONMENT": "test",
        "RAKE_DATABASE_URL": "sqlite+aiosqlite:///unused.db",
        "RAKE_DEV_EXPERTS": "expert-aad",
        "RAKE_DEV_TEAM_LEADS": "lead-aad",
        "RAKE_MIGRATE_ON_START": "false",
        "RAKE_SCHEDULER": "false",
        "MicrosoftAppId": "",
    }
    values.update(overrides)
    return load_settings(**values)


class BotClient:
    """The real aiohttp app on a test server, with helpers to post Teams activities."""

    def __init__(self, client: TestClient, connector: FakeConnector, db: Database) -> None:
        self.client = client
        self.connector = connector
        self.db = db
        self.app = client.server.app

    async def post(self, activity: dict[str, Any]) -> tuple[int, Any]:
        response = await self.client.post("/api/messages", json=activity)
        text = await response.text()
        try:
            import json

            body = json.loads(text) if text else None
        except ValueError:
            body = text
        return response.status, body

    async def invoke(self, activity: dict[str, Any], status: int = 200) -> Any:
        """Post an activity, insist on the HTTP status, return the body."""
        got, body = await self.post(activity)
        assert got == status, (got, body)
        return body

    async def settle(self, seconds: float = 20.0) -> dict[str, int]:
        """Run the outbox worker until nothing is left to send (retries included)."""
        from bot.app import MESSENGER, OUTBOX_WORKER

        worker = self.app[OUTBOX_WORKER]
        deadline = asyncio.get_running_loop().time() + seconds
        await self.app[MESSENGER].drain()
        while asyncio.get_running_loop().time() < deadline:
            await worker.drain()
            if await worker.outbox.pending_count() == 0:
                break
            await asyncio.sleep(0.1)
        return await worker.outbox.counts()


async def start_bot(db: Database, connector: FakeConnector, **settings: Any) -> BotClient:
    from bot.app import create_app

    app = create_app(make_settings(**settings), db=db)
    app.on_cleanup.clear()  # the test owns the database
    client = TestClient(TestServer(app))
    await client.start_server()
    return BotClient(client, connector, db)


@pytest.fixture
async def bot(db: Database, connector: FakeConnector) -> AsyncIterator[BotClient]:
    client = await start_bot(db, connector)
    yield client
    await client.client.close()
