"""Tables of the loop from an observation to an action: tags, phenomena (ilmiöt) and their
observations, enrichment notes, comment requests to a service area's lead, action proposals
with their observations and phenomena, follow-up questions, and the reporter-feedback queue.

Same Base as storage.models (Alembic's env imports both). The observation's own processing
columns (one timestamp per status, the closing reason, the duplicate pointer) are added to
``observations`` by migration 0005 and reached through ``OBS_PROCESSING`` below.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, column, table
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import UTCDateTime, utcnow
from storage.models import Base, JsonType

# The processing columns of ``observations`` (migration 0005), for Core statements.
OBS_PROCESSING = table(
    "observations",
    column("id", Integer),
    column("reference", String),
    column("status", String),
    column("reporter_id", String),
    column("anonymous"),
    column("locale", String),
    column("created_at", UTCDateTime()),
    column("in_processing_at", UTCDateTime()),
    column("enriched_at", UTCDateTime()),
    column("grouped_at", UTCDateTime()),
    column("in_summary_at", UTCDateTime()),
    column("proposed_at", UTCDateTime()),
    column("closed_at", UTCDateTime()),
    column("closed_by", String),
    column("closing_reason", String),
    column("closing_description", Text),
    column("duplicate_of_id", Integer),
    column("status_changed_at", UTCDateTime()),
)


class ObservationTag(Base):
    __tablename__ = "observation_tags"
    observation_id: Mapped[int] = mapped_column(
        ForeignKey("observations.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    added_by: Mapped[str] = mapped_column(String(128))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PhenomenonGroup(Base):
    """A phenomenon (ilmiö): something recurring across observations, named by the experts."""

    __tablename__ = "phenomena"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    county: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PhenomenonMember(Base):
    """An observation grouped into a phenomenon; the observation keeps its own status."""

    __tablename__ = "phenomenon_observations"
    phenomenon_id: Mapped[int] = mapped_column(
        ForeignKey("phenomena.id", ondelete="CASCADE"), primary_key=True
    )
    observation_id: Mapped[int] = mapped_column(
        ForeignKey("observations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_by: Mapped[str] = mapped_column(String(128))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EnrichmentNote(Base):
    """Context an expert adds to an observation (rikastaminen); guarded like every free text."""

    __tablename__ = "enrichment_notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    observation_id: Mapped[int] = mapped_column(
        ForeignKey("observations.id", ondelete="CASCADE"), index=True
    )
    author: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CommentRequest(Base):
    """An expert asks a service area's lead to comment on an observation or a phenomenon; the
    lead answers on the card (the answer is an enrichment too)."""

    __tablename__ = "comment_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    observation_id: Mapped[int | None] = mapped_column(
        ForeignKey("observations.id", ondelete="CASCADE"), index=True
    )
    phenomenon_id: Mapped[int | None] = mapped_column(
        ForeignKey("phenomena.id", ondelete="CASCADE"), index=True
    )
    service_area: Mapped[str] = mapped_column(String(48))
    lead_id: Mapped[str] = mapped_column(String(128), index=True)
    asked_by: Mapped[str] = mapped_column(String(128))
    question: Mapped[str] = mapped_column(Text, default="")
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(128))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Proposal(Base):
    """An action proposal (toimenpide-ehdotus) with its responsible area, owner and due date."""

    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_status_area", "status", "service_area"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    county: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    service_area: Mapped[str] = mapped_column(String(48))
    owner_id: Mapped[str] = mapped_column(String(128), index=True)
    due_date: Mapped[str] = mapped_column(String(10))  # local date, ISO
    status: Mapped[str] = mapped_column(String(16))  # dialogs.proposals.ProposalStatus
    year: Mapped[int] = mapped_column(Integer, index=True)  # local year it was made
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProposalObservation(Base):
    __tablename__ = "proposal_observations"
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    observation_id: Mapped[int] = mapped_column(
        ForeignKey("observations.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ProposalPhenomenon(Base):
    __tablename__ = "proposal_phenomena"
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), primary_key=True
    )
    phenomenon_id: Mapped[int] = mapped_column(
        ForeignKey("phenomena.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class FollowUp(Base):
    """One "what was done?" question to a proposal's owner (a Dispatch task): asked once per
    trigger (the due date, each periodic summary), reminded at most once a day when overdue."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        UniqueConstraint("proposal_id", "trigger", name="uq_follow_ups_trigger"),
        Index("ix_follow_ups_open", "answered_at", "resolve_by"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    trigger: Mapped[str] = mapped_column(String(64))  # due | summary:<kind>:<period>
    owner_id: Mapped[str] = mapped_column(String(128), index=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolve_by: Mapped[datetime] = mapped_column(UTCDateTime())
    last_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    answer: Mapped[str | None] = mapped_column(String(16))  # dialogs.proposals.FollowUpAnswer
    note: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(128))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FeedbackItem(Base):
    """A happening the reporter is to be told about; sent in one message a day per person."""

    __tablename__ = "feedback_queue"
    __table_args__ = (Index("ix_feedback_queue_unsent", "sent_at", "recipient_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient_id: Mapped[str] = mapped_column(String(128))
    observation_id: Mapped[int] = mapped_column(
        ForeignKey("observations.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(16))  # dialogs.processing.FeedbackEvent
    detail: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    locale: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_key: Mapped[str | None] = mapped_column(String(200))  # the outbox item it went in
