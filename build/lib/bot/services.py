"""Everything a turn needs, built once by the app and passed in (no module globals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from botbuilder.core import ConversationState, UserState

from bot.metrics import Metrics
from bot.settings import Settings
from bot.state import SqlStorage
from counties import County, county_path, load_county
from i18n import Catalog
from storage.conversations import ConversationRepository
from storage.db import Database
from storage.entra import EntraPassword
from storage.kv import KeyValueStore
from storage.reports import DraftRepository, ObservationRepository
from storage.roles import RoleRepository, SettingsRepository


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
    storage: SqlStorage
    user_state: UserState
    conversation_state: ConversationState
    roles: RoleRepository
    app_settings: SettingsRepository
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
        db = db or database_for(settings)
        storage = SqlStorage(KeyValueStore(db))
        return cls(
            settings=settings,
            county=county,
            catalog=Catalog.load(),
            db=db,
            drafts=DraftRepository(db, timedelta(days=county.draft_expiry_days)),
            observations=ObservationRepository(db),
            conversations=ConversationRepository(db),
            storage=storage,
            user_state=UserState(storage),
            conversation_state=ConversationState(storage),
            roles=RoleRepository(db),
            app_settings=SettingsRepository(db),
        )
