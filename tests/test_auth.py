"""Authentication and tenancy with botframework's real validation code: production mode, tokens
signed by a local key that a local OpenID provider publishes (tests/oidc.py). Every refusal
leaves every table as it was; a valid token makes a draft."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.keys import SigningKeys
from storage.db import Database
from storage.models import Base, Draft
from tests import activities as a
from tests.conftest import BotClient, make_settings
from tests.fake_connector import FakeConnector
from tests.oidc import OpenIdProvider
from tests.test_report_dialog import STEP1

APP_ID = "33333333-4444-5555-6666-777777777777"
APP_PASSWORD = "app-password-not-real-0123456789"
EXPORT_SECRET = "export-secret-not-real-0123456789abcdef"
PRODUCTION = {
    "RAKE_ENVIRONMENT": "production",
    "MicrosoftAppId": APP_ID,
    "MicrosoftAppPassword": APP_PASSWORD,
    "RAKE_ALLOWED_TENANTS": a.TENANT,
    "RAKE_EXPORT_SECRET": EXPORT_SECRET,
    "RAKE_PUBLIC_URL": "https://rake.example.fi",
    "RAKE_DEV_EXPERTS": "",
    "RAKE_DEV_TEAM_LEADS": "",
}


async def start_production_bot(
    db: Database, connector: FakeConnector, keys: SigningKeys, **settings: Any
) -> BotClient:
    from bot.app import create_app

    app = create_app(make_settings(**{**PRODUCTION, **settings}), db=db, signing_keys=keys)
    app.on_cleanup.clear()  # the test owns the database
    client = TestClient(TestServer(app))
    await client.start_server()
    return BotClient(client, connector, db)


async def row_counts(db: Database) -> dict[str, int]:
    async with db.sessions() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def claims(connector: FakeConnector, **changes: Any) -> dict[str, Any]:
    base = {"iss": "https://api.botframework.com", "aud": APP_ID, "serviceurl": connector.url}
    base.update(changes)
    return {key: value for key, value in base.items() if value is not None}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def idp() -> AsyncIterator[OpenIdProvider]:
    async with OpenIdProvider() as provider:
        yield provider


@pytest.fixture
async def prod(db: Database, connector: FakeConnector, idp: OpenIdProvider) -> AsyncIterator[Any]:
    bot = await start_production_bot(db, connector, SigningKeys(idp.metadata_url))
    yield bot
    await bot.client.close()


async def post(bot: BotClient, activity: dict[str, Any], headers: dict[str, str]) -> int:
    response = await bot.client.post("/api/messages", json=activity, headers=headers)
    await response.read()
    return response.status


def first_step(bot: BotClient) -> dict[str, Any]:
    """An Action.Execute that saves a draft when accepted (the report's first step)."""
    return a.execute(bot.connector.url, {"rake": "report", "verb": "next", "step": 1, **STEP1})


async def test_a_valid_token_is_accepted_and_its_turn_stores_a_draft(
    prod: BotClient, idp: OpenIdProvider
) -> None:
    headers = bearer(idp.token(claims(prod.connector)))
    response = await prod.client.post(
        "/api/messages",
        json=a.execute(prod.connector.url, {"rake": "report.start"}),
        headers=headers,
    )
    assert response.status == 200, await response.text()
    card = (await response.json())["value"]
    next_data = next(
        action["data"] for action in card["actions"] if action["data"].get("verb") == "next"
    )
    step = a.execute(prod.connector.url, {**next_data, **STEP1})
    assert await post(prod, step, headers) == 200
    async with prod.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Draft)) == 1
    # the keys were fetched once and then came from the cache
    assert idp.requests == {"metadata": 1, "keys": 1}


def _forged(idp: OpenIdProvider, connector: FakeConnector, case: str) -> dict[str, str]:
    now = int(time.time())
    good = claims(connector)
    if case == "no token":
        return {}
    if case == "not a JWT":
        return bearer("not.a.jwt")
    if case == "garbage in the header":
        return {"Authorization": "Bearer ä.ö.å !!"}
    if case == "another scheme":
        return {"Authorization": "Basic " + idp.token(good)}
    if case == "signed by another key":
        return bearer(idp.rogue_token(good))
    if case == "an unpublished key id":
        return bearer(jwt.encode(good, idp.key, algorithm="RS256", headers={"kid": "other"}))
    if case == "no key id":
        return bearer(jwt.encode({**good, "exp": now + 600}, idp.key, algorithm="RS256"))
    if case == "alg none":
        return bearer(jwt.encode(good, None, algorithm="none", headers={"kid": idp.kid}))
    if case == "HS256 with the public key as secret":
        from cryptography.hazmat.primitives import serialization

        pem = idp.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return bearer(jwt.encode(good, pem.hex(), algorithm="HS256", headers={"kid": idp.kid}))
    if case == "a wrong audience":
        return bearer(idp.token(claims(connector, aud="99999999-0000-0000-0000-000000000000")))
    if case == "no audience":
        return bearer(idp.token(claims(connector, aud=None)))
    if case == "expired":
        return bearer(idp.token({**good, "iat": now - 7200, "nbf": now - 7200, "exp": now - 600}))
    if case == "not yet valid":
        return bearer(idp.token({**good, "nbf": now + 3600, "exp": now + 7200}))
    if case == "a wrong issuer":
        return bearer(idp.token(claims(connector, iss="https://evil.example")))
    if case == "an emulator token":
        emulator = "https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/"
        return bearer(idp.token(claims(connector, iss=emulator, appid=APP_ID, ver="1.0")))
    if case == "another service URL":
        return bearer(idp.token(claims(connector, serviceurl="https://evil.example/")))
    raise AssertionError(case)


