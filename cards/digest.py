"""Digest, summary, daily and filter cards for the Rake experts. Pure functions of data.

"Channel" cards are seen by everyone in the channel: counts of 1–2 are shown as "<3" there
(small-count suppression, see dialogs.digest.suppress). The chart is drawn with Adaptive Card
columns (no image service, nothing Teams could fail to load): one bar per phenomenon.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from cards.common import Card, Ctx, action, card, facts, heading, open_dialog_action, text
from cards.observation import SHOW
from dialogs.actions import Action
from dialogs.digest import SMALL, Figures, Line
from dialogs.periods import DigestFilter, Period
from dialogs.views import Listed
from dialogs.vocabulary import KINDS, Urgency

DIGEST_RUN = Action.DIGEST_RUN
DIGEST_FILTER = Action.DIGEST_FILTER
EXPORT_LINK = Action.EXPORT_LINK
MAX_BARS = 12
MAX_LISTED = 10


def fmt_day(day: date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def period_label(ctx: Ctx, period: Period) -> str:
    span = f"{fmt_day(period.start)}–{fmt_day(period.last_day)}"
    s = period.start
    if period.kind == "week":
        iso = s.isocalendar()
        name = ctx.t("period.week", week=iso.week, year=iso.year)
    elif period.kind == "month":
        name = ctx.t("period.month", month=s.month, year=s.year)
    elif period.kind == "quarter":
        name = ctx.t("period.quarter", n=(s.month - 1) // 3 + 1, year=s.year)
    elif period.kind == "half":
        name = ctx.t("period.half", n=(s.month - 1) // 6 + 1, year=s.year)
    elif period.kind == "tertial":
        name = ctx.t("period.tertial", n=(s.month - 1) // 4 + 1, year=s.year)
    elif period.kind == "year":
        return ctx.t("period.year", year=s.year)
    elif period.kind == "rolling_quarter":
        name = ctx.t("period.rolling_quarter")
    else:
        return span
    return f"{name} ({span})"


def dimension_label(ctx: Ctx, dimension: str, value: str) -> str:
    if dimension == "kind":
        return ctx.t(f"kind.{value}")
    return ctx.field_label(dimension, value)


def _count(line_count: int, suppressed: bool) -> str:
    return f"<{SMALL}" if suppressed else str(line_count)


def _change(now: int, before: int, hidden: bool) -> str:
    if hidden:
        return "–"
    delta = now - before
    return f"+{delta}" if delta > 0 else str(delta) if delta < 0 else "±0"


def _small(value: int, hide: bool) -> bool:
    return hide and 0 < value < SMALL


def _compared(now: int, before: int, hide: bool) -> str:
    """The earlier figure and the change; in a channel small figures hide both."""
    hidden = _small(now, hide) or _small(before, hide)
    return f"{_count(before, _small(before, hide))} ({_change(now, before, hidden)})"


def filter_summary(ctx: Ctx, flt: DigestFilter) -> str | None:
    parts = [
        f"{ctx.t(f'field.{dim}')}: {dimension_label(ctx, dim, value)}"
        for dim, value in flt.dimensions().items()
    ]
    return " · ".join(parts) or None


def _bars(ctx: Ctx, lines: Sequence[Line]) -> list[dict[str, Any]]:
    """A horizontal bar chart: label, a coloured column whose weight is the count, the rest."""
    shown = [x for x in lines if x.count > 0][:MAX_BARS]
    if not shown:
        return []
    top = max([x.count for x in shown if not x.suppressed] or [1])
    rows: list[dict[str, Any]] = [text(ctx.t("digest.chart"), weight="Bolder", spacing="Medium")]
    for line in shown:
        # a hidden count draws no bar: its length would tell what the text hides
        weight = 0 if line.suppressed else max(1, round(100 * line.count / top))
        bar: dict[str, Any] = {
            "type": "Column",
            "width": weight,
            "style": "accent",
            "minHeight": "16px",
            "items": [],
            "id": f"bar-{line.id}",
        }
        columns: list[dict[str, Any]] = [
            {
                "type": "Column",
                "width": "140px",
                "items": [text(dimension_label(ctx, "phenomenon", line.id), size="Small")],
            },
            {
                "type": "Column",
                "width": "stretch",
                "verticalContentAlignment": "Center",
                "items": [
                    {
                        "type": "ColumnSet",
                        "columns": ([bar] if weight else [])
                        + (
                            [{"type": "Column", "width": 100 - weight, "items": []}]
                            if weight < 100
                            else []
                        ),
                    }
                ],
            },
            {
                "type": "Column",
                "width": "40px",
                "items": [
                    text(
                        _count(line.count, line.suppressed),
                        size="Small",
                        horizontalAlignment="Right",
                    )
                ],
            },
        ]
        rows.append({"type": "ColumnSet", "columns": columns, "spacing": "Small"})
    return rows


def _table(ctx: Ctx, title: str, dimension: str, lines: Sequence[Line]) -> list[dict[str, Any]]:
    if not lines:
        return []
    pairs = []
    for line in lines:
        if line.count == 0 and line.previous == 0:
            continue
        value = _count(line.count, line.suppressed)
        value += f" ({_change(line.count, line.previous, line.suppressed)})"
        pairs.append((dimension_label(ctx, dimension, line.id), value))
    return [text(title, weight="Bolder", spacing="Medium"), facts(pairs)]


def listed_lines(ctx: Ctx, rows: Sequence[Listed], in_channel: bool) -> list[dict[str, Any]]:
    """One line per observation; tapping it opens the whole text (experts only, audited):
    in a channel as a dialog, private to the one who opens it."""
    items: list[dict[str, Any]] = []
    for row in rows:
        data = {"rake": SHOW, "reference": row.reference, "lang": ctx.lang}
        select = (
            open_dialog_action(row.reference, data)
            if in_channel
            else {"type": "Action.Submit", "title": row.reference, "data": data}
        )
        acute = f" · **{ctx.t('urgency.acute')}**" if row.urgency == Urgency.ACUTE else ""
        headline = (
            f"**{row.reference}** · {ctx.t(f'kind.{row.kind}')} · "
            f"{ctx.field_label('phenomenon', row.phenomenon)}{acute}"
        )
        place = (
            f"{ctx.field_label('area', row.area)} · "
            f"{ctx.field_label('service_area', row.service_area)}"
            + (f" · {ctx.t(f'extent.{row.extent}')}" if row.extent else "")
        )
        items.append(
            {
                "type": "Container",
                "separator": True,
                "selectAction": select,
                "items": [
                    text(headline, size="Small"),
                    text(place, size="Small", isSubtle=True, spacing="None"),
                    text(row.excerpt, size="Small", spacing="None"),
                ],
            }
        )
    return items


def digest_card(
    ctx: Ctx,
    title_key: str,
    flt: DigestFilter,
    figures: Figures,
    listed: Sequence[Listed],
    *,
    in_channel: bool,
    actions: bool = True,
) -> Card:
    """The digest: totals with comparisons, acute count, rising phenomena, a chart, counts by
    kind / service area / area, and the newest observations."""
    period = flt.period
    hidden = in_channel  # small counts are not shown in a channel
    sub = " · ".join(x for x in (ctx.county_name(), filter_summary(ctx, flt)) if x)
    body: list[dict[str, Any]] = [
        *heading(ctx.t(title_key, period=period_label(ctx, period)), sub),
        facts(
            [
                (ctx.t("digest.total"), _count(figures.total, _small(figures.total, hidden))),
                (
                    ctx.t("digest.vs_previous"),
                    _compared(figures.total, figures.previous_total, hidden),
                ),
                (
                    ctx.t("digest.vs_year_ago"),
                    _compared(figures.total, figures.year_ago_total, hidden),
                ),
                (ctx.t("digest.acute"), _count(figures.acute, _small(figures.acute, hidden))),
            ]
        ),
    ]
    rising = [x for x in figures.rising if not x.suppressed]
    if rising:
        names = ", ".join(
            f"{dimension_label(ctx, 'phenomenon', x.id)} ({_change(x.count, x.previous, False)})"
            for x in rising
        )
        body.append(text(f"**{ctx.t('digest.rising')}:** {names}"))
    if figures.total == 0:
        body.append(text(ctx.t("digest.empty"), isSubtle=True))
    body += _bars(ctx, figures.by.get("phenomenon", []))
    body += _table(ctx, ctx.t("field.kind"), "kind", figures.by.get("kind", []))
    body += _table(
        ctx, ctx.t("field.service_area"), "service_area", figures.by.get("service_area", [])
    )
    body += _table(ctx, ctx.t("field.area"), "area", figures.by.get("area", []))
    if in_channel:
        body.append(text(ctx.t("digest.suppressed_note", n=SMALL), size="Small", isSubtle=True))
    if listed:
        body.append(text(ctx.t("digest.newest", n=len(listed)), weight="Bolder", spacing="Medium"))
        body += listed_lines(ctx, listed, in_channel)
    buttons: list[dict[str, Any]] = []
    if actions and not in_channel:
        span = {"from": period.start.isoformat(), "to": period.last_day.isoformat()}
        buttons = [
            action("execute", ctx.t("digest.filter"), {"rake": DIGEST_FILTER, "lang": ctx.lang}),
            action(
                "execute",
                ctx.t("export.xlsx"),
                {"rake": EXPORT_LINK, "format": "xlsx", "lang": ctx.lang, **span},
                inputs=False,
            ),
            action(
                "execute",
                ctx.t("export.csv"),
                {"rake": EXPORT_LINK, "format": "csv", "lang": ctx.lang, **span},
                inputs=False,
            ),
        ]
    return card(body, buttons or None)


def filter_card(ctx: Ctx, flt: DigestFilter, error: str | None = None) -> Card:
    """Choose a period and optional filters; the answer replaces this card with the digest."""
    dims = flt.dimensions()

    def choice(id_: str, label: str, choices: list[dict[str, str]]) -> dict[str, Any]:
        return {
            "type": "Input.ChoiceSet",
            "id": id_,
            "label": label,
            "style": "compact",
            "value": dims.get(id_, ""),
            "placeholder": ctx.t("digest.any"),
            "choices": choices,
        }

    body: list[dict[str, Any]] = [*heading(ctx.t("digest.filter_title"))]
    if error:
        body.append(text(error, color="Attention", size="Small"))
    body += [
        {
            "type": "Input.Date",
            "id": "from",
            "label": ctx.t("digest.from"),
            "value": flt.period.start.isoformat(),
            "isRequired": True,
            "errorMessage": ctx.t("digest.date_needed"),
        },
        {
            "type": "Input.Date",
            "id": "to",
            "label": ctx.t("digest.to"),
            "value": flt.period.last_day.isoformat(),
            "isRequired": True,
            "errorMessage": ctx.t("digest.date_needed"),
        },
        choice("phenomenon", ctx.t("field.phenomenon"), ctx.field_choices("phenomenon")),
        choice("area", ctx.t("field.area"), ctx.field_choices("area")),
        choice("service_area", ctx.t("field.service_area"), ctx.field_choices("service_area")),
        choice(
            "kind", ctx.t("field.kind"), [{"title": ctx.t(f"kind.{k}"), "value": k} for k in KINDS]
        ),
    ]
    return card(
        body,
        [action("execute", ctx.t("digest.show"), {"rake": DIGEST_RUN, "lang": ctx.lang})],
    )


def daily_card(
    ctx: Ctx, day: date, count: int, listed: Sequence[Listed], updated: datetime
) -> Card:
    """The Rake channel's one card of the day, updated in place as observations arrive."""
    local = updated.astimezone(ZoneInfo(ctx.county.timezone))
    body: list[dict[str, Any]] = [
        *heading(
            ctx.t("daily.title", day=fmt_day(day)),
            ctx.t("daily.subtitle", n=count, time=local.strftime("%H.%M")),
        ),
        *listed_lines(ctx, listed, in_channel=True),
    ]
    if count > len(listed):
        body.append(text(ctx.t("daily.more", n=count - len(listed)), isSubtle=True))
    return card(body)


def export_card(ctx: Ctx, url: str, fmt: str, period_text: str, minutes: int) -> Card:
    return card(
        [
            *heading(ctx.t("export.title"), period_text),
            text(ctx.t("export.link_note", minutes=minutes), size="Small", isSubtle=True),
        ],
        [{"type": "Action.OpenUrl", "title": ctx.t(f"export.download_{fmt}"), "url": url}],
    )


def roles_card(ctx: Ctx, listing: Sequence[tuple[str, str]], message: str | None = None) -> Card:
    body: list[dict[str, Any]] = [*heading(ctx.t("roles.title"))]
    if message:
        body.append(text(message))
    if listing:
        body.append(facts([(aad, ctx.t(f"roles.{role}")) for aad, role in listing]))
    else:
        body.append(text(ctx.t("roles.none"), isSubtle=True))
    body.append(text(ctx.t("roles.usage"), size="Small", isSubtle=True))
    return card(body)
