"""Reporting periods as local calendar dates (start inclusive, end exclusive), their comparison
periods, the county summary rhythms, and the filters an expert types after ``kooste``.

Pure: no clock, no time zone — callers pass today's local date and turn dates into instants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

PeriodKind = Literal[
    "week", "month", "quarter", "rolling_quarter", "half", "tertial", "year", "range"
]


class Rhythm(StrEnum):
    """The summary rhythms a county file can name (``summary_rhythm``)."""

    WEEKLY = "weekly"
    QUARTERLY = "quarterly"  # Feb, May, Aug, Nov: the three months before
    HALF_YEARLY = "half_yearly"
    TERTIAL = "tertial"
    ANNUAL = "annual"


RHYTHM_KIND: dict[Rhythm, PeriodKind] = {
    Rhythm.WEEKLY: "week",
    Rhythm.QUARTERLY: "rolling_quarter",
    Rhythm.HALF_YEARLY: "half",
    Rhythm.TERTIAL: "tertial",
    Rhythm.ANNUAL: "year",
}


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _minus_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _weeks_in(year: int) -> int:
    return date(year, 12, 28).isocalendar().week


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    start: date
    end: date  # exclusive

    @property
    def key(self) -> str:
        """A stable name: 2026-W48, 2026-11, 2026-Q4, 2026-H2, 2026-T3, 2026, or dates."""
        s = self.start
        if self.kind == "week":
            iso = s.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        if self.kind == "month":
            return f"{s.year}-{s.month:02d}"
        if self.kind == "quarter":
            return f"{s.year}-Q{(s.month - 1) // 3 + 1}"
        if self.kind == "half":
            return f"{s.year}-H{(s.month - 1) // 6 + 1}"
        if self.kind == "tertial":
            return f"{s.year}-T{(s.month - 1) // 4 + 1}"
        if self.kind == "year":
            return str(s.year)
        return f"{s.isoformat()}..{(self.end - timedelta(days=1)).isoformat()}"

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        """The period just before, of the same kind (a range: the same number of days)."""
        if self.kind == "week":
            return replace(self, start=self.start - timedelta(7), end=self.start)
        months = _MONTHS.get(self.kind)
        if months:
            return replace(self, start=_add_months(self.start, -months), end=self.start)
        return Period("range", self.start - timedelta(self.days), self.start)

    def year_before(self) -> Period:
        """The same period a year earlier: the same ISO week number (week 53 → 52)."""
        if self.kind == "week":
            iso = self.start.isocalendar()
            year = iso.year - 1
            return iso_week(year, min(iso.week, _weeks_in(year)))
        return Period(self.kind, _minus_year(self.start), _minus_year(self.end))

    def clipped(self, today: date) -> Period:
        """A period still running ends after today (the comparisons keep the same length)."""
        tomorrow = today + timedelta(days=1)
        return replace(self, end=min(self.end, tomorrow)) if self.end > tomorrow else self


_MONTHS: dict[str, int] = {
    "month": 1,
    "quarter": 3,
    "rolling_quarter": 3,
    "half": 6,
    "tertial": 4,
    "year": 12,
}


def iso_week(year: int, week: int) -> Period:
    if not 1 <= week <= _weeks_in(year):
        raise ValueError(f"week {week} does not exist in {year}")
    monday = date.fromisocalendar(year, week, 1)
    return Period("week", monday, monday + timedelta(7))


def calendar(kind: PeriodKind, year: int, number: int = 1) -> Period:
    """month 1-12, quarter 1-4, half 1-2, tertial 1-3, year."""
    months = _MONTHS[kind]
    if kind == "year":
        number = 1
    if not 1 <= number <= 12 // months:
        raise ValueError(f"{kind} {number} does not exist")
    start = date(year, (number - 1) * months + 1, 1)
    return Period(kind, start, _add_months(start, months))


def containing(kind: PeriodKind, day: date) -> Period:
    if kind == "week":
        iso = day.isocalendar()
        return iso_week(iso.year, iso.week)
    if kind == "rolling_quarter":  # Nov-Jan, Feb-Apr, May-Jul, Aug-Oct
        shifted = _add_months(day, 2)  # Nov → Jan of the next year, Feb → Apr …
        start = _add_months(date(shifted.year, (shifted.month - 1) // 3 * 3 + 1, 1), -2)
        return Period(kind, start, _add_months(start, 3))
    months = _MONTHS[kind]
    return calendar(kind, day.year, (day.month - 1) // months + 1)


def last_complete(rhythm: Rhythm, today: date) -> Period:
    """The latest period of a rhythm that has ended by today (today not included)."""
    kind = RHYTHM_KIND[rhythm]
    return containing(kind, today).previous()


# --- the filters typed after "kooste" ---------------------------------------------------------


@dataclass(frozen=True)
class DigestFilter:
    period: Period
    phenomenon: str | None = None
    area: str | None = None
    service_area: str | None = None
    kind: str | None = None
    unknown: tuple[str, ...] = field(default=())  # words that matched nothing

    def dimensions(self) -> dict[str, str]:
        values = {
            "phenomenon": self.phenomenon,
            "area": self.area,
            "service_area": self.service_area,
            "kind": self.kind,
        }
        return {k: v for k, v in values.items() if v}

    def audit_key(self) -> str:
        """What the audit log keeps of a digest request: the period and the matched option ids
        only — never the words typed (they may hold anything: "kooste 131052-308T …")."""
        parts = [self.period.key, *(f"{k}={v}" for k, v in sorted(self.dimensions().items()))]
        if self.unknown:
            parts.append(f"unmatched={len(self.unknown)}")
        return " ".join(parts)


_WEEK_WORDS = r"(?:viikko|vko|vk|week|wk|vecka|v|w)"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(\d{4})-?w(\d{1,2})$"), "year_week"),
    (re.compile(rf"^{_WEEK_WORDS}\s*(\d{{1,2}})(?:[/ ](\d{{4}}))?$"), "week_year"),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "year_month"),
    (re.compile(r"^(\d{1,2})/(\d{4})$"), "month_year"),
    (re.compile(r"^(?:(\d{4})-)?([qhtk])(\d)(?:[/ ](\d{4}))?$"), "part"),
    (re.compile(r"^(\d{4})$"), "year"),
]
_DATE_RANGE = re.compile(
    r"^(\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4})\s*(?:\.\.|–|-|—)\s*"
    r"(\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4})$"
)
_PART_KIND: dict[str, PeriodKind] = {"q": "quarter", "k": "quarter", "h": "half", "t": "tertial"}


def parse_day(value: str) -> date:
    if "." in value:
        d, m, y = (int(part) for part in value.split("."))
        return date(y, m, d)
    return date.fromisoformat(value)


def _not_future(period: Period, today: date, year_given: bool) -> Period:
    """ "Week 50" typed in week 48 means last year's week 50 (the one with data)."""
    if year_given or period.start <= today:
        return period
    return (
        period.year_before()
        if period.kind == "week"
        else replace(period, start=_minus_year(period.start), end=_minus_year(period.end))
    )


