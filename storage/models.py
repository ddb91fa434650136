"""Tables. Observations are about phenomena: no client identifiers are ever stored here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dialogs.vocabulary import ObservationStatus
from storage.db import UTCDateTime, utcnow

JsonType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    pass


class BotStateRow(Base):
    """botbuilder conversation/user state, one JSON document per key, with an e-tag."""

    __tablename__ = "bot_state"
    key: Mapped[str] = mapped_column(String(512), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType)
    etag: Mapped[str] = mapped_column(String(36))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Draft(Base):
    """A report in progress. Free texts are stored only after the identifier guard passed them."""

    __tablename__ = "drafts"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(128), index=True)
    origin: Mapped[str] = mapped_column(String(16))  # chat | team | message | vartti
    team_id: Mapped[str | None] = mapped_column(String(256))
    step: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    submitted_reference: Mapped[str | None] = mapped_column(String(32))


class ReferenceCounter(Base):
    """Per-year sequence behind RAKE-YYYY-NNNN; incremented atomically with an upsert."""

    __tablename__ = "reference_counters"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class Observation(Base):
    """One social report (havainto)."""

    __tablename__ = "observations"
    __table_args__ = (
        UniqueConstraint("year", "seq", name="uq_observations_year_seq"),
        Index("ix_observations_created_at", "created_at"),
        Index("ix_observations_reporter", "reporter_id", "created_at"),
        # The digest's aggregation reads only this index (an index-only scan on PostgreSQL).
        Index(
            "ix_observations_digest",
            "created_at",
            "kind",
            "phenomenon",
            "area",
            "service_area",
            "urgency",
        ),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    county: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(32))
    phenomenon: Mapped[str] = mapped_column(String(48))
    phenomenon_other: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    target_groups: Mapped[list[str]] = mapped_column(JsonType)
    area: Mapped[str] = mapped_column(String(48))
    service_area: Mapped[str] = mapped_column(String(48))
    extent: Mapped[str | None] = mapped_column(String(16))
    trend: Mapped[str | None] = mapped_column(String(16))
    structural: Mapped[str | None] = mapped_column(Text)
    proposal: Mapped[str | None] = mapped_column(Text)
    urgency: Mapped[str] = mapped_column(String(8))
    acute_reason: Mapped[str | None] = mapped_column(String(300))
    reporter_role: Mapped[str | None] = mapped_column(String(48))
    contact_ok: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    reporter_id: Mapped[str] = mapped_column(String(128))
    origin: Mapped[str] = mapped_column(String(16))
    team_id: Mapped[str | None] = mapped_column(String(256))
    locale: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(16), default=ObservationStatus.RECEIVED.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Acute reports: the first acknowledgement, and the reminder when nobody acknowledged.
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(128))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ConversationRef(Base):
    """Where the bot can reach a person (personal chat) or a channel proactively."""

    __tablename__ = "conversation_refs"
    __table_args__ = (UniqueConstraint("scope", "owner_id", name="uq_conversation_refs_owner"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = mapped_column(String(16))  # personal | channel
    owner_id: Mapped[str] = mapped_column(String(256))  # AAD object id, or channel id
    conversation_id: Mapped[str] = mapped_column(String(512))
    service_url: Mapped[str] = mapped_column(String(512))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    team_id: Mapped[str | None] = mapped_column(String(256))
    bot_id: Mapped[str | None] = mapped_column(String(256))
    user_id: Mapped[str | None] = mapped_column(String(256))  # the channel account id in Teams
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class AuditEntry(Base):
    """Every read of observation texts or an export: who, what, when."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(128))  # AAD object id
    action: Mapped[str] = mapped_column(String(32))  # observation.read | export | digest
    target: Mapped[str] = mapped_column(String(200))  # a reference, a period, a filter
    allowed: Mapped[bool] = mapped_column(Boolean)


