"""PostgreSQL login with Entra tokens: a fake credential (the only stand-in, for Azure's token
service), a front that checks the password like Azure does, and the real PostgreSQL behind it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import text

from bot.services import database_for
from storage.entra import SCOPE, EntraPassword
from tests.conftest import PG_URL, _pg_unreachable, make_settings
from tests.pg_auth_proxy import AuthProxy

pytestmark = pytest.mark.postgres


@dataclass
class Token:
    token: str
    expires_on: int


@dataclass
class FakeCredential:
    """Issues token-1, token-2, … valid `lifetime` seconds on the test's clock."""

    clock: list[float]
    lifetime: int = 3600
    issued: list[Token] = field(default_factory=list)
    scopes: list[tuple[str, ...]] = field(default_factory=list)

    async def get_token(self, *scopes: str, **_kw: Any) -> Token:
        self.scopes.append(scopes)
        token = Token(f"token-{len(self.issued) + 1}", int(self.clock[0]) + self.lifetime)
        self.issued.append(token)
        return token

    def valid(self, password: str) -> bool:
        """What Azure checks: a token we issued that has not expired."""
        return any(t.token == password and t.expires_on > self.clock[0] for t in self.issued)


async def _proxy_or_skip(accept: Any) -> AuthProxy:
    why = await _pg_unreachable()
    if why:
        pytest.skip(f"PostgreSQL unreachable ({why}); Entra login test skipped")
    proxy = AuthProxy(accept)
    await proxy.start()
    return proxy


def _url(proxy: AuthProxy) -> str:
    return PG_URL.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")


async def test_each_new_connection_logs_in_with_a_fresh_enough_token() -> None:
    clock = [1_000_000.0]
    credential = FakeCredential(clock)
    proxy = await _proxy_or_skip(credential.valid)
    settings = make_settings(
        RAKE_DATABASE_URL=_url(proxy), RAKE_DATABASE_AUTH="entra", RAKE_DATABASE_SSL="disable"
    )
    db = database_for(settings, credential=credential)
    assert isinstance(db.token_source, EntraPassword)
    db.token_source._clock = lambda: clock[0]
    try:
        async with db.engine.connect() as conn:
            assert await conn.scalar(text("SELECT 1")) == 1
        assert proxy.passwords == ["token-1"]
        assert credential.scopes == [(SCOPE,)]
        # a second connection while the token is fresh reuses it
        async with db.engine.connect() as first, db.engine.connect() as second:
            await first.execute(text("SELECT 1"))
            await second.execute(text("SELECT 1"))
        assert proxy.passwords == ["token-1", "token-1"]
        # 56 minutes later: within the 5-minute margin, so new connections get a new token …
        clock[0] += 56 * 60
        await db.engine.dispose()
        async with db.engine.connect() as conn:
            assert await conn.scalar(text("SELECT 1")) == 1
        assert proxy.passwords[-1] == "token-2"
        # … and after the hour the old one would be refused (the front checks for real)
        clock[0] += 5 * 60
        assert not credential.valid("token-1") and credential.valid("token-2")
        assert db.token_source.fetched == 2
    finally:
        await db.dispose()
        await proxy.close()


async def test_a_stale_or_wrong_password_is_refused_by_the_front() -> None:
    from sqlalchemy.exc import DBAPIError

    from storage.db import Database

    clock = [1_000_000.0]
    credential = FakeCredential(clock, lifetime=60)
    proxy = await _proxy_or_skip(credential.valid)
    await credential.get_token(SCOPE)
    clock[0] += 120  # token-1 has expired
    db = Database.from_url(_url(proxy), connect_args={"password": "token-1", "ssl": "disable"})
    try:
        with pytest.raises(DBAPIError, match="password authentication failed"):
            async with db.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
    finally:
        await db.dispose()
        await proxy.close()


def test_entra_login_needs_postgresql() -> None:
    from bot.settings import SettingsError

    with pytest.raises(SettingsError, match="RAKE_DATABASE_AUTH=entra"):
        make_settings(RAKE_DATABASE_AUTH="entra")


async def test_production_wiring_uses_the_managed_identity() -> None:
    from azure.identity.aio import DefaultAzureCredential

    settings = make_settings(
        RAKE_DATABASE_URL="postgresql+asyncpg://rake-bot@example.postgres.database.azure.com/rake",
        RAKE_DATABASE_AUTH="entra",
        RAKE_DATABASE_CLIENT_ID="00000000-1111-2222-3333-444444444444",
    )
    db = database_for(settings)
    try:
        assert isinstance(db.token_source._credential, DefaultAzureCredential)
        # no password anywhere but the token callable; TLS required towards Azure
        assert db.engine.url.password is None
    finally:
        await db.token_source._credential.close()
        await db.dispose()
