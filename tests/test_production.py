"""Production hardening: tenant allow-list, /metrics, JSON logs without observation text."""

from __future__ import annotations

import json
import logging
from datetime import UTC
from pathlib import Path

from bot.app import CONTAINER
from bot.logs import JsonFormatter
from storage.db import Database
from tests import activities as a
from tests import seed
from tests.conftest import start_bot
from tests.fake_connector import FakeConnector
from tests.test_digests import county_with_rake_channel, fixed


async def test_activities_from_other_tenants_are_refused(
    db: Database, connector: FakeConnector
) -> None:
    bot = await start_bot(db, connector, RAKE_ALLOWED_TENANTS=f"{a.TENANT}, other-county")
    try:
        await bot.invoke(a.message(connector.url, "apua"), 201)
        stranger = a.message(connector.url, "apua")
        stranger["conversation"]["tenantId"] = "99999999-9999-9999-9999-999999999999"
        stranger["channelData"]["tenant"]["id"] = "99999999-9999-9999-9999-999999999999"
        before = len(connector.calls)
        status, body = await bot.post(stranger)
        assert (status, body) == (403, {"error": "tenant not allowed"})
        assert len(connector.calls) == before  # nothing was answered
        no_tenant = a.message(connector.url, "apua")
        del no_tenant["conversation"]["tenantId"]
        del no_tenant["channelData"]["tenant"]
        assert (await bot.post(no_tenant))[0] == 403
        metrics = await (await bot.client.get("/metrics")).text()
        assert "rake_refused_tenant_total 2" in metrics
    finally:
        await bot.client.close()


async def test_metrics_count_turns_deliveries_and_summaries(
    db: Database, connector: FakeConnector, tmp_path: Path
) -> None:
    await seed.week_10_dataset(db)
    bot = await start_bot(
        db,
        connector,
        RAKE_COUNTY=county_with_rake_channel(tmp_path),
        RAKE_METRICS_TOKEN="scrape-secret",
    )
    try:
        await bot.invoke(a.bot_added_to_team(connector.url), 201)
        await bot.invoke(a.message(connector.url, "apua"), 201)
        await bot.invoke(a.execute(connector.url, {"rake": "reports.mine"}))
        bot.app[CONTAINER].clock.set(fixed(seed.local(2026, 3, 9, 8, 1).astimezone(UTC)))
        assert await bot.app[CONTAINER].summaries.post_due_summaries() == 1
        assert (await bot.client.get("/metrics")).status == 401
        headers = {"Authorization": "Bearer scrape-secret"}
        before = await (await bot.client.get("/metrics", headers=headers)).text()
        assert 'rake_outbox_items{status="pending"} 1' in before
        await bot.settle()
        text = await (await bot.client.get("/metrics", headers=headers)).text()
        assert 'rake_turn_seconds_count{name="",type="message"} 1' in text
        assert 'rake_turn_seconds_count{name="adaptiveCard/action",type="invoke"} 1' in text
        assert 'rake_turn_seconds_bucket{name="",type="message",le="+Inf"} 1' in text
        assert 'rake_deliveries_total{kind="summary",result="sent"} 1' in text
        assert 'rake_summaries_total{kind="weekly"} 1' in text
        assert 'rake_summaries_stored{kind="weekly"} 1' in text
        assert 'rake_outbox_items{status="pending"} 0' in text
        assert "rake_database_up 1" in text
        for line in text.splitlines():  # the exposition format: comments or "name{…} value"
            assert line.startswith("#") or float(line.rsplit(" ", 1)[1]) >= 0
    finally:
        await bot.client.close()


def test_json_log_lines_carry_fields_and_no_text() -> None:
    record = logging.LogRecord("rake.turn", logging.INFO, __file__, 1, "turn", None, None)
    record.activity_type = "message"
    record.duration_ms = 3.2
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "turn" and line["activity_type"] == "message"
    assert line["level"] == "INFO" and "time" in line


async def test_graceful_shutdown_releases_the_outbox_claims_not_yet_started(
    db: Database, connector: FakeConnector
) -> None:
    from datetime import timedelta

    from bot.app import OUTBOX_WORKER

    bot = await start_bot(db, connector)
    worker = bot.app[OUTBOX_WORKER]
    try:
        for n in range(3):
            await worker.outbox.add(f"k{n}", "notice", "conv", {"target": {}, "card": {}})
        claimed = await worker.outbox.claim(worker.worker_id, 10, timedelta(minutes=5))
        assert len(claimed) == 3
        assert (await worker.outbox.counts()) == {"claimed": 3}
        await worker.stop()  # what the app's shutdown does after the scheduler stops
        # back to pending at once, not after the 5-minute lease
        assert (await worker.outbox.counts()) == {"pending": 3}
    finally:
        await bot.client.close()


async def test_production_with_a_managed_identity_refuses_unauthenticated_activities(
    db: Database, connector: FakeConnector
) -> None:
    """The bot as UserAssignedMSI: the app builds without secrets and Bot Framework
    authentication is on (an activity without a token is refused before any handler)."""
    bot = await start_bot(
        db,
        connector,
        RAKE_ENVIRONMENT="production",
        MicrosoftAppId="22222222-3333-4444-5555-666666666666",
        MicrosoftAppType="UserAssignedMSI",
        MicrosoftAppTenantId=a.TENANT,
        RAKE_ALLOWED_TENANTS=a.TENANT,
        RAKE_EXPORT_SECRET="x" * 32,
        RAKE_PUBLIC_URL="https://rake.example.fi",
        RAKE_DEV_EXPERTS="",
        RAKE_DEV_TEAM_LEADS="",
    )
    try:
        status, _body = await bot.post(a.message(connector.url, "apua"))
        assert status == 401
        forged = a.message(connector.url, "apua")
        response = await bot.client.post(
            "/api/messages", json=forged, headers={"Authorization": "Bearer not.a.jwt"}
        )
        assert response.status == 401
        assert connector.calls == []
    finally:
        await bot.client.close()
