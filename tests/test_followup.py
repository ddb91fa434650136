"""Follow-up: asked at the due date and after each periodic summary; one grouped reminder per
owner per day for overdue, unanswered questions (the clock is moved, never waited for)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dialogs.processing import ProcessingError
from dialogs.proposals import (
    DUE_TRIGGER,
    FollowUpAnswer,
    OpenFollowUp,
    ProposalInput,
    ProposalState,
    ProposalStatus,
    SummaryMade,
    check_proposal,
    is_overdue,
    reminder_key,
    reminders_today,
    resolve_by,
    summary_trigger,
    triggers_due,
)
from storage.db import Database
from storage.feedback import FeedbackRepository
from storage.outbox import Outbox
from storage.proposals import ProposalRepository
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


async def _proposal(db: Database, owner: str = "lead-1") -> tuple[ProposalRepository, int, str]:
    (obs,) = await add(db, local(2026, 3, 2))
    checked = check_proposal(
        ProposalInput(
            "Otsikko", "Teksti", "adult_social", owner, date(2026, 6, 30), (obs.reference,)
        ),
        date(2026, 3, 10),
        {"adult_social"},
    )
    repo = ProposalRepository(db)
    return (
        repo,
        await repo.create(checked, [obs.reference], [], "ph", 2026, "exp", MADE),
        obs.reference,
    )


def _card(kind: str, key: str) -> tuple[str, str, str, dict[str, object]]:
    return (key, kind, "conv", {"card": {}})


async def test_asked_once_per_trigger_with_its_card_in_the_outbox(db: Database) -> None:
    repo, pid, _ref = await _proposal(db)
    asked = datetime(2026, 6, 30, 6, tzinfo=UTC)
    first = await repo.ask(
        pid,
        DUE_TRIGGER,
        "lead-1",
        asked,
        resolve_by(asked, 7),
        lambda fid: _card("followup", f"followup:{fid}"),
    )
    again = await repo.ask(
        pid,
        DUE_TRIGGER,
        "lead-1",
        asked,
        resolve_by(asked, 7),
        lambda fid: _card("followup", f"followup:{fid}"),
    )
    assert first is not None and again is None
    assert await Outbox(db).by_key(f"followup:{first}") is not None
    (state,) = await repo.states()
    assert state.status is ProposalStatus.ASKED and state.open_follow_up
    assert triggers_due(state, date(2026, 7, 1), []) == []


async def test_overdue_follow_ups_are_reminded_once_a_day_until_answered(db: Database) -> None:
    repo, pid, ref = await _proposal(db)
    _other, pid2, _ = await _proposal(db)
    asked = datetime(2026, 6, 30, 6, tzinfo=UTC)
    for p in (pid, pid2):
        await repo.ask(p, DUE_TRIGGER, "lead-1", asked, resolve_by(asked, 7), lambda _f: None)

    async def tick(now: datetime) -> list[int]:
        """What the daily job does: group per owner, claim the day's reminder, mark."""
        sent = []
        for owner, items in reminders_today(await repo.open_follow_ups(), now, TZ).items():
            day_start = datetime.combine(now.astimezone(TZ).date(), datetime.min.time(), TZ)
            key = reminder_key(owner, now, TZ)
            if await repo.remind([i.id for i in items], day_start, now, _card("reminder", key)):
                sent.append(len(items))
        return sent

    assert await tick(asked + timedelta(days=6)) == []  # not overdue yet
    overdue = asked + timedelta(days=7)
    assert await tick(overdue) == [2]  # ONE message for both
    assert await tick(overdue + timedelta(hours=5)) == []  # same day
    assert await tick(overdue + timedelta(days=1)) == [2]  # the next day
    counts = await Outbox(db).counts()
    assert counts == {"pending": 2}
    open_ = {f.proposal_id: f for f in await repo.open_follow_ups()}
    status = await repo.answer(
        open_[pid].id, "lead-1", FollowUpAnswer.DONE, "Tehty.", overdue + timedelta(days=1, hours=1)
    )
    assert status is ProposalStatus.DONE
    assert await tick(overdue + timedelta(days=2)) == [1]  # only the one still open
    assert [p.event.value for p in await FeedbackRepository(db).pending()].count("follow_up") == 1
    assert ref in [p.reference for p in await FeedbackRepository(db).pending()]


async def test_only_the_owner_answers_and_only_once(db: Database) -> None:
    repo, pid, _ = await _proposal(db)
    asked = datetime(2026, 6, 30, 6, tzinfo=UTC)
    fid = await repo.ask(pid, DUE_TRIGGER, "lead-1", asked, resolve_by(asked), lambda _f: None)
    assert fid is not None
    with pytest.raises(ProcessingError):
        await repo.answer(fid, "lead-2", FollowUpAnswer.DONE, "", asked)
    assert await repo.answer(fid, "lead-1", FollowUpAnswer.PARTLY, "Osin", asked) is (
        ProposalStatus.IN_PROGRESS
    )
    with pytest.raises(ProcessingError):
        await repo.answer(fid, "lead-1", FollowUpAnswer.DONE, "", asked)
    (state,) = await repo.states()
    assert not state.open_follow_up and state.last_asked_at == asked
    summary = SummaryMade("quarterly", "2026-Q3", datetime(2026, 8, 1, 5, tzinfo=UTC))
    assert triggers_due(state, date(2026, 8, 1), [summary]) == ["summary:quarterly:2026-Q3"]
