"""state kept between cycles: named values and stored text embeddings

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:50:00

``cycle_state`` holds small JSON values a cycle needs to skip work after a restart (the
newest mention grouped into stories, each brand's last topic clustering);
``text_embeddings`` the sentence embeddings of texts already clustered, by a key of
(model, text), with the time each was last used (for pruning).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.models

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    ts = storage.models.UTCDateTime
    op.create_table(
        "cycle_state",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", ts(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "text_embeddings",
        sa.Column("text_key", sa.String(length=64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("used_at", ts(), nullable=False),
        sa.PrimaryKeyConstraint("text_key"),
    )
    op.create_index("ix_text_embeddings_used_at", "text_embeddings", ["used_at"])


def downgrade() -> None:
    op.drop_index("ix_text_embeddings_used_at", table_name="text_embeddings")
    op.drop_table("text_embeddings")
    op.drop_table("cycle_state")
