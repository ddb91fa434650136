"""The report dialog's cards: four steps, review, confirmation, own reports, the acute alert."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cards.common import Card, Ctx, Mode, action, card, error_text, facts, heading, text
from dialogs.actions import Action
from dialogs.fields import STEP_FIELDS, FieldType
from dialogs.fields import Field as FieldSpec
from dialogs.report import (
    GUARD_CONTINUE,
    FieldError,
    ReportData,
    Step,
    Urgency,
    asks_to_go_on,
    is_question,
)
from dialogs.views import ObservationView

STEP_COUNT = 4


def _data(ctx: Ctx, draft_id: str, verb: str, step: Step) -> dict[str, Any]:
    # The card's language travels with its buttons: the dialog continues in the language it
    # started in, and a card turn needs no read of the user's stored preference.
    return {
        "rake": Action.REPORT,
        "verb": verb,
        "draft_id": draft_id,
        "step": int(step),
        "lang": ctx.lang,
    }


def _value(field: str, data: ReportData, echo: Mapping[str, Any]) -> Any:
    if field in echo:
        return echo[field]
    value = getattr(data, field)
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value.value if hasattr(value, "value") else value


def _error(ctx: Ctx, errors: Mapping[str, FieldError], field: str) -> list[dict[str, Any]]:
    err = errors.get(field)
    if err is None:
        return []
    params = dict(err.params)
    if "kinds" in params:
        params["kinds"] = ", ".join(ctx.t(f"guard.kind.{k}") for k in params["kinds"].split(","))
    # the grievance notice is a question, not a refusal: not in the colour of an error
    colour = "Accent" if is_question(err) else "Attention"
    return [error_text(ctx.t(err.key, **params), colour)]


def _choice(
    ctx: Ctx,
    field: str,
    choices: list[dict[str, str]],
    data: ReportData,
    echo: Mapping[str, Any],
    errors: Mapping[str, FieldError],
    *,
    expanded: bool = False,
    multi: bool = False,
    required: bool = False,
) -> list[dict[str, Any]]:
    item: dict[str, Any] = {
        "type": "Input.ChoiceSet",
        "id": field,
        "label": ctx.t(f"field.{field}") + (" *" if required else ""),
        "choices": choices,
        "style": "expanded" if expanded else "compact",
        "placeholder": ctx.t("field.choose"),
        "wrap": True,
    }
    if multi:
        item["isMultiSelect"] = True
    value = _value(field, data, echo)
    if value:
        item["value"] = value
    return [item, *_error(ctx, errors, field)]


def _text_input(
    ctx: Ctx,
    field: str,
    max_length: int,
    data: ReportData,
    echo: Mapping[str, Any],
    errors: Mapping[str, FieldError],
    *,
    multiline: bool = True,
    required: bool = False,
) -> list[dict[str, Any]]:
    item: dict[str, Any] = {
        "type": "Input.Text",
        "id": field,
        "label": ctx.t(f"field.{field}") + (" *" if required else ""),
        "placeholder": ctx.t(f"field.{field}.hint"),
        "isMultiline": multiline,
        "maxLength": max_length,
    }
    value = _value(field, data, echo)
    if value:
        item["value"] = value
    return [item, *_error(ctx, errors, field)]


def _toggle(ctx: Ctx, field: str, data: ReportData) -> dict[str, Any]:
    return {
        "type": "Input.Toggle",
        "id": field,
        "title": ctx.t(f"field.{field}"),
        "value": "true" if getattr(data, field) else "false",
        "valueOn": "true",
        "valueOff": "false",
        "wrap": True,
    }


def _enum_choices(ctx: Ctx, name: str, members: Sequence[Any]) -> list[dict[str, str]]:
    return [{"title": ctx.t(f"{name}.{m.value}"), "value": m.value} for m in members]


def _field_items(
    ctx: Ctx,
    spec: FieldSpec,
    data: ReportData,
    echo: Mapping[str, Any],
    errors: Mapping[str, FieldError],
) -> list[dict[str, Any]]:
    """One field's input, as the field registry describes it."""
    if spec.shape is FieldType.FLAG:
        return [_toggle(ctx, spec.name, data)]
    if spec.shape is FieldType.TEXT:
        return _text_input(
            ctx,
            spec.name,
            spec.max_length or 0,
            data,
            echo,
            errors,
            multiline=spec.multiline,
            required=spec.required,
        )
    if spec.vocabulary is not None:
        choices = _enum_choices(ctx, spec.option_prefix or spec.name, list(spec.vocabulary))
    else:
        choices = ctx.field_choices(spec.name)
    return _choice(
        ctx,
        spec.name,
        choices,
        data,
        echo,
        errors,
        expanded=spec.expanded,
        multi=spec.shape is FieldType.MULTI,
        required=spec.required,
    )


