"""The aiohttp application: /api/messages, /healthz, /readyz, /metrics, /exports. Thin wiring."""

from __future__ import annotations

import gc
import logging
from functools import partial
from typing import Any

import jwt
from aiohttp import web

from bot.access import is_expert
from bot.adapter import RakeAdapter
from bot.container import Container, build_container
from bot.desk import DESK_HEADERS, setup_desk
from bot.handler import RakeBot
from bot.keys import SigningKeys
from bot.logs import exception_summary
from bot.outbox_worker import OutboxWorker
from bot.perimeter import (
    ACTIVITY_BODY,
    HEADER_POLICY,
    RATE_LIMITS,
    RateRule,
    export_token_ok,
    install_perimeter,
)
from bot.proactive import Messenger
from bot.processing_wiring import draft_download
from bot.scheduler import Scheduler
from bot.services import Services
from bot.settings import Environment, Settings
from storage.db import Database
from storage.migrate import current_revision, head_revision, upgrade

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 256 * 1024
GC_THRESHOLDS = (20_000, 20, 20)


CONTAINER = web.AppKey("container", Container)
SERVICES = web.AppKey("services", Services)
ADAPTER = web.AppKey("adapter", RakeAdapter)
BOT = web.AppKey("bot", RakeBot)
MESSENGER = web.AppKey("messenger", Messenger)
HEAD_REVISION = web.AppKey("head_revision", str)
SCHEDULER = web.AppKey("scheduler", Scheduler)
OUTBOX_WORKER = web.AppKey("outbox_worker", OutboxWorker)


def tenant_of(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    conversation = body.get("conversation")
    if isinstance(conversation, dict) and isinstance(conversation.get("tenantId"), str):
        return str(conversation["tenantId"])
    channel_data = body.get("channelData")
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str):
        return str(tenant["id"])
    return None


async def messages(request: web.Request) -> web.StreamResponse:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(MAX_BODY_BYTES, request.content_length)
    services = request.app[SERVICES]
    allowed = services.settings.allowed_tenants
    if allowed:
        tenant = tenant_of(request.get(ACTIVITY_BODY))  # parsed by the perimeter
        if tenant not in allowed:
            services.metrics.inc("rake_refused_tenant_total", "Activities from other tenants")
            log.warning("refused an activity from a tenant that is not allowed: %s", tenant)
            return web.json_response({"error": "tenant not allowed"}, status=403)
    try:
        return await request.app[ADAPTER].process(request, request.app[BOT])
    except jwt.PyJWTError:  # a malformed token is botbuilder's 500, but it is the caller's 401
        log.warning("refused an activity with a malformed token")
        return web.json_response({"error": "unauthorised"}, status=401)


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text: turns and latency, deliveries, digests and summaries made here; the
    outbox depth and stored summaries (shared by all replicas) read at scrape time."""
    services = request.app[SERVICES]
    token = services.settings.metrics_token.get_secret_value()
    if token and request.headers.get("Authorization") != f"Bearer {token}":
        return web.json_response({"error": "unauthorised"}, status=401)
    gauges: list[tuple[str, str, tuple[tuple[str, str], ...], float]] = []
    try:
        container = request.app[CONTAINER]
        counts = await container.outbox.counts()
        for status in ("pending", "claimed", "sending", "sent", "failed", "dead", "uncertain"):
            gauges.append(
                (
                    "rake_outbox_items",
                    "Outbox items by status",
                    (("status", status),),
                    counts.get(status, 0),
                )
            )
        for kind, n in (await container.summaries.repo.summary_counts()).items():
            gauges.append(("rake_summaries_stored", "Summaries stored", (("kind", kind),), n))
    except Exception as exc:  # the database may be away; the process metrics still count
        log.warning("metrics: database unreachable: %s", exception_summary(exc))
        gauges.append(("rake_database_up", "Database reachable at scrape", (), 0))
    else:
        gauges.append(("rake_database_up", "Database reachable at scrape", (), 1))
    source = services.db.token_source
    if source is not None:
        gauges.append(("rake_db_tokens_fetched", "Entra tokens fetched", (), source.fetched))
    return web.Response(
        text=services.metrics.render(gauges), content_type="text/plain", charset="utf-8"
    )


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "alive"})


async def readyz(request: web.Request) -> web.Response:
    """Ready when the database answers, is the file we opened (SQLite), takes writes again
    after a write fault (disk full, read-only), and is migrated."""
    services = request.app[SERVICES]
    try:
        fault = await services.db.probe_write()
        revision = None if fault else await current_revision(services.db)
    except Exception as exc:
        log.warning("readiness: database unreachable: %s", exception_summary(exc))
        return web.json_response({"status": "database unreachable"}, status=503)
    if fault is not None:  # the file deleted under us, the disk full, the file read-only
        log.warning("readiness: the database does not take writes (%s)", fault)
        return web.json_response({"status": "storage failing", "fault": fault}, status=503)
    head = request.app[HEAD_REVISION]
    if revision != head:
        return web.json_response(
            {"status": "migrations pending", "current": revision, "head": head}, status=503
        )
    return web.json_response({"status": "ready", "revision": revision})


@web.middleware
async def json_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """4xx answers carry a JSON reason; anything unexpected is a logged 500 without details."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "application/json":
            raise
        return web.json_response({"error": exc.reason}, status=exc.status)
    except Exception as exc:
        log.error("request failed: %s", exception_summary(exc))
        return web.json_response({"error": "internal error"}, status=500)


