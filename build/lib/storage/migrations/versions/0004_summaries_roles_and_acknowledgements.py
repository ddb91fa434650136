"""summaries, roles, run-time settings, acute acknowledgements, updatable outbox posts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from storage.db import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_by", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("reminded_at", UTCDateTime(), nullable=True))
        batch_op.create_index(
            "ix_observations_digest",
            ["created_at", "kind", "phenomenon", "area", "service_area", "urgency"],
            unique=False,
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("result_activity_id", sa.String(length=512), nullable=True))
    op.create_table(
        "summaries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("period_key", sa.String(length=32), nullable=False),
        sa.Column("period_start", sa.String(length=10), nullable=False),
        sa.Column("period_end", sa.String(length=10), nullable=False),
        sa.Column("county", sa.String(length=40), nullable=False),
        sa.Column("figures", JSON, nullable=False),
        sa.Column("observations", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("kind", "period_key", name="uq_summaries_period"),
    )
    op.create_index("ix_summaries_created_at", "summaries", ["created_at"], unique=False)
    op.create_table(
        "summary_observations",
        sa.Column("summary_id", sa.Integer(), nullable=False),
        sa.Column("observation_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["summary_id"], ["summaries.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["observation_id"], ["observations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("summary_id", "observation_id"),
    )
    op.create_index(
        "ix_summary_observations_observation_id",
        "summary_observations",
        ["observation_id"],
        unique=False,
    )
    op.create_table(
        "roles",
        sa.Column("aad_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("added_by", sa.String(length=128), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("aad_id"),
    )
    op.create_table(
        "app_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", JSON, nullable=False),
        sa.Column("updated_by", sa.String(length=128), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("app_settings")
    op.drop_table("roles")
    op.drop_index("ix_summary_observations_observation_id", table_name="summary_observations")
    op.drop_table("summary_observations")
    op.drop_index("ix_summaries_created_at", table_name="summaries")
    op.drop_table("summaries")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("result_activity_id")
    with op.batch_alter_table("observations", schema=None) as batch_op:
        batch_op.drop_index("ix_observations_digest")
        batch_op.drop_column("reminded_at")
        batch_op.drop_column("acknowledged_by")
        batch_op.drop_column("acknowledged_at")
