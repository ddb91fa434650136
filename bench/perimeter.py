"""The two blocking-call regressions, timed (tests/test_keys.py and tests/test_sending.py check
the behaviour; timings belong here):

* stalled connector: N turns whose replies hang on a slow connector, then one unrelated user's
  turn through a healthy one — how long does the unrelated user wait?
* hanging key endpoint: a well-formed token whose keys cannot be fetched — how long do /healthz
  and the token's own request take, and a second token right after?

    make bench-perimeter
    .venv/bin/python -m bench.perimeter --stalled 12 --hang 12 [--stock-sending]

``--stock-sending`` puts back msrest's default sending (the loop's default executor) for
comparison. Last line JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from bot import adapter as adapter_module
from bot.keys import SigningKeys
from storage.db import Database
from storage.migrate import upgrade
from tests import activities as a
from tests.conftest import make_settings
from tests.fake_connector import FakeConnector
from tests.oidc import OpenIdProvider
from tests.test_auth import PRODUCTION, bearer, claims
from tests.test_keys import Blackhole


async def _client(db: Database, **settings: Any) -> TestClient:
    from bot.app import create_app

    keys = settings.pop("signing_keys", None)
    app = create_app(make_settings(**settings), db=db, signing_keys=keys)
    app.on_cleanup.clear()
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


async def stalled_connector(db: Database, stalled: int, hang: float) -> dict[str, Any]:
    slow, fast = FakeConnector(hang_seconds=hang), FakeConnector()
    await slow.start()
    await fast.start()
    client = await _client(db, RAKE_SEND_TIMEOUT=str(min(14.0, hang + 1)))
    try:
        tasks = [
            asyncio.ensure_future(
                client.post("/api/messages", json=a.message(slow.url, "apua", user=f"u{n}"))
            )
            for n in range(stalled)
        ]
        await asyncio.sleep(0.5)  # the stalled replies are on their way
        started = time.perf_counter()
        response = await client.post("/api/messages", json=a.message(fast.url, "apua"))
        unrelated_ms = (time.perf_counter() - started) * 1000
        assert response.status == 201 and fast.posts(), "the unrelated reply did not go out"
        await asyncio.gather(*tasks)
        return {"stalled": stalled, "hang_s": hang, "unrelated_turn_ms": round(unrelated_ms, 1)}
    finally:
        await client.close()
        await slow.close()
        await fast.close()


async def hanging_keys(db: Database) -> dict[str, Any]:
    connector = FakeConnector()
    await connector.start()
    async with OpenIdProvider() as idp, Blackhole() as url:
        client = await _client(db, **PRODUCTION, signing_keys=SigningKeys(url))
        try:
            token = bearer(idp.token(claims(connector)))
            activity = a.message(connector.url, "apua")
            started = time.perf_counter()
            first = asyncio.ensure_future(
                client.post("/api/messages", json=activity, headers=token)
            )
            await asyncio.sleep(0.2)
            health_started = time.perf_counter()
            health = await client.get("/healthz")
            health_ms = (time.perf_counter() - health_started) * 1000
            status = (await first).status
            first_ms = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            second = await client.post("/api/messages", json=activity, headers=token)
            second_ms = (time.perf_counter() - started) * 1000
            return {
                "healthz_status": health.status,
                "healthz_ms": round(health_ms, 1),
                "token_status": status,
                "token_ms": round(first_ms, 1),
                "second_token_status": second.status,
                "second_token_ms": round(second_ms, 1),
            }
        finally:
            await client.close()
            await connector.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stalled", type=int, default=12)
    parser.add_argument("--hang", type=float, default=12.0)
    parser.add_argument("--stock-sending", action="store_true")
    args = parser.parse_args()
    if args.stock_sending:

        def stock(client: Any, _executor: Any, timeout_s: float) -> None:
            client.config.connection.timeout = timeout_s

        adapter_module.use_own_pool = stock  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.from_url(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        await upgrade(db)
        try:
            result = {
                "sending": "stock" if args.stock_sending else "own pool",
                **await stalled_connector(db, args.stalled, args.hang),
                **await hanging_keys(db),
            }
        finally:
            await db.dispose()
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
