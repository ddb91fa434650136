"""Feedback to the reporter: never for anonymous reports, one message a day per person,
everything that happened meanwhile batched into it."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from dialogs.feedback import (
    MAX_LINES,
    Pending,
    batch,
    dedupe_key,
    feedback_key,
    line_params,
    wants_feedback,
)
from dialogs.processing import FeedbackEvent
from storage.db import Database
from storage.feedback import FeedbackRepository
from storage.outbox import Outbox
from storage.phenomena import PhenomenonRepository
from tests.loop_helpers import EXPERT, Clock, jobs, outbox_keys, reachable, service
from tests.seed import add, local

T0 = datetime(2026, 5, 4, 8, tzinfo=UTC)


def pending(i: int, who: str, event: FeedbackEvent = FeedbackEvent.GROUPED) -> Pending:
    return Pending(
        i,
        who,
        f"RAKE-2026-{i:04d}",
        event,
        {"name": "Nuorten asunnottomuus"},
        "fi",
        T0 + timedelta(minutes=i),
    )


def test_anonymous_reports_are_never_followed_up() -> None:
    assert not wants_feedback(True, "worker-1")
    assert not wants_feedback(False, "")
    assert wants_feedback(False, "worker-1")


def test_one_message_per_person_with_all_their_happenings() -> None:
    items = [pending(3, "w2"), pending(1, "w1"), pending(2, "w1", FeedbackEvent.IN_SUMMARY)]
    messages = batch(items, told_today=set())
    assert [m.recipient_id for m in messages] == ["w1", "w2"]
    assert [p.id for p in messages[0].items] == [1, 2] and messages[0].ids == (1, 2)


def test_people_told_today_wait_for_tomorrow() -> None:
    messages = batch([pending(1, "w1"), pending(2, "w2")], told_today={"w1"})
    assert [m.recipient_id for m in messages] == ["w2"]
    assert feedback_key("w1", date(2026, 5, 4)) != feedback_key("w1", date(2026, 5, 5))


def test_a_long_backlog_is_shown_in_part_and_settled_whole() -> None:
    items = [pending(i, "w1") for i in range(1, MAX_LINES + 4)]
    (message,) = batch(items, told_today=set())
    assert len(message.items) == MAX_LINES and message.more == 3
    assert len(message.ids) == MAX_LINES + 3


def test_the_same_happening_is_queued_once_and_worded_from_its_detail() -> None:
    assert dedupe_key(7, FeedbackEvent.PROPOSED, "12") == dedupe_key(
        7, FeedbackEvent.PROPOSED, "12"
    )
    assert dedupe_key(7, FeedbackEvent.PROPOSED, "12") != dedupe_key(
        7, FeedbackEvent.PROPOSED, "13"
    )
    params = line_params(pending(5, "w1"))
    assert params == {"reference": "RAKE-2026-0005", "name": "Nuorten asunnottomuus"}


async def test_the_daily_batch_sends_one_message_per_person_per_day(db: Database) -> None:
    obs = await add(db, local(2026, 5, 4), 3, reporter_id="worker-1")
    (other,) = await add(db, local(2026, 5, 4), reporter_id="worker-2")
    groups = PhenomenonRepository(db)
    phen = await groups.create_phenomenon("ph", "Ilmiö", "", "exp", T0)
    await groups.group(phen, [o.reference for o in obs[:2]] + [other.reference], "exp", T0)
    repo = FeedbackRepository(db)
    day = date(2026, 5, 4)
    day_start = datetime(2026, 5, 3, 21, tzinfo=UTC)  # local midnight

    async def run(now: datetime) -> list[str]:
        told = await repo.told_since(day_start)
        sent = []
        for message in batch(await repo.pending(), told):
            item = (message.outbox_key(now.date()), "feedback", "conv", {"card": {}})
            if await repo.settle(message, lambda _m, item=item: item, now):
                sent.append(message.recipient_id)
        return sent

    assert await run(T0) == ["worker-1", "worker-2"]
    await groups.group(phen, [obs[2].reference], "exp", T0 + timedelta(hours=1))
    assert await run(T0 + timedelta(hours=2)) == []  # worker-1 was told today already
    assert len(await repo.pending()) == 1
    assert (await Outbox(db).by_key(feedback_key("worker-1", day))) is not None
    tomorrow = T0 + timedelta(days=1)
    day_start = day_start + timedelta(days=1)
    assert await run(tomorrow) == ["worker-1"]
    assert await repo.pending() == []


async def test_a_person_who_cannot_be_reached_keeps_their_happenings(db: Database) -> None:
    (obs,) = await add(db, local(2026, 5, 4))
    groups = PhenomenonRepository(db)
    phen = await groups.create_phenomenon("ph", "Ilmiö", "", "exp", T0)
    await groups.group(phen, [obs.reference], "exp", T0)
    repo = FeedbackRepository(db)
    (message,) = batch(await repo.pending(), set())
    assert not await repo.settle(message, lambda _m: None, T0)
    assert len(await repo.pending()) == 1


async def test_the_reporter_is_told_along_the_way_in_one_message_a_day(db: Database) -> None:
    clock = Clock(datetime(2026, 5, 4, 6, tzinfo=UTC))  # Monday 09:00 in Helsinki
    await reachable(db, "worker-1", "worker-2", "lead-1")
    (mine,) = await add(db, local(2026, 5, 2), reporter_id="worker-1", locale="sv")
    (anonymous,) = await add(db, local(2026, 5, 2), reporter_id="worker-2", anonymous=True)
    svc = service(db, clock)
    loop = jobs(svc)
    refs = [mine.reference, anonymous.reference]
    await svc.group(EXPERT, refs, name="Nuorten asunnottomuus", description="Toistuu.")
    await svc.make_proposal(EXPERT, "Asumisneuvontaa", "", "adult_social", None, refs)
    assert await loop.send_feedback() == 1  # worker-1 only; anonymous reports never
    (key,) = await outbox_keys(db, "feedback:")
    assert key == "feedback:worker-1:2026-05-04"
    card = json.dumps((await Outbox(db).by_key(key)).payload["card"], ensure_ascii=False)
    assert "Nuorten asunnottomuus" in card and "Asumisneuvontaa" in card  # both, in one
    assert "förenades med fenomenet" in card  # in the reporter's language
    clock.move(hours=2)
    open_ = await svc.repos.proposals.open_follow_ups()
    assert open_ == []
    await svc.change_status(EXPERT, mine.reference, "closed", "acted_on", "Ehdotus tehty.")
    assert await loop.send_feedback() == 0  # nothing new to tell; and told today already
    clock.at_local(2026, 5, 4, 22)
    assert await loop.send_feedback() == 0  # not at night
    assert await outbox_keys(db, "feedback:") == ["feedback:worker-1:2026-05-04"]


async def test_what_happened_waits_until_the_next_day(db: Database) -> None:
    clock = Clock(datetime(2026, 5, 4, 6, tzinfo=UTC))
    await reachable(db, "worker-1")
    first, second = await add(db, local(2026, 5, 2), 2, reporter_id="worker-1")
    svc = service(db, clock)
    loop = jobs(svc)
    await svc.group(EXPERT, [first.reference], name="Ilmiö A")
    assert await loop.send_feedback() == 1
    clock.move(hours=1)
    await svc.group(EXPERT, [second.reference], name="Ilmiö B")
    assert await loop.send_feedback() == 0
    clock.at_local(2026, 5, 5, 9)
    assert await loop.send_feedback() == 1
    card = (await Outbox(db).by_key("feedback:worker-1:2026-05-05")).payload["card"]
    assert "Ilmiö B" in json.dumps(card, ensure_ascii=False)
