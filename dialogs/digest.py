"""Digest figures from grouped counts (the grouping is done in SQL; this only adds up the few
hundred groups), comparisons, the fastest-rising phenomena, and small-count suppression."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from dialogs.vocabulary import Urgency

DIMENSIONS = ("kind", "phenomenon", "area", "service_area")
SMALL = 3  # counts 1..SMALL-1 are not shown in anything visible in a channel


@dataclass(frozen=True)
class Group:
    """One row of the SQL aggregation: a combination of dimensions and its count."""

    kind: str
    phenomenon: str
    area: str
    service_area: str
    urgency: str
    count: int


@dataclass
class Line:
    id: str
    count: int
    previous: int
    year_ago: int
    suppressed: bool = False

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass
class Figures:
    total: int
    previous_total: int
    year_ago_total: int
    acute: int
    by: dict[str, list[Line]] = field(default_factory=dict)
    rising: list[Line] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "previous_total": self.previous_total,
            "year_ago_total": self.year_ago_total,
            "acute": self.acute,
            "by": {
                dim: [[x.id, x.count, x.previous, x.year_ago] for x in lines]
                for dim, lines in self.by.items()
            },
            "rising": [x.id for x in self.rising],
        }


def _marginal(groups: list[Group], dimension: str) -> Counter[str]:
    totals: Counter[str] = Counter()
    for group in groups:
        totals[getattr(group, dimension)] += group.count
    return totals


def compute(
    current: list[Group], previous: list[Group], year_ago: list[Group], rising_top: int = 3
) -> Figures:
    figures = Figures(
        total=sum(g.count for g in current),
        previous_total=sum(g.count for g in previous),
        year_ago_total=sum(g.count for g in year_ago),
        acute=sum(g.count for g in current if g.urgency == Urgency.ACUTE),
    )
    for dimension in DIMENSIONS:
        now, before, last_year = (
            _marginal(current, dimension),
            _marginal(previous, dimension),
            _marginal(year_ago, dimension),
        )
        keys = set(now) | set(before)  # a phenomenon that fell to zero is news too
        lines = [Line(key, now[key], before[key], last_year[key]) for key in keys]
        lines.sort(key=lambda x: (-x.count, x.id))
        figures.by[dimension] = lines
    growing = [x for x in figures.by["phenomenon"] if x.change > 0]
    # Fastest rising: the largest increase, then the larger relative increase.
    growing.sort(key=lambda x: (-x.change, -(x.count / max(x.previous, 1)), x.id))
    figures.rising = growing[:rising_top]
    return figures


def suppress(figures: Figures, small: int = SMALL) -> Figures:
    """Mark counts of 1..small-1 as suppressed; where a dimension has exactly one such cell,
    the next smallest is hidden too, so the total cannot give it away."""
    for lines in figures.by.values():
        for line in lines:
            line.suppressed = 0 < line.count < small
        hidden = [x for x in lines if x.suppressed]
        if len(hidden) == 1:
            others = sorted(
                (x for x in lines if not x.suppressed and x.count), key=lambda x: x.count
            )
            if others:
                others[0].suppressed = True
    return figures