class Team(Base):
    """A team the bot is installed in (from install / rename / archive / uninstall events)."""

    __tablename__ = "teams"
    team_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(256))
    aad_group_id: Mapped[str | None] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = mapped_column(String(64))
    service_url: Mapped[str] = mapped_column(String(512))
    service_area: Mapped[str | None] = mapped_column(String(48))
    area: Mapped[str | None] = mapped_column(String(48))
    installed: Mapped[bool] = mapped_column(Boolean, default=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Channel(Base):
    __tablename__ = "channels"
    channel_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    team_id: Mapped[str] = mapped_column(
        ForeignKey("teams.team_id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(256))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    inactive_reason: Mapped[str | None] = mapped_column(String(64))  # e.g. "403" after a refusal
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class VarttiSchedule(Base):
    """When a team meets and when its Rake-vartti prompt comes (local time of the county)."""

    __tablename__ = "vartti_schedules"
    team_id: Mapped[str] = mapped_column(
        ForeignKey("teams.team_id", ondelete="CASCADE"), primary_key=True
    )
    channel_id: Mapped[str] = mapped_column(String(256))
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    meeting_time: Mapped[str] = mapped_column(String(5))  # HH:MM
    lead_minutes: Mapped[int] = mapped_column(Integer)
    frequency: Mapped[str] = mapped_column(String(16))  # weekly | biweekly | monthly
    week_of_month: Mapped[int | None] = mapped_column(Integer)  # monthly: 1-4, -1 = last
    anchor_date: Mapped[str] = mapped_column(String(10))  # biweekly parity, ISO date
    language: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    skip_date: Mapped[str | None] = mapped_column(String(10))  # a meeting date to skip
    updated_by: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class VarttiOccurrence(Base):
    """One meeting's vartti: planned once (unique per team and date), then held or skipped."""

    __tablename__ = "vartti_occurrences"
    __table_args__ = (UniqueConstraint("team_id", "meeting_date", name="uq_vartti_occurrence"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    team_id: Mapped[str] = mapped_column(String(256), index=True)
    meeting_date: Mapped[str] = mapped_column(String(10))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    prompt_id: Mapped[str] = mapped_column(String(64))
    data_point: Mapped[str | None] = mapped_column(String(300))  # as shown on the prompt card
    language: Mapped[str] = mapped_column(String(2), default="fi")
    status: Mapped[str] = mapped_column(String(16), default="planned")  # planned|held|skipped
    participants: Mapped[int | None] = mapped_column(Integer)
    observations: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OutboxItem(Base):
    """A message to deliver, enqueued exactly once (dedupe_key) and sent by claiming workers."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    conversation_key: Mapped[str] = mapped_column(String(512))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)
    # pending | sending | sent | failed (final answer) | dead (attempts used up) | uncertain
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300))
    result_id: Mapped[str | None] = mapped_column(String(512))
    result_activity_id: Mapped[str | None] = mapped_column(String(512))  # to update in place
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Summary(Base):
    """A digest or periodic summary (kooste): its period, figures and, in summary_observations,
    the observations it covers. Made once per kind and period, whichever replica is first."""

    __tablename__ = "summaries"
    __table_args__ = (UniqueConstraint("kind", "period_key", name="uq_summaries_period"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # weekly|quarterly|half_yearly|tertial|annual
    period_key: Mapped[str] = mapped_column(String(32))
    period_start: Mapped[str] = mapped_column(String(10))  # local dates, end exclusive
    period_end: Mapped[str] = mapped_column(String(10))
    county: Mapped[str] = mapped_column(String(40))
    figures: Mapped[dict[str, Any]] = mapped_column(JsonType)
    observations: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class SummaryObservation(Base):
    __tablename__ = "summary_observations"
    summary_id: Mapped[int] = mapped_column(
        ForeignKey("summaries.id", ondelete="CASCADE"), primary_key=True
    )
    observation_id: Mapped[int] = mapped_column(
        ForeignKey("observations.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Role(Base):
    """Experts and admins added by command (besides those named in the county file)."""

    __tablename__ = "roles"
    aad_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))  # expert | admin
    added_by: Mapped[str] = mapped_column(String(128))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AppSetting(Base):
    """Small settings changed at run time, e.g. the Rake channel chosen by an expert."""

    __tablename__ = "app_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(JsonType)
    updated_by: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
