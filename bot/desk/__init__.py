"""The experts' desk: a Teams personal tab served by the bot's own aiohttp app at ``/desk/``.

SDK-free (no botbuilder here): the app hands in what it needs — its services (settings, county,
catalogs, database), the access rule the chat uses (``bot.access.is_expert``) and the signed
export links (``bot.export_flow``). ``setup_desk(app, …)`` is the only entry point.

Pages are server-rendered with Jinja2 (aiohttp-jinja2). The shell pages carry no data; the page's
script asks Teams for the user's token (``getAuthToken``) and loads each view as an HTML
fragment from ``/desk/api/…`` with it (htmx), so every view with data passes the token check.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.desk.auth import DevTokens, KeySource, TokenValidator
from bot.settings import Environment, Settings
from counties import County
from i18n import Catalog, Lang
from storage.audit import AuditLog
from storage.db import Database
from storage.desk import DeskRepository

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
VENDOR_FILES = ("htmx.min.js", "chart.umd.min.js", "MicrosoftTeams.min.js")
FRAME_ANCESTORS = (
    "https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft"
)
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    f"form-action 'self'; frame-ancestors {FRAME_ANCESTORS}"
)
# What the desk's answers carry instead of an API's defaults (None: the header is dropped):
# Teams frames the desk, so no X-Frame-Options: DENY (frame-ancestors says who may).
DESK_HEADERS: dict[str, str | None] = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": None,
    "Cross-Origin-Resource-Policy": None,
}
JINJA = web.AppKey("desk_jinja", jinja2.Environment)

IsExpert = Callable[[str], Awaitable[bool]]
# (user, format, first day, last day, language) → a signed link, or None when refused
ExportLink = Callable[[str, str, date, date, Lang], Awaitable[str | None]]


class DeskServices(Protocol):
    settings: Settings
    county: County
    catalog: Catalog
    db: Database


@dataclass
class Desk:
    services: DeskServices
    validator: TokenValidator
    repo: DeskRepository
    audit: AuditLog
    tz: ZoneInfo
    is_expert: IsExpert
    export_link: ExportLink
    dev: DevTokens | None
    processing: Any = None  # bot.processing_service.ProcessingService: the chat's use-cases

    def dev_url(self) -> str | None:
        """Development: the desk's address with a signed token for the Playground's user."""
        if self.dev is None:
            return None
        settings = self.services.settings
        user = (settings.dev_experts or settings.dev_admins or ["dev-user"])[0]
        return f"{settings.base_url()}/desk/#dev={self.dev.issue(user, 'Alex Wilber')}"


DESK = web.AppKey("desk", Desk)


def tab_resource(settings: Settings) -> str:
    """The tab's SSO resource, ``api://<public host>/botid-<app id>`` (as in the manifest)."""
    host = urlsplit(settings.base_url()).netloc
    return f"api://{host}/botid-{settings.desk_audience}"


def setup_desk(
    app: web.Application,
    services: DeskServices,
    *,
    is_expert: IsExpert,
    export_link: ExportLink,
    processing: Any = None,
) -> Desk:
    from bot.desk import views  # the handlers import this module's types

    settings = services.settings
    dev = DevTokens() if settings.environment is Environment.DEVELOPMENT else None
    keys = KeySource(settings.desk_openid_base)
    desk = Desk(
        services=services,
        validator=TokenValidator(
            settings.desk_audience, tab_resource(settings), settings.allowed_tenants, keys, dev
        ),
        repo=DeskRepository(services.db),
        audit=AuditLog(services.db),
        tz=ZoneInfo(services.county.timezone),
        is_expert=is_expert,
        export_link=export_link,
        dev=dev,
        processing=processing,
    )
    app[DESK] = desk
    if settings.app_type == "UserAssignedMSI" and not settings.desk_app_id:
        log.warning("desk: a managed identity cannot expose an API: set RAKE_DESK_APP_ID")
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
        app_key=JINJA,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["loop"] = processing is not None
    env.globals["vendor_ok"] = all((STATIC / "vendor" / name).exists() for name in VENDOR_FILES)
    if not env.globals["vendor_ok"]:
        log.warning("desk: vendor scripts missing in %s: run `make desk-assets`", STATIC)

    async def close_keys(_app: web.Application) -> None:
        await keys.close()

    app.on_cleanup.append(close_keys)
    app.on_response_prepare.append(_security_headers)
    views.add_routes(app)
    app.router.add_static("/desk/static/", STATIC, append_version=False)
    return desk


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    if not request.path.startswith("/desk"):
        return
    response.headers["Content-Security-Policy"] = CSP
    for name, value in DESK_HEADERS.items():  # whatever ran before: Teams must be able to frame
        if value is None:
            response.headers.pop(name, None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    if request.path.startswith("/desk/api"):
        response.headers["Cache-Control"] = "no-store"
    elif request.path.startswith("/desk/static"):
        response.headers.setdefault("Cache-Control", "public, max-age=3600")
