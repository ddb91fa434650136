"""The Rake channel: its card of the day (posted once, updated in place) and acute alerts
(acknowledged once, reminded once). Both databases, the fake Bot Connector."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.app import CONTAINER
from cards.observation import ACK
from storage.db import Database
from storage.models import Observation
from tests import activities as a
from tests import seed
from tests.conftest import start_bot
from tests.fake_connector import FakeConnector
from tests.test_digests import EXPERT, FI, WORKER, county_with_rake_channel, valid


async def test_the_daily_card_is_posted_once_and_updated_in_place(
    db: Database, connector: FakeConnector, tmp_path: Path
) -> None:
    bot = await start_bot(db, connector, RAKE_COUNTY=county_with_rake_channel(tmp_path))
    try:
        await bot.invoke(a.bot_added_to_team(connector.url), 201)
        flow = bot.app[CONTAINER].daily_card
        now = seed.local(2026, 11, 24, 10).astimezone(UTC)
        assert await flow.refresh(now) == "empty"
        first = (await seed.add(db, seed.local(2026, 11, 24, 9)))[0]
        assert await flow.refresh(now) == "posted"
        assert await flow.refresh(now) == "unchanged"
        second = (await seed.add(db, seed.local(2026, 11, 24, 9, 30), phenomenon="digital"))[0]
        # the post has not gone out yet: there is nothing to update
        assert await flow.refresh(now) == "waiting for the post (pending)"
        connector.calls.clear()
        await bot.settle()
        assert await flow.refresh(now) == "updated"
        third = (await seed.add(db, seed.local(2026, 11, 24, 9, 40), phenomenon="ageing"))[0]
        assert await flow.refresh(now) == "updated"
        assert await flow.refresh(now) == "unchanged"
        await bot.settle()
        new_posts = [c for c in connector.calls if c.method == "POST"]
        updates = [c for c in connector.calls if c.method == "PUT"]
        # one post; the first update was superseded by the second before it was sent
        assert len(new_posts) == 1 and len(updates) == 1
        post = await bot.app[CONTAINER].outbox.by_key("daily:2026-11-24:post")
        assert post.result_id in updates[0].path
        assert updates[0].path.endswith(f"/activities/{post.result_activity_id}")
        text = json.dumps(valid(updates[0].body["attachments"][0]["content"]), ensure_ascii=False)
        for row in (first, second, third):
            assert row.reference in text
        assert "3 havaintoa" in text
    finally:
        await bot.client.close()


async def test_acute_alerts_are_acknowledged_once_and_reminded_once(
    db: Database, connector: FakeConnector, tmp_path: Path
) -> None:
    bot = await start_bot(
        db, connector, RAKE_COUNTY=county_with_rake_channel(tmp_path, people=EXPERT)
    )
    try:
        await bot.invoke(a.bot_added_to_team(connector.url), 201)
        await bot.post(a.bot_added_personal(connector.url, user=EXPERT))
        flow = bot.app[CONTAINER].acute
        created = datetime(2026, 11, 24, 8, tzinfo=UTC)
        late, fine = await seed.add(db, created, 2, urgency="acute")
        # nobody acknowledges within 30 minutes → one reminder to the channel and the person
        assert await flow.remind_unacknowledged(created + timedelta(minutes=29)) == 0
        # ... except for the one acknowledged in time
        ack = {"rake": ACK, "reference": fine.reference, "channel": True}
        body = await bot.invoke(a.execute(connector.url, ack, user=EXPERT, team=True))
        card = valid(body["value"])
        assert "Kuitattu: Testi Työntekijä" in json.dumps(card, ensure_ascii=False)
        assert ACK not in json.dumps(card["actions"])  # the button is gone
        assert await flow.remind_unacknowledged(created + timedelta(minutes=31)) == 2
        assert await flow.remind_unacknowledged(created + timedelta(minutes=90)) == 0
        connector.calls.clear()
        await bot.settle()
        reminders = [
            c
            for c in connector.cards()
            if FI.t("fi", "acute.reminder") in json.dumps(c, ensure_ascii=False)
        ]
        assert len(reminders) == 2
        assert all(late.reference in json.dumps(c) for c in reminders)
        # a second acknowledgement keeps the first one's name; a worker may not acknowledge
        body = await bot.invoke(a.execute(connector.url, ack, user=WORKER))
        assert body["type"] == "application/vnd.microsoft.activity.message"
        async with db.sessions() as session:
            row = await session.scalar(
                select(Observation).where(Observation.reference == fine.reference)
            )
            assert row is not None and row.acknowledged_by == EXPERT
    finally:
        await bot.client.close()
