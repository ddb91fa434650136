"""What the desk's views show, from the request's query and the repositories' rows: the list's
filters, labels in the user's language, and the trend series (small counts hidden in a shared
view with the channel cards' rule, ``dialogs.digest.suppress``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from cards.common import Ctx
from dialogs.digest import SMALL, Figures, Line, suppress
from dialogs.fields import COUNTY_LISTS
from dialogs.periods import containing, iso_week, parse_period
from dialogs.vocabulary import KINDS, ObservationStatus, Urgency
from storage.desk import FILTERABLE, SORTABLE, TREND_DIMENSIONS, DeskQuery, DeskRepository
from storage.digests import instant

Bucket = Literal["week", "month"]
LIST_OF = {name: COUNTY_LISTS[name] for name in TREND_DIMENSIONS}  # the county list of each


def label(ctx: Ctx, prefix: str, value: str | None) -> str:
    """A vocabulary value's label (the value itself where a catalog has none yet)."""
    if not value:
        return "–"
    key = f"{prefix}.{value}"
    return ctx.t(key) if ctx.catalog.has(key) else value


def local_time(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%-d.%-m.%Y %H:%M") if moment else "–"


def options(ctx: Ctx) -> dict[str, list[tuple[str, str]]]:
    """Every filter's choices as (value, label)."""
    found: dict[str, list[tuple[str, str]]] = {
        "status": [(s.value, label(ctx, "status", s.value)) for s in ObservationStatus],
        "kind": [(k, label(ctx, "kind", k)) for k in KINDS],
        "urgency": [(u.value, label(ctx, "urgency", u.value)) for u in Urgency],
    }
    for dim, list_name in LIST_OF.items():
        found[dim] = [(c["value"], c["title"]) for c in ctx.choices(list_name)]
    return found


def periods(ctx: Ctx, today: date) -> list[tuple[str, str]]:
    """The period choices: this week, month, quarter and year, and last year."""
    choices = []
    for kind in ("week", "month", "quarter", "year"):
        key = containing(kind, today).key  # type: ignore[arg-type]
        choices.append((key, ctx.t(f"desk.period.{kind}", period=key)))
    last = str(today.year - 1)
    choices.append((last, ctx.t("desk.period.last_year", period=last)))
    return choices


@dataclass
class ListForm:
    """The list's query as the user asked for it (echoed into the form) and as SQL gets it."""

    values: dict[str, str] = field(default_factory=dict)
    query: DeskQuery = field(default_factory=DeskQuery)
    period_label: str = ""
    span: tuple[date, date] | None = None  # the period's first and last day, for exports


def parse_list(params: Mapping[str, str], ctx: Ctx, tz: ZoneInfo, today: date) -> ListForm:
    """Unknown values are dropped, never passed on (the SQL sees only known columns)."""
    allowed = options(ctx)
    values: dict[str, str] = {}
    filters: list[tuple[str, str]] = []
    for name in FILTERABLE:
        value = params.get(name, "")
        if value and value in {v for v, _ in allowed[name]}:
            values[name] = value
            filters.append((name, value))
    start = end = None
    span = None
    word = params.get("period", "").strip()[:40]
    if word:
        try:
            period = parse_period(word, today)
        except ValueError:
            period = None
        if period is not None:
            values["period"] = word
            start, end = instant(period.start, tz), instant(period.end, tz)
            span = (period.start, min(period.last_day, today))
    search = " ".join(params.get("q", "").split())[:200]
    if search:
        values["q"] = search
    sort = params.get("sort", "created_at")
    sort = sort if sort in SORTABLE else "created_at"
    direction: Literal["asc", "desc"] = "asc" if params.get("dir") == "asc" else "desc"
    values["sort"], values["dir"] = sort, direction
    try:
        page = max(1, min(int(params.get("page", "1")), 100_000))
    except ValueError:
        page = 1
    query = DeskQuery(start, end, tuple(filters), search, sort, direction, page)
    return ListForm(values, query, word if span else "", span)


# --- trends -----------------------------------------------------------------------------------


def edges(year: int, bucket: Bucket, tz: ZoneInfo) -> tuple[list[datetime], list[str]]:
    """Bucket boundaries of a year as instants (local midnights) and the buckets' names."""
    if bucket == "month":
        days = [date(year, month, 1) for month in range(1, 13)] + [date(year + 1, 1, 1)]
        names = [str(month) for month in range(1, 13)]
    else:
        first = iso_week(year, 1).start
        weeks = date(year, 12, 28).isocalendar().week
        days = [first + timedelta(weeks=n) for n in range(weeks + 1)]
        names = [f"{n + 1}" for n in range(weeks)]
    return [instant(day, tz) for day in days], names


def _hide_small(value: int | None, shared: bool) -> int | None:
    return None if value is not None and shared and 0 < value < SMALL else value


@dataclass
class Trends:
    year: int
    bucket: Bucket
    dimension: str
    labels: list[str]
    this_year: list[int | None]
    last_year: list[int | None]
    series: list[tuple[str, str, list[int | None]]]  # (id, label, counts per bucket)
    shared: bool
    hidden: set[tuple[str, int]] = field(default_factory=set)  # (series, bucket) hidden as small

    def shown(self, series: str, index: int, value: int | None) -> str:
        """A table cell: the count, "<3" where hidden as small, "–" where there is none."""
        if (series, index) in self.hidden:
            return f"<{SMALL}"
        return "–" if value is None else str(value)

    def chart_data(self) -> dict[str, Any]:
        return {
            "labels": self.labels,
            "years": [[str(self.year), self.this_year], [str(self.year - 1), self.last_year]],
            "series": [[name, counts] for _id, name, counts in self.series],
        }


async def trends(
    repo: DeskRepository,
    ctx: Ctx,
    tz: ZoneInfo,
    today: date,
    year: int,
    bucket: Bucket,
    dimension: str,
    shared: bool,
) -> Trends:
    """Observations per week or month this year against last, and this year's by a dimension.
    Buckets after today are left out (None), not drawn as zero."""
    if dimension not in TREND_DIMENSIONS:
        dimension = "phenomenon"
    this_edges, names = edges(year, bucket, tz)
    last_edges, last_names = edges(year - 1, bucket, tz)
    now = instant(today + timedelta(days=1), tz)
    future = [start >= now for start in this_edges[:-1]]
    totals = await repo.bucket_counts(this_edges)
    before = await repo.bucket_counts(last_edges)
    by_dim = await repo.bucket_counts(this_edges, dimension)
    count = max(len(names), len(last_names))
    labels = names if len(names) >= len(last_names) else last_names
    this_year: list[int | None] = [
        None if i >= len(names) or future[i] else totals.get((i, ""), 0) for i in range(count)
    ]
    last_year: list[int | None] = [
        before.get((i, ""), 0) if i < len(last_names) else None for i in range(count)
    ]
    ids = sorted(
        {d for _b, d in by_dim}, key=lambda d: -sum(by_dim.get((b, d), 0) for b in range(count))
    )
    cells: dict[str, list[int | None]] = {
        d: [None if i >= len(names) or future[i] else by_dim.get((i, d), 0) for i in range(count)]
        for d in ids
    }
    hidden: set[tuple[str, int]] = set()
    if shared:
        for i in range(count):
            lines = [Line(d, cells[d][i] or 0, 0, 0) for d in ids if cells[d][i] is not None]
            figures = suppress(Figures(0, 0, 0, 0, by={dimension: lines}))
            for line in figures.by[dimension]:
                if line.suppressed:
                    cells[line.id][i] = None
                    hidden.add((line.id, i))
        for name, values in ((":this", this_year), (":last", last_year)):
            for i, value in enumerate(values):
                if value is not None and _hide_small(value, shared) is None:
                    values[i] = None
                    hidden.add((name, i))
    series = [(d, ctx.label_of(LIST_OF[dimension], d), cells[d]) for d in ids]
    return Trends(year, bucket, dimension, labels, this_year, last_year, series, shared, hidden)
