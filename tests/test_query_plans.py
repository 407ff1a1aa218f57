"""The hot queries use their indexes (issue 14): EXPLAIN on SQLite and PostgreSQL.

The statements are the ones the pipeline, digest, report and export run (period filter on a
mention's "when", a brand's mentions, the duplicate look-ups of an alert, a recipient's
pending deliveries). PostgreSQL's planner prefers a sequential scan on tiny tables, so
sequential scans are switched off for the check: the question is whether an index *can*
serve the query, which is what a missing index or a non-sargable expression breaks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from storage import Mention, Repository

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

HOT_QUERIES = {
    "ix_mentions_when": (
        "SELECT mentions.id FROM mentions "
        "WHERE coalesce(mentions.published_at, mentions.collected_at) >= :since"
    ),
    "ix_mention_brands_brand_id": (
        "SELECT mention_brands.mention_id FROM mention_brands WHERE mention_brands.brand_id = :b"
    ),
    "ix_mentions_content_hash": "SELECT id FROM mentions WHERE content_hash IN ('a', 'b')",
    "ix_mentions_story_id": "SELECT id FROM mentions WHERE story_id IN (1, 2)",
    "ix_deliveries_target_status": (
        "SELECT alert_id FROM deliveries WHERE target = 'file' AND status = 'sent'"
    ),
}


def _plan(repo: Repository, sql: str) -> str:
    params = {"since": (NOW - timedelta(days=7)).replace(tzinfo=None), "b": 1}
    with repo.engine.connect() as conn:
        if repo.engine.dialect.name == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))
            rows = conn.execute(text("EXPLAIN " + sql), params).all()
            return "\n".join(str(r[0]) for r in rows)
        rows = conn.execute(text("EXPLAIN QUERY PLAN " + sql), params).all()
        return "\n".join(str(r[-1]) for r in rows)


@pytest.mark.parametrize("index", sorted(HOT_QUERIES))
def test_hot_query_uses_its_index(repo: Repository, index: str) -> None:
    repo.sync_brands([("Acme", True)])
    repo.save_mentions(
        "news",
        [
            Mention(
                source="news",
                external_id=f"id-{i}",
                url=f"https://example.com/{i}",
                text=f"Acme post {i}",
                published_at=NOW - timedelta(hours=i),
                brands=("Acme",),
            )
            for i in range(50)
        ],
    )
    plan = _plan(repo, HOT_QUERIES[index])
    assert index in plan, plan
    assert "SCAN mentions\n" not in plan + "\n"  # SQLite: no full table scan
