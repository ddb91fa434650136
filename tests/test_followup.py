"""Follow-up: asked at the due date and after each periodic summary; one grouped reminder per
owner per day for overdue, unanswered questions (the clock is moved, never waited for)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

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
