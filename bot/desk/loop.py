"""The desk's side of the loop from an observation to an action: the processing actions on an
observation's page (status with a reason, tag, enrichment note, group into a phenomenon, ask a
service area's lead), phenomena, proposals with their follow-ups and overdue flags, and the
OKR metrics against the county's targets. Every change and every list goes through the same
processing service the chat uses (``bot.processing_service``): no domain rule lives here."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from aiohttp import web

from bot.desk import Desk
from bot.desk.auth import DeskUser
from bot.processing_flow import message as refusal_text
from bot.processing_service import Actor, ProcessingService
from cards.common import Ctx
from dialogs.processing import ORDER, STAMP_COLUMN, ProcessingError, allowed_targets
from dialogs.proposals import ProposalStatus
from dialogs.vocabulary import ClosingReason

log = logging.getLogger(__name__)
DENIED = "processing.error.experts_only"


def service(desk: Desk) -> ProcessingService:
    if desk.processing is None:
        raise web.HTTPNotFound()
    return desk.processing  # type: ignore[no-any-return]


def actor(user: DeskUser, ctx: Ctx) -> Actor:
    return Actor(user.oid, ctx.lang)


async def panel(desk: Desk, user: DeskUser, ctx: Ctx, reference: str) -> dict[str, Any]:
    """What the observation's page shows of its processing (the service's view)."""
    view = await service(desk).view(actor(user, ctx), reference)
    timeline = [
        (status, view.stamps.get(STAMP_COLUMN[status] or "", None))
        for status in ORDER
        if STAMP_COLUMN.get(status)
    ]
    return {
        "proc": view,
        "timeline": timeline,
        "targets": allowed_targets(view.status),
        "reasons": list(ClosingReason),
        "service_areas": ctx.choices("service_areas"),
    }


async def act(desk: Desk, user: DeskUser, ctx: Ctx, reference: str, verb: str, form: Any) -> str:
    """Carry out one action; returns the confirmation. ProcessingError propagates (refusal)."""
    svc = service(desk)
    who = actor(user, ctx)

    def field(name: str) -> str:
        value = form.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    if verb == "status":
        view = await svc.change_status(
            who,
            reference,
            field("target"),
            field("reason") or None,
            field("description") or None,
            field("duplicate_of") or None,
        )
        return ctx.t(
            "processing.done.status", reference=reference, status=ctx.t(f"status.{view.status}")
        )
    if verb == "enrich":
        note, tag = field("note"), field("tag")
        await svc.enrich(who, reference, note=note, tag=tag)
        return ctx.t("processing.done.note" if note else "processing.done.tag")
    if verb == "group":
        chosen = field("phenomenon_id")
        phenomenon_id = int(chosen) if chosen.isdigit() else None
        _id, name, _grouped = await svc.group(
            who, [reference], phenomenon_id, field("name"), field("phenomenon_description")
        )
        return ctx.t("processing.done.grouped", name=name)
    if verb == "ask":
        area = field("service_area")
        await svc.ask_lead(who, area, field("question"), reference=reference)
        return ctx.t("processing.done.asked", area=ctx.label_of("service_areas", area))
    raise web.HTTPNotFound()


def refusal(ctx: Ctx, error: ProcessingError) -> tuple[str, int]:
    return refusal_text(ctx, error), 403 if error.key == DENIED else 422


# --- the lists --------------------------------------------------------------------------------


async def phenomena(desk: Desk, user: DeskUser, ctx: Ctx) -> dict[str, Any]:
    svc = service(desk)
    await svc.require_expert(actor(user, ctx))
    found = []
    for item in await svc.repos.phenomena.phenomena(limit=100):
        _view, references = await svc.repos.phenomena.phenomenon(item.id)
        found.append((item, references))
    return {"phenomena": found}


async def proposals(desk: Desk, user: DeskUser, ctx: Ctx, query: Any) -> dict[str, Any]:
    svc = service(desk)
    status = query.get("status", "")
    status = status if status in {s.value for s in ProposalStatus} else ""
    area = query.get("service_area", "")
    area = area if area in svc.county.option_ids("service_areas") else ""
    overdue = query.get("overdue") == "1"
    who = actor(user, ctx)
    rows = await svc.proposals(who, status or None, area or None, None, overdue)
    # each with its observations and follow-up questions (the listing has neither)
    detailed = [replace(await svc.proposal(who, row.id), overdue=row.overdue) for row in rows]
    return {
        "proposals": detailed,
        "form": {"status": status, "service_area": area, "overdue": overdue},
        "statuses": [(s.value, ctx.t(f"proposal.status.{s.value}")) for s in ProposalStatus],
        "service_areas": ctx.choices("service_areas"),
    }


async def metrics(desk: Desk, user: DeskUser, ctx: Ctx, query: Any) -> dict[str, Any]:
    svc = service(desk)
    today = svc.today()
    try:
        year = min(max(int(query.get("year", today.year)), 2000), today.year)
    except ValueError:
        year = today.year
    figures = await svc.metrics(actor(user, ctx), year)
    return {"metrics": figures, "year": year, "years": list(range(today.year, today.year - 5, -1))}
