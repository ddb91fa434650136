"""No secret or token reaches the logs: production mode with known secret values, the logging
configured as `python -m bot run` does it but at DEBUG, turns and requests that succeed and fail
(valid and forged tokens, a reply whose outbound token cannot be fetched, /metrics with right and
wrong tokens, an export link, a database that is away) — then every captured line, tracebacks
included, is searched for each value."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator

import pytest

from bot.app import CONTAINER
from bot.keys import SigningKeys
from bot.logs import JsonFormatter, configure_logging
from storage.db import Database
from tests import activities as a
from tests.conftest import BotClient
from tests.fake_connector import FakeConnector
from tests.oidc import OpenIdProvider
from tests.test_auth import APP_PASSWORD, EXPORT_SECRET, bearer, claims, start_production_bot
from tests.test_report_dialog import STEP1

METRICS_TOKEN = "metrics-token-not-real-5b1f0c"
DB_PASSWORD = "db-password-not-real-9c2e4a"


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("DEBUG", json_lines=True)  # what production does, at its most verbose
    root.addHandler(caplog.handler)
    caplog.handler.setLevel(logging.DEBUG)
    yield caplog
    root.handlers[:], level = saved
    root.setLevel(level)


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    plain = logging.Formatter("%(name)s %(levelname)s %(message)s")
    lines = []
    for record in caplog.records:
        lines.append(plain.format(record))  # with the traceback, if any
        lines.append(JsonFormatter().format(record))
        lines.append(repr(record.args))
    return lines


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _exercise(bot: BotClient, idp: OpenIdProvider, connector: FakeConnector) -> list[str]:
    """Requests carrying every kind of credential; returns the tokens that were used."""
    good = idp.token(claims(connector))
    forged = idp.rogue_token(claims(connector))
    expired = idp.token({**claims(connector), "iat": 1, "nbf": 1, "exp": 2})
    assert (
        await bot.client.post(
            "/api/messages", json=a.message(connector.url, "apua"), headers=bearer(good)
        )
    ).status == 201
    started = await bot.client.post(
        "/api/messages",
        json=a.execute(connector.url, {"rake": "report.start"}),
        headers=bearer(good),
    )
    card = (await started.json())["value"]
    step = next(act["data"] for act in card["actions"] if act["data"].get("verb") == "next")
    saved = await bot.client.post(
        "/api/messages", json=a.execute(connector.url, {**step, **STEP1}), headers=bearer(good)
    )
    assert saved.status == 200  # a draft with a description was written
    for token in (forged, expired, "not.a.jwt"):
        response = await bot.client.post(
            "/api/messages", json=a.message(connector.url, "apua"), headers=bearer(token)
        )
        assert response.status == 401
    assert (
        await bot.client.get("/metrics", headers=bearer("wrong-" + METRICS_TOKEN))
    ).status == 401
    assert (await bot.client.get("/metrics", headers=bearer(METRICS_TOKEN))).status == 200
    link = bot.app[CONTAINER].exports.signer.sign(
        {"u": "someone", "f": "csv", "a": "2026-01-01", "b": "2026-01-31", "l": "fi"}, 15
    )
    assert (await bot.client.get(f"/exports/{link}")).status == 403  # not an expert: audited
    return [good, forged, expired, link, link.rsplit(".", 1)[1]] + [
        part
        for part in good.split(".")[1:]  # the payload and the signature alone too
    ]


async def test_no_secret_or_token_is_logged(
    db: Database, connector: FakeConnector, debug_logs: pytest.LogCaptureFixture
) -> None:
    async with OpenIdProvider() as idp:
        bot = await start_production_bot(
            db,
            connector,
            SigningKeys(idp.metadata_url),
            RAKE_METRICS_TOKEN=METRICS_TOKEN,
            RAKE_SEND_TIMEOUT="2",  # the reply's outbound token cannot be fetched here
        )
        try:
            tokens = await _exercise(bot, idp, connector)
        finally:
            await bot.client.close()
        # a database that is away, its password in the URL
        port = _closed_port()
        away = Database.from_url(f"postgresql+asyncpg://rake:{DB_PASSWORD}@127.0.0.1:{port}/rake")
        bot = await start_production_bot(
            away,
            connector,
            SigningKeys(idp.metadata_url),
            RAKE_METRICS_TOKEN=METRICS_TOKEN,
            RAKE_DATABASE_URL=f"postgresql+asyncpg://rake:{DB_PASSWORD}@127.0.0.1:{port}/rake",
        )
        try:
            assert (await bot.client.get("/readyz")).status == 503
            assert (await bot.client.get("/metrics", headers=bearer(METRICS_TOKEN))).status == 200
        finally:
            await bot.client.close()
            await away.dispose()
    lines = _lines(debug_logs)
    assert len(lines) > 20  # the turns, refusals and failures above were logged …
    assert any("refused an activity" in line for line in lines)
    assert any("database unreachable" in line for line in lines)
    # and no observation text (aiosqlite logs SQL parameters at DEBUG; drafts hold JSON, so the
    # ASCII beginning of the text is what would show)
    texts = [STEP1["description"][:28]]
    for secret in [APP_PASSWORD, EXPORT_SECRET, METRICS_TOKEN, DB_PASSWORD, *tokens, *texts]:
        leaks = [line[:200] for line in lines if secret in line]
        assert not leaks, (secret[:12], leaks)  # … and none of them carries a secret
