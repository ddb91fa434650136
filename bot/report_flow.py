"""Glue between a card action (from chat or a Teams dialog) and the report dialog + storage."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.acute import alert_items, recipients
from bot.services import Services
from bot.views import observation_view
from cards.common import Card, Ctx, Mode
from cards.processing import PathView, path_facts
from cards.report import (
    closed_card,
    my_reports_card,
    review_card,
    step_card,
    submitted_card,
)
from cards.welcome import notice_card
from dialogs.report import (
    DialogInput,
    MalformedInput,
    Outcome,
    ReportData,
    Step,
    Urgency,
    advance,
    parse_input,
    resume,
    start,
)
from storage.models import Observation
from storage.outbox import NewItem

log = logging.getLogger(__name__)
TRANSPORT_KEYS = {"rake", "msteams", "verb", "draft_id", "step", "lang"}
# Open drafts per person: more than anyone keeps going at once, few enough that a flood of
# "new report" presses (2 000 in 5 s, issue 14) stores nothing past it.
MAX_OPEN_DRAFTS = 20


@dataclass
class Origin:
    kind: str = "chat"  # chat | team | message | vartti
    team_id: str | None = None


@dataclass
class FlowResult:
    card: Card
    finished: bool = False  # submitted or cancelled: a Teams dialog may close
    reference: str | None = None
    enqueued: bool = False  # outbox items were committed with the report: wake the worker
    notify: list[str] = field(default_factory=list)


def to_input(raw: dict[str, Any]) -> DialogInput:
    """Peel the transport off: our keys stay, everything else is an input value."""
    if not isinstance(raw, dict):
        raise MalformedInput()
    values = {k: v for k, v in raw.items() if k not in TRANSPORT_KEYS}
    return parse_input(
        {
            "verb": raw.get("verb"),
            "draft_id": raw.get("draft_id"),
            "step": raw.get("step"),
            "values": values,
        }
    )


class ReportFlow:
    def __init__(self, services: Services) -> None:
        self._s = services
        # Each own report's whole path for "my reports" (the processing service's, when wired).
        self.paths: Callable[[list[int]], Awaitable[dict[int, PathView]]] | None = None

    async def open(
        self, ctx: Ctx, mode: Mode, user_id: str, origin: Origin, prefill: dict[str, Any] | None
    ) -> Card:
        outcome = start(prefill)
        draft = await self._s.drafts.create(
            user_id,
            origin.kind,
            origin.team_id,
            outcome.data.model_dump(mode="json"),
            int(Step.WHAT),
            limit=MAX_OPEN_DRAFTS,
        )
        if draft is None:  # refused, not replacing the oldest: that would drop someone's text
            return notice_card(ctx, "report.too_many_drafts", max=str(MAX_OPEN_DRAFTS))
        return step_card(ctx, mode, draft.id, Step.WHAT, outcome.data, echo=outcome.echo)

    async def resume_latest(self, ctx: Ctx, mode: Mode, user_id: str) -> Card | None:
        draft = await self._s.drafts.latest(user_id)
        if draft is None:
            return None
        data = ReportData.model_validate(draft.data)
        return self._render(ctx, mode, draft.id, resume(data, draft.step))

    async def act(self, ctx: Ctx, mode: Mode, user_id: str, raw: dict[str, Any]) -> FlowResult:
        """One press of a button on a report card. Raises MalformedInput (nothing changed)."""
        action = to_input(raw)
        if action.verb == "start":
            raise MalformedInput()
        draft = await self._s.drafts.get(action.draft_id, user_id) if action.draft_id else None
        if draft is not None and draft.submitted_reference:
            return FlowResult(
                closed_card(ctx, "report.already_submitted", reference=draft.submitted_reference),
                finished=True,
                reference=draft.submitted_reference,
            )
        if draft is not None and action.step is not None and action.step > max(draft.step, 1):
            raise MalformedInput("error.stale_card")  # a step never reached: forged or stale
        data = ReportData.model_validate(draft.data) if draft else None
        outcome = advance(data, action, self._s.county)
        if outcome.view == "missing":
            return FlowResult(closed_card(ctx, "report.missing"), finished=True)
        assert draft is not None
        if outcome.view == "cancelled":
            await self._s.drafts.delete(draft.id, user_id)
            return FlowResult(closed_card(ctx, "report.cancelled"), finished=True)
        if outcome.view == "submitted":
            return await self._submit(ctx, user_id, draft.id, draft.origin, draft.team_id, outcome)
        if outcome.save_draft and outcome.step is not None:
            await self._s.drafts.save(
                draft.id, user_id, outcome.data.model_dump(mode="json"), int(outcome.step)
            )
        return FlowResult(self._render(ctx, mode, draft.id, outcome))

    def _render(self, ctx: Ctx, mode: Mode, draft_id: str, outcome: Outcome) -> Card:
        if outcome.view == "review":
            return review_card(ctx, mode, draft_id, outcome.data)
        assert outcome.step is not None
        return step_card(
            ctx, mode, draft_id, outcome.step, outcome.data, outcome.errors, outcome.echo
        )

    async def _submit(
        self,
        ctx: Ctx,
        user_id: str,
        draft_id: str,
        origin: str,
        team_id: str | None,
        outcome: Outcome,
    ) -> FlowResult:
        assert outcome.submission is not None
        fields = outcome.submission.model_dump(mode="json")
        fields.update(
            reporter_id=user_id,
            origin=origin,
            team_id=team_id,
            county=self._s.county.id,
            locale=ctx.lang,
        )
        items = None
        if outcome.submission.urgency is Urgency.ACUTE:
            # Looked up before the transaction; the alerts commit with the report itself.
            targets = await recipients(self._s)

            def items(row: Observation) -> list[NewItem]:
                return alert_items(self._s, targets, row)

        row, created = await self._s.observations.submit(draft_id, fields, items=items)
        acute = row.urgency == Urgency.ACUTE.value
        notify = self.escalation_targets(ctx) if acute else []
        if created:
            log.info("observation stored reference=%s acute=%s", row.reference, acute)
        card = submitted_card(ctx, row.reference, outcome.data, notify)
        return FlowResult(
            card,
            finished=True,
            reference=row.reference,
            enqueued=acute and created,
            notify=notify,
        )

    def escalation_targets(self, ctx: Ctx) -> list[str]:
        """Human-readable names of who is told of an acute report."""
        esc = self._s.county.escalation
        names = []
        if esc.rake_channel and self._s.county.rake_channel:
            names.append(ctx.t("acute.target.channel"))
        if esc.people:
            names.append(ctx.t("acute.target.people", n=str(len(esc.people))))
        return names

    async def my_reports(self, ctx: Ctx, user_id: str) -> Card:
        rows = await self._s.observations.for_reporter(user_id, limit=10)
        paths = await self.paths([r.id for r in rows]) if self.paths and rows else {}
        steps = {r.reference: path_facts(ctx, paths[r.id]) for r in rows if r.id in paths}
        return my_reports_card(ctx, [observation_view(r) for r in rows], steps)
