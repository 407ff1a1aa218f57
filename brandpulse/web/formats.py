"""How the pages write times and history details: "12 min ago", "21 Jan 12:00 UTC"."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from digest.ages import duration_text

__all__ = ["ago", "detail_value", "sla_outcome"]

#: An ISO 8601 date-time as the alert history stores it (``2021-01-21T12:00:00+00:00``).
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)?$")


def ago(now: datetime, then: datetime | None) -> str:
    """``then`` as "12 min ago", "5 h ago" (under two days) or "3 days ago"; "" for none."""
    if then is None:
        return ""
    return f"{duration_text(max((now - then).total_seconds(), 0))} ago"


def sla_outcome(closed_at: datetime, due_at: datetime) -> str:
    """How a closed alert met its reply deadline: "in time", or how late it was closed
    ("25 min late", "6 h late", "3 days late"; whole units, rounded down)."""
    seconds = int((closed_at - due_at).total_seconds())
    if seconds <= 0:
        return "in time"
    return f"{duration_text(max(seconds, 60))} late"


def detail_value(value: object) -> str:
    """A history detail as text: an ISO 8601 time as "21 Jan 12:00 UTC" (as the history's
    own times are written; a time without an offset is taken as UTC), anything else as
    ``str``."""
    if isinstance(value, str) and _ISO.match(value):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
        when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
        return f"{when:%d %b %H:%M} UTC"
    return str(value)
