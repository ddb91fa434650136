"""Cards about one stored observation: the acute alert and the full view for experts."""

from __future__ import annotations

from typing import Any

from cards.common import Card, Ctx, action, card, facts, heading, open_dialog_action, text
from cards.report import ObservationView, local_date
from dialogs.actions import Action

SHOW = Action.OBSERVATION_SHOW
ACK = Action.ACUTE_ACK
PROCESS = Action.PROC_OPEN  # the processing card of the observation (bot.processing_flow)


def acute_alert_card(
    ctx: Ctx,
    row: ObservationView,
    in_channel: bool,
    acknowledged: tuple[str, str] | None = None,
    reminder: bool = False,
) -> Card:
    """Sent at once to the escalation recipients; no reporter identity, a short excerpt only.
    Its button opens the whole observation for experts: in a channel as a dialog (private to
    the one who opens it), in personal chat by replacing the card."""
    body: list[dict[str, Any]] = [
        *heading(ctx.t("acute.title"), ctx.t("acute.reference", reference=row.reference)),
        facts(
            [
                (ctx.t("field.acute_reason"), row.acute_reason or "–"),
                (ctx.t("field.phenomenon"), ctx.field_label("phenomenon", row.phenomenon)),
                (ctx.t("field.area"), ctx.field_label("area", row.area)),
                (ctx.t("field.service_area"), ctx.field_label("service_area", row.service_area)),
            ]
        ),
    ]
    if reminder:
        body.insert(0, text(ctx.t("acute.reminder"), color="Attention", weight="Bolder"))
    if row.excerpt:
        body.append(text(row.excerpt, isSubtle=True))
    data = {"rake": SHOW, "reference": row.reference, "lang": ctx.lang}
    buttons = [
        open_dialog_action(ctx.t("acute.open"), data)
        if in_channel
        else action("execute", ctx.t("acute.open"), data, inputs=False)
    ]
    if acknowledged:
        who, when = acknowledged
        body.append(text(ctx.t("acute.acknowledged", who=who, time=when), color="Good"))
    else:
        ack = {
            "rake": ACK,
            "reference": row.reference,
            "lang": ctx.lang,
            "channel": in_channel,
        }
        buttons.append(action("execute", ctx.t("acute.ack"), ack, inputs=False, style="positive"))
    process = {"rake": PROCESS, "reference": row.reference, "lang": ctx.lang}
    buttons.append(
        open_dialog_action(ctx.t("processing.action.process"), process)
        if in_channel
        else action("execute", ctx.t("processing.action.process"), process, inputs=False)
    )
    return card(body, buttons)


def observation_card(ctx: Ctx, row: ObservationView, fields: dict[str, Any]) -> Card:
    """Everything an expert sees of one observation (the reporter only if not anonymous)."""
    yes, no = ctx.t("common.yes"), ctx.t("common.no")

    def enum(name: str) -> str:
        value = fields.get(name)
        return ctx.t(f"{name}.{value}") if value else "–"

    groups = ", ".join(ctx.field_label("target_groups", g) for g in fields.get("target_groups", []))
    phenomenon = ctx.field_label("phenomenon", row.phenomenon)
    if fields.get("phenomenon_other"):
        phenomenon += f" ({fields['phenomenon_other']})"
    pairs = [
        (ctx.t("field.kind"), enum("kind")),
        (ctx.t("field.phenomenon"), phenomenon),
        (ctx.t("field.description"), fields.get("description") or "–"),
        (ctx.t("field.target_groups"), groups or "–"),
        (ctx.t("field.area"), ctx.field_label("area", row.area)),
        (ctx.t("field.service_area"), ctx.field_label("service_area", row.service_area)),
        (ctx.t("field.extent"), enum("extent")),
        (ctx.t("field.trend"), enum("trend")),
        (ctx.t("field.structural"), fields.get("structural") or "–"),
        (ctx.t("field.proposal"), fields.get("proposal") or "–"),
        (ctx.t("field.urgency"), enum("urgency")),
        (ctx.t("field.acute_reason"), row.acute_reason or "–"),
        (
            ctx.t("field.reporter_role"),
            ctx.field_label("reporter_role", fields.get("reporter_role")),
        ),
        (ctx.t("field.contact_ok"), yes if fields.get("contact_ok") else no),
        (ctx.t("mine.status"), ctx.t(f"status.{row.status}")),
        (ctx.t("observation.received"), local_date(ctx, row.created_at)),
    ]
    # Action.Submit works in both places the view opens: in chat (a message back to the bot)
    # and inside a Teams dialog (task/submit), where the processing card replaces it.
    process = {
        "type": "Action.Submit",
        "title": ctx.t("processing.action.process"),
        "data": {"rake": PROCESS, "reference": row.reference, "lang": ctx.lang},
    }
    return card(
        [*heading(ctx.t("observation.title", reference=row.reference)), facts(pairs)], [process]
    )
