"""Rake-vartti cards: the prompt posted to a team's channel, and the team's schedule card."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from cards.common import (
    Card,
    Ctx,
    action,
    card,
    error_text,
    facts,
    heading,
    open_dialog_action,
    text,
)
from dialogs.actions import Action

WEEKDAYS = range(7)
LEADS = (15, 30, 60, 120, 24 * 60)


@dataclass(frozen=True)
class Recorded:
    status: str  # planned | held | skipped
    participants: int | None = None
    observations: int | None = None
    note: str | None = None


def _date(day: date) -> str:
    return f"{day.day}.{day.month}.{day.year}"


def prompt_card(
    ctx: Ctx,
    occurrence_id: int,
    meeting_date: date,
    prompt: str,
    data_point: str | None,
    theme: bool,
    recorded: Recorded | None = None,
) -> Card:
    body: list[dict[str, Any]] = [
        *heading(ctx.t("vartti.title"), ctx.t("vartti.meeting", date=_date(meeting_date))),
    ]
    if theme:
        body.append(text(ctx.t("vartti.theme_week"), weight="Bolder", color="Accent"))
    body.append(text(prompt, size="Medium"))
    if data_point:
        body.append(text(data_point, isSubtle=True, size="Small"))
    report = open_dialog_action(
        ctx.t("action.make_report"), {"rake": Action.REPORT_OPEN, "vartti": occurrence_id}
    )
    if recorded is not None and recorded.status == "held":
        body.append(text(ctx.t("vartti.held_title"), weight="Bolder", separator=True))
        body.append(
            facts(
                [
                    (ctx.t("vartti.participants"), str(recorded.participants or 0)),
                    (ctx.t("vartti.observations"), str(recorded.observations or 0)),
                    (ctx.t("vartti.note"), recorded.note or "–"),
                ]
            )
        )
        return card(body, [report])
    if recorded is not None and recorded.status == "skipped":
        body.append(text(ctx.t("vartti.skipped"), weight="Bolder", separator=True))
        return card(body)
    held_form = card(
        [
            {
                "type": "Input.Number",
                "id": "participants",
                "label": ctx.t("vartti.participants"),
                "min": 0,
                "max": 200,
            },
            {
                "type": "Input.Number",
                "id": "observations",
                "label": ctx.t("vartti.observations"),
                "min": 0,
                "max": 100,
            },
            {
                "type": "Input.Text",
                "id": "note",
                "label": ctx.t("vartti.note"),
                "maxLength": 500,
                "isMultiline": True,
                "placeholder": ctx.t("vartti.note.hint"),
            },
        ],
        [
            action(
                "execute",
                ctx.t("action.save"),
                {"rake": Action.VARTTI_HELD, "occurrence": occurrence_id, "lang": ctx.lang},
                style="positive",
            )
        ],
    )
    held_form.pop("$schema")
    held_form.pop("version")
    return card(
        body,
        [
            report,
            {"type": "Action.ShowCard", "title": ctx.t("vartti.held"), "card": held_form},
            action(
                "execute",
                ctx.t("vartti.skip"),
                {"rake": Action.VARTTI_SKIP, "occurrence": occurrence_id, "lang": ctx.lang},
                inputs=False,
            ),
        ],
    )


def schedule_card(
    ctx: Ctx,
    channels: Sequence[tuple[str, str]],
    current: Mapping[str, Any],
    errors: Mapping[str, str] | None = None,
    saved: str | None = None,
) -> Card:
    """The team's schedule. ``current`` holds the values to show (strings, as inputs send)."""
    errors = errors or {}

    def choice(field: str, choices: list[tuple[str, str]], **extra: Any) -> list[dict[str, Any]]:
        item: dict[str, Any] = {
            "type": "Input.ChoiceSet",
            "id": field,
            "label": ctx.t(f"schedule.{field}"),
            "style": "compact",
            "choices": [{"title": t, "value": v} for v, t in choices],
            **extra,
        }
        if current.get(field):
            item["value"] = str(current[field])
        return [item, *([error_text(ctx.t(errors[field]))] if field in errors else [])]

    weekdays = [(str(d), ctx.t(f"weekday.{d}")) for d in WEEKDAYS]
    leads = [(str(m), ctx.t(f"schedule.lead.{m}")) for m in LEADS]
    frequencies = [(f, ctx.t(f"schedule.frequency.{f}")) for f in ("weekly", "biweekly", "monthly")]
    weeks = [(str(n), ctx.t(f"schedule.week_of_month.{n}")) for n in (1, 2, 3, 4, -1)]
    languages = [(lang, ctx.t(f"language.{lang}")) for lang in ("fi", "sv", "en")]
    body: list[dict[str, Any]] = [*heading(ctx.t("schedule.title"), ctx.t("schedule.hint"))]
    if saved:
        body.append(text(saved, color="Good", weight="Bolder"))
    time_input: dict[str, Any] = {
        "type": "Input.Time",
        "id": "meeting_time",
        "label": ctx.t("schedule.meeting_time"),
    }
    if current.get("meeting_time"):
        time_input["value"] = current["meeting_time"]
    body += [
        *choice("channel_id", list(channels)),
        *choice("weekday", weekdays),
        time_input,
        *([error_text(ctx.t(errors["meeting_time"]))] if "meeting_time" in errors else []),
        *choice("lead_minutes", leads),
        *choice("frequency", frequencies),
        *choice("week_of_month", weeks),
        *choice("language", languages),
        *choice(
            "service_area", [(c["value"], c["title"]) for c in ctx.field_choices("service_area")]
        ),
        *choice("area", [(c["value"], c["title"]) for c in ctx.field_choices("area")]),
        {
            "type": "Input.Toggle",
            "id": "paused",
            "title": ctx.t("schedule.paused"),
            "value": "true" if current.get("paused") in (True, "true") else "false",
            "valueOn": "true",
            "valueOff": "false",
        },
    ]
    return card(
        body,
        [
            action(
                "execute",
                ctx.t("action.save"),
                {"rake": Action.SCHEDULE_SAVE, "lang": ctx.lang},
                style="positive",
            ),
            action(
                "execute",
                ctx.t("schedule.skip_next"),
                {"rake": Action.SCHEDULE_SKIP, "lang": ctx.lang},
                inputs=False,
            ),
        ],
    )
