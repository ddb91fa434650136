"""The desk's routes: shell pages (no data, no token needed) and ``/desk/api/…`` views (a valid
Teams SSO token always; experts only wherever observation texts are shown, audited as in chat)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from bot.desk import DESK, JINJA, Desk
from bot.desk.auth import DeskUser, TokenError
from bot.desk.present import (
    Bucket,
    label,
    local_time,
    options,
    parse_list,
    periods,
    trends,
)
from cards.common import Ctx
from dialogs.digest import SMALL
from dialogs.fields import BY_NAME, FIELDS, FieldType, display
from dialogs.processing import ProcessingError
from i18n import LANGS, Lang, resolve_lang
from storage.desk import TREND_DIMENSIONS

log = logging.getLogger(__name__)
REFERENCE = r"RAKE-\d{4}-\d{4,}"
LOOP_VIEWS = ("phenomena", "proposals", "metrics")
# What an observation's page shows, from the field registry: the texts first, then the facts
# and the row's own (the reporter only where they allowed contact and did not stay anonymous).
TEXTS = tuple(f.name for f in FIELDS if f.shape is FieldType.TEXT)
FACTS = (
    *(f.name for f in FIELDS if f.shape is not FieldType.TEXT and f.export),
    "reporter",
    "origin",
    "status",
    "acknowledged_at",
)


class Refused(Exception):
    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status = status
        self.key = key


def _lang(request: web.Request, desk: Desk) -> Lang:
    """The language Teams gave the page (sent as X-Desk-Lang), else the browser's."""
    fallback = resolve_lang(desk.services.county.languages[0])
    given = request.headers.get("X-Desk-Lang")
    if given:
        return resolve_lang(given, fallback)
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";", 1)[0].strip()
        if tag.replace("_", "-").split("-", 1)[0].lower() in LANGS:  # the first one we have
            return resolve_lang(tag, fallback)
    return fallback


def _ctx(request: web.Request) -> Ctx:
    desk = request.app[DESK]
    return Ctx(_lang(request, desk), desk.services.catalog, desk.services.county)


def _today(desk: Desk) -> date:
    return datetime.now(desk.tz).date()


async def _user(request: web.Request) -> DeskUser:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Refused(401, "desk.error.signin")
    try:
        return await request.app[DESK].validator.validate(token.strip())
    except TokenError as exc:
        log.info("desk: token refused: %s", exc)
        raise Refused(401, "desk.error.signin") from None


async def _expert(request: web.Request, action: str, target: str) -> DeskUser:
    """A valid token of an expert; the access (allowed or not) goes to the audit log."""
    user = await _user(request)
    desk = request.app[DESK]
    allowed = await desk.is_expert(user.oid)
    await desk.audit.record(user.oid, action, target, allowed)
    if not allowed:
        raise Refused(403, "access.experts_only")
    return user


def _render(request: web.Request, name: str, context: dict[str, Any], status: int = 200) -> Any:
    ctx = _ctx(request)
    desk = request.app[DESK]
    base = {"t": ctx.t, "lang": ctx.lang, "ctx": ctx, "tz": desk.tz, "local_time": local_time}
    response = aiohttp_jinja2.render_template(
        name, request, {**base, **context}, app_key=JINJA, status=status
    )
    response.headers["Vary"] = "Authorization, X-Desk-Lang, Accept-Language"
    return response


