"""Routes of the loop's views (bot.desk.loop): the processing actions (POST, then the
observation's page again with the outcome) and the phenomena, proposals and metrics pages."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.desk import DESK, loop
from bot.desk.views import REFERENCE, _ctx, _render, _user, _wrap, observation_view
from dialogs.processing import ProcessingError

VERBS = ("status", "enrich", "group", "ask")


async def action(request: web.Request) -> Any:
    desk = request.app[DESK]
    ctx = _ctx(request)
    user = await _user(request)
    reference = request.match_info["reference"]
    verb = request.match_info["verb"]
    form = await request.post()
    try:
        done = await loop.act(desk, user, ctx, reference, verb, form)
    except ProcessingError as error:
        text, status = loop.refusal(ctx, error)
        if status == 403:
            return _render(request, "refused.html", {"key": "access.experts_only"}, 403)
        return await observation_view(request, reference, error=text, status=status)
    return await observation_view(request, reference, notice=done)


async def _page(request: web.Request, template: str, build: Any) -> Any:
    desk = request.app[DESK]
    ctx = _ctx(request)
    user = await _user(request)
    try:
        context = await build(desk, user, ctx)
    except ProcessingError as error:
        _text, status = loop.refusal(ctx, error)
        if status == 403:
            return _render(request, "refused.html", {"key": "access.experts_only"}, 403)
        return _render(request, "refused.html", {"key": error.key}, status)
    return _render(request, template, context)


async def phenomena(request: web.Request) -> Any:
    return await _page(request, "phenomena.html", loop.phenomena)


async def proposals(request: web.Request) -> Any:
    return await _page(
        request, "proposals.html", lambda d, u, c: loop.proposals(d, u, c, request.query)
    )


async def metrics(request: web.Request) -> Any:
    return await _page(
        request, "metrics.html", lambda d, u, c: loop.metrics(d, u, c, request.query)
    )


def add_routes(app: web.Application, shell: Any) -> None:
    for name in ("phenomena", "proposals", "metrics"):
        app.router.add_get(f"/desk/{name}", shell)
    app.router.add_post(
        rf"/desk/api/observations/{{reference:{REFERENCE}}}/{{verb:{'|'.join(VERBS)}}}",
        _wrap(action),
    )
    app.router.add_get("/desk/api/phenomena", _wrap(phenomena))
    app.router.add_get("/desk/api/proposals", _wrap(proposals))
    app.router.add_get("/desk/api/metrics", _wrap(metrics))
