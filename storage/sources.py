"""Sources and their health: registration, cursors, run success and failure."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from storage import models as m
from storage.base import MAX_ERROR_CHARS, Store
from storage.models import utcnow
from storage.records import SourceHealth


def mark_success(
    session: Session,
    source: str,
    item_count: int,
    cursor: dict[str, Any] | None,
    now: datetime,
) -> None:
    """Record a successful run of ``source`` inside the caller's transaction: run and
    success times, ``item_count``, failures reset, and the new ``cursor`` when given
    (None keeps the stored one)."""
    values: dict[str, Any] = {
        "last_run_at": now,
        "last_success_at": now,
        "last_item_count": item_count,
        "consecutive_failures": 0,
    }
    if cursor is not None:
        values["cursor"] = json.dumps(cursor, sort_keys=True, default=str)
    session.execute(update(m.Source).where(col(m.Source.name) == source).values(**values))


class SourceStore(Store):
    """Configured sources: their registration, cursor and health."""

    def sync_source(
        self,
        name: str,
        kind: str,
        *,
        expected_interval_s: int | None = None,
        enabled: bool | None = True,
        disabled_reason: str | None = None,
    ) -> None:
        """Register a configured source (idempotent); keeps its cursor and health.

        ``enabled=None`` keeps the stored state (a new source starts enabled): use it when
        the config allows the source but only a run can tell whether it is usable.
        """
        values: dict[str, Any] = {"kind": kind, "expected_interval_s": expected_interval_s}
        if enabled is not None:
            values.update(enabled=enabled, disabled_reason=disabled_reason)
        with Session(self.engine) as session, session.begin():
            stmt = self._insert(m.Source).values(
                name=name,
                consecutive_failures=0,
                **{"enabled": True, "disabled_reason": None, **values},
            )
            session.execute(stmt.on_conflict_do_update(index_elements=["name"], set_=values))

    def get_cursor(self, source: str) -> dict[str, Any] | None:
        """The cursor stored by the source's last successful run, or None."""
        with Session(self.engine) as session:
            raw = session.execute(
                select(col(m.Source.cursor)).where(col(m.Source.name) == source)
            ).scalar_one_or_none()
        if not raw:
            return None
        cursor: dict[str, Any] = json.loads(raw)
        return cursor

    def record_failure(self, source: str, error: str) -> int:
        """Record a failed run; returns the number of consecutive failures so far.

        ``error`` is stored cut to ``MAX_ERROR_CHARS`` (2,000) characters.
        """
        now = utcnow()
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(m.Source)
                .where(col(m.Source.name) == source)
                .values(
                    last_run_at=now,
                    last_error=error[:MAX_ERROR_CHARS],
                    last_error_at=now,
                    consecutive_failures=col(m.Source.consecutive_failures) + 1,
                )
            )
            failures = session.execute(
                select(col(m.Source.consecutive_failures)).where(col(m.Source.name) == source)
            ).scalar_one_or_none()
        return int(failures or 0)

    def source_health(self) -> list[SourceHealth]:
        """Every registered source with its health and stored mention count, by name."""
        with Session(self.engine) as session:
            counts: dict[str, int] = {
                source: int(n)
                for source, n in session.execute(
                    select(col(m.Mention.source), func.count()).group_by(col(m.Mention.source))
                ).all()
            }
            sources = session.execute(select(m.Source).order_by(col(m.Source.name))).scalars().all()
            return [
                SourceHealth(
                    name=s.name,
                    kind=s.kind,
                    enabled=s.enabled,
                    disabled_reason=s.disabled_reason,
                    last_run_at=s.last_run_at,
                    last_success_at=s.last_success_at,
                    last_item_count=s.last_item_count,
                    last_error=s.last_error,
                    last_error_at=s.last_error_at,
                    consecutive_failures=s.consecutive_failures,
                    expected_interval_s=s.expected_interval_s,
                    cursor=json.loads(s.cursor) if s.cursor else None,
                    total_mentions=counts.get(s.name, 0),
                )
                for s in sources
            ]
