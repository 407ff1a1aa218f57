"""indexes for the hot queries: a mention's "when", a brand's mentions, deliveries

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 06:05:00

``coalesce(published_at, collected_at)`` is what every period filter (digest, report,
export ``--since``, alert candidates) compares; ``mention_brands(brand_id, mention_id)``
serves a brand's mentions (the primary key starts with mention_id); deliveries by
``(target, status)`` serve a recipient's pending alerts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_mentions_when",
        "mentions",
        [sa.func.coalesce(sa.column("published_at"), sa.column("collected_at"))],
    )
    op.create_index("ix_mention_brands_brand_id", "mention_brands", ["brand_id", "mention_id"])
    op.create_index("ix_deliveries_target_status", "deliveries", ["target", "status"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_target_status", table_name="deliveries")
    op.drop_index("ix_mention_brands_brand_id", table_name="mention_brands")
    op.drop_index("ix_mentions_when", table_name="mentions")
