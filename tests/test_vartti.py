"""Teams, schedules, Rake-vartti prompts and the outbox: real Teams JSON, the fake connector,
an injected clock, both databases."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import CONTAINER, OUTBOX_WORKER, SERVICES
from storage.db import Database
from storage.models import Channel, OutboxItem, Team, VarttiOccurrence
from storage.outbox import Outbox
from tests import activities as a
from tests.conftest import BotClient, start_bot
from tests.fake_connector import FakeConnector

LEAD = "lead-aad"  # a team lead in the test settings
TUESDAY_0630 = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)  # 08:30 in Helsinki
SCHEDULE = {
    "channel_id": a.CHANNEL_ID,
    "weekday": "1",
    "meeting_time": "09:00",
    "lead_minutes": "60",
    "frequency": "weekly",
    "week_of_month": "1",
    "language": "fi",
    "service_area": "adult_social",
    "area": "lahti",
    "paused": "false",
}


def team_event(url: str, event: str, **channel_data: Any) -> dict[str, Any]:
    activity = a.base("conversationUpdate", url, team=True, conversation_id=a.TEAM_ID)
    activity["channelData"].update(eventType=event, **channel_data)
    return activity


async def install(bot: BotClient) -> None:
    # the flow's clock: the day before the test meeting, when nothing is due
    bot.app[CONTAINER].clock.set(lambda: TUESDAY_0630 - timedelta(days=1))
    await bot.invoke(a.bot_added_to_team(bot.connector.url), 201)


async def set_schedule(bot: BotClient, **values: str) -> dict[str, Any]:
    body = await bot.invoke(
        a.execute(
            bot.connector.url, {"rake": "schedule.save", **SCHEDULE, **values}, team=True, user=LEAD
        )
    )
    assert body["statusCode"] == 200, body
    return body["value"]


async def rows(db: Database, model: Any) -> list[Any]:
    async with db.sessions() as session:
        return list(await session.scalars(select(model)))


async def test_install_rename_channels_archive_uninstall(bot: BotClient) -> None:
    await install(bot)
    (team,) = await rows(bot.db, Team)
    assert team.installed and team.name == "Perhesosiaalityö" and team.tenant_id == a.TENANT
    assert {c.channel_id for c in await rows(bot.db, Channel)} == {a.TEAM_ID, a.CHANNEL_ID}
    url = bot.connector.url
    await bot.invoke(team_event(url, "teamRenamed", team={"id": a.TEAM_ID, "name": "Uusi"}), 201)
    await bot.invoke(
        team_event(
            url,
            "channelCreated",
            team={"id": a.TEAM_ID},
            channel={"id": "19:new", "name": "Vartti"},
        ),
        201,
    )
    await bot.invoke(
        team_event(
            url,
            "channelRenamed",
            team={"id": a.TEAM_ID},
            channel={"id": "19:new", "name": "Rake-vartti"},
        ),
        201,
    )
    await bot.invoke(
        team_event(
            url,
            "channelDeleted",
            team={"id": a.TEAM_ID},
            channel={"id": a.CHANNEL_ID, "name": "Rake"},
        ),
        201,
    )
    await bot.invoke(team_event(url, "teamArchived", team={"id": a.TEAM_ID}), 201)
    (team,) = await rows(bot.db, Team)
    channels = {c.channel_id: c for c in await rows(bot.db, Channel)}
    assert team.name == "Uusi" and team.archived
    assert channels["19:new"].name == "Rake-vartti" and channels[a.CHANNEL_ID].deleted
    await bot.invoke(team_event(url, "teamUnarchived", team={"id": a.TEAM_ID}), 201)
    await bot.invoke(a.installation_update(url, action="remove", team=True), 201)
    (team,) = await rows(bot.db, Team)
    assert not team.archived and not team.installed


async def test_only_leads_set_the_schedule(bot: BotClient) -> None:
    await install(bot)
    await bot.invoke(a.message(bot.connector.url, "vartti", team=True), 201)
    assert "vetäjät" in str(bot.connector.cards()[-1])  # a worker is refused
    await bot.invoke(a.message(bot.connector.url, "vartti", team=True, user=LEAD), 201)
    card = bot.connector.cards()[-1]
    assert card["body"][0]["text"] == "Rake-vartin aikataulu"
    body = await bot.invoke(
        a.execute(bot.connector.url, {"rake": "schedule.save", **SCHEDULE}, team=True)
    )
    assert "vetäjät" in str(body)


async def test_schedule_is_saved_and_forgeries_refused(bot: BotClient) -> None:
    await install(bot)
    saved = await set_schedule(bot)
    assert "Tallennettu. Seuraava vartti" in str(saved)
    (team,) = await rows(bot.db, Team)
    assert (team.service_area, team.area) == ("adult_social", "lahti")
    for forged in (
        {"channel_id": "19:someone-elses"},
        {"weekday": "9"},
        {"lead_minutes": "7"},
        {"area": "atlantis"},
        {"extra": "x"},
    ):
        body = await bot.invoke(
            a.execute(
                bot.connector.url,
                {"rake": "schedule.save", **SCHEDULE, **forged},
                team=True,
                user=LEAD,
            )
        )
        assert body["statusCode"] == 400, forged
    body = await bot.invoke(
        a.execute(
            bot.connector.url,
            {"rake": "schedule.save", **SCHEDULE, "meeting_time": "9"},
            team=True,
            user=LEAD,
        )
    )
    assert "tt:mm" in str(body)


async def test_a_due_prompt_is_planned_once_and_delivered(bot: BotClient) -> None:
    await install(bot)
    await set_schedule(bot)
    vartti = bot.app[CONTAINER].vartti
    assert await vartti.plan_due(TUESDAY_0630 - timedelta(hours=1)) == 0  # not yet due
    results = await asyncio.gather(*(vartti.plan_due(TUESDAY_0630) for _ in range(3)))
    assert sum(results) == 1  # ticking at once on several replicas plans it once
    assert await vartti.plan_due(TUESDAY_0630 + timedelta(minutes=10)) == 0
    assert await bot.settle() == {"sent": 1}
    threads = [c for c in bot.connector.calls if c.path.rstrip("/").endswith("/v3/conversations")]
    assert len(threads) == 1 and threads[0].body["channelData"]["channel"]["id"] == a.CHANNEL_ID
    card = str(threads[0].body["activity"]["attachments"][0]["content"])
    assert "Rake-vartti" in card and "24.11.2026" in card
    assert "alle 3 havaintoa" in card and "Lahti / Aikuissosiaalityö" in card


async def test_data_point_shows_counts_of_three_and_more(bot: BotClient) -> None:
    from tests.test_storage import FIELDS

    for i in range(4):
        await bot.app[SERVICES].observations.submit(
            f"seed-{i}",
            dict(FIELDS, area="lahti", service_area="adult_social"),
            now=TUESDAY_0630 - timedelta(days=3),
        )
    await install(bot)
    await set_schedule(bot)
    await bot.app[CONTAINER].vartti.plan_due(TUESDAY_0630)
    (item,) = await rows(bot.db, OutboxItem)
    assert "4 havaintoa aiheesta asuminen ja asunnottomuus" in str(item.payload["card"])


async def test_held_updates_the_card_and_refuses_identifiers(bot: BotClient) -> None:
    await install(bot)
    await set_schedule(bot)
    await bot.app[CONTAINER].vartti.plan_due(TUESDAY_0630)
    (occurrence,) = await rows(bot.db, VarttiOccurrence)
    held = {"rake": "vartti.held", "occurrence": occurrence.id, "lang": "fi"}
    body = await bot.invoke(
        a.execute(
            bot.connector.url,
            {**held, "participants": "7", "observations": "2", "note": "Puhuttiin: Matti Virtanen"},
            team=True,
        )
    )
    assert body["statusCode"] == 400 and "tunnistetieto" in body["value"]["message"]
    body = await bot.invoke(
        a.execute(
            bot.connector.url,
            {**held, "participants": "7", "observations": "2", "note": "Asumisen teema"},
            team=True,
        )
    )
    card = str(body["value"])
    assert "Vartti pidetty – kirjattu" in card and "'7'" in card and "Asumisen teema" in card
    (occurrence,) = await rows(bot.db, VarttiOccurrence)
    assert (occurrence.status, occurrence.participants, occurrence.observations) == ("held", 7, 2)
    other_team = a.execute(bot.connector.url, {**held, "participants": "1"})  # not from the team
    assert (await bot.invoke(other_team))["statusCode"] == 400


async def test_skip_next_and_pause(bot: BotClient) -> None:
    await install(bot)
    await set_schedule(bot)
    body = await bot.invoke(
        a.execute(bot.connector.url, {"rake": "schedule.skip", "lang": "fi"}, team=True, user=LEAD)
    )
    assert "ohitetaan" in str(body["value"])
    vartti = bot.app[CONTAINER].vartti
    # the skip is for the next meeting from the flow's clock: Tuesday 24.11.2026
    (_, schedule) = await vartti._teams.schedule(a.TEAM_ID)
    assert schedule.skip_date is not None
    due = schedule.due_at(schedule.skip_date) + timedelta(minutes=1)
    assert await vartti.plan_due(due) == 0
    (occurrence,) = await rows(bot.db, VarttiOccurrence)
    assert occurrence.status == "skipped" and await rows(bot.db, OutboxItem) == []
    await set_schedule(bot, paused="true")
    assert await vartti.plan_due(due + timedelta(days=7)) == 0


async def test_403_marks_the_channel_inactive_and_tells_the_rake_channel_once(
    db: Database, connector: FakeConnector, tmp_path: Any
) -> None:
    from counties import county_path

    county = county_path("paijat-hame").read_text(encoding="utf-8")
    county += "rake_channel: {team_id: 'rake-team', channel_id: '19:rake-experts'}\n"
    (tmp_path / "county.yaml").write_text(county, encoding="utf-8")
    bot = await start_bot(db, connector, RAKE_COUNTY=str(tmp_path / "county.yaml"))
    try:
        experts = a.bot_added_to_team(connector.url)
        experts["channelData"].update(
            team={"id": "rake-team", "name": "Rake"},
            channel={"id": "19:rake-experts", "name": "Rake"},
        )
        await bot.invoke(experts, 201)
        await install(bot)
        await set_schedule(bot)
        connector.calls.clear()
        connector.fail_next(403, times=5, path=a.CHANNEL_ID)  # the bot was removed, unannounced
        vartti = bot.app[CONTAINER].vartti
        await vartti.plan_due(TUESDAY_0630)
        outbox = bot.app[OUTBOX_WORKER].outbox
        await bot.app[OUTBOX_WORKER].drain()
        await Outbox(db).add(
            "vartti:again", "vartti_prompt", a.CHANNEL_ID, (await rows(db, OutboxItem))[0].payload
        )
        await bot.settle()
        counts = await outbox.counts()
        assert counts["failed"] == 2  # two posts refused, neither retried
        channel = next(c for c in await rows(db, Channel) if c.channel_id == a.CHANNEL_ID)
        assert channel.inactive_reason == "403"
        notices = [i for i in await rows(db, OutboxItem) if i.kind == "notice"]
        assert len(notices) == 1  # the experts are told once
        # and the channel gets no more prompts
        assert await vartti.plan_due(TUESDAY_0630 + timedelta(days=7)) == 0
    finally:
        await bot.client.close()


async def test_retries_5xx_and_timeouts_then_delivers(bot: BotClient) -> None:
    await install(bot)
    await set_schedule(bot)
    bot.connector.fail_next(503, headers={"Retry-After": "0"})
    bot.connector.fail_next(502, headers={"Retry-After": "0"})
    await bot.app[CONTAINER].vartti.plan_due(TUESDAY_0630)
    assert await bot.settle() == {"sent": 1}
    (item,) = await rows(bot.db, OutboxItem)
    assert item.attempts == 3


async def test_a_crash_mid_send_is_never_sent_twice(db: Database) -> None:
    outbox = Outbox(db)
    for key in ("a", "b"):
        await outbox.add(key, "notice", "c", {"target": {}, "card": {}})
    lease = timedelta(seconds=30)
    items = await outbox.claim("dead-worker", 10, lease)
    assert [i.dedupe_key for i in items] == ["a", "b"]
    assert await outbox.start_sending(items[0].id, "dead-worker", lease)  # then: kill -9
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert await outbox.recover(later) == (1, 1)
    again = await outbox.claim("new-worker", 10, lease, now=later)
    assert [i.dedupe_key for i in again] == ["b"]  # "a" may have reached Teams: not resent
    assert (await outbox.counts())["uncertain"] == 1


async def test_two_workers_never_claim_the_same_item(db: Database) -> None:
    outbox = Outbox(db)
    for i in range(200):
        await outbox.add(f"k{i}", "notice", f"c{i}", {"target": {}, "card": {}})
    lease = timedelta(seconds=60)
    claims = await asyncio.gather(*(outbox.claim(f"w{n}", 15, lease) for n in range(8)))
    ids = [item.id for batch in claims for item in batch]
    assert len(ids) == len(set(ids)) == 120


async def test_enqueue_is_unique_per_key(db: Database) -> None:
    outbox = Outbox(db)
    results = await asyncio.gather(*(outbox.add("same", "notice", "c", {}) for _ in range(10)))
    assert sum(r is not None for r in results) == 1


@pytest.mark.parametrize("rate", [20.0])
async def test_the_limiter_keeps_the_app_rate(rate: float) -> None:
    from bot.ratelimit import RateLimiter

    clock = [0.0]

    async def sleep(seconds: float) -> None:
        clock[0] += seconds

    limiter = RateLimiter(rate, clock=lambda: clock[0], sleep=sleep)
    for i in range(100):
        await limiter.acquire(f"conversation-{i}")
    assert 4.0 <= clock[0] < 5.0  # 100 sends at 20/s
    clock[0] = 0.0
    one = RateLimiter(50, clock=lambda: clock[0], sleep=sleep)
    for _ in range(61):
        await one.acquire("same")
    assert clock[0] >= 30.0  # one conversation: 60 per 30 s


async def test_late_wake_ups_do_not_slow_the_app_rate() -> None:
    """A busy loop wakes every sleeper late (here by 6 ms, a third of a slot): the pace keeps
    its schedule instead of adding the lateness to every send, and no second holds more than
    the limit."""
    from bot.ratelimit import RateLimiter

    clock = [0.0]
    stamps: list[float] = []

    async def late_sleep(seconds: float) -> None:
        clock[0] += seconds + 0.006

    limiter = RateLimiter(50, clock=lambda: clock[0], sleep=late_sleep)
    for i in range(500):
        await limiter.acquire(f"conversation-{i}")
        stamps.append(clock[0])
    assert stamps[-1] < 10.1  # 500 at 50/s: ten seconds (one wake-up late per slot: 13 s)
    assert all(b - a >= 1.0 for a, b in zip(stamps, stamps[50:], strict=False))
    # after a pause (idle, or the process stopped) a new schedule starts: no burst to catch up
    clock[0] += 5.0
    await limiter.acquire("after-a-pause")
    resumed = clock[0]
    await limiter.acquire("after-a-pause-2")
    assert clock[0] - resumed >= 0.02


async def test_saving_a_schedule_when_the_prompt_is_due_sends_it_at_once(bot: BotClient) -> None:
    await install(bot)
    bot.app[CONTAINER].clock.set(lambda: TUESDAY_0630)
    await set_schedule(bot)
    assert await bot.settle() == {"sent": 1}


async def test_a_hanging_connector_times_out_and_the_prompt_is_retried(
    db: Database, connector: FakeConnector
) -> None:
    bot = await start_bot(db, connector, RAKE_SEND_TIMEOUT="1")
    try:
        await install(bot)
        await set_schedule(bot)
        connector.hang_seconds = 1.5  # longer than the send timeout
        await bot.app[CONTAINER].vartti.plan_due(TUESDAY_0630)
        await bot.app[OUTBOX_WORKER].drain()
        (item,) = await rows(db, OutboxItem)
        assert item.status == "pending" and item.attempts == 1
        assert (item.last_error or "").startswith("ClientRequestError")  # a read time-out
        connector.hang_seconds = 0
        assert await bot.settle(30) == {"sent": 1}
    finally:
        await bot.client.close()
