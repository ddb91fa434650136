"""The OKR figures the counties steer by (seed 000 §2.1): observations/year against the target,
the share of teams that reported, summaries/year, action recommendations (proposals)/year,
actions taken in service areas/year, Rake items in meetings (varttis held)/year.

Pure arithmetic on counts the storage layer aggregates in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Targets:
    """A county's yearly targets; None where its plan names none."""

    observations: int | None = 50
    observations_baseline: int | None = 20
    summaries: int | None = None
    proposals: int | None = 5
    actions: int | None = None
    varttis: int | None = None


@dataclass(frozen=True)
class Counts:
    """Counted in SQL for one calendar year (local time of the county)."""

    year: int
    observations: int
    teams_reported: int
    teams_total: int
    summaries: int
    proposals: int
    actions_taken: int
    varttis_held: int


@dataclass(frozen=True)
class Metric:
    key: str  # the catalog's metrics.<key>
    value: int
    target: int | None
    expected_by_now: int | None  # the target pro rata for the days gone
    percent_of_target: int | None

    @property
    def on_track(self) -> bool | None:
        if self.expected_by_now is None:
            return None
        return self.value >= self.expected_by_now


@dataclass(frozen=True)
class Metrics:
    year: int
    metrics: tuple[Metric, ...]
    teams_share_percent: int | None  # None: no teams known
    teams_reported: int
    teams_total: int
    baseline: int | None
    through: date  # the last day counted

    def get(self, key: str) -> Metric:
        for metric in self.metrics:
            if metric.key == key:
                return metric
        raise KeyError(key)


def _days_in(year: int) -> int:
    return (date(year + 1, 1, 1) - date(year, 1, 1)).days


def year_fraction(year: int, today: date) -> float:
    """How much of the year has gone by today (a past year 1.0, a future one 0.0)."""
    if today.year > year:
        return 1.0
    if today.year < year:
        return 0.0
    return ((today - date(year, 1, 1)).days + 1) / _days_in(year)


def percent(part: int, whole: int | None) -> int | None:
    """Whole percent, rounded half up; None without a whole."""
    if not whole:
        return None
    return (200 * part + whole) // (2 * whole)


def _metric(key: str, value: int, target: int | None, fraction: float) -> Metric:
    expected = None if target is None else int(target * fraction)
    return Metric(key, value, target, expected, percent(value, target))


def compute(counts: Counts, targets: Targets, today: date) -> Metrics:
    fraction = year_fraction(counts.year, today)
    through = min(today, date(counts.year, 12, 31))
    return Metrics(
        year=counts.year,
        metrics=(
            _metric("observations", counts.observations, targets.observations, fraction),
            _metric("summaries", counts.summaries, targets.summaries, fraction),
            _metric("proposals", counts.proposals, targets.proposals, fraction),
            _metric("actions", counts.actions_taken, targets.actions, fraction),
            _metric("varttis", counts.varttis_held, targets.varttis, fraction),
        ),
        teams_share_percent=percent(counts.teams_reported, counts.teams_total),
        teams_reported=counts.teams_reported,
        teams_total=counts.teams_total,
        baseline=targets.observations_baseline,
        through=through,
    )
