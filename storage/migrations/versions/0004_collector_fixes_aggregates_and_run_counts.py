"""rating aggregates per item and day; per-run counts on the source health row

Revision ID: 0004016
Revises: 0003
Create Date: 2026-12-01 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0004016"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rating_aggregates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("brand", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("item_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rating_value", sa.Float(), nullable=False),
        sa.Column("best_rating", sa.Float(), nullable=True),
        sa.Column("worst_rating", sa.Float(), nullable=True),
        sa.Column("rating_count", sa.Integer(), nullable=True),
        sa.Column("review_count", sa.Integer(), nullable=True),
        sa.Column("seen_on", sa.Date(), nullable=False),
        sa.Column("seen_at", storage.models.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "source", "url", "item_name", "seen_on", name="uq_rating_aggregates_day"
        ),
    )
    with op.batch_alter_table("rating_aggregates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rating_aggregates_brand"), ["brand"], unique=False)
        batch_op.create_index(batch_op.f("ix_rating_aggregates_seen_on"), ["seen_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_rating_aggregates_source"), ["source"], unique=False)
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_run_seen", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_run_stored", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_run_skipped", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_column("last_run_skipped")
        batch_op.drop_column("last_run_stored")
        batch_op.drop_column("last_run_seen")
    with op.batch_alter_table("rating_aggregates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rating_aggregates_source"))
        batch_op.drop_index(batch_op.f("ix_rating_aggregates_seen_on"))
        batch_op.drop_index(batch_op.f("ix_rating_aggregates_brand"))
    op.drop_table("rating_aggregates")
