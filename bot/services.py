"""The repositories, the county, the catalogs, the clock and the outbox: built once by the
composition root (bot.container) and passed in (no module globals). SDK-free, so the command
line's export and migrations need no botbuilder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.metrics import Metrics
from bot.settings import Settings
from counties import County, county_path, load_county
from i18n import Catalog
from storage.audit import AuditLog
from storage.conversations import ConversationRepository
from storage.db import Database, utcnow
from storage.entra import EntraPassword
from storage.outbox import Outbox
from storage.reports import DraftRepository, ObservationRepository
from storage.roles import RoleRepository, SettingsRepository


class Clock:
    """The one clock of the process (UTC, aware); tests set another."""

    def __init__(self, now: Callable[[], datetime] = utcnow) -> None:
        self._now = now

    def __call__(self) -> datetime:
        return self._now()

    def set(self, now: Callable[[], datetime]) -> None:
        self._now = now


def database_for(settings: Settings, credential: Any = None) -> Database:
    """The database of these settings; with RAKE_DATABASE_AUTH=entra, every new connection
    logs in with a fresh-enough Entra token of the managed identity (no password anywhere)."""
    if settings.database_auth != "entra":
        if settings.database_url.startswith("postgresql") and settings.database_ssl != "prefer":
            return Database.from_url(
                settings.database_url, connect_args={"ssl": settings.database_ssl}
            )
        return Database.from_url(settings.database_url)
    if credential is None:
        from azure.identity.aio import DefaultAzureCredential

        credential = DefaultAzureCredential(
            managed_identity_client_id=settings.database_client_id or None
        )
    ssl = "require" if settings.database_ssl == "prefer" else settings.database_ssl
    password = EntraPassword(credential)
    db = Database.from_url(settings.database_url, connect_args={"password": password, "ssl": ssl})
    db.token_source = password
    return db


@dataclass
class Services:
    settings: Settings
    county: County
    catalog: Catalog
    db: Database
    drafts: DraftRepository
    observations: ObservationRepository
    conversations: ConversationRepository
    roles: RoleRepository
    app_settings: SettingsRepository
    outbox: Outbox  # wakes the worker when an item is enqueued (Database.on_enqueue)
    audit: AuditLog
    clock: Clock = field(default_factory=Clock)
    known_refs: set[str] = field(default_factory=set)  # personal refs stored by this process
    metrics: Metrics = field(default_factory=Metrics)

    @classmethod
    def build(cls, settings: Settings, db: Database | None = None) -> Services:
        county = load_county(county_path(settings.county))
        if settings.dev_experts or settings.dev_team_leads or settings.dev_admins:
            county = county.model_copy(
                update={
                    "experts": [*county.experts, *settings.dev_experts],
                    "team_leads": [*county.team_leads, *settings.dev_team_leads],
                    "admins": [*county.admins, *settings.dev_admins],
                }
            )
        if settings.dev_leads:
            leads = {
                area.id: [*county.leads_of(area.id), *settings.dev_leads]
                for area in county.service_areas
            }
            county = county.model_copy(update={"service_area_leads": leads})
        db = db or database_for(settings)
        return cls(
            settings=settings,
            county=county,
            catalog=Catalog.load(),
            db=db,
            drafts=DraftRepository(db, timedelta(days=county.draft_expiry_days)),
            observations=ObservationRepository(db),
            conversations=ConversationRepository(db),
            roles=RoleRepository(db),
            app_settings=SettingsRepository(db),
            outbox=Outbox(db),
            audit=AuditLog(db),
        )
