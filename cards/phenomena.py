"""Phenomena (ilmiöt): the list of them, and one phenomenon with its observations, from which an
expert asks a service area's lead for comment or makes an action proposal."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cards.common import Card, Ctx, Mode, action, card, error_text, heading, text
from cards.processing import RequestLine, ask_lead_card, propose_card, request_lines
from dialogs.actions import Action

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
    body += request_lines(ctx, view.requests)
    data = {"phenomenon": view.id, "lang": ctx.lang}
    actions = [
        ask_lead_card(
            ctx,
            view.service_area,
            action(mode, ctx.t("processing.action.send"), {"rake": PHENOMENON_ASK, **data}),
        ),
        propose_card(
            ctx,
            view.service_area,
            view.default_due_days,
            {"rake": PHENOMENON_PROPOSE, **data},
            mode,
        ),
    ]
    return card(body, actions)
