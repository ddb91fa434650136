"""Rake-vartti as plain logic: when a team's prompt is due, which prompt, what data point.

Times are planned in the county's local time (Europe/Helsinki by default) and converted to UTC
per occurrence, so a 09:00 meeting stays at 09:00 across daylight-saving changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

Lang = Literal["fi", "sv", "en"]
SMALL_COUNT = 3  # counts below this are shown as "fewer than 3" in anything channel-visible


class Frequency(StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weekday: int = Field(ge=0, le=6)  # 0 = Monday
    meeting_time: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    lead_minutes: int = Field(ge=0, le=7 * 24 * 60)
    frequency: Frequency = Frequency.WEEKLY
    week_of_month: int | None = None  # monthly: 1-4, or -1 for the last
    anchor_date: date  # biweekly: meetings fall on weeks of the same parity as this date
    timezone: str = "Europe/Helsinki"
    paused: bool = False
    skip_date: date | None = None
    language: Lang = "fi"

    @field_validator("week_of_month")
    @classmethod
    def _week(cls, value: int | None) -> int | None:
        if value is not None and value not in (1, 2, 3, 4, -1):
            raise ValueError("week_of_month is 1-4 or -1 (the last)")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    def meets_on(self, day: date) -> bool:
        if day.weekday() != self.weekday:
            return False
        if self.frequency is Frequency.WEEKLY:
            return True
        if self.frequency is Frequency.BIWEEKLY:
            anchor_monday = self.anchor_date - timedelta(days=self.anchor_date.weekday())
            return ((day - anchor_monday).days // 7) % 2 == 0
        nth = self.week_of_month or 1
        if nth == -1:
            return (day + timedelta(days=7)).month != day.month
        return (day.day - 1) // 7 + 1 == nth

    def meeting_start(self, day: date) -> datetime:
        hours, minutes = (int(part) for part in self.meeting_time.split(":"))
        local = datetime.combine(day, time(hours, minutes), tzinfo=ZoneInfo(self.timezone))
        return local.astimezone(UTC)

    def due_at(self, day: date) -> datetime:
        """When the prompt for the meeting on ``day`` is posted (UTC)."""
        hours, minutes = (int(part) for part in self.meeting_time.split(":"))
        local = datetime.combine(day, time(hours, minutes), tzinfo=ZoneInfo(self.timezone))
        return (local - timedelta(minutes=self.lead_minutes)).astimezone(UTC)

    def meetings(self, start: date, end: date) -> list[date]:
        days = []
        day = start
        while day <= end:
            if self.meets_on(day):
                days.append(day)
            day += timedelta(days=1)
        return days

    def due(self, now: datetime) -> list[tuple[date, datetime]]:
        """Meetings whose prompt is due by ``now`` and that have not started yet."""
        if self.paused:
            return []
        local_today = now.astimezone(ZoneInfo(self.timezone)).date()
        horizon = timedelta(days=8)  # lead times are at most a week
        found = []
        for day in self.meetings(local_today - timedelta(days=1), local_today + horizon):
            due = self.due_at(day)
            if due <= now < self.meeting_start(day):
                found.append((day, due))
        return found

    def next_meeting(self, now: datetime) -> date | None:
        local_today = now.astimezone(ZoneInfo(self.timezone)).date()
        for day in self.meetings(local_today, local_today + timedelta(days=70)):
            if self.meeting_start(day) > now:
                return day
        return None


class Prompt(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]{0,63}$")
    phenomenon: str | None = None  # None: not tied to one phenomenon
    series: Literal["regular", "theme"] = "regular"
    text: dict[Lang, str]

    @field_validator("text")
    @classmethod
    def _all_languages(cls, value: dict[str, str]) -> dict[str, str]:
        missing = {"fi", "sv", "en"} - set(value)
        if missing:
            raise ValueError(f"a prompt needs text in fi, sv and en (missing: {sorted(missing)})")
        return value


def is_theme_week(day: date, theme_weeks: Iterable[int]) -> bool:
    return day.isocalendar().week in set(theme_weeks)


def choose_prompt(
    library: Iterable[Prompt],
    *,
    meeting_date: date,
    theme_weeks: Iterable[int],
    phenomena: set[str],
    last_used: Mapping[str, date],
    rotation_weeks: int,
) -> Prompt:
    """The prompt for a meeting: the theme series in theme weeks, else the regular one; never
    one the team had within ``rotation_weeks`` if another is left; least recently used first,
    then library order (deterministic)."""
    series = "theme" if is_theme_week(meeting_date, theme_weeks) else "regular"
    candidates = [
        p
        for p in library
        if p.series == series and (p.phenomenon is None or p.phenomenon in phenomena)
    ]
    if not candidates:
        candidates = [p for p in library if p.phenomenon is None or p.phenomenon in phenomena]
    if not candidates:
        raise ValueError("the prompt library has no prompt for this county")
    window_start = meeting_date - timedelta(weeks=rotation_weeks)
    fresh = [p for p in candidates if last_used.get(p.id, date.min) < window_start]
    pool = fresh or candidates
    order = {p.id: i for i, p in enumerate(candidates)}
    return min(pool, key=lambda p: (last_used.get(p.id, date.min), order[p.id]))


def shown_count(count: int) -> str | None:
    """The count as it may be shown in a channel: None means "fewer than 3"."""
    return str(count) if count >= SMALL_COUNT else None
