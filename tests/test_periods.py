"""Periods, comparison periods, rhythms and typed filters: pure logic, edges included."""

from __future__ import annotations

from datetime import date

import pytest

from dialogs.digest import Group, compute, suppress
from dialogs.periods import (
    Period,
    Rhythm,
    calendar,
    containing,
    iso_week,
    last_complete,
    parse_filter,
    parse_period,
)

TODAY = date(2026, 11, 24)  # a Tuesday in ISO week 48
OPTIONS = {
    "phenomenon": {"housing": ["Asuminen ja asunnottomuus", "Boende", "Housing"]},
    "area": {"lahti": ["Lahti", "Lahtis", "Lahti"], "heinola": ["Heinola"] * 3},
    "service_area": {"adult_social": ["Aikuisten sosiaalipalvelut", "Vuxna", "Adult social"]},
    "kind": {"problem": ["Epäkohta", "Missförhållande", "Problem or gap"]},
}


def test_week_one_begins_in_the_previous_december_and_2026_has_a_week_53() -> None:
    assert iso_week(2026, 1) == Period("week", date(2025, 12, 29), date(2026, 1, 5))
    assert iso_week(2026, 53).start == date(2026, 12, 28)
    assert iso_week(2026, 53).key == "2026-W53"
    with pytest.raises(ValueError):
        iso_week(2025, 53)
    # week 53 compares with week 52 of a year that has no week 53
    assert iso_week(2026, 53).year_before().key == "2025-W52"
    assert iso_week(2026, 1).previous().key == "2025-W52"
    assert iso_week(2026, 10).year_before().key == "2025-W10"


def test_calendar_periods_and_their_neighbours() -> None:
    q1 = calendar("quarter", 2026, 1)
    assert (q1.start, q1.end, q1.key) == (date(2026, 1, 1), date(2026, 4, 1), "2026-Q1")
    assert q1.previous() == calendar("quarter", 2025, 4)
    assert calendar("tertial", 2026, 3).key == "2026-T3"
    assert calendar("tertial", 2026, 3).start == date(2026, 9, 1)
    assert calendar("half", 2026, 2).previous().key == "2026-H1"
    assert calendar("year", 2026).year_before().key == "2025"
    leap = Period("range", date(2024, 2, 29), date(2024, 3, 2))
    assert leap.year_before().start == date(2023, 2, 28)
    assert leap.previous() == Period("range", date(2024, 2, 27), date(2024, 2, 29))


@pytest.mark.parametrize(
    ("today", "rhythm", "start", "end"),
    [
        (date(2026, 11, 24), Rhythm.WEEKLY, date(2026, 11, 16), date(2026, 11, 23)),
        (date(2026, 1, 1), Rhythm.WEEKLY, date(2025, 12, 22), date(2025, 12, 29)),
        # Kanta-Häme's quarters are made in Feb, May, Aug and Nov of the three months before
        (date(2026, 2, 1), Rhythm.QUARTERLY, date(2025, 11, 1), date(2026, 2, 1)),
        (date(2026, 11, 24), Rhythm.QUARTERLY, date(2026, 8, 1), date(2026, 11, 1)),
        (date(2026, 1, 31), Rhythm.QUARTERLY, date(2025, 8, 1), date(2025, 11, 1)),
        (date(2026, 7, 1), Rhythm.HALF_YEARLY, date(2026, 1, 1), date(2026, 7, 1)),
        (date(2026, 1, 2), Rhythm.HALF_YEARLY, date(2025, 7, 1), date(2026, 1, 1)),
        (date(2026, 5, 1), Rhythm.TERTIAL, date(2026, 1, 1), date(2026, 5, 1)),
        (date(2026, 9, 1), Rhythm.TERTIAL, date(2026, 5, 1), date(2026, 9, 1)),
        (date(2026, 1, 1), Rhythm.TERTIAL, date(2025, 9, 1), date(2026, 1, 1)),
        (date(2026, 1, 1), Rhythm.ANNUAL, date(2025, 1, 1), date(2026, 1, 1)),
    ],
)
def test_the_last_complete_period_of_each_rhythm(
    today: date, rhythm: Rhythm, start: date, end: date
) -> None:
    period = last_complete(rhythm, today)
    assert (period.start, period.end) == (start, end)


