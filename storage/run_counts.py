"""What each source's last run saw, stored and skipped (and why), on its health row.

The intake code calls :func:`record_run_counts` once per run after storing; ``brandpulse
sources`` shows :func:`run_counts`. Skip reasons are free-form keys; the ones in use are
``deleted`` (deleted, removed or empty posts), ``off_brand`` (no tracked brand named),
``duplicate`` (stored before) and ``invalid`` (unreadable items): the values of
``domain.records.SkipReason``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from storage import models as m

#: The skip reasons BrandPulse itself records, in display order.
SKIP_REASONS = ("deleted", "off_brand", "duplicate", "invalid")


@dataclass(frozen=True, slots=True)
class RunCounts:
    """One source's last run: raw items ``seen``, mentions ``stored`` (new), and
    ``skipped`` items by reason. None where the source never recorded counts."""

    source: str
    seen: int | None = None
    stored: int | None = None
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def skipped_text(self) -> str:
        """``"3 (deleted 2, off-brand 1)"``; ``"0"`` when nothing was skipped."""
        if not self.skipped_total:
            return "0"
        order = [r for r in SKIP_REASONS if r in self.skipped] + sorted(
            r for r in self.skipped if r not in SKIP_REASONS
        )
        parts = ", ".join(
            f"{r.replace('_', '-')} {self.skipped[r]}" for r in order if self.skipped[r]
        )
        return f"{self.skipped_total} ({parts})"


def skip_counts(*counts: Mapping[Any, int]) -> dict[str, int]:
    """Several ``{reason: count}`` mappings (``SkipReason`` keys or plain strings, e.g.
    the intake's and a listener's own) added up under plain string keys."""
    total: dict[str, int] = {}
    for mapping in counts:
        for reason, n in mapping.items():
            key = str(getattr(reason, "value", reason))
            total[key] = total.get(key, 0) + int(n)
    return total


def record_run_counts(
    engine: Engine, source: str, *, seen: int, stored: int, skipped: Mapping[str, int]
) -> None:
    """Store the last run's counts on ``source``'s health row (replacing the previous
    run's). Zero counts are dropped from ``skipped``. Raises ValueError for a negative
    count or a source that is not synced (``Repository.sync_source`` first)."""
    counts = {str(k): int(v) for k, v in skipped.items() if int(v)}
    if seen < 0 or stored < 0 or any(v < 0 for v in counts.values()):
        raise ValueError(f"source {source!r}: run counts must not be negative")
    # A Core connection, not a Session: its execute() returns a CursorResult (rowcount).
    with engine.begin() as connection:
        result = connection.execute(
            update(m.Source)
            .where(col(m.Source.name) == source)
            .values(
                last_run_seen=seen,
                last_run_stored=stored,
                last_run_skipped=json.dumps(counts, sort_keys=True),
            )
        )
        if not result.rowcount:
            raise ValueError(f"unknown source {source!r}: sync it before recording counts")


def run_counts(engine: Engine) -> dict[str, RunCounts]:
    """Every source's last recorded counts, by source name."""
    with Session(engine) as session:
        rows = session.execute(
            select(
                col(m.Source.name),
                col(m.Source.last_run_seen),
                col(m.Source.last_run_stored),
                col(m.Source.last_run_skipped),
            )
        ).all()
    out: dict[str, RunCounts] = {}
    for name, seen, stored, skipped in rows:
        try:
            reasons = {str(k): int(v) for k, v in json.loads(skipped or "{}").items()}
        except (ValueError, TypeError, AttributeError):
            reasons = {}
        out[name] = RunCounts(name, seen, stored, reasons)
    return out
