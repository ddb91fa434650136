"""The HTTP perimeter (bot/perimeter.py): bad bodies refused early with bounded memory, no 5xx
on hostile paths, security headers on every answer, per-client rate limits."""

from __future__ import annotations

import json
import resource
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientError, web
from aiohttp.test_utils import TestClient, TestServer

from bot.perimeter import HEADER_POLICY, RateLimits, RateRule, parse_json_body, too_deep
from storage.db import Database
from tests import activities as a
from tests.conftest import BotClient, make_settings
from tests.fake_connector import FakeConnector
from tests.oidc import OpenIdProvider
from tests.test_auth import row_counts, start_production_bot

JSON = {"Content-Type": "application/json"}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (nested(10_000), "nests deeper"),  # was a RecursionError: 500
        ('{"type": "message", "value": ' + nested(10_000) + "}", "nests deeper"),
        ('{"type": "message", "value": ' + nested(100) + "}", "nests deeper"),  # parses; too deep
        ("[]", "JSON object"),
        ("3", "JSON object"),
        ("null", "JSON object"),
        ('"an activity"', "JSON object"),
        ("", "not valid JSON"),
        ('{"type": "message",', "not valid JSON"),
        ("NaN", "JSON object"),
    ],
)
async def test_malformed_bodies_are_a_400_and_store_nothing(
    bot: BotClient, body: str, reason: str
) -> None:
    before = await row_counts(bot.db)
    response = await bot.client.post("/api/messages", data=body.encode(), headers=JSON)
    assert response.status == 400, await response.text()
    assert reason in (await response.json())["error"]
    assert await row_counts(bot.db) == before and bot.connector.calls == []


async def test_invalid_utf8_and_wrong_content_types_are_refused(bot: BotClient) -> None:
    response = await bot.client.post("/api/messages", data=b'{"type": "\xff\xfe"}', headers=JSON)
    assert response.status == 400
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        response = await bot.client.post(
            "/api/messages", data=b"{}", headers={"Content-Type": content_type}
        )
        assert response.status == 415, content_type
    response = await bot.client.post("/api/messages", data=b"{}")  # no content type at all
    assert response.status == 415


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def test_a_10_mb_body_is_refused_by_its_declared_length(bot: BotClient) -> None:
    activity = a.message(bot.connector.url, "x" * (10 * 1024 * 1024))
    response = await bot.client.post("/api/messages", data=json.dumps(activity), headers=JSON)
    assert response.status == 413
    assert bot.connector.calls == []


async def test_a_100_mb_chunked_stream_is_cut_off_early(bot: BotClient) -> None:
    """No Content-Length: the server stops reading at the 256 KB limit. The client's generator
    counts what it got to send before the server answered and closed."""
    sent = [0]
    chunk = b'{"type": "message", "text": "' + b"x" * (64 * 1024 - 30)

    async def stream() -> AsyncIterator[bytes]:
        for _ in range(1600):  # 100 MB
            sent[0] += len(chunk)
            yield chunk

    peak_before = _rss_mb()
    try:
        response = await bot.client.post("/api/messages", data=stream(), headers=JSON)
        status: int | None = response.status
    except ClientError:  # the server may close while the client is still writing
        status = None
    assert status in (413, None)
    assert sent[0] < 32 * 1024 * 1024, sent[0]  # socket buffers, not 100 MB
    assert _rss_mb() - peak_before < 64  # loosely: the body was never held
    assert bot.connector.calls == []


async def test_a_non_ascii_export_token_is_a_404_not_a_500(bot: BotClient) -> None:
    for path in ("/exports/abc.%C3%A4", "/exports/%00", "/exports/" + "a" * 2000):
        response = await bot.client.get(path)
        assert response.status == 404, (path, response.status)
    response = await bot.client.get("/exports/abc.def")  # well-formed but not ours: refused
    assert response.status == 403


def test_depth_is_measured_without_recursion() -> None:
    deep: Any = []
    for _ in range(100_000):
        deep = [deep]
    assert too_deep(deep) and not too_deep([[{"a": [1, 2]}]])
    assert parse_json_body(b"[" * 5000 + b"]" * 5000)[1] is not None


# --- headers ----------------------------------------------------------------------------------
EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _check_headers(response: Any, production: bool) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (response.url, name)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert ("Strict-Transport-Security" in response.headers) is production


