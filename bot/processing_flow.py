"""From the loop's card actions and typed commands to the processing service, and back to cards.
SDK-free: the handler passes the render context, the transport mode, the user and the action's
data; a refused change comes back as the same card with the reason on it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.processing_service import Actor, ProcessingService
from cards import phenomena as ph
from cards import processing as pc
from cards import proposals as pp
from cards.common import Card, Ctx, Mode, card
from cards.common import text as text_block
from dialogs.processing import ProcessingError
from dialogs.processing_commands import LoopCommand, LoopParsed
from dialogs.vocabulary import ObservationStatus

log = logging.getLogger(__name__)
# (claims) -> a signed download address (the export links' machinery)
LinkMaker = Callable[[dict[str, Any]], str]

VERBS = frozenset(
    {
        pc.OPEN,
        pc.STATUS,
        pc.CLOSE,
        pc.ENRICH,
        pc.GROUP,
        pc.ASK,
        pc.PROPOSE,
        pc.COMMENT_ANSWER,
        ph.PHENOMENON_OPEN,
        ph.PHENOMENON_ASK,
        ph.PHENOMENON_PROPOSE,
        pp.PROPOSAL_OPEN,
        pp.PROPOSAL_WITHDRAW,
        pp.FOLLOW_UP_OPEN,
        pp.FOLLOW_UP_ANSWER,
        pp.REPORT_DRAFT,
    }
)


def message(ctx: Ctx, error: ProcessingError) -> str:
    params = dict(error.params)
    if error.key == "guard.identifiers" and "kinds" in params:
        params["kinds"] = ", ".join(
            ctx.t(f"guard.kind.{kind}") for kind in params["kinds"].split(",") if kind
        )
    if "status" in params and ctx.catalog.has(f"status.{params['status']}"):
        params["status"] = ctx.t(f"status.{params['status']}")
    for name in ("source", "target"):
        if name in params and ctx.catalog.has(f"status.{params[name]}"):
            params[name] = ctx.t(f"status.{params[name]}")
    return ctx.t(error.key, **params)


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return value if isinstance(value, str) else ""


def _int(data: dict[str, Any], name: str) -> int:
    try:
        return int(data.get(name))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ProcessingError("error.malformed") from None


class ProcessingFlow:
    def __init__(self, service: ProcessingService, link: LinkMaker | None = None) -> None:
        self.service = service
        self._link = link

    # --- card actions ------------------------------------------------------------------------
    async def act(self, ctx: Ctx, mode: Mode, user_id: str, data: dict[str, Any]) -> Card:
        verb = data.get("rake")
        actor = Actor(user_id, ctx.lang)
        try:
            return await self._act(ctx, mode, actor, str(verb), data)
        except ProcessingError as error:
            return await self._refused(ctx, mode, actor, data, error)

    async def _act(
        self, ctx: Ctx, mode: Mode, actor: Actor, verb: str, data: dict[str, Any]
    ) -> Card:
        s = self.service
        reference = _text(data, "reference").upper()
        if verb == pc.OPEN:
            return await self.open(ctx, mode, actor, reference, audit=True)
        if verb == pc.STATUS:
            await s.change_status(actor, reference, _text(data, "target"))
            return await self._done(ctx, mode, actor, reference)
        if verb == pc.CLOSE:
            await s.change_status(
                actor,
                reference,
                ObservationStatus.CLOSED.value,
                _text(data, "reason") or None,
                _text(data, "description"),
                _text(data, "duplicate_of") or None,
            )
            return await self._done(ctx, mode, actor, reference)
        if verb == pc.ENRICH:
            await s.enrich(actor, reference, _text(data, "note"), _text(data, "tag"))
            return await self.open(ctx, mode, actor, reference, ctx.t("processing.done.note"))
        if verb == pc.GROUP:
            chosen = _text(data, "phenomenon_id")
            name = _text(data, "name")
            phenomenon_id = int(chosen) if chosen.isdigit() and not name.strip() else None
            _pid, title, _ = await s.group(
                actor, [reference], phenomenon_id, name, _text(data, "description")
            )
            done = ctx.t("processing.done.grouped", name=title)
            return await self.open(ctx, mode, actor, reference, done)
        if verb == pc.ASK:
            area = _text(data, "service_area")
            await s.ask_lead(actor, area, _text(data, "question"), reference=reference)
            done = ctx.t("processing.done.asked", area=ctx.label_of("service_areas", area))
            return await self.open(ctx, mode, actor, reference, done)
        if verb == pc.PROPOSE:
            view = await s.make_proposal(
                actor,
                _text(data, "title"),
                _text(data, "text"),
                _text(data, "service_area"),
                _text(data, "due") or None,
                [reference],
            )
            return pp.proposal_card(
                ctx, s.card_view(view), mode, can_withdraw=True, done=_made(ctx, view)
            )
        if verb == pc.COMMENT_ANSWER:
            answered = await s.answer_request(actor, _int(data, "request"), _text(data, "answer"))
            return pc.comment_request_card(ctx, answered, mode)
        if verb == ph.PHENOMENON_OPEN:
            phenomenon = await s.phenomenon_view(actor, _int(data, "phenomenon"))
            return ph.phenomenon_card(ctx, phenomenon, mode)
        if verb == ph.PHENOMENON_ASK:
            phenomenon_id = _int(data, "phenomenon")
            area = _text(data, "service_area")
            await s.ask_lead(actor, area, _text(data, "question"), phenomenon_id=phenomenon_id)
            done = ctx.t("processing.done.asked", area=ctx.label_of("service_areas", area))
            phenomenon = await s.phenomenon_view(actor, phenomenon_id)
            return ph.phenomenon_card(ctx, phenomenon, mode, done=done)
        if verb == ph.PHENOMENON_PROPOSE:
            made = await s.make_proposal(
                actor,
                _text(data, "title"),
                _text(data, "text"),
                _text(data, "service_area"),
                _text(data, "due") or None,
                [],
                [_int(data, "phenomenon")],
            )
            return pp.proposal_card(
                ctx, s.card_view(made), mode, can_withdraw=True, done=_made(ctx, made)
            )
        if verb == pp.PROPOSAL_OPEN:
            view = await s.proposal(actor, _int(data, "proposal"))
            expert = await s.is_expert(actor)
            return pp.proposal_card(ctx, s.card_view(view), mode, can_withdraw=expert)
        if verb == pp.PROPOSAL_WITHDRAW:
            view = await s.withdraw(actor, _int(data, "proposal"))
            return pp.proposal_card(ctx, s.card_view(view), mode)
        if verb == pp.FOLLOW_UP_OPEN:
            return await s.follow_up_card(actor, _int(data, "follow_up"), ctx.lang)
        if verb == pp.FOLLOW_UP_ANSWER:
            follow_up_id = _int(data, "follow_up")
            await s.answer_follow_up(
                actor, follow_up_id, _text(data, "answer"), _text(data, "note")
            )
            return await s.follow_up_card(actor, follow_up_id, ctx.lang)
        if verb == pp.REPORT_DRAFT:
            return await self.report_draft(ctx, actor, _int(data, "year"))
        raise ProcessingError("error.malformed")

    async def _refused(
        self, ctx: Ctx, mode: Mode, actor: Actor, data: dict[str, Any], error: ProcessingError
    ) -> Card:
        """The same card again with the reason, where there is one to show it on."""
        text = message(ctx, error)
        verb = data.get("rake")
        reference = _text(data, "reference").upper()
        try:
            if reference and verb in (pc.STATUS, pc.CLOSE, pc.ENRICH, pc.GROUP, pc.ASK, pc.PROPOSE):
                shown = await self.service.view(actor, reference)
                return pc.processing_card(ctx, shown, mode, error=text)
            if verb in (ph.PHENOMENON_ASK, ph.PHENOMENON_PROPOSE):
                shown_phenomenon = await self.service.phenomenon_view(
                    actor, _int(data, "phenomenon")
                )
                return ph.phenomenon_card(ctx, shown_phenomenon, mode, error=text)
            if verb == pp.FOLLOW_UP_ANSWER and error.key != "followup.error.closed":
                row = await self.service.repos.proposals.follow_up(_int(data, "follow_up"))
                view = await self.service.proposal(actor, row.proposal_id)
                return pp.follow_up_card(
                    ctx, self.service.card_view(view), row.id, mode, error=text
                )
            if verb == pc.COMMENT_ANSWER and error.key != "processing.error.request_closed":
                row = await self.service.repos.processing.request(_int(data, "request"))
                if row.lead_id == actor.aad_id:
                    request = await self.service.request_view(row)
                    return pc.comment_request_card(ctx, request, mode, error=text)
        except ProcessingError:
            pass
        return _notice(ctx, text)

    async def open(
        self,
        ctx: Ctx,
        mode: Mode,
        actor: Actor,
        reference: str,
        done: str | None = None,
        audit: bool = False,
    ) -> Card:
        """The processing card; opening it (not re-showing it after a change) is a read of
        the observation's text, audited like every other."""
        if audit:
            await self.service.record_read(actor, reference)
        view = await self.service.view(actor, reference)
        return pc.processing_card(ctx, view, mode, done=done)

    async def _done(self, ctx: Ctx, mode: Mode, actor: Actor, reference: str) -> Card:
        view = await self.service.view(actor, reference)
        done = ctx.t(
            "processing.done.status", reference=reference, status=ctx.t(f"status.{view.status}")
        )
        return pc.processing_card(ctx, view, mode, done=done)

    # --- typed commands ---------------------------------------------------------------------
    async def command(
        self, ctx: Ctx, user_id: str, parsed: LoopParsed, in_channel: bool = False
    ) -> Card:
        """Typed in personal chat only: a channel's members would all see the texts."""
        if in_channel:
            return _notice(ctx, ctx.t("processing.personal_only"))
        actor = Actor(user_id, ctx.lang)
        s = self.service
        try:
            if parsed.command is LoopCommand.OPEN and parsed.reference:
                return await self.open(ctx, "execute", actor, parsed.reference, audit=True)
            if parsed.command is LoopCommand.PROPOSALS:
                area = _service_area(ctx, parsed.words)
                views = await s.proposals(
                    actor,
                    parsed.status.value if parsed.status else None,
                    area,
                    parsed.year,
                    parsed.overdue,
                )
                subtitle = " · ".join(
                    part
                    for part in (
                        str(parsed.year) if parsed.year else "",
                        ctx.t(f"proposal.status.{parsed.status.value}") if parsed.status else "",
                        ctx.label_of("service_areas", area) if area else "",
                        ctx.t("proposal.overdue") if parsed.overdue else "",
                    )
                    if part
                )
                return pp.proposal_list_card(ctx, [s.card_view(v) for v in views], subtitle or None)
            if parsed.command is LoopCommand.METRICS:
                return pp.metrics_card(ctx, await s.metrics(actor, parsed.year))
            if parsed.command is LoopCommand.REPORT_DRAFT:
                return await self.report_draft(ctx, actor, parsed.year or s.today().year)
            if parsed.command is LoopCommand.PHENOMENA:
                await s.require_expert(actor)
                rows = await s.repos.phenomena.phenomena(limit=30)
                return ph.phenomena_card(ctx, [(p.id, p.name, p.observations) for p in rows])
        except ProcessingError as error:
            return _notice(ctx, message(ctx, error))
        return _notice(ctx, ctx.t("unknown.command"))

    async def report_draft(self, ctx: Ctx, actor: Actor, year: int) -> Card:
        await self.service.metrics(actor, year)  # experts only
        if self._link is None:
            raise ProcessingError("error.internal")
        claims = {"kind": "report_draft", "year": year, "user": actor.aad_id, "lang": ctx.lang}
        docx = self._link({**claims, "format": "docx"})
        markdown = self._link({**claims, "format": "md"})
        return pp.report_draft_card(ctx, year, docx, markdown)


def _made(ctx: Ctx, view: Any) -> str:
    return ctx.t(
        "proposal.done",
        id=view.id,
        area=ctx.label_of("service_areas", view.service_area),
        due=view.due.strftime("%d.%m.%Y"),
    )


def _service_area(ctx: Ctx, words: tuple[str, ...]) -> str | None:
    wanted = " ".join(words).strip()
    if not wanted:
        return None
    for option in ctx.county.service_areas:
        label = ctx.label("service_area", option).casefold()
        if wanted in (option.id, label) or label.startswith(wanted):
            return option.id
    raise ProcessingError("proposal.error.service_area")


def _notice(ctx: Ctx, text: str) -> Card:
    del ctx
    return card([text_block(text, color="Attention")])
