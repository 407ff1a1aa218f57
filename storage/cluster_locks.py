"""PostgreSQL advisory locks of a BrandPulse cluster (issue 18): the one migrator, the one
scheduler (leader), the one "alerts and deliveries" step at a time. Session-level locks
are freed by the server when their connection ends (a killed process, a lost host).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlalchemy import Connection, Engine, text

#: Advisory lock keys (any constant bigints): the one scheduler, the one migrator, the
#: one "alerts and deliveries" step at a time.
LEADER_LOCK_KEY = 0x42505F4C45414452  # "BP_LEADR"
MIGRATE_LOCK_KEY = 0x42505F4D49475254  # "BP_MIGRT"
TAIL_LOCK_KEY = 0x42505F5441494C53  # "BP_TAILS"


def require_postgresql(engine: Engine) -> None:
    """Raise ValueError unless ``engine`` is PostgreSQL (the cluster needs its locks)."""
    if engine.dialect.name != "postgresql":
        raise ValueError("the celery engine needs PostgreSQL (database.url = postgresql://...)")


# -- advisory locks -----------------------------------------------------------------------------
@contextlib.contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold the migration advisory lock for the block, waiting for it (another node may be
    migrating). On SQLite it does nothing (one host, one writer)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATE_LOCK_KEY})
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATE_LOCK_KEY})
            conn.commit()


def migrate_once(engine: Engine) -> None:
    """Bring the schema to head, one node at a time: the first node migrates, the others
    wait on the advisory lock and then find nothing to do."""
    from storage.db import init_db

    with migration_lock(engine):
        init_db(engine)


def try_advisory_lock(conn: Connection, key: int) -> bool:
    """Try the session-level advisory lock ``key`` on ``conn`` (never waits)."""
    got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
    conn.commit()
    return got


def holds_advisory_lock(conn: Connection, key: int) -> bool:
    """Whether this session (``conn``) still holds the advisory lock ``key``. Raises when
    the connection is gone (then the server has released the lock)."""
    held = conn.execute(
        text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND pid = pg_backend_pid() "
            "AND ((classid::bigint << 32) | objid::bigint) = :k"
        ),
        {"k": key},
    ).scalar()
    conn.commit()
    return bool(held)


def advisory_holder(engine: Engine, key: int) -> tuple[int, str | None] | None:
    """(server backend pid, application name) of the session holding lock ``key``."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT a.pid, a.application_name FROM pg_locks l "
                "JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted "
                "AND ((l.classid::bigint << 32) | l.objid::bigint) = :k LIMIT 1"
            ),
            {"k": key},
        ).first()
    return (int(row[0]), row[1] or None) if row else None


@contextlib.contextmanager
def try_transaction_lock(engine: Engine, key: int) -> Iterator[bool]:
    """A connection-scoped try of advisory lock ``key`` for the block: yields whether it
    was taken (another node running the same step yields False at once)."""
    with engine.connect() as conn:
        got = try_advisory_lock(conn, key)
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
