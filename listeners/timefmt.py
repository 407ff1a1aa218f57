"""Timestamps as the JSON APIs write them: RFC 3339 / ISO 8601 text in, UTC out.

Shared by the listeners whose APIs (GitHub, YouTube, Bluesky, Mastodon) send times as
``2024-05-01T12:00:00Z`` or with an explicit offset, and whose cursors store them the
same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

__all__ = ["iso_z", "parse_time"]


def parse_time(value: Any) -> datetime | None:
    """An API timestamp as an aware UTC datetime; None when absent or unparseable.

    Accepts ISO 8601 text with a ``Z`` or ``+HH:MM`` suffix; any non-string (None, a
    number) and text :meth:`datetime.fromisoformat` rejects give None rather than raising.
    """
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)
    except ValueError:
        return None


def iso_z(moment: datetime) -> str:
    """``moment`` in UTC as ``YYYY-MM-DDTHH:MM:SSZ`` (whole seconds, the form APIs accept)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