FORGED = [
    "no token",
    "not a JWT",
    "garbage in the header",
    "another scheme",
    "signed by another key",
    "an unpublished key id",
    "no key id",
    "alg none",
    "HS256 with the public key as secret",
    "a wrong audience",
    "no audience",
    "expired",
    "not yet valid",
    "a wrong issuer",
    "an emulator token",
    "another service URL",
]


@pytest.mark.parametrize("case", FORGED)
async def test_a_bad_token_is_refused_with_401_and_nothing_is_stored(
    prod: BotClient, idp: OpenIdProvider, case: str
) -> None:
    before = await row_counts(prod.db)
    for activity in (first_step(prod), a.message(prod.connector.url, "raportoi")):
        response = await prod.client.post(
            "/api/messages", json=activity, headers=_forged(idp, prod.connector, case)
        )
        assert response.status == 401, (case, await response.text())
        assert await response.json() == {"error": "unauthorized"}
    await asyncio.sleep(0.05)  # anything spawned after a turn would have written by now
    assert await row_counts(prod.db) == before
    assert prod.connector.calls == []


def _foreign_tenant(activity: dict[str, Any]) -> None:
    stranger = "99999999-9999-9999-9999-999999999999"
    activity["conversation"]["tenantId"] = stranger
    activity["channelData"]["tenant"]["id"] = stranger


def _webchat(activity: dict[str, Any]) -> None:
    activity["channelId"] = "webchat"


def _no_aad_object_id(activity: dict[str, Any]) -> None:
    del activity["from"]["aadObjectId"]


def _empty_aad_object_id(activity: dict[str, Any]) -> None:
    activity["from"]["aadObjectId"] = ""


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_foreign_tenant, "tenant not allowed"),
        (_webchat, "only Microsoft Teams"),
        (_no_aad_object_id, "aadObjectId"),
        (_empty_aad_object_id, "aadObjectId"),
    ],
)
async def test_a_valid_token_from_the_wrong_place_is_refused_with_403(
    prod: BotClient, idp: OpenIdProvider, change: Any, reason: str
) -> None:
    """The token is good (Bot Framework signs for any tenant that installs the app, and for
    other channels than Teams) — the activity is not one the bot takes."""
    before = await row_counts(prod.db)
    headers = bearer(idp.token(claims(prod.connector)))
    for activity in (first_step(prod), a.message(prod.connector.url, "raportoi")):
        change(activity)
        response = await prod.client.post("/api/messages", json=activity, headers=headers)
        assert response.status == 403, await response.text()
        assert reason in (await response.json())["error"]
    await asyncio.sleep(0.05)
    assert await row_counts(prod.db) == before
    assert prod.connector.calls == []


async def test_keys_not_endorsed_for_teams_are_refused(
    db: Database, connector: FakeConnector
) -> None:
    async with OpenIdProvider(endorsements=["webchat"]) as idp:
        bot = await start_production_bot(db, connector, SigningKeys(idp.metadata_url))
        try:
            before = await row_counts(db)
            headers = bearer(idp.token(claims(connector)))
            assert await post(bot, first_step(bot), headers) == 401
            assert await row_counts(db) == before
        finally:
            await bot.client.close()


def test_the_production_default_is_bot_frameworks_metadata() -> None:
    """The metadata URL is a constructor argument for tests, not a setting anyone could point
    elsewhere in production."""
    from bot.container import build_adapter
    from i18n import Catalog

    settings = make_settings(**PRODUCTION)
    adapter = build_adapter(settings, Catalog.load(), "fi")  # type: ignore[arg-type]
    inner = adapter.caching_authentication._inner
    assert inner.keys.url == "https://login.botframework.com/v1/.well-known/openidconfiguration"
    adapter.close()


async def test_the_user_is_the_entra_object_id_never_the_channel_id(bot: BotClient) -> None:
    """A conversationUpdate without from.aadObjectId is taken (Teams sends system events), but
    nobody is remembered under the channel-specific from.id."""
    from storage.models import ConversationRef

    anonymous = a.bot_added_personal(bot.connector.url)
    del anonymous["from"]["aadObjectId"]
    assert (await bot.post(anonymous))[0] in (200, 201)
    await bot.settle()
    async with bot.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ConversationRef)) == 0
    assert (await bot.post(a.bot_added_personal(bot.connector.url)))[0] in (200, 201)
    await bot.settle()
    async with bot.db.sessions() as session:
        owners = list(await session.scalars(select(ConversationRef.owner_id)))
    assert owners == [a.WORKER_AAD]
