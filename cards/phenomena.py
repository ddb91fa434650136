"""Phenomena (ilmiöt): the list of them, and one phenomenon with its observations, from which an
expert asks a service area's lead for comment or makes an action proposal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cards.common import Card, Ctx, Mode, action, card, error_text, heading, text
from cards.processing import RequestLine, choice, input_text, show_card
from dialogs.actions import Action
from dialogs.processing import MAX_NOTE
from dialogs.proposals import MAX_PROPOSAL_TEXT, MAX_TITLE

PHENOMENON_OPEN = Action.PHENOMENON_OPEN
PHENOMENON_ASK = Action.PHENOMENON_ASK
PHENOMENON_PROPOSE = Action.PHENOMENON_PROPOSE


def phenomena_card(ctx: Ctx, rows: Sequence[tuple[int, str, int]]) -> Card:
    """The phenomena so far: name and how many observations (experts only)."""
    body: list[dict[str, Any]] = [*heading(ctx.t("phenomena.title"))]
    if not rows:
        body.append(text(ctx.t("phenomena.none")))
    for phenomenon_id, name, count in rows[:30]:
        data = {"rake": PHENOMENON_OPEN, "phenomenon": phenomenon_id, "lang": ctx.lang}
        body.append(
            {
                "type": "Container",
                "separator": True,
                "selectAction": action("execute", name, data, inputs=False),
                "items": [
                    text(f"**{name}**", size="Small"),
                    text(
                        ctx.t("phenomena.count", count=count),
                        size="Small",
                        isSubtle=True,
                        spacing="None",
                    ),
                ],
            }
        )
    return card(body)


@dataclass(frozen=True)
class PhenomenonCardView:
    id: int
    name: str
    description: str
    references: tuple[str, ...]
    requests: tuple[RequestLine, ...] = ()
    default_due_days: int = 90
    service_area: str | None = None  # the proposal's default


def phenomenon_card(
    ctx: Ctx,
    view: PhenomenonCardView,
    mode: Mode = "execute",
    error: str | None = None,
    done: str | None = None,
) -> Card:
    """A phenomenon with its observations: ask a service area's lead about it, or make a
    proposal from it (its observations all "led to a proposal")."""
    body: list[dict[str, Any]] = [
        *heading(view.name, ctx.t("phenomena.count", count=len(view.references)))
    ]
    if done:
        body.append(text(done, color="Good", weight="Bolder"))
    if error:
        body.append(error_text(error))
    if view.description:
        body.append(text(view.description))
    for reference in view.references[:30]:
        body.append(
            {
                "type": "TextBlock",
                "text": reference,
                "size": "Small",
                "spacing": "None",
                "wrap": True,
            }
        )
    for request in view.requests[-5:]:
        area = ctx.label_of("service_areas", request.service_area)
        line = (
            ctx.t("processing.request_answered", area=area, answer=request.answer)
            if request.answer
            else ctx.t("processing.request_waiting", area=area)
        )
        body.append(text(line, size="Small"))
    data = {"phenomenon": view.id, "lang": ctx.lang}
    areas = ctx.choices("service_areas")
    actions = [
        show_card(
            ctx.t("processing.action.ask_lead"),
            [
                choice(
                    "service_area", ctx.t("processing.field.service_area"), areas, view.service_area
                ),
                input_text(
                    "question", ctx.t("processing.field.question"), MAX_NOTE, multiline=True
                ),
            ],
            action(mode, ctx.t("processing.action.send"), {"rake": PHENOMENON_ASK, **data}),
        ),
        show_card(
            ctx.t("processing.action.propose"),
            [
                input_text("title", ctx.t("proposal.field.title"), MAX_TITLE),
                input_text("text", ctx.t("proposal.field.text"), MAX_PROPOSAL_TEXT, multiline=True),
                choice("service_area", ctx.t("proposal.service_area"), areas, view.service_area),
                {
                    "type": "Input.Date",
                    "id": "due",
                    "label": ctx.t("proposal.field.due", days=view.default_due_days),
                },
            ],
            action(mode, ctx.t("proposal.action.make"), {"rake": PHENOMENON_PROPOSE, **data}),
        ),
    ]
    return card(body, actions)
