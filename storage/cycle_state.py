"""State a cycle keeps between runs so it costs what is new, after a restart too (issue 14).

Two tables (migration ``0010``):

* ``cycle_state``: small named values (JSON text), e.g. the newest mention id already
  grouped into stories, or the negatives and themes of a brand's last topic clustering;
* ``text_embeddings``: sentence embeddings by a key of (model, text), so topic clustering
  embeds only texts it has not seen; rows unused for a while are pruned.

Functions over an :class:`~sqlalchemy.Engine` (``Repository.engine``); every read is a
primary-key look-up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    bindparam,
    delete,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel

from storage.models import UTCDateTime, utcnow

#: Keys looked up per statement.
_CHUNK = 500

cycle_state = Table(
    "cycle_state",
    SQLModel.metadata,
    Column("name", String(200), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

text_embeddings = Table(
    "text_embeddings",
    SQLModel.metadata,
    Column("text_key", String(64), primary_key=True),
    Column("vector", LargeBinary, nullable=False),
    Column("used_at", UTCDateTime(), nullable=False),
    Index("ix_text_embeddings_used_at", "used_at"),
)


def _upsert(engine: Engine, table: Table, key: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts of every column), replacing those whose ``key`` exists."""
    if not rows:
        return
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[key],
        set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name != key},
    )
    with engine.begin() as connection:
        connection.execute(stmt, list(rows))


def get_state(engine: Engine, name: str) -> Any:
    """The JSON value stored under ``name`` (None when there is none)."""
    with engine.connect() as connection:
        value = connection.execute(
            select(cycle_state.c.value).where(cycle_state.c.name == name)
        ).scalar()
    return None if value is None else json.loads(value)


def set_state(engine: Engine, name: str, value: Any, *, now: datetime | None = None) -> None:
    """Store ``value`` (anything JSON can hold) under ``name``."""
    row = {"name": name, "value": json.dumps(value), "updated_at": now or utcnow()}
    _upsert(engine, cycle_state, "name", [row])


def load_embeddings(
    engine: Engine, keys: Iterable[str], *, now: datetime | None = None, touch: bool = True
) -> dict[str, bytes]:
    """The stored vectors (raw bytes) of those ``keys`` that have one; with ``touch``
    (default) marks them used at ``now`` (default: the current time) so pruning keeps
    them (``touch=False`` on a read-only database)."""
    wanted = list(dict.fromkeys(keys))
    found: dict[str, bytes] = {}
    with engine.connect() as connection:
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows = connection.execute(
                select(text_embeddings.c.text_key, text_embeddings.c.vector).where(
                    text_embeddings.c.text_key.in_(chunk)
                )
            ).all()
            found.update({str(k): bytes(v) for k, v in rows})
    if found and touch:
        with engine.begin() as connection:
            connection.execute(
                update(text_embeddings)
                .where(text_embeddings.c.text_key == bindparam("key"))
                .values(used_at=bindparam("used")),
                [{"key": k, "used": now or utcnow()} for k in found],
            )
    return found


def store_embeddings(
    engine: Engine, vectors: Mapping[str, bytes], *, now: datetime | None = None
) -> None:
    """Store ``key → vector bytes`` (replacing a stored vector of the same key)."""
    used = now or utcnow()
    rows = [{"text_key": k, "vector": v, "used_at": used} for k, v in vectors.items()]
    for start in range(0, len(rows), _CHUNK):
        _upsert(engine, text_embeddings, "text_key", rows[start : start + _CHUNK])


def prune_embeddings(engine: Engine, *, unused_since: datetime) -> int:
    """Delete the vectors not used since ``unused_since``; returns how many."""
    with engine.begin() as connection:
        result = connection.execute(
            delete(text_embeddings).where(text_embeddings.c.used_at < unused_since)
        )
    return int(result.rowcount or 0)