def _step_body(
    ctx: Ctx,
    step: Step,
    data: ReportData,
    echo: Mapping[str, Any],
    errors: Mapping[str, FieldError],
) -> list[dict[str, Any]]:
    return [
        item for spec in STEP_FIELDS[step] for item in _field_items(ctx, spec, data, echo, errors)
    ]


def _go_on(ctx: Ctx, errors: Mapping[str, FieldError]) -> list[dict[str, Any]]:
    """After a grievance notice: the toggle that answers the question ("I describe a
    phenomenon – go on"). Identifiers still block: the dialog checks them again."""
    if not asks_to_go_on(dict(errors)):
        return []
    return [
        {
            "type": "Input.Toggle",
            "id": GUARD_CONTINUE,
            "title": ctx.t("guard.grievance_continue"),
            "value": "false",
            "valueOn": "true",
            "valueOff": "false",
            "wrap": True,
        }
    ]


def step_card(
    ctx: Ctx,
    mode: Mode,
    draft_id: str,
    step: Step,
    data: ReportData,
    errors: Mapping[str, FieldError] | None = None,
    echo: Mapping[str, Any] | None = None,
) -> Card:
    errors = errors or {}
    echo = echo or {}
    body = [
        *heading(
            ctx.t(f"step.{int(step)}.title"),
            ctx.t("step.counter", n=str(int(step)), total=str(STEP_COUNT)),
        ),
    ]
    if errors and all(is_question(e) for e in errors.values()):
        body.append(error_text(ctx.t("error.answer_question"), "Accent"))
    elif errors:
        body.append(error_text(ctx.t("error.fix_fields")))
    # A container of its own per step: renderers that replace a card in place (Action.Execute)
    # must not reuse one step's dropdown, with its old choices, for the next step's.
    body.append(
        {
            "type": "Container",
            "id": f"step{int(step)}-{'e' if errors else 'ok'}",
            "items": [*_step_body(ctx, step, data, echo, errors), *_go_on(ctx, errors)],
        }
    )
    actions = [
        action(mode, ctx.t("action.next"), _data(ctx, draft_id, "next", step), style="positive")
    ]
    if step is not Step.WHAT:
        actions.append(action(mode, ctx.t("action.back"), _data(ctx, draft_id, "back", step)))
    actions.append(
        action(
            mode,
            ctx.t("action.cancel"),
            _data(ctx, draft_id, "cancel", step),
            inputs=False,
            style="destructive",
        )
    )
    return card(body, actions)


def summary_facts(ctx: Ctx, data: ReportData, step: Step) -> list[tuple[str, str]]:
    def enum(name: str, value: Any) -> str:
        return ctx.t(f"{name}.{value.value}") if value else "–"

    if step is Step.WHAT:
        phenomenon = ctx.field_label("phenomenon", data.phenomenon)
        if data.phenomenon_other:
            phenomenon += f" ({data.phenomenon_other})"
        return [
            (ctx.t("field.kind"), enum("kind", data.kind)),
            (ctx.t("field.phenomenon"), phenomenon),
            (ctx.t("field.description"), data.description or "–"),
        ]
    if step is Step.WHO_WHERE:
        groups = ", ".join(ctx.field_label("target_groups", g) for g in data.target_groups) or "–"
        return [
            (ctx.t("field.target_groups"), groups),
            (ctx.t("field.area"), ctx.field_label("area", data.area)),
            (ctx.t("field.service_area"), ctx.field_label("service_area", data.service_area)),
        ]
    if step is Step.EXTENT:
        return [
            (ctx.t("field.extent"), enum("extent", data.extent)),
            (ctx.t("field.trend"), enum("trend", data.trend)),
            (ctx.t("field.structural"), data.structural or "–"),
            (ctx.t("field.proposal"), data.proposal or "–"),
        ]
    urgency = enum("urgency", data.urgency)
    if data.urgency is Urgency.ACUTE and data.acute_reason:
        urgency += f": {data.acute_reason}"
    yes, no = ctx.t("common.yes"), ctx.t("common.no")
    return [
        (ctx.t("field.urgency"), urgency),
        (ctx.t("field.reporter_role"), ctx.field_label("reporter_role", data.reporter_role)),
        (ctx.t("field.contact_ok"), yes if data.contact_ok else no),
        (ctx.t("field.anonymous"), yes if data.anonymous else no),
    ]


