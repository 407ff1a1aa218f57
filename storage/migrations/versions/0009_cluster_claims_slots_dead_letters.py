"""cluster (issue 18): analysis claims, scheduler slots, task dead letters

Revision ID: 0009
Revises: 0007
Create Date: 2026-12-01 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models


revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    ts = storage.models.UTCDateTime
    op.create_table(
        "analysis_claims",
        sa.Column("mention_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("lease_until", ts(), nullable=False),
        sa.Column("done_at", ts(), nullable=True),
        sa.Column("commits", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["mention_id"], ["mentions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("mention_id"),
    )
    with op.batch_alter_table("analysis_claims", schema=None) as batch_op:
        batch_op.create_index("ix_analysis_claims_owner", ["owner"], unique=False)
    op.create_table(
        "schedule_slots",
        sa.Column("job", sa.String(length=300), nullable=False),
        sa.Column("slot", sa.String(length=40), nullable=False),
        sa.Column("node", sa.String(length=200), nullable=False),
        sa.Column("dispatched_at", ts(), nullable=False),
        sa.Column("finished_at", ts(), nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("job", "slot", name="pk_schedule_slots"),
    )
    op.create_table(
        "task_dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=200), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("failed_at", ts(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("task_dead_letters")
    op.drop_table("schedule_slots")
    with op.batch_alter_table("analysis_claims", schema=None) as batch_op:
        batch_op.drop_index("ix_analysis_claims_owner")
    op.drop_table("analysis_claims")
