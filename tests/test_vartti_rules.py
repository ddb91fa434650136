"""Rake-vartti rules with an injected clock: DST, biweekly/monthly, rotation, theme weeks, skip,
pause, small counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from counties import county_path, load_county, prompt_library
from dialogs.vartti import Frequency, Prompt, Schedule, choose_prompt, is_theme_week, shown_count

TUESDAY = 1


def schedule(**kw: object) -> Schedule:
    base: dict[str, object] = {
        "weekday": TUESDAY,
        "meeting_time": "09:00",
        "lead_minutes": 60,
        "anchor_date": date(2026, 1, 6),
    }
    base.update(kw)
    return Schedule.model_validate(base)


def test_due_time_stays_local_across_daylight_saving_changes() -> None:
    s = schedule()
    # Finland: EET (UTC+2) until 29 March 2026, EEST (UTC+3) until 25 October 2026.
    assert s.due_at(date(2026, 3, 24)) == datetime(2026, 3, 24, 6, 0, tzinfo=UTC)
    assert s.due_at(date(2026, 3, 31)) == datetime(2026, 3, 31, 5, 0, tzinfo=UTC)
    assert s.due_at(date(2026, 10, 20)) == datetime(2026, 10, 20, 5, 0, tzinfo=UTC)
    assert s.due_at(date(2026, 10, 27)) == datetime(2026, 10, 27, 6, 0, tzinfo=UTC)


def test_lead_time_crossing_the_dst_night() -> None:
    # A Monday 10:00 meeting with the prompt 26 h before: Sunday 08:00 local on the change day.
    s = schedule(weekday=0, meeting_time="10:00", lead_minutes=26 * 60)
    assert s.due_at(date(2026, 3, 30)) == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)


def test_due_only_between_prompt_time_and_meeting_start() -> None:
    s = schedule()
    meeting = date(2026, 11, 24)
    assert s.due(datetime(2026, 11, 24, 5, 59, tzinfo=UTC)) == []
    assert s.due(datetime(2026, 11, 24, 6, 0, tzinfo=UTC)) == [(meeting, s.due_at(meeting))]
    assert s.due(datetime(2026, 11, 24, 6, 59, tzinfo=UTC)) == [(meeting, s.due_at(meeting))]
    assert s.due(datetime(2026, 11, 24, 7, 0, tzinfo=UTC)) == []  # the meeting has begun


def test_biweekly_follows_the_anchor_weeks_parity() -> None:
    s = schedule(frequency=Frequency.BIWEEKLY, anchor_date=date(2026, 1, 8))  # a Thursday
    days = s.meetings(date(2026, 1, 1), date(2026, 2, 28))
    assert days == [date(2026, 1, 6), date(2026, 1, 20), date(2026, 2, 3), date(2026, 2, 17)]
    # across the year boundary (2026 has 53 ISO weeks) the rhythm does not slip
    later = s.meetings(date(2026, 12, 20), date(2027, 1, 31))
    assert all((d - date(2026, 1, 6)).days % 14 == 0 for d in later) and len(later) == 3


@pytest.mark.parametrize(
    ("nth", "expected"),
    [
        (1, [date(2026, 9, 1), date(2026, 10, 6), date(2026, 11, 3)]),
        (2, [date(2026, 9, 8), date(2026, 10, 13), date(2026, 11, 10)]),
        (-1, [date(2026, 9, 29), date(2026, 10, 27), date(2026, 11, 24)]),
    ],
)
def test_monthly_nth_weekday(nth: int, expected: list[date]) -> None:
    s = schedule(frequency=Frequency.MONTHLY, week_of_month=nth)
    assert s.meetings(date(2026, 9, 1), date(2026, 11, 30)) == expected


def test_pause_and_skip() -> None:
    now = datetime(2026, 11, 24, 6, 30, tzinfo=UTC)
    assert schedule(paused=True).due(now) == []
    assert schedule(skip_date=date(2026, 11, 24)).skip_date == date(2026, 11, 24)
    assert schedule().next_meeting(now) == date(2026, 11, 24)
    assert schedule().next_meeting(now + timedelta(hours=1)) == date(2026, 12, 1)


@pytest.mark.parametrize(
    "bad",
    [
        {"weekday": 7},
        {"meeting_time": "25:00"},
        {"meeting_time": "9"},
        {"lead_minutes": -5},
        {"week_of_month": 5},
        {"timezone": "Mars/Olympus"},
        {"frequency": "daily"},
    ],
)
def test_invalid_schedules_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        schedule(**bad)


LIB = [
    Prompt(id="a", phenomenon="housing", text={"fi": "a", "sv": "a", "en": "a"}),
    Prompt(id="b", phenomenon="substances", text={"fi": "b", "sv": "b", "en": "b"}),
    Prompt(id="c", text={"fi": "c", "sv": "c", "en": "c"}),
    Prompt(id="x", phenomenon="crime", text={"fi": "x", "sv": "x", "en": "x"}),
    Prompt(id="t1", series="theme", text={"fi": "t", "sv": "t", "en": "t"}),
    Prompt(id="t2", series="theme", text={"fi": "t", "sv": "t", "en": "t"}),
]
PHENOMENA = {"housing", "substances"}


def pick(day: date, used: dict[str, date], weeks: int = 4) -> str:
    return choose_prompt(
        LIB,
        meeting_date=day,
        theme_weeks=[10, 41],
        phenomena=PHENOMENA,
        last_used=used,
        rotation_weeks=weeks,
    ).id


def test_rotation_never_repeats_within_the_window() -> None:
    used: dict[str, date] = {}
    day = date(2026, 11, 3)
    picks = []
    for _ in range(6):
        chosen = pick(day, used)
        picks.append(chosen)
        used[chosen] = day
        day += timedelta(weeks=1)
    assert picks[:3] == ["a", "b", "c"]  # library order, the other county's phenomenon left out
    assert "x" not in picks
    # three prompts, a four-week window: after all are used, the least recently used returns
    assert picks[3:] == ["a", "b", "c"]


def test_theme_weeks_switch_to_their_series() -> None:
    week_41 = date(2026, 10, 6)
    assert is_theme_week(week_41, [10, 41])
    assert pick(week_41, {}) == "t1"
    assert pick(week_41 + timedelta(days=1), {"t1": week_41}) == "t2"
    assert pick(date(2026, 3, 3), {}) == "t1"  # week 10
    assert pick(date(2026, 3, 10), {}) == "a"  # week 11


def test_small_counts_are_suppressed() -> None:
    assert shown_count(0) is None and shown_count(2) is None
    assert shown_count(3) == "3" and shown_count(17) == "17"


def test_the_shipped_library_covers_every_county_in_three_languages() -> None:
    for name in ("paijat-hame", "kanta-hame", "satakunta", "varsinais-suomi", "helsinki"):
        county = load_county(county_path(name))
        library = prompt_library(county)
        phenomena = {p.id for p in county.phenomena}
        regular = [
            p
            for p in library
            if p.series == "regular" and (p.phenomenon is None or p.phenomenon in phenomena)
        ]
        assert len(regular) >= 3 and any(p.series == "theme" for p in library)
        assert all(set(p.text) == {"fi", "sv", "en"} for p in library)
