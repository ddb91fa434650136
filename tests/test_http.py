"""Whole turns over HTTP: real Teams JSON posted to /api/messages of the running app."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import ConversationRef, Draft, Observation
from tests import activities as a
from tests.conftest import BotClient, start_bot
from tests.fake_connector import FakeConnector


async def count(db: Database, model: Any) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_health_and_readiness(bot: BotClient) -> None:
    health = await bot.client.get("/healthz")
    assert health.status == 200 and (await health.json())["status"] == "alive"
    ready = await bot.client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["status"] == "ready"


async def test_readiness_fails_before_migrations(databases: Any, connector: FakeConnector) -> None:
    fresh = await databases.create(migrate=False)
    client = await start_bot(fresh, connector)
    try:
        ready = await client.client.get("/readyz")
        assert ready.status == 503 and (await ready.json())["status"] == "migrations pending"
    finally:
        await client.client.close()


async def test_help_message_is_answered_in_the_users_language(bot: BotClient) -> None:
    status, _ = await bot.post(a.message(bot.connector.url, "apua"))
    assert status == 201
    cards = bot.connector.cards()
    assert cards and cards[-1]["body"][0]["text"] == "Näin käytät Rake-bottia"
    status, _ = await bot.post(a.message(bot.connector.url, "hjälp", locale="sv-FI"))
    assert bot.connector.cards()[-1]["body"][0]["text"] == "Så här använder du Rake-botten"


async def test_install_in_personal_scope_sends_the_welcome_card(bot: BotClient) -> None:
    status, _ = await bot.post(a.bot_added_personal(bot.connector.url))
    assert status == 201
    welcome = bot.connector.cards()[-1]
    assert welcome["body"][0]["text"] == "Tervetuloa Rake-bottiin"
    assert welcome["actions"][0]["type"] == "Action.Execute"
    from bot.app import MESSENGER

    await bot.app[MESSENGER].drain()  # the reference is written after the turn
    assert await count(bot.db, ConversationRef) == 1


async def test_install_in_a_team_posts_an_introduction_and_records_the_channel(
    bot: BotClient,
) -> None:
    status, _ = await bot.post(a.bot_added_to_team(bot.connector.url))
    assert status == 201
    intro = bot.connector.cards()[-1]
    assert intro["actions"][0]["data"]["msteams"] == {"type": "task/fetch"}
    status, _ = await bot.post(a.installation_update(bot.connector.url, team=True))
    assert status == 201
    async with bot.db.sessions() as session:
        ref = await session.scalar(
            select(ConversationRef).where(ConversationRef.scope == "channel")
        )
    assert ref is not None and ref.owner_id == a.CHANNEL_ID and ref.team_id == a.TEAM_ID
    assert ref.service_url == bot.connector.url and ref.tenant_id == a.TENANT


async def test_turn_logs_carry_no_message_text(
    bot: BotClient, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "salainen havaintoteksti 7731"
    with caplog.at_level("DEBUG"):
        await bot.post(a.message(bot.connector.url, secret))
    assert any(r.name == "rake.turn" for r in caplog.records)
    assert all(
        secret not in r.getMessage() and secret not in str(r.__dict__) for r in caplog.records
    )


@pytest.mark.parametrize(
    ("body", "headers", "status", "reason"),
    [
        (b"{not json", {"Content-Type": "application/json"}, 400, "not valid JSON"),
        (
            b'{"text": "hi", "serviceUrl": "http://x/"}',
            {"Content-Type": "application/json"},
            400,
            "no 'type'",
        ),
        (
            b'{"type": "teleport", "serviceUrl": "http://x/"}',
            {"Content-Type": "application/json"},
            400,
            "unknown activity type",
        ),
        (b'["a", "list"]', {"Content-Type": "application/json"}, 400, "JSON object"),
        (
            b'{"type": "message", "text": "x"}',
            {"Content-Type": "application/json"},
            400,
            "serviceUrl",
        ),
        (
            b'{"type": "message", "conversation": "x", "serviceUrl": "http://x/"}',
            {"Content-Type": "application/json"},
            400,
            "'conversation' must be an object",
        ),
        (b'{"type": "message"}', {"Content-Type": "text/plain"}, 415, "application/json"),
    ],
)
async def test_bad_requests_get_a_clear_4xx_and_store_nothing(
    bot: BotClient, body: bytes, headers: dict[str, str], status: int, reason: str
) -> None:
    response = await bot.client.post("/api/messages", data=body, headers=headers)
    assert response.status == status
    assert reason in (await response.json())["error"]
    assert await count(bot.db, Draft) == 0 and await count(bot.db, ConversationRef) == 0
    assert bot.connector.calls == []


async def test_oversized_body_is_refused(bot: BotClient) -> None:
    activity = a.message(bot.connector.url, "x" * (300 * 1024))
    response = await bot.client.post(
        "/api/messages", data=json.dumps(activity), headers={"Content-Type": "application/json"}
    )
    assert response.status == 413
    assert "error" in await response.json()
    assert bot.connector.calls == []


async def test_get_is_not_allowed(bot: BotClient) -> None:
    response = await bot.client.get("/api/messages")
    assert response.status == 405


async def test_auth_is_enforced_when_an_app_id_is_set(
    db: Database, connector: FakeConnector
) -> None:
    client = await start_bot(
        db,
        connector,
        MicrosoftAppId="00000000-1111-2222-3333-444444444444",
        MicrosoftAppPassword="not-a-real-secret",
    )
    try:
        status, body = await client.post(a.message(connector.url, "apua"))
        assert status == 401 and body == {"error": "unauthorized"}
        assert connector.calls == []
    finally:
        await client.client.close()


async def test_invoke_body_is_serialised_by_our_adapter(bot: BotClient) -> None:
    """task/fetch answers with a plain dict body: the stock CloudAdapter cannot serialise it."""
    status, body = await bot.post(
        a.task_fetch(bot.connector.url, {"rake": "report.open"}, team=True)
    )
    assert status == 200
    assert body["task"]["type"] == "continue"
    card = body["task"]["value"]["card"]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["actions"][0]["type"] == "Action.Submit"


async def test_stock_cloud_adapter_fails_on_the_same_invoke(connector: FakeConnector) -> None:
    """The defect RakeAdapter mends, shown on botbuilder's own CloudAdapter."""
    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer
    from botbuilder.core import ActivityHandler, InvokeResponse, TurnContext
    from botbuilder.integration.aiohttp import CloudAdapter

    class Dialog(ActivityHandler):
        async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
            return InvokeResponse(status=200, body={"task": {"type": "message", "value": "hi"}})

    adapter, handler = CloudAdapter(), Dialog()

    async def messages(request: web.Request) -> web.Response:
        try:
            return await adapter.process(request, handler)
        except Exception as exc:  # what an unmodified app would turn into a 500
            return web.json_response({"failed": type(exc).__name__}, status=500)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/api/messages", json=a.task_fetch(connector.url, {}))
        assert response.status == 500


