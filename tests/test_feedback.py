"""Feedback to the reporter: never for anonymous reports, one message a day per person,
everything that happened meanwhile batched into it."""

from __future__ import annotations

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
