"""The desk's token validation (bot.desk.auth) against a local OpenID provider (tests/oidc.py):
real metadata and key fetches over HTTP, real RS256 signatures, PyJWT's checks."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import jwt
import pytest

from bot.desk.auth import DevTokens, KeySource, TokenError, TokenValidator, v1_issuer, v2_issuer
from tests.oidc import OpenIdProvider

APP_ID = "6f1c1f0e-3d1a-4a53-9d53-6a3f3c1b2a10"
RESOURCE = f"api://rake.example.fi/botid-{APP_ID}"
TENANT = "9b7c0c5e-2f55-4c6e-9d1b-0c8f3f6a1e21"
FOREIGN = "11111111-2222-3333-4444-555555555555"


def claims(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "aud": APP_ID,
        "iss": v2_issuer(TENANT),
        "tid": TENANT,
        "oid": "expert-aad",
        "scp": "User.Read access_as_user",
        "name": "Testi Asiantuntija",
        "ver": "2.0",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


@pytest.fixture
async def idp() -> AsyncIterator[OpenIdProvider]:
    async with OpenIdProvider() as provider:
        yield provider


def validator(idp: OpenIdProvider, dev: DevTokens | None = None, **keys: Any) -> TokenValidator:
    return TokenValidator(APP_ID, RESOURCE, [TENANT], KeySource(idp.base_url, **keys), dev)


async def test_a_valid_token_gives_the_user_as_oid_and_tid(idp: OpenIdProvider) -> None:
    check = validator(idp)
    user = await check.validate(idp.token(claims()))
    assert (user.oid, user.tid, user.name) == ("expert-aad", TENANT, "Testi Asiantuntija")
    await check.keys.close()


async def test_a_v1_token_for_the_tab_resource_is_accepted(idp: OpenIdProvider) -> None:
    check = validator(idp)
    token = idp.token(claims(aud=RESOURCE, iss=v1_issuer(TENANT), ver="1.0"))
    assert (await check.validate(token)).oid == "expert-aad"
    await check.keys.close()


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"aud": "00000000-0000-0000-0000-00000000beef"}, id="wrong-audience"),
        pytest.param({"aud": f"api://elsewhere.example/botid-{APP_ID}"}, id="other-resource"),
        pytest.param({"iss": v2_issuer(FOREIGN)}, id="issuer-of-another-tenant"),
        pytest.param({"iss": "https://login.microsoftonline.com/common/v2.0"}, id="common-issuer"),
        pytest.param({"scp": "User.Read"}, id="without-access_as_user"),
        pytest.param({"scp": None}, id="no-scope"),
        pytest.param({"oid": None}, id="no-oid"),
        pytest.param({"exp": int(time.time()) - 120}, id="expired"),
        pytest.param({"nbf": int(time.time()) + 600}, id="not-yet-valid"),
    ],
)
async def test_a_token_not_for_us_is_refused(idp: OpenIdProvider, bad: dict[str, Any]) -> None:
    check = validator(idp)
    with pytest.raises(TokenError):
        await check.validate(idp.token(claims(**bad)))
    await check.keys.close()


async def test_expiry_has_a_small_leeway(idp: OpenIdProvider) -> None:
    check = validator(idp)
    assert await check.validate(idp.token(claims(exp=int(time.time()) - 20)))
    with pytest.raises(TokenError):
        await check.validate(idp.token(claims(exp=int(time.time()) - 90)))
    await check.keys.close()


async def test_a_foreign_tenant_is_refused_before_any_key_is_fetched(idp: OpenIdProvider) -> None:
    check = validator(idp)
    token = idp.token(claims(tid=FOREIGN, iss=v2_issuer(FOREIGN)))
    with pytest.raises(TokenError, match="tenant not allowed"):
        await check.validate(token)
    assert idp.requests["metadata"] == 0 and idp.requests["keys"] == 0


async def test_a_rogue_signed_token_is_refused(idp: OpenIdProvider) -> None:
    check = validator(idp)
    with pytest.raises(TokenError):
        await check.validate(idp.rogue_token(claims()))
    await check.keys.close()


@pytest.mark.parametrize("alg", ["HS256", "none"])
async def test_other_algorithms_are_refused(idp: OpenIdProvider, alg: str) -> None:
    check = validator(idp)  # no development key: as in production
    key = "secret" if alg == "HS256" else None
    token = jwt.encode(claims(exp=int(time.time()) + 600), key, algorithm=alg)
    with pytest.raises(TokenError):
        await check.validate(token)
    for garbage in ("", "abc", "a.b.c"):
        with pytest.raises(TokenError):
            await check.validate(garbage)


async def test_keys_are_cached_and_fetched_again_for_an_unknown_kid_at_most_once_a_minute(
    idp: OpenIdProvider,
) -> None:
    clock = [1000.0]
    check = validator(idp, clock=lambda: clock[0])
    await asyncio.gather(*(check.validate(idp.token(claims())) for _ in range(5)))
    assert (idp.requests["metadata"], idp.requests["keys"]) == (1, 1)  # cached, one fetch
    # the provider rolls its key: a token with the new kid makes us fetch again
    clock[0] += 61
    idp.kid = uuid.uuid4().hex
    assert await check.validate(idp.token(claims()))
    assert idp.requests["keys"] == 2
    # a flood of unknown kids within the minute: no more fetches
    idp.kid = uuid.uuid4().hex
    for _ in range(3):
        with pytest.raises(TokenError, match="unknown signing key"):
            await check.validate(idp.token(claims()))
    assert idp.requests["keys"] == 2
    clock[0] += 61
    assert await check.validate(idp.token(claims()))
    assert idp.requests["keys"] == 3
    await check.keys.close()


async def test_an_unreachable_key_source_is_a_refusal_within_the_timeout() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with OpenIdProvider() as idp:
        token = idp.token(claims())
    check = TokenValidator(
        APP_ID, RESOURCE, [TENANT], KeySource(f"http://127.0.0.1:{port}", timeout_s=2)
    )
    started = time.monotonic()
    with pytest.raises(TokenError, match="unavailable"):
        await check.validate(token)
    assert time.monotonic() - started < 5
    await check.keys.close()


async def test_development_tokens_work_only_where_the_key_was_made(idp: OpenIdProvider) -> None:
    dev = DevTokens()
    token = dev.issue("dev-user", "Alex Wilber")
    assert (await validator(idp, dev).validate(token)).oid == "dev-user"
    with pytest.raises(TokenError):  # production has no development key
        await validator(idp).validate(token)
    with pytest.raises(TokenError):  # another process's key
        await validator(idp, DevTokens()).validate(token)


async def test_without_an_app_id_only_development_tokens_pass(idp: OpenIdProvider) -> None:
    check = TokenValidator("", "api://localhost/botid-", [], KeySource(idp.base_url))
    with pytest.raises(TokenError, match="not configured"):
        await check.validate(idp.token(claims(aud="")))


def test_the_desk_package_imports_no_bot_framework_sdk() -> None:
    """bot/desk is SDK-free: the app hands it the access rule and export links."""
    import ast
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys, bot.desk, bot.desk.views, bot.desk.present, bot.desk.auth\n"
        "import bot.desk.loop, bot.desk.loop_routes\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'botbuilder', 'botframework',"
        " 'msrest'}))"
    )
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
    desk = Path(__file__).resolve().parents[1] / "bot" / "desk"
    for path in desk.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bot"):
                # its own modules, the settings, and the loop's SDK-free use-cases
                allowed = (
                    "bot.desk",
                    "bot.settings",
                    "bot.processing_service",
                    "bot.processing_flow",
                )
                assert node.module.startswith(allowed), (path, node.module)
