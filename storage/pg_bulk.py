"""PostgreSQL bulk insert of mentions through ``COPY`` (issue 14).

``COPY`` into a temporary table, then one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING``
into ``mentions`` and one ``SELECT`` of the ids: three statements per batch instead of an
``executemany`` row by row, on the caller's connection and in its transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

#: The columns written (every ``mentions`` column but the id and the analysis-side ones).
COLUMNS = (
    "source",
    "external_id",
    "url",
    "author",
    "title",
    "text",
    "published_at",
    "collected_at",
    "rating",
    "engagement",
    "comment_count",
    "author_followers",
    "source_language",
    "content_hash",
    "extra",
)
_STAGE = "_bulk_mentions"


def _naive_utc(value: Any) -> Any:
    """What ``UTCDateTime`` stores: naive UTC."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass timezone-aware UTC")
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def copy_mentions(
    connection: Connection, rows: Sequence[Mapping[str, Any]]
) -> tuple[int, dict[str, int]]:
    """Insert ``rows`` (``mentions`` rows of one source, external ids distinct) unless
    stored; returns (rows inserted, ``external id → mention id`` of every row)."""
    if not rows:
        return 0, {}
    names = ", ".join(COLUMNS)
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        cur.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} AS SELECT {names} FROM mentions WITH NO DATA"
        )
        cur.execute(f"TRUNCATE {_STAGE}")
        with cur.copy(f"COPY {_STAGE} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([_naive_utc(row[c]) for c in COLUMNS])
        cur.execute(
            f"INSERT INTO mentions ({names}) SELECT {names} FROM {_STAGE} "
            "ON CONFLICT (source, external_id) DO NOTHING"
        )
        inserted = max(cur.rowcount, 0)
        cur.execute(
            f"SELECT m.external_id, m.id FROM mentions m JOIN {_STAGE} s "
            "ON m.source = s.source AND m.external_id = s.external_id"
        )
        ids = {str(ext): int(mid) for ext, mid in cur.fetchall()}
    return inserted, ids


def copy_links(connection: Connection, links: Sequence[tuple[int, int]]) -> None:
    """Insert ``(mention id, brand id)`` links unless stored (``mention_brands``)."""
    if not links:
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE IF NOT EXISTS _bulk_links "
            "(mention_id integer NOT NULL, brand_id integer NOT NULL)"
        )
        cur.execute("TRUNCATE _bulk_links")
        with cur.copy("COPY _bulk_links (mention_id, brand_id) FROM STDIN") as copy:
            for link in links:
                copy.write_row(link)
        cur.execute(
            "INSERT INTO mention_brands (mention_id, brand_id) "
            "SELECT mention_id, brand_id FROM _bulk_links ON CONFLICT DO NOTHING"
        )
