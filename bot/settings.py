"""Settings from the environment and ``.env`` (pydantic-settings); bad ones fail fast, by name."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class SettingsError(Exception):
    """Settings are missing or invalid; the message names each setting."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


def _alias(*names: str) -> Any:
    return AliasChoices(*names)


CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    environment: Environment = Field(
        Environment.DEVELOPMENT, validation_alias=_alias("RAKE_ENVIRONMENT")
    )
    database_url: str = Field(
        "sqlite+aiosqlite:///./data/rake.db", validation_alias=_alias("RAKE_DATABASE_URL")
    )
    # "entra": log in to PostgreSQL with a Microsoft Entra token of the managed identity
    # (DefaultAzureCredential), fetched per new connection and refreshed before expiry.
    database_auth: Literal["password", "entra"] = Field(
        "password", validation_alias=_alias("RAKE_DATABASE_AUTH")
    )
    # The user-assigned managed identity's client id (else AZURE_CLIENT_ID / the default one).
    database_client_id: str = Field("", validation_alias=_alias("RAKE_DATABASE_CLIENT_ID"))
    database_ssl: Literal["require", "prefer", "disable"] = Field(
        "prefer", validation_alias=_alias("RAKE_DATABASE_SSL")
    )
    host: str = Field("127.0.0.1", validation_alias=_alias("RAKE_HOST"))
    port: int = Field(3978, ge=1, le=65535, validation_alias=_alias("PORT", "RAKE_PORT"))
    county: str = Field("paijat-hame", min_length=1, validation_alias=_alias("RAKE_COUNTY"))
    app_id: str = Field("", validation_alias=_alias("MicrosoftAppId", "MICROSOFT_APP_ID"))
    app_password: SecretStr = Field(
        SecretStr(""), validation_alias=_alias("MicrosoftAppPassword", "MICROSOFT_APP_PASSWORD")
    )
    app_type: Literal["MultiTenant", "SingleTenant", "UserAssignedMSI"] = Field(
        "MultiTenant", validation_alias=_alias("MicrosoftAppType", "MICROSOFT_APP_TYPE")
    )
    app_tenant_id: str = Field(
        "", validation_alias=_alias("MicrosoftAppTenantId", "MICROSOFT_APP_TENANT_ID")
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias=_alias("RAKE_LOG_LEVEL")
    )
    migrate_on_start: bool = Field(True, validation_alias=_alias("RAKE_MIGRATE_ON_START"))
    scheduler: bool = Field(True, validation_alias=_alias("RAKE_SCHEDULER"))
    # Each call to Teams (queue wait included): Teams gives up on a turn after 15 s, so a reply
    # stalled on the connector must end before that.
    send_timeout_s: float = Field(10, gt=0, le=14, validation_alias=_alias("RAKE_SEND_TIMEOUT"))
    # Teams allows 50 requests/s per app and tenant: with N replicas give each 50/N.
    send_rate_per_second: float = Field(50, gt=0, le=50, validation_alias=_alias("RAKE_SEND_RATE"))
    # Development only: extra expert / team-lead / admin AAD ids (the Playground's default user).
    dev_experts: CommaList = Field([], validation_alias=_alias("RAKE_DEV_EXPERTS"))
    dev_team_leads: CommaList = Field([], validation_alias=_alias("RAKE_DEV_TEAM_LEADS"))
    dev_admins: CommaList = Field([], validation_alias=_alias("RAKE_DEV_ADMINS"))
    # Development only: these AAD ids lead every service area (asked for comments and for what
    # was done about proposals).
    dev_leads: CommaList = Field([], validation_alias=_alias("RAKE_DEV_LEADS"))
    # Similar observations on the processing card: tfidf (default) or e5 (the similar extra).
    similar: Literal["tfidf", "e5", "off"] = Field("tfidf", validation_alias=_alias("RAKE_SIMILAR"))
    # How often follow-up questions are asked and summaries stamped (seconds).
    loop_every_s: float = Field(60, gt=0, validation_alias=_alias("RAKE_LOOP_EVERY"))
    # Activities from other Entra tenants are refused (403). Required in production.
    allowed_tenants: CommaList = Field([], validation_alias=_alias("RAKE_ALLOWED_TENANTS"))
    # If set, /metrics asks for "Authorization: Bearer <token>".
    metrics_token: SecretStr = Field(SecretStr(""), validation_alias=_alias("RAKE_METRICS_TOKEN"))
    # Where the bot is reached from the experts' browsers (export download links).
    public_url: str = Field("", validation_alias=_alias("RAKE_PUBLIC_URL"))
    # Signs the short-lived export links; every replica needs the same one. Required in
    # production; in development a random one is made per process.
    export_secret: SecretStr = Field(SecretStr(""), validation_alias=_alias("RAKE_EXPORT_SECRET"))
    export_link_minutes: int = Field(
        15, ge=1, le=1440, validation_alias=_alias("RAKE_EXPORT_LINK_MINUTES")
    )
    # The weekly digest: weekday (0 = Monday) and local time; the Rake channel's daily card is
    # refreshed at most this often.
    digest_weekday: int = Field(0, ge=0, le=6, validation_alias=_alias("RAKE_DIGEST_WEEKDAY"))
    digest_time: str = Field(
        "08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$", validation_alias=_alias("RAKE_DIGEST_TIME")
    )
    daily_card_every_s: float = Field(60, gt=0, validation_alias=_alias("RAKE_DAILY_CARD_EVERY"))
    # The experts' desk (Teams tab SSO): where each tenant's OpenID metadata and keys are found,
    # {base}/{tenant}/v2.0/.well-known/openid-configuration (tests point it at a local one).
    desk_openid_base: str = Field(
        "https://login.microsoftonline.com", validation_alias=_alias("RAKE_DESK_OPENID_BASE")
    )
    # The Entra app registration the desk's sign-on tokens are for (webApplicationInfo.id);
    # empty: the bot's MicrosoftAppId. A managed identity (UserAssignedMSI) cannot expose an
    # API, so such a bot names an app registration of its own here.
    desk_app_id: str = Field("", validation_alias=_alias("RAKE_DESK_APP_ID"))

    @field_validator(
        "dev_experts",
        "dev_team_leads",
        "dev_admins",
        "dev_leads",
        "allowed_tenants",
        mode="before",
    )
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith(("postgres://", "postgresql://")):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite://"):
            return "sqlite+aiosqlite://" + value.split("://", 1)[1]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("use sqlite+aiosqlite:///path or postgresql+asyncpg://host/db")
        return value

    @model_validator(mode="after")
    def _entra_is_for_postgresql(self) -> Settings:
        if self.database_auth == "entra" and not self.database_url.startswith("postgresql"):
            raise ValueError("RAKE_DATABASE_AUTH=entra needs a PostgreSQL RAKE_DATABASE_URL")
        return self

    @model_validator(mode="after")
    def _production_needs_credentials(self) -> Settings:
        if self.environment is not Environment.PRODUCTION:
            return self
        missing = []
        if not self.app_id:
            missing.append("MicrosoftAppId")
        if self.app_type != "UserAssignedMSI" and not self.app_password.get_secret_value():
            missing.append("MicrosoftAppPassword")
        if self.app_type in ("SingleTenant", "UserAssignedMSI") and not self.app_tenant_id:
            missing.append("MicrosoftAppTenantId")
        if missing:
            raise ValueError(
                "production mode refuses to start with authentication disabled; missing: "
                + ", ".join(missing)
            )
        if self.dev_experts or self.dev_team_leads or self.dev_admins or self.dev_leads:
            raise ValueError(
                "RAKE_DEV_EXPERTS / RAKE_DEV_TEAM_LEADS / RAKE_DEV_ADMINS / RAKE_DEV_LEADS are"
                " for development only"
            )
        if len(self.export_secret.get_secret_value()) < 32:
            missing.append("RAKE_EXPORT_SECRET (32 characters at least)")
        if not self.public_url.startswith("https://"):
            missing.append("RAKE_PUBLIC_URL (https://…)")
        if not self.allowed_tenants:
            missing.append("RAKE_ALLOWED_TENANTS (the county's Entra tenant id)")
        if not self.desk_openid_base.startswith("https://"):
            missing.append("RAKE_DESK_OPENID_BASE (https://…)")
        if missing:
            raise ValueError("production settings missing: " + ", ".join(missing))
        return self

    def base_url(self) -> str:
        return (self.public_url or f"http://localhost:{self.port}").rstrip("/")

    @property
    def desk_audience(self) -> str:
        return self.desk_app_id or self.app_id

    @property
    def auth_disabled(self) -> bool:
        return not self.app_id

    def bot_framework_config(self) -> Any:
        """The attribute names botbuilder's ConfigurationBotFrameworkAuthentication reads."""

        class _Config:
            APP_ID = self.app_id
            APP_PASSWORD = self.app_password.get_secret_value()
            APP_TYPE = self.app_type
            APP_TENANTID = self.app_tenant_id

        return _Config()


_FIELD_NAMES = {
    name: (
        field.validation_alias.choices[0]
        if isinstance(field.validation_alias, AliasChoices)
        else name
    )
    for name, field in Settings.model_fields.items()
}


def load_settings(**overrides: Any) -> Settings:
    """Read settings; raise SettingsError naming each bad setting instead of a traceback."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for item in exc.errors():
            loc = [str(part) for part in item["loc"]]
            name = _FIELD_NAMES.get(loc[0], loc[0]) if loc else "settings"
            message = item["msg"].removeprefix("Value error, ")
            problems.append(f"setting {name}: {message}" if loc else message)
        raise SettingsError("\n".join(problems)) from None