# The days a period may cover: far enough for any register, and far from date.min/date.max,
# where the period after, the one before and a year earlier would not exist.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def in_calendar(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


def parse_period(word: str, today: date) -> Period | None:
    """One period token, or None if the word is not a period. Raises ValueError for a
    period that looks right but does not exist (week 54, month 13, 31.2.) or lies outside
    FIRST_DAY..LAST_DAY (year 9999, whose end and comparisons overflow)."""
    try:
        period = _parse_period(word, today)
    except OverflowError:
        raise ValueError("the period is outside the calendar") from None
    if period is not None and not (
        in_calendar(period.start) and in_calendar(period.end - timedelta(days=1))
    ):
        raise ValueError("the period is outside the calendar")
    return period


def _parse_period(word: str, today: date) -> Period | None:
    word = word.strip().casefold()
    found = _DATE_RANGE.match(word)
    if found:
        first, last = parse_day(found.group(1)), parse_day(found.group(2))
        if last < first:
            raise ValueError("the end date is before the start date")
        return Period("range", first, last + timedelta(days=1))
    for pattern, shape in _PATTERNS:
        found = pattern.match(word)
        if not found:
            continue
        groups = found.groups()
        if shape == "year_week":
            return iso_week(int(groups[0]), int(groups[1]))
        if shape == "week_year":
            year = int(groups[1]) if groups[1] else today.isocalendar().year
            return _not_future(iso_week(year, int(groups[0])), today, groups[1] is not None)
        if shape == "year_month":
            return calendar("month", int(groups[0]), int(groups[1]))
        if shape == "month_year":
            return calendar("month", int(groups[1]), int(groups[0]))
        if shape == "part":
            year_text = groups[0] or groups[3]
            year = int(year_text) if year_text else today.year
            period = calendar(_PART_KIND[groups[1]], year, int(groups[2]))
            return _not_future(period, today, year_text is not None)
        if shape == "year":
            return calendar("year", int(groups[0]))
    return None