def test_a_running_period_is_clipped_to_today() -> None:
    week = containing("week", TODAY)
    assert week.clipped(TODAY).end == date(2026, 11, 25)
    assert week.clipped(TODAY).days == 2
    assert iso_week(2026, 40).clipped(TODAY) == iso_week(2026, 40)


@pytest.mark.parametrize(
    ("word", "key"),
    [
        ("2026-W10", "2026-W10"),
        ("2026w10", "2026-W10"),
        ("vko10", "2026-W10"),
        ("viikko50", "2025-W50"),  # typed in week 48: the last week 50 with data
        ("week5/2024", "2024-W05"),
        ("2026-03", "2026-03"),
        ("3/2026", "2026-03"),
        ("q3", "2026-Q3"),
        ("2026-q4", "2026-Q4"),
        ("Q1/2025", "2025-Q1"),
        ("h1", "2026-H1"),
        ("t2", "2026-T2"),
        ("2025", "2025"),
        ("1.1.2026-31.3.2026", "2026-01-01..2026-03-31"),
        ("2026-01-01..2026-01-31", "2026-01-01..2026-01-31"),
    ],
)
def test_typed_periods(word: str, key: str) -> None:
    period = parse_period(word, TODAY)
    assert period is not None and period.key == key


@pytest.mark.parametrize("word", ["2026-W54", "2026-13", "q5", "31.2.2026-1.3.2026"])
def test_periods_that_do_not_exist_are_errors(word: str) -> None:
    with pytest.raises(ValueError):
        parse_period(word, TODAY)


def test_filters_typed_after_the_command() -> None:
    default = containing("week", TODAY)
    flt = parse_filter("viikko 10 asuminen Lahti epäkohta", TODAY, OPTIONS, default)
    assert flt.period.key == "2026-W10"
    assert flt.dimensions() == {
        "phenomenon": "housing",
        "area": "lahti",
        "kind": "problem",
    }
    assert flt.unknown == ()
    flt = parse_filter('1.1.2026 - 31.3.2026 "aikuisten sosiaali" xyzzy', TODAY, OPTIONS, default)
    assert flt.period.key == "2026-01-01..2026-03-31"
    assert flt.service_area == "adult_social"
    assert flt.unknown == ("xyzzy",)
    assert parse_filter("", TODAY, OPTIONS, default).period == default
    assert parse_filter("2026-W99", TODAY, OPTIONS, default).unknown == ("2026-W99",)


def test_figures_comparisons_rising_and_suppression() -> None:
    def g(phenomenon: str, n: int, kind: str = "problem", urgency: str = "normal") -> Group:
        return Group(kind, phenomenon, "lahti", "adult_social", urgency, n)

    figures = compute(
        [g("housing", 5), g("loneliness", 2, urgency="acute"), g("digital", 6)],
        [g("housing", 1), g("digital", 6), g("violence", 4)],
        [g("housing", 9)],
    )
    assert (figures.total, figures.previous_total, figures.year_ago_total) == (13, 11, 9)
    assert figures.acute == 2
    by = {x.id: (x.count, x.previous, x.year_ago) for x in figures.by["phenomenon"]}
    assert by == {
        "digital": (6, 6, 0),
        "housing": (5, 1, 9),
        "loneliness": (2, 0, 0),
        "violence": (0, 4, 0),  # fell to zero: still listed
    }
    assert [x.id for x in figures.rising] == ["housing", "loneliness"]
    suppress(figures)
    hidden = {x.id for x in figures.by["phenomenon"] if x.suppressed}
    # loneliness (2) is small; the next smallest non-zero (housing, 5) is hidden with it, so
    # that the exact total cannot reveal it
    assert hidden == {"loneliness", "housing"}


def test_a_year_after_a_week_or_quarter_belongs_to_it() -> None:
    default = containing("week", TODAY)
    assert parse_filter("week 10 2025", TODAY, OPTIONS, default).period.key == "2025-W10"
    assert parse_filter("Q3 2025 lahti", TODAY, OPTIONS, default).period.key == "2025-Q3"
    assert parse_filter("2025 lahti", TODAY, OPTIONS, default).period.key == "2025"
