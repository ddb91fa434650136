"""Signing keys never block the event loop (regressions: botframework's synchronous key fetch
without a timeout froze /healthz for as long as the key endpoint hung, and an unknown key id
was a 500). The real app in production mode; the key endpoint is a local OpenID provider, a port
that accepts and never answers, or a port nobody listens on."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import jwt
import pytest

from bot.keys import SigningKeys
from storage.db import Database
from tests import activities as a
from tests.conftest import DatabaseFactory
from tests.fake_connector import FakeConnector
from tests.oidc import OpenIdProvider
from tests.test_auth import bearer, claims, first_step, post, row_counts, start_production_bot


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    factory = DatabaseFactory("sqlite", tmp_path)
    yield await factory.create()
    await factory.close()


class Blackhole:
    """Accepts connections and reads requests, and never answers."""

    def __init__(self) -> None:
        self.connections = 0
        self.connected = asyncio.Event()
        self._server: asyncio.Server | None = None

    async def _hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.connected.set()
        try:
            await reader.read()  # until the client gives up
        finally:
            writer.close()

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._hold, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1/.well-known/openidconfiguration"

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1/.well-known/openidconfiguration"


async def test_a_hanging_key_endpoint_neither_freezes_the_loop_nor_gives_500(
    sqlite_db: Database, connector: FakeConnector
) -> None:
    hole = Blackhole()
    async with OpenIdProvider() as idp, hole as url:
        keys = SigningKeys(url, timeout_s=1.5)
        bot = await start_production_bot(sqlite_db, connector, keys)
        try:
            before = await row_counts(sqlite_db)
            token = idp.token(claims(connector))  # well-formed, but its keys cannot be fetched
            pending = asyncio.ensure_future(post(bot, first_step(bot), bearer(token)))
            await asyncio.wait_for(hole.connected.wait(), 5)  # the key fetch hangs on the wire …
            # … and the loop still serves others (the old fetch blocked the whole process)
            health = await asyncio.wait_for(bot.client.get("/healthz"), 1.0)
            assert health.status == 200 and not pending.done()
            response = await bot.client.post(
                "/api/messages", json=first_step(bot), headers=bearer(token)
            )  # a second one, meanwhile, waits for the same fetch
            assert response.status == 503 and response.headers["Retry-After"] == "10"
            assert await pending == 503
            assert keys.fetches == 1
            # right after a failure no new fetch is tried: a flood of tokens costs nothing
            for _ in range(5):
                assert (
                    await post(bot, first_step(bot), bearer(idp.rogue_token(claims(connector))))
                    == 503
                )
            assert keys.fetches == 1 and hole.connections == 1
            assert await row_counts(sqlite_db) == before
        finally:
            await bot.client.close()


async def test_a_closed_key_port_is_a_quick_503_and_nothing_is_stored(
    sqlite_db: Database, connector: FakeConnector
) -> None:
    async with OpenIdProvider() as idp:
        bot = await start_production_bot(sqlite_db, connector, SigningKeys(closed_port_url()))
        try:
            before = await row_counts(sqlite_db)
            status = await post(bot, first_step(bot), bearer(idp.token(claims(connector))))
            assert status == 503
            assert await row_counts(sqlite_db) == before
        finally:
            await bot.client.close()


async def test_keys_are_fetched_once_for_many_concurrent_requests(
    sqlite_db: Database, connector: FakeConnector
) -> None:
    async with OpenIdProvider() as idp:
        bot = await start_production_bot(sqlite_db, connector, SigningKeys(idp.metadata_url))
        try:
            headers = bearer(idp.token(claims(connector)))
            activity = a.execute(connector.url, {"rake": "report.start"})
            statuses = await asyncio.gather(*(post(bot, activity, headers) for _ in range(20)))
            assert statuses == [200] * 20
            assert idp.requests == {"metadata": 1, "keys": 1}
        finally:
            await bot.client.close()


async def test_unknown_key_ids_refresh_at_most_every_five_minutes_and_stale_keys_serve(
    sqlite_db: Database, connector: FakeConnector
) -> None:
    clock = [1000.0]
    async with OpenIdProvider() as idp:
        keys = SigningKeys(idp.metadata_url, clock=lambda: clock[0])
        bot = await start_production_bot(sqlite_db, connector, keys)
        try:
            good = bearer(idp.token(claims(connector)))
            activity = a.execute(connector.url, {"rake": "report.start"})
            assert await post(bot, activity, good) == 200
            unknown = bearer(
                jwt.encode(claims(connector), idp.key, algorithm="RS256", headers={"kid": "new"})
            )
            assert await post(bot, activity, unknown) == 401  # fetched a minute ago: no refresh
            assert idp.requests["keys"] == 1
            clock[0] += 301
            assert await post(bot, activity, unknown) == 401  # rotated? looked once …
            assert await post(bot, activity, unknown) == 401  # … and not again for 5 minutes
            assert idp.requests["keys"] == 2
        finally:
            await bot.client.close()
    # the provider is gone; a day later the refresh fails, the known keys still serve
    clock[0] += 2 * 24 * 3600
    bot = await start_production_bot(sqlite_db, connector, keys)
    try:
        assert await post(bot, activity, good) == 200
        assert keys.fetches == 3
    finally:
        await bot.client.close()


async def test_odd_keys_in_the_set_are_skipped_and_an_empty_set_is_no_keys() -> None:
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    async with OpenIdProvider() as idp:
        good = idp.key.public_key().public_numbers()
        from tests.oidc import _b64

        published: list[object] = [
            "not a key",
            {"kid": "ec", "kty": "EC", "crv": "P-256"},
            {"kid": "broken", "kty": "RSA", "n": "!!", "e": "AQAB"},
            {"kid": idp.kid, "kty": "RSA", "n": _b64(good.n), "e": _b64(good.e)},
        ]

        async def metadata(request: web.Request) -> web.Response:
            return web.json_response({"jwks_uri": str(request.url.with_path("/keys"))})

        async def keys(_request: web.Request) -> web.Response:
            return web.json_response({"keys": published})

        app = web.Application()
        app.router.add_get("/meta", metadata)
        app.router.add_get("/keys", keys)
        server = TestServer(app, host="127.0.0.1")
        await server.start_server()
        try:
            source = SigningKeys(str(server.make_url("/meta")))
            assert (await source.get(idp.kid)).endorsements == []
            published[:] = published[:3]  # only odd ones left: as good as none
            empty = SigningKeys(str(server.make_url("/meta")))
            with pytest.raises(Exception, match="no signing keys"):
                await empty.get(idp.kid)
        finally:
            await server.close()
