"""Follow-up: asked at the due date and after each periodic summary; one grouped reminder per
owner per day for overdue, unanswered questions (the clock is moved, never waited for)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.processing_service import Actor
from dialogs.processing import ProcessingError
from dialogs.proposals import (
    DUE_TRIGGER,
    OpenFollowUp,
    ProposalState,
    ProposalStatus,
    SummaryMade,
    is_overdue,
    reminder_key,
    reminders_today,
    resolve_by,
    summary_trigger,
    triggers_due,
)
from storage.db import Database
from storage.outbox import Outbox
from tests.loop_helpers import EXPERT, HELSINKI, LEAD, Clock, jobs, outbox_keys, reachable, service
from tests.seed import add, local

TZ = ZoneInfo("Europe/Helsinki")
MADE = datetime(2026, 3, 10, 9, tzinfo=UTC)


def state(**kw: object) -> ProposalState:
    base: dict[str, object] = {
        "id": 1,
        "status": ProposalStatus.OPEN,
        "owner_id": "lead-1",
        "due": date(2026, 6, 30),
        "created_at": MADE,
        "triggers": frozenset(),
        "open_follow_up": False,
    }
    base.update(kw)
    return ProposalState(**base)  # type: ignore[arg-type]


def test_asked_once_at_the_due_date() -> None:
    assert triggers_due(state(), date(2026, 6, 29), []) == []
    assert triggers_due(state(), date(2026, 6, 30), []) == [DUE_TRIGGER]
    assert triggers_due(state(triggers=frozenset({DUE_TRIGGER})), date(2026, 7, 1), []) == []


def test_asked_after_each_periodic_summary_made_since_the_last_question() -> None:
    summer = SummaryMade("quarterly", "2026-Q2", datetime(2026, 5, 1, 5, tzinfo=UTC))
    before = SummaryMade("quarterly", "2026-Q1", datetime(2026, 2, 1, 6, tzinfo=UTC))
    assert triggers_due(state(), date(2026, 5, 1), [before, summer]) == [
        summary_trigger("quarterly", "2026-Q2")
    ]
    asked = state(
        triggers=frozenset({"summary:quarterly:2026-Q2", DUE_TRIGGER}),
        last_asked_at=datetime(2026, 7, 1, 6, tzinfo=UTC),
        status=ProposalStatus.IN_PROGRESS,
    )
    assert triggers_due(asked, date(2026, 7, 2), [summer]) == []
    autumn = SummaryMade("quarterly", "2026-Q3", datetime(2026, 8, 1, 5, tzinfo=UTC))
    assert triggers_due(asked, date(2026, 8, 1), [summer, autumn]) == ["summary:quarterly:2026-Q3"]


def test_not_asked_while_a_question_waits_nor_when_final() -> None:
    assert triggers_due(state(open_follow_up=True), date(2026, 7, 1), []) == []
    for final in (ProposalStatus.DONE, ProposalStatus.NOT_PLANNED, ProposalStatus.WITHDRAWN):
        assert triggers_due(state(status=final), date(2026, 7, 1), []) == []


def test_one_grouped_reminder_per_owner_per_day_for_overdue_questions() -> None:
    asked = datetime(2026, 7, 1, 6, tzinfo=UTC)
    due = resolve_by(asked, 7)
    items = [
        OpenFollowUp(1, 10, "lead-1", due, None),
        OpenFollowUp(2, 11, "lead-1", due, None),
        OpenFollowUp(3, 12, "lead-2", due + timedelta(days=3), None),
    ]
    assert reminders_today(items, due - timedelta(minutes=1), TZ) == {}
    first = reminders_today(items, due, TZ)
    assert list(first) == ["lead-1"] and [f.id for f in first["lead-1"]] == [1, 2]
    reminded = [
        OpenFollowUp(f.id, f.proposal_id, f.owner_id, f.resolve_by, due)
        if f.owner_id == "lead-1"
        else f
        for f in items
    ]
    assert reminders_today(reminded, due + timedelta(hours=8), TZ) == {}  # same local day
    next_day = due + timedelta(days=1)
    assert set(reminders_today(reminded, next_day, TZ)) == {"lead-1"}
    later = due + timedelta(days=3)
    assert set(reminders_today(reminded, later, TZ)) == {"lead-1", "lead-2"}
    assert is_overdue(items[0], due) and not is_overdue(items[2], due)


def test_the_day_of_a_reminder_is_the_countys_local_day() -> None:
    # 23:30 UTC on 1 July is already 2 July in Helsinki
    late = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    assert reminder_key("lead-1", late, TZ) == "followup-reminder:lead-1:2026-07-02"
    item = OpenFollowUp(
        1, 1, "lead-1", late - timedelta(days=1), datetime(2026, 7, 1, 20, tzinfo=UTC)
    )
    assert "lead-1" in reminders_today([item], late, TZ)  # reminded on 1 July local, now 2 July


# --- in the database (SQLite and PostgreSQL), the clock moved by hand ----------------------


async def _made(db: Database, clock: Clock, due: str = "2026-06-30") -> tuple[int, str]:
    """A proposal from one observation, owned by lead-1 (the service area's lead)."""
    (obs,) = await add(db, local(2026, 3, 2), reporter_id="worker-1")
    view = await service(db, clock).make_proposal(
        EXPERT, "Asumisneuvontaa", "Lisää aikoja.", "adult_social", due, [obs.reference]
    )
    return view.id, obs.reference


async def test_asked_at_the_due_date_once_with_the_card_in_the_outbox(db: Database) -> None:
    clock = Clock(MADE)
    await reachable(db, "lead-1")
    pid, _ref = await _made(db, clock)
    loop = jobs(service(db, clock))
    clock.at_local(2026, 6, 29)
    assert await loop.ask_follow_ups() == 0
    clock.at_local(2026, 6, 30, 7)
    assert await loop.ask_follow_ups() == 1
    assert await loop.ask_follow_ups() == 0  # once per trigger
    (key,) = await outbox_keys(db, "followup:")
    item = await Outbox(db).by_key(key)
    card = json.dumps(item.payload["card"], ensure_ascii=False)
    assert "Mitä tehtiin?" in card and f"#{pid}" in card
    (state,) = await service(db, clock).repos.proposals.states()
    assert state.status is ProposalStatus.ASKED


async def test_overdue_follow_ups_are_reminded_once_a_day_until_answered(db: Database) -> None:
    clock = Clock(MADE)
    await reachable(db, "lead-1", "worker-1")
    first, ref = await _made(db, clock)
    second, _ = await _made(db, clock)
    svc = service(db, clock)
    loop = jobs(svc)
    clock.at_local(2026, 6, 30, 7)
    assert await loop.ask_follow_ups() == 2
    clock.at_local(2026, 7, 6, 10)
    assert await loop.remind_overdue() == 0  # not overdue before a week has gone
    clock.at_local(2026, 7, 7, 10)  # Tuesday, a week after asking
    assert await loop.remind_overdue() == 1  # ONE grouped message for both questions
    reminder = await Outbox(db).by_key("followup-reminder:lead-1:2026-07-07")
    text = json.dumps(reminder.payload["card"], ensure_ascii=False)
    assert f"#{first}" in text and f"#{second}" in text
    clock.move(hours=5)
    assert await loop.remind_overdue() == 0  # the same day
    clock.at_local(2026, 7, 8, 10)
    assert await loop.remind_overdue() == 1  # the next day again
    open_ = {f.proposal_id: f.id for f in await svc.repos.proposals.open_follow_ups()}
    status = await svc.answer_follow_up(LEAD, open_[first], "done", "Kaksi aikaa lisää.")
    assert status is ProposalStatus.DONE
    clock.at_local(2026, 7, 9, 10)
    assert await loop.remind_overdue() == 1
    last = await Outbox(db).by_key("followup-reminder:lead-1:2026-07-09")
    text = json.dumps(last.payload["card"], ensure_ascii=False)
    assert f"#{second}" in text and f"#{first} " not in text
    clock.at_local(2026, 7, 11, 10)  # Saturday: no reminders at the weekend
    assert await loop.remind_overdue() == 0
    pending = await svc.repos.feedback.pending()
    assert [(p.reference, p.event.value) for p in pending if p.event.value == "follow_up"] == [
        (ref, "follow_up")
    ]


async def test_asked_again_after_the_next_periodic_summary_until_final(db: Database) -> None:
    clock = Clock(MADE)
    await reachable(db, "lead-1")
    pid, _ = await _made(db, clock, due="2026-12-31")
    svc = service(db, clock)
    loop = jobs(svc)
    clock.at_local(2026, 5, 1, 8)
    from dialogs.periods import Rhythm, last_complete
    from storage.digests import DigestRepository

    digests = DigestRepository(db, HELSINKI)
    await digests.store_summary(
        "quarterly", last_complete(Rhythm.QUARTERLY, clock.now.date()), "paijat-hame", {}
    )
    assert await loop.ask_follow_ups() == 1
    (fid,) = [f.id for f in await svc.repos.proposals.open_follow_ups()]
    await svc.answer_follow_up(LEAD, fid, "partly", "Osin.")
    assert await loop.ask_follow_ups() == 0  # the same summary does not ask twice
    clock.at_local(2026, 8, 1, 8)
    await digests.store_summary(
        "quarterly", last_complete(Rhythm.QUARTERLY, clock.now.date()), "paijat-hame", {}
    )
    assert await loop.ask_follow_ups() == 1
    (fid,) = [f.id for f in await svc.repos.proposals.open_follow_ups()]
    await svc.answer_follow_up(LEAD, fid, "not_planned", "")
    clock.at_local(2026, 11, 1, 8)
    await digests.store_summary(
        "quarterly", last_complete(Rhythm.QUARTERLY, clock.now.date()), "paijat-hame", {}
    )
    assert await loop.ask_follow_ups() == 0  # final
    view = await svc.proposal(EXPERT, pid)
    assert [f.answer for f in view.follow_ups] == ["partly", "not_planned"]


async def test_only_the_owner_or_an_expert_answers_and_only_once(db: Database) -> None:
    clock = Clock(MADE)
    pid, _ = await _made(db, clock)
    svc = service(db, clock)
    clock.at_local(2026, 6, 30, 7)
    assert await jobs(svc).ask_follow_ups() == 1  # recorded although lead-1 is not reachable
    (fid,) = [f.id for f in await svc.repos.proposals.open_follow_ups()]
    with pytest.raises(ProcessingError) as refused:
        await svc.answer_follow_up(Actor("someone"), fid, "done", "")
    assert refused.value.key == "processing.error.experts_only"
    with pytest.raises(ProcessingError):
        await svc.answer_follow_up(LEAD, fid, "maybe", "")
    with pytest.raises(ProcessingError):
        await svc.answer_follow_up(LEAD, fid, "done", "Soita 040 123 4567")
    await svc.answer_follow_up(EXPERT, fid, "done", "Puhelimessa sovittu.")  # on the lead's behalf
    with pytest.raises(ProcessingError):
        await svc.answer_follow_up(LEAD, fid, "done", "")
    assert (await svc.proposal(EXPERT, pid)).status is ProposalStatus.DONE