@web.middleware
async def _refusals(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except Refused as refused:
        headers = {"WWW-Authenticate": 'Bearer realm="rake-desk"'} if refused.status == 401 else {}
        if request.headers.get("HX-Request"):
            response = _render(request, "refused.html", {"key": refused.key}, refused.status)
            response.headers.update(headers)
            return response
        error = "unauthorised" if refused.status == 401 else "forbidden"
        return web.json_response({"error": error}, status=refused.status, headers=headers)


def _wrap(handler: Any) -> Any:
    async def run(request: web.Request) -> web.StreamResponse:
        return await _refusals(request, handler)

    return run


# --- shell pages ------------------------------------------------------------------------------


async def shell(request: web.Request) -> Any:
    """The page Teams frames: scripts, navigation and the view to load once signed in."""
    desk = request.app[DESK]
    reference = request.match_info.get("reference")
    if reference:
        source = f"/desk/api/observations/{reference}"
    elif request.path.rstrip("/").endswith("/trends"):
        source = "/desk/api/trends"
    elif request.path.rstrip("/").rsplit("/", 1)[-1] in LOOP_VIEWS:
        source = f"/desk/api/{request.path.rstrip('/').rsplit('/', 1)[-1]}"
    else:
        source = "/desk/api/observations"
    if request.query_string:
        source += f"?{request.query_string}"
    return _render(request, "shell.html", {"source": source, "dev": desk.dev is not None})


async def to_shell(_request: web.Request) -> web.Response:
    raise web.HTTPFound("/desk/")


# --- views ------------------------------------------------------------------------------------


async def api_root(request: web.Request) -> web.Response:
    user = await _user(request)
    expert = await request.app[DESK].is_expert(user.oid)
    return web.json_response({"user": user.oid, "tenant": user.tid, "expert": expert})


def _link(params: dict[str, str], **changes: Any) -> str:
    merged = {**params, **{k: str(v) for k, v in changes.items()}}
    return "/desk/api/observations?" + urlencode({k: v for k, v in merged.items() if v})


async def observation_list(request: web.Request) -> Any:
    desk = request.app[DESK]
    ctx = _ctx(request)
    today = _today(desk)
    form = parse_list(request.query, ctx, desk.tz, today)
    target = " ".join(f"{k}={v}" for k, v in form.values.items()) or "all"
    await _expert(request, "desk.list", target)
    page = await desk.repo.page(form.query)
    values = form.values
    sort_links = {
        column: _link(
            values,
            sort=column,
            dir="asc" if values["sort"] == column and values["dir"] == "desc" else "desc",
            page="",
        )
        for column in ("created_at", "reference", "phenomenon", "area", "status")
    }
    first, last = form.span or (date(today.year, 1, 1), today)
    return _render(
        request,
        "list.html",
        {
            "page": page,
            "form": values,
            "options": options(ctx),
            "periods": periods(ctx, today),
            "sort_links": sort_links,
            "prev_link": _link(values, page=page.page - 1) if page.page > 1 else None,
            "next_link": _link(values, page=page.page + 1) if page.page < page.pages else None,
            "back": _link(values, page=page.page),
            "label": lambda prefix, value: label(ctx, prefix, value),
            "label_of": ctx.label_of,
            "export_from": first.isoformat(),
            "export_to": last.isoformat(),
        },
    )


def _field_value(ctx: Ctx, desk: Desk, row: Any, name: str) -> str:
    if name in BY_NAME:
        return display(BY_NAME[name], getattr(row, name), ctx.t, ctx.label_of)
    if name == "reporter":  # only where they allowed contact and did not stay anonymous
        return row.reporter_id if row.contact_ok and not row.anonymous else "–"
    if name == "acknowledged_at":
        return local_time(row.acknowledged_at, desk.tz) if row.acknowledged_at else "–"
    if name == "status":
        return label(ctx, "status", row.status)
    return str(getattr(row, name) or "–")


async def observation_page(request: web.Request) -> Any:
    return await observation_view(request, request.match_info["reference"][:32])


async def observation_view(
    request: web.Request,
    reference: str,
    notice: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Any:
    """An observation's page (experts only, every read audited), with its processing panel
    where the processing service is there, and the outcome of an action just taken."""
    desk = request.app[DESK]
    ctx = _ctx(request)
    user = await _expert(request, "observation.read", reference)  # audited, as in chat
    row = await desk.repo.observation(reference)
    if row is None:
        return _render(request, "refused.html", {"key": "observation.not_found"}, 404)
    back = request.query.get("back", "") or str((await request.post()).get("back", ""))
    if not back.startswith("/desk/api/observations?"):
        back = "/desk/api/observations"
    texts = [(ctx.t(f"export.col.{n}"), getattr(row, n)) for n in TEXTS if getattr(row, n)]
    facts = [(ctx.t(f"export.col.{n}"), _field_value(ctx, desk, row, n)) for n in FACTS]
    context: dict[str, Any] = {
        "row": row,
        "texts": texts,
        "fields": facts,
        "trail": await desk.repo.trail(reference),
        "back": back,
        "label": lambda prefix, value: label(ctx, prefix, value),
        "notice": notice,
        "error": error,
        "proc": None,
    }
    if desk.processing is not None:
        from bot.desk import loop

        try:
            context.update(await loop.panel(desk, user, ctx, reference))
        except ProcessingError as refused:
            log.info("desk: no processing panel: %s", refused.key)
    return _render(request, "observation.html", context, status)


async def trend_view(request: web.Request) -> Any:
    """Counts only. Experts see exact figures; anyone else signed in, or an expert sharing the
    view (``shared=1``), sees small counts hidden as in the channel cards."""
    desk = request.app[DESK]
    ctx = _ctx(request)
    user = await _user(request)
    expert = await desk.is_expert(user.oid)
    shared = not expert or request.query.get("shared") == "1"
    today = _today(desk)
    try:
        year = int(request.query.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 2000), today.year)
    bucket: Bucket = "week" if request.query.get("by") == "week" else "month"
    dimension = request.query.get("dim", "phenomenon")
    figures = await trends(desk.repo, ctx, desk.tz, today, year, bucket, dimension, shared)
    return _render(
        request,
        "trends.html",
        {
            "trends": figures,
            "expert": expert,
            "dimensions": [(d, ctx.t(f"export.col.{d}")) for d in TREND_DIMENSIONS],
            "years": list(range(today.year, today.year - 5, -1)),
            "small": SMALL,
        },
    )


async def export_link(request: web.Request) -> Any:
    """The existing signed export link (bot.export_flow), audited there; experts only."""
    desk = request.app[DESK]
    ctx = _ctx(request)
    user = await _user(request)
    form = await request.post()
    fmt = str(form.get("format", ""))
    try:
        first = date.fromisoformat(str(form.get("from", "")))
        last = date.fromisoformat(str(form.get("to", "")))
    except ValueError:
        return _render(request, "refused.html", {"key": "export.bad_request"}, 400)
    if fmt not in ("csv", "xlsx") or last < first:
        return _render(request, "refused.html", {"key": "export.bad_request"}, 400)
    url = await desk.export_link(user.oid, fmt, first, last, ctx.lang)
    if url is None:
        return _render(request, "refused.html", {"key": "access.experts_only"}, 403)
    minutes = desk.services.settings.export_link_minutes
    return _render(request, "export.html", {"url": url, "fmt": fmt, "minutes": minutes})


async def api_unknown(request: web.Request) -> web.Response:
    await _user(request)  # no token, no answer: 401 before anything else
    return web.json_response({"error": "not found"}, status=404)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/desk", to_shell)
    app.router.add_get("/desk/", shell)
    app.router.add_get("/desk/trends", shell)
    app.router.add_get(rf"/desk/observations/{{reference:{REFERENCE}}}", shell)
    app.router.add_get("/desk/api/", _wrap(api_root))
    app.router.add_get("/desk/api/observations", _wrap(observation_list))
    app.router.add_get(
        rf"/desk/api/observations/{{reference:{REFERENCE}}}", _wrap(observation_page)
    )
    app.router.add_get("/desk/api/trends", _wrap(trend_view))
    app.router.add_post("/desk/api/export", _wrap(export_link))
    if app[DESK].processing is not None:
        from bot.desk import loop_routes

        loop_routes.add_routes(app, shell)
    app.router.add_route("*", "/desk/api/{tail:.*}", _wrap(api_unknown))
