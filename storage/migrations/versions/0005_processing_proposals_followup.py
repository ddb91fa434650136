"""processing of observations, phenomena, enrichment, comment requests, proposals, follow-ups,
the reporter-feedback queue

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from storage.db import UTCDateTime

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
STAMPS = (
    "in_processing_at",
    "enriched_at",
    "grouped_at",
    "in_summary_at",
    "proposed_at",
    "closed_at",
    "status_changed_at",
)


def _fk_observation(name: str = "observation_id", nullable: bool = False) -> sa.Column:
    return sa.Column(
        name,
        sa.Integer(),
        sa.ForeignKey("observations.id", ondelete="CASCADE"),
        nullable=nullable,
    )


def upgrade() -> None:
    with op.batch_alter_table("observations", schema=None) as batch_op:
        for stamp in STAMPS:
            batch_op.add_column(sa.Column(stamp, UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("closed_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("closing_reason", sa.String(length=24), nullable=True))
        batch_op.add_column(sa.Column("closing_description", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_observations_duplicate_of",
            "observations",
            ["duplicate_of_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index("ix_observations_status", ["status", "created_at"], unique=False)
    # Observations already summarised carry the summary's moment as their stamp.
    op.execute(
        "UPDATE observations SET in_summary_at = created_at, status_changed_at = created_at "
        "WHERE status = 'in_summary'"
    )

    op.create_table(
        "observation_tags",
        _fk_observation(),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("observation_id", "tag"),
    )
    op.create_table(
        "phenomena",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("county", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_phenomena_created_at", "phenomena", ["created_at"], unique=False)
    op.create_table(
        "phenomenon_observations",
        sa.Column(
            "phenomenon_id",
            sa.Integer(),
            sa.ForeignKey("phenomena.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _fk_observation(),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("phenomenon_id", "observation_id"),
    )
    op.create_index(
        "ix_phenomenon_observations_observation_id",
        "phenomenon_observations",
        ["observation_id"],
        unique=False,
    )
    op.create_table(
        "enrichment_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _fk_observation(),
        sa.Column("author", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_enrichment_notes_observation_id", "enrichment_notes", ["observation_id"], unique=False
    )
    op.create_table(
        "comment_requests",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        _fk_observation(nullable=True),
        sa.Column(
            "phenomenon_id",
            sa.Integer(),
            sa.ForeignKey("phenomena.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("service_area", sa.String(length=48), nullable=False),
        sa.Column("lead_id", sa.String(length=128), nullable=False),
        sa.Column("asked_by", sa.String(length=128), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=128), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    for col in ("observation_id", "phenomenon_id", "lead_id"):
        op.create_index(f"ix_comment_requests_{col}", "comment_requests", [col], unique=False)
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("county", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("service_area", sa.String(length=48), nullable=False),
        sa.Column("owner_id", sa.String(length=128), nullable=False),
        sa.Column("due_date", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("last_asked_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_proposals_status_area", "proposals", ["status", "service_area"])
    op.create_index("ix_proposals_owner_id", "proposals", ["owner_id"])
    op.create_index("ix_proposals_year", "proposals", ["year"])
    op.create_table(
        "proposal_observations",
        sa.Column(
            "proposal_id",
            sa.Integer(),
            sa.ForeignKey("proposals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        _fk_observation(),
        sa.PrimaryKeyConstraint("proposal_id", "observation_id"),
    )
    op.create_index(
        "ix_proposal_observations_observation_id", "proposal_observations", ["observation_id"]
    )
    op.create_table(
        "proposal_phenomena",
        sa.Column(
            "proposal_id",
            sa.Integer(),
            sa.ForeignKey("proposals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "phenomenon_id",
            sa.Integer(),
            sa.ForeignKey("phenomena.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("proposal_id", "phenomenon_id"),
    )
    op.create_index("ix_proposal_phenomena_phenomenon_id", "proposal_phenomena", ["phenomenon_id"])
    op.create_table(
        "follow_ups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column(
            "proposal_id",
            sa.Integer(),
            sa.ForeignKey("proposals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("trigger", sa.String(length=64), nullable=False),
        sa.Column("owner_id", sa.String(length=128), nullable=False),
        sa.Column("asked_at", UTCDateTime(), nullable=False),
        sa.Column("resolve_by", UTCDateTime(), nullable=False),
        sa.Column("last_reminder_at", UTCDateTime(), nullable=True),
        sa.Column("reminders", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=128), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("proposal_id", "trigger", name="uq_follow_ups_trigger"),
    )
    op.create_index("ix_follow_ups_open", "follow_ups", ["answered_at", "resolve_by"])
    op.create_index("ix_follow_ups_proposal_id", "follow_ups", ["proposal_id"])
    op.create_index("ix_follow_ups_owner_id", "follow_ups", ["owner_id"])
    op.create_table(
        "feedback_queue",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("recipient_id", sa.String(length=128), nullable=False),
        _fk_observation(),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("locale", sa.String(length=2), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("message_key", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    op.create_index("ix_feedback_queue_unsent", "feedback_queue", ["sent_at", "recipient_id"])
    op.create_index("ix_feedback_queue_observation_id", "feedback_queue", ["observation_id"])


def downgrade() -> None:
    for name in (
        "feedback_queue",
        "follow_ups",
        "proposal_phenomena",
        "proposal_observations",
        "proposals",
        "comment_requests",
        "enrichment_notes",
        "phenomenon_observations",
        "phenomena",
        "observation_tags",
    ):
        op.drop_table(name)
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.drop_index("ix_observations_status")
        batch_op.drop_constraint("fk_observations_duplicate_of", type_="foreignkey")
        for name in ("duplicate_of_id", "closing_description", "closing_reason", "closed_by"):
            batch_op.drop_column(name)
        for stamp in reversed(STAMPS):
            batch_op.drop_column(stamp)
