"""Calls to the Bot Connector cannot starve other turns (regression: msrest sent on the loop's
default six-thread executor, so twelve stalled calls delayed an unrelated user's reply by 39 s)
and end within a timeout that fits Teams' 15 s for a turn."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from bot.settings import SettingsError
from storage.db import Database
from tests import activities as a
from tests.conftest import make_settings, start_bot
from tests.fake_connector import FakeConnector

STALLED_TURNS = 40  # more than any default executor has threads (min(32, cores + 4))


@dataclass
class HeldConnector(FakeConnector):
    """A fake connector that holds every call until the test lets go."""

    gate: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: int = 0
    all_arrived: asyncio.Event = field(default_factory=asyncio.Event)
    expected: int = 0

    async def _handle(self, request: web.Request) -> web.Response:
        self.arrived += 1
        if self.arrived >= self.expected:
            self.all_arrived.set()
        await self.gate.wait()
        return await super()._handle(request)


async def test_stalled_connector_calls_do_not_delay_another_users_reply(
    db: Database, connector: FakeConnector
) -> None:
    held = HeldConnector(expected=STALLED_TURNS)
    await held.start()
    bot = await start_bot(db, connector, RAKE_SEND_TIMEOUT="10")
    try:
        stalled = [
            asyncio.ensure_future(bot.post(a.message(held.url, "apua", user=f"user-{n}")))
            for n in range(STALLED_TURNS)
        ]
        # every stalled reply is on the wire at once (the default executor would let 6 through)
        await asyncio.wait_for(held.all_arrived.wait(), 10)
        # an unrelated user's turn, replying through a healthy connector, goes through now …
        status, _ = await asyncio.wait_for(bot.post(a.message(connector.url, "apua")), 5)
        assert status == 201 and len(connector.posts()) == 1
        assert not any(task.done() for task in stalled)  # … while all forty are still held
        held.gate.set()
        results = await asyncio.gather(*stalled)
        assert [status for status, _ in results] == [201] * STALLED_TURNS
        assert len(held.posts()) == STALLED_TURNS
    finally:
        held.gate.set()
        await bot.client.close()
        await held.close()


async def test_a_reply_stalled_past_the_timeout_ends_the_turn(
    db: Database, connector: FakeConnector, caplog: pytest.LogCaptureFixture
) -> None:
    held = HeldConnector()
    await held.start()
    bot = await start_bot(db, connector, RAKE_SEND_TIMEOUT="1")
    try:
        with caplog.at_level(logging.WARNING):
            status, _ = await asyncio.wait_for(bot.post(a.message(held.url, "apua")), 10)
        assert status == 201  # the turn ended (Teams would have had its answer in time)
        assert any("ClientRequestError" in r.getMessage() for r in caplog.records)
        assert held.arrived == 2  # the reply and the error notice were tried, and given up
    finally:
        held.gate.set()
        await bot.client.close()
        await held.close()


def test_the_send_timeout_must_fit_teams_15_seconds() -> None:
    assert make_settings().send_timeout_s == 10
    with pytest.raises(SettingsError, match="RAKE_SEND_TIMEOUT"):
        make_settings(RAKE_SEND_TIMEOUT="20")
