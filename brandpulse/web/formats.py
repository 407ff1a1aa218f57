"""How the pages write times and history details: "12 min ago", "21 Jan 12:00 UTC"."""

from __future__ import annotations

import re
from datetime import UTC, datetime

__all__ = ["ago", "detail_value"]

#: An ISO 8601 date-time as the alert history stores it (``2021-01-21T12:00:00+00:00``).
_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)?$")


def ago(now: datetime, then: datetime | None) -> str:
    """``then`` as "12 min ago", "5 h ago" (under two days) or "3 days ago"; "" for none."""
    if then is None:
        return ""
    seconds = int((now - then).total_seconds())
    if seconds < 3600:
        return f"{max(seconds // 60, 0)} min ago"
    if seconds < 86400 * 2:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


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
