"""Periodic summaries on the county's rhythm: due on their days, made once, covering their
observations, posted to the Rake channel (and waiting for it) — SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import CONTAINER
from bot.digest_flow import Digests
from bot.services import Services
from bot.summaries import Summaries
from dialogs.periods import Rhythm
from storage.db import Database
from storage.models import Observation, Summary, SummaryObservation
from tests import activities as a
from tests import seed
from tests.conftest import make_settings, start_bot
from tests.fake_connector import FakeConnector
from tests.test_digests import EXPERT, count, county_with_rake_channel, last_card, say, valid


@pytest.mark.parametrize(
    ("county", "expected"),
    [
        ("kanta-hame", {"weekly": 52, "quarterly": 4, "annual": 1}),
        ("satakunta", {"weekly": 52, "half_yearly": 2, "annual": 1}),
        ("helsinki", {"weekly": 52, "tertial": 3, "annual": 1}),
        ("paijat-hame", {"weekly": 52, "quarterly": 4, "half_yearly": 2, "annual": 1}),
    ],
)
def test_every_rhythm_comes_due_on_its_days(
    county: str, expected: dict[str, int], tmp_path: Path
) -> None:
    """Walk through 2027 every quarter of an hour (from December 2026, so that what was due
    before is not counted): each summary comes due once, at 08:00 local."""
    db = Database.from_url(f"sqlite+aiosqlite:///{tmp_path}/unused.db")
    services = Services.build(make_settings(RAKE_COUNTY=county), db)
    flow = Summaries(services, Digests(services))
    seen: dict[tuple[str, str], datetime] = {}
    moment = datetime(2026, 12, 1, tzinfo=flow.tz)
    while moment.year < 2028:
        for rhythm, period in flow.due(moment.astimezone(UTC)):
            seen.setdefault((rhythm.value, period.key), moment)
        moment = (moment + timedelta(minutes=15)).astimezone(flow.tz)
    seen = {key: first for key, first in seen.items() if first.year == 2027}
    counts: dict[str, int] = {}
    for (rhythm, _key), first in seen.items():
        counts[rhythm] = counts.get(rhythm, 0) + 1
        assert (first.hour, first.minute) == (8, 0), (rhythm, first)
    assert counts == expected
    months = {first.month for (r, _k), first in seen.items() if r == "quarterly"}
    if "quarterly" in expected:
        assert months == {2, 5, 8, 11}
    assert {first.weekday() for (r, _k), first in seen.items() if r == "weekly"} == {0}
    assert seen[("annual", "2026")] == datetime(2027, 1, 1, 8, 0, tzinfo=flow.tz)


async def test_summaries_are_made_once_cover_their_observations_and_reach_the_rake_channel(
    db: Database, connector: FakeConnector, tmp_path: Path
) -> None:
    await seed.add(db, seed.local(2026, 2, 10), 3)
    await seed.add(db, seed.local(2026, 4, 30, 23, 0), phenomenon="digital")
    await seed.add(db, seed.local(2026, 5, 1, 7, 0), phenomenon="violence")  # the next quarter
    bot = await start_bot(db, connector, RAKE_COUNTY=county_with_rake_channel(tmp_path))
    try:
        await bot.invoke(a.bot_added_to_team(connector.url), 201)
        flow = bot.app[CONTAINER].summaries
        before_eight = seed.local(2026, 5, 1, 7, 59).astimezone(UTC)
        # only last week's digest (due since Monday 08:00) — the quarter is not due yet
        assert await flow.post_due_summaries(before_eight) == 1
        assert [s.kind for s in await flow.repo.summaries()] == ["weekly"]
        at = seed.local(2026, 5, 1, 8, 5).astimezone(UTC)  # Friday: the quarterly is due
        # three replicas at once make it once
        made = await asyncio.gather(*(flow.post_due_summaries(at) for _ in range(3)))
        assert sum(made) == 1
        assert await flow.post_due_summaries(at) == 0
        async with db.sessions() as session:
            summary = await session.scalar(select(Summary).where(Summary.kind == "quarterly"))
            assert summary is not None
            assert (summary.kind, summary.period_start, summary.period_end) == (
                "quarterly",
                "2026-02-01",
                "2026-05-01",
            )
            assert summary.observations == 4 and summary.figures["total"] == 4
        assert await count(db, SummaryObservation) == 4
        assert await count(db, Observation, Observation.status == "in_summary") == 4
        assert await count(db, Observation, Observation.status == "received") == 1
        connector.calls.clear()
        await bot.settle()
        posted = [c for c in connector.calls if c.path.rstrip("/").endswith("/v3/conversations")]
        assert len(posted) == 2  # the weekly digest and the quarterly summary
        cards = [valid(p.body["activity"]["attachments"][0]["content"]) for p in posted]
        text = json.dumps(cards, ensure_ascii=False)
        assert "Viikkokooste: viikko 17/2026" in text
        assert "Neljännesvuosikooste" in text and "1.2.2026–30.4.2026" in text
        # the reporter sees that the observation was in a summary
        await bot.invoke(a.message(connector.url, "omat havainnot"), 201)
        assert "Mukana koosteessa" in json.dumps(last_card(connector), ensure_ascii=False)
        assert await flow.repo.summaries_per_year(2026) == 1
        # more than a week late: not back-filled
        late = seed.local(2026, 8, 9, 9).astimezone(UTC)
        assert [r for r, _p in flow.due(late) if r is Rhythm.QUARTERLY] == []
    finally:
        await bot.client.close()


async def test_a_summary_waits_for_the_rake_channel_within_the_catch_up_week(
    db: Database, connector: FakeConnector
) -> None:
    await seed.week_10_dataset(db)
    bot = await start_bot(db, connector)  # the county file names no Rake channel
    try:
        flow = bot.app[CONTAINER].summaries
        monday = seed.local(2026, 3, 9, 8, 30).astimezone(UTC)
        assert await flow.post_due_summaries(monday) == 0
        assert await flow.repo.summaries() == []
        # an expert makes a channel the Rake channel on Wednesday: the digest is made then
        await bot.invoke(a.bot_added_to_team(connector.url), 201)
        await say(bot, "<at>Rake</at> rakekanava", user=EXPERT, team=True)
        wednesday = seed.local(2026, 3, 11, 10).astimezone(UTC)
        assert await flow.post_due_summaries(wednesday) == 1
        assert [(s.kind, s.period_key) for s in await flow.repo.summaries()] == [
            ("weekly", "2026-W10")
        ]
    finally:
        await bot.client.close()