async def test_connector_clients_are_built_once_per_service_url(bot: BotClient) -> None:
    from bot.app import ADAPTER

    for _ in range(5):
        await bot.post(a.message(bot.connector.url, "apua"))
    clients = bot.app[ADAPTER].caching_authentication.connector_clients
    assert len(clients) == 1
    assert len(bot.connector.posts()) == 5  # and every reply went out through it


async def test_unknown_text_gets_a_pointer_to_help(bot: BotClient) -> None:
    await bot.post(a.message(bot.connector.url, "mitä kuuluu", locale="en-US"))
    assert 'Type "help"' in bot.connector.texts()[-1]


async def test_language_override_survives_a_restart(db: Database, connector: FakeConnector) -> None:
    first = await start_bot(db, connector)
    await first.post(a.message(connector.url, "språk sv", locale="fi-FI"))
    assert connector.texts()[-1] == "Språket har bytts: svenska."
    await first.client.close()
    second = await start_bot(db, connector)  # a new process on the same database
    try:
        await second.post(a.message(connector.url, "apua", locale="fi-FI"))
        assert connector.cards()[-1]["body"][0]["text"] == "Så här använder du Rake-botten"
    finally:
        await second.client.close()


async def test_a_failing_turn_is_a_logged_error_not_a_500(bot: BotClient) -> None:
    bot.connector.fail_next(403)
    status, _ = await bot.post(a.message(bot.connector.url, "apua", locale="sv-FI"))
    assert status == 201  # Teams gets its answer; the failure is logged without text
    assert bot.connector.texts()[-1] == "Något gick fel. Försök igen om en stund."
    assert await count(bot.db, Observation) == 0