def review_card(ctx: Ctx, mode: Mode, draft_id: str, data: ReportData) -> Card:
    body: list[dict[str, Any]] = [*heading(ctx.t("review.title"), ctx.t("review.hint"))]
    for step in (Step.WHAT, Step.WHO_WHERE, Step.EXTENT, Step.URGENCY):
        body.append(text(ctx.t(f"step.{int(step)}.title"), weight="Bolder", separator=True))
        body.append(facts(summary_facts(ctx, data, step)))
        body.append(
            {
                "type": "ActionSet",
                "actions": [
                    action(
                        mode, ctx.t("action.edit"), _data(ctx, draft_id, "edit", step), inputs=False
                    )
                ],
            }
        )
    actions = [
        action(
            mode,
            ctx.t("action.submit"),
            _data(ctx, draft_id, "submit", Step.REVIEW),
            inputs=False,
            style="positive",
        ),
        action(mode, ctx.t("action.back"), _data(ctx, draft_id, "back", Step.REVIEW), inputs=False),
        action(
            mode,
            ctx.t("action.cancel"),
            _data(ctx, draft_id, "cancel", Step.REVIEW),
            inputs=False,
            style="destructive",
        ),
    ]
    return card(body, actions)


def submitted_card(
    ctx: Ctx, reference: str, data: ReportData, notified: Sequence[str] = ()
) -> Card:
    body: list[dict[str, Any]] = [
        *heading(ctx.t("submitted.title"), ctx.t("submitted.reference", reference=reference)),
        text(ctx.t("submitted.thanks")),
        facts(summary_facts(ctx, data, Step.WHAT)[:2]),
    ]
    if data.urgency is Urgency.ACUTE:
        who = ", ".join(notified) if notified else ctx.t("submitted.nobody")
        body.append(text(ctx.t("submitted.acute_notified", who=who), weight="Bolder"))
        body.append(text(ctx.t("submitted.emergency"), color="Attention"))
    return card(
        body,
        [
            action(
                "execute", ctx.t("action.my_reports"), {"rake": Action.REPORTS_MINE}, inputs=False
            ),
        ],
    )


def closed_card(ctx: Ctx, key: str, **values: str) -> Card:
    """Cancelled, expired or missing drafts: a message and a way to start again."""
    return card(
        [text(ctx.t(key, **values))],
        [
            action(
                "execute", ctx.t("action.make_report"), {"rake": Action.REPORT_START}, inputs=False
            ),
        ],
    )


def local_date(ctx: Ctx, moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(ctx.county.timezone)).strftime("%d.%m.%Y")


def my_reports_card(
    ctx: Ctx,
    rows: Sequence[ObservationView],
    paths: Mapping[str, list[tuple[str, str]]] | None = None,
) -> Card:
    """The reporter's own reports; with ``paths``, what became of each, step by step."""
    body: list[dict[str, Any]] = [*heading(ctx.t("mine.title"))]
    if not rows:
        body.append(text(ctx.t("mine.none")))
    for row in rows:
        body.append(
            text(f"**{row.reference}** · {local_date(ctx, row.created_at)}", separator=True)
        )
        body.append(
            facts(
                [
                    (ctx.t("field.phenomenon"), ctx.field_label("phenomenon", row.phenomenon)),
                    (ctx.t("field.area"), ctx.field_label("area", row.area)),
                    (ctx.t("mine.status"), ctx.t(f"status.{row.status}")),
                    *((paths or {}).get(row.reference) or []),
                ]
            )
        )
    return card(
        body,
        [
            action(
                "execute", ctx.t("action.make_report"), {"rake": Action.REPORT_START}, inputs=False
            ),
        ],
    )