async def export_download(request: web.Request) -> web.StreamResponse:
    """A signed, short-lived export link (made for an expert in Teams; see bot.export_flow)."""
    if not export_token_ok(request.match_info["token"]):
        return web.json_response({"error": "no such link"}, status=404)
    made = await request.app[CONTAINER].exports.download(request.match_info["token"])
    if made is None:
        return web.json_response({"error": "the link is invalid or has expired"}, status=403)
    path, name, content_type = made
    try:
        response = web.StreamResponse(
            headers={
                "Content-Type": content_type,
                "Content-Disposition": f'attachment; filename="{name}"',
                "Cache-Control": "no-store",
                "Content-Length": str(path.stat().st_size),
            }
        )
        await response.prepare(request)
        with path.open("rb") as handle:
            while chunk := handle.read(256 * 1024):
                await response.write(chunk)
        await response.write_eof()
        return response
    finally:
        path.unlink(missing_ok=True)


async def draft_download_route(request: web.Request) -> web.Response:
    """The yearly social-report draft (Word or Markdown) behind a signed, short-lived link."""
    if not export_token_ok(request.match_info["token"]):
        return web.json_response({"error": "no such link"}, status=404)
    container = request.app[CONTAINER]
    made = await draft_download(
        container.loop,
        container.exports.signer,
        container.services.audit,
        request.match_info["token"],
    )
    if made is None:
        return web.json_response({"error": "the link is invalid or has expired"}, status=403)
    body, name, content_type = made
    return web.Response(
        body=body,
        headers={
            "Content-Type": content_type,
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def create_app(
    settings: Settings, db: Database | None = None, *, signing_keys: SigningKeys | None = None
) -> web.Application:
    """``signing_keys`` is for tests (a local OpenID provider); the default is Bot Framework's."""
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[json_errors])
    install_perimeter(
        app,
        production=settings.environment is Environment.PRODUCTION,
        max_body_bytes=MAX_BODY_BYTES,
        messages_path="/api/messages",
    )
    container = build_container(settings, db, signing_keys)
    services, messenger = container.services, container.messenger
    worker, scheduler = container.worker, container.scheduler
    app[CONTAINER] = container
    app[SERVICES] = services
    app[ADAPTER] = container.adapter
    app[MESSENGER] = messenger
    app[OUTBOX_WORKER] = worker
    app[BOT] = container.bot
    app[HEAD_REVISION] = head_revision()
    app[SCHEDULER] = scheduler

    async def on_startup(app: web.Application) -> None:
        if settings.migrate_on_start:
            await upgrade(services.db)
        # Everything loaded at start-up (SDK, schemas, catalogs) lives for the whole process:
        # keep it out of the collector's generations, and collect young objects less often,
        # so a turn does not pay for a full collection of long-lived objects.
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        if settings.scheduler:
            scheduler.start()
            worker.start()

    async def on_shutdown(app: web.Application) -> None:
        await scheduler.stop()
        await messenger.drain()
        await worker.stop()  # releases claims not yet attempted

    async def on_cleanup(app: web.Application) -> None:
        container.adapter.close()
        await services.db.dispose()

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    app.router.add_post("/api/messages", messages)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/exports/{token}", export_download)
    app.router.add_get("/exports/draft/{token}", draft_download_route)
    app.router.add_get("/metrics", metrics)
    # The experts' desk (a Teams tab at /desk/): the chat's access rule and export links; Teams
    # frames it (its own CSP, no X-Frame-Options: DENY), its API is rate-limited per client.
    setup_desk(
        app,
        services,
        is_expert=partial(is_expert, services),
        export_link=container.exports.url,
        processing=container.loop.service,  # the very service the chat's cards use
    )
    app[HEADER_POLICY].override("/desk", DESK_HEADERS)
    app[RATE_LIMITS].rules.append(RateRule("/desk/api/", per_second=10, burst=60))
    return app