async def test_every_answer_carries_the_security_headers(bot: BotClient) -> None:
    answers = [
        await bot.client.get("/healthz"),
        await bot.client.get("/readyz"),
        await bot.client.get("/metrics"),
        await bot.client.get("/no/such/page"),
        await bot.client.get("/exports/abc.%C3%A4"),
        await bot.client.get("/api/messages"),
        await bot.client.post("/api/messages", data=b"[]", headers=JSON),
        await bot.client.post("/api/messages", json=a.message(bot.connector.url, "apua")),
    ]
    assert [r.status for r in answers] == [200, 200, 200, 404, 404, 405, 400, 201]
    for response in answers:
        _check_headers(response, production=False)


async def test_production_adds_hsts_and_a_route_can_override_the_policy(
    db: Database, connector: FakeConnector
) -> None:
    from bot.app import create_app
    from tests.test_auth import PRODUCTION

    app = create_app(make_settings(**PRODUCTION), db=db)
    app.on_cleanup.clear()

    async def tab(_request: web.Request) -> web.Response:
        return web.Response(text="<html></html>", content_type="text/html")

    async def own(_request: web.Request) -> web.Response:
        return web.Response(text="x", headers={"Referrer-Policy": "same-origin"})

    app.router.add_get("/tab-test/", tab)
    app.router.add_get("/tab-test/own", own)
    teams = "frame-ancestors teams.microsoft.com *.teams.microsoft.com *.cloud.microsoft"
    app[HEADER_POLICY].override(
        "/tab-test/",
        {"Content-Security-Policy": f"default-src 'self'; {teams}", "X-Frame-Options": None},
    )
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        _check_headers(await client.get("/healthz"), production=True)
        tab_answer = await client.get("/tab-test/")
        assert tab_answer.headers["Content-Security-Policy"].endswith(teams)
        assert "X-Frame-Options" not in tab_answer.headers  # frame-ancestors decides there
        assert tab_answer.headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" in tab_answer.headers
        assert (await client.get("/tab-test/own")).headers["Referrer-Policy"] == "same-origin"
        # the app's own tab (bot/desk) uses the same mechanism: Teams may frame it, nobody else
        desk = await client.get("/desk/")
        assert (
            "frame-ancestors https://teams.microsoft.com" in desk.headers["Content-Security-Policy"]
        )
        assert "X-Frame-Options" not in desk.headers
        assert (await client.get("/healthz")).headers["X-Frame-Options"] == "DENY"
    finally:
        await client.close()


# --- rate limits ------------------------------------------------------------------------------
async def test_metrics_and_exports_are_rate_limited_per_client(bot: BotClient) -> None:
    from bot.perimeter import RATE_LIMITS

    # time stands still: on a loaded machine 22 requests may take long enough to refill a token
    bot.app[RATE_LIMITS].clock = lambda: 1000.0
    statuses = [(await bot.client.get("/metrics")).status for _ in range(22)]
    assert statuses[:20] == [200] * 20 and statuses[20:] == [429, 429]
    refused = await bot.client.get("/metrics")
    assert refused.status == 429 and int(refused.headers["Retry-After"]) >= 1
    _check_headers(refused, production=False)
    exports = [(await bot.client.get("/exports/abc.def")).status for _ in range(12)]
    assert exports == [403] * 10 + [429, 429]
    assert (await bot.client.get("/healthz")).status == 200  # other routes are not limited


async def test_behind_the_ingress_the_last_forwarded_address_is_the_client(
    db: Database, connector: FakeConnector
) -> None:
    async with OpenIdProvider() as idp:
        from bot.keys import SigningKeys

        bot = await start_production_bot(db, connector, SigningKeys(idp.metadata_url))
        try:

            async def scrape(forwarded: str) -> int:
                response = await bot.client.get("/metrics", headers={"X-Forwarded-For": forwarded})
                return response.status

            # the client's own "1.1.1.1, …" prefixes do not make new buckets
            spoofed = [await scrape(f"1.1.1.{n}, 10.0.0.7") for n in range(21)]
            assert spoofed[-1] == 429
            assert await scrape("10.0.0.8") == 200  # another client
        finally:
            await bot.client.close()


def test_buckets_refill_and_memory_stays_bounded() -> None:
    clock = [0.0]
    limits = RateLimits([RateRule("/m", per_second=1.0, burst=2)], max_clients=100)
    limits.clock = lambda: clock[0]
    rule = limits.rules[0]
    assert limits.take(rule, "a") == 0 and limits.take(rule, "a") == 0
    assert limits.take(rule, "a") == pytest.approx(1.0)
    clock[0] += 1.0
    assert limits.take(rule, "a") == 0
    for n in range(1000):
        limits.take(rule, f"flood-{n}")
    assert len(limits._buckets) <= 100