def _tokens(text: str) -> list[str]:
    """Words, keeping "quoted phrases", "viikko 48" and "1.1.2026 - 31.3.2026" together."""
    text = re.sub(r"\s*(\.\.|–|—)\s*", r"\1", text.strip())
    text = re.sub(r"(\d)\s+-\s+(\d)", r"\1-\2", text)
    text = re.sub(rf"\b({_WEEK_WORDS})\s+(\d)", r"\1\2", text, flags=re.IGNORECASE)
    # "viikko 10 2025", "q3 2025": the year belongs to the period before it
    text = re.sub(
        rf"\b({_WEEK_WORDS}\d{{1,2}}|[qhtk]\d)\s+(\d{{4}})\b", r"\1/\2", text, flags=re.IGNORECASE
    )
    parts = re.findall(r'"([^"]+)"|(\S+)', text)
    return [quoted or bare for quoted, bare in parts]


def parse_filter(
    text: str,
    today: date,
    options: dict[str, dict[str, list[str]]],
    default: Period,
) -> DigestFilter:
    """The words after the command: at most one period, then dimension values matched against
    ``options`` ({dimension: {id: [labels in every language]}}) by id, or by a label or a
    label's word that starts with the typed word (three letters at least)."""
    period: Period | None = None
    chosen: dict[str, str] = {}
    unknown: list[str] = []
    for token in _tokens(text):
        try:
            as_period = parse_period(token, today)
        except ValueError:
            unknown.append(token)
            continue
        if as_period is not None and period is None:
            period = as_period
            continue
        match = _match_option(token, options, chosen)
        if match is None:
            unknown.append(token)
        else:
            chosen[match[0]] = match[1]
    return DigestFilter(
        period=period or default,
        phenomenon=chosen.get("phenomenon"),
        area=chosen.get("area"),
        service_area=chosen.get("service_area"),
        kind=chosen.get("kind"),
        unknown=tuple(unknown),
    )


def _match_option(
    token: str, options: dict[str, dict[str, list[str]]], taken: dict[str, str]
) -> tuple[str, str] | None:
    word = token.casefold()
    if len(word) < 3:
        return None
    for dimension, choices in options.items():
        if dimension in taken:
            continue
        for option_id in choices:
            if word == option_id.casefold():
                return dimension, option_id
    for dimension, choices in options.items():
        if dimension in taken:
            continue
        for option_id, labels in choices.items():
            for label in labels:
                folded = label.casefold()
                if folded.startswith(word) or any(w.startswith(word) for w in folded.split()):
                    return dimension, option_id
    return None
