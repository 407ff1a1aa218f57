"""Timestamps as the JSON APIs write them: RFC 3339 / ISO 8601 text in, UTC out.

Shared by the listeners whose APIs (GitHub, YouTube, Bluesky, Mastodon) send times as
``2024-05-01T12:00:00Z`` or with an explicit offset, and whose cursors store them the
same way.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol, Self, TypeVar

__all__ = ["advance_cursor", "iso_z", "parse_time", "seen_before"]


class _Ordered(Protocol):
    def __lt__(self, other: Self, /) -> bool: ...


M = TypeVar("M", bound=_Ordered)  # a stamp: datetime, or epoch seconds
K = TypeVar("K", str, int)  # an item's key


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


def seen_before(
    moment: datetime | None, since: datetime | None, key: str, seen: Collection[str]
) -> bool:
    """Whether an item stamped ``moment`` was already returned by an earlier run whose
    cursor is ``since`` plus the ``seen`` keys stamped exactly ``since``.

    True when it is older than ``since``, or stamped exactly ``since`` with its ``key`` in
    ``seen``; False without a cursor (``since`` None) or without a stamp (``moment`` None),
    so unstamped items are never dropped.
    """
    return bool(since and moment and (moment < since or (moment == since and key in seen)))


def advance_cursor(
    stamped: Iterable[tuple[M, K]], since: M | None, seen: Collection[K]
) -> tuple[M, list[K]] | None:
    """A listener's cursor after a poll, from the ``(stamp, key)`` of every item it read.

    Returns the newest stamp with the keys stamped exactly then (plus the ``seen`` keys
    when the newest stamp is the old cursor's ``since``), sorted; None when no item has a
    stamp or all are older than ``since``: the old cursor stays. With :func:`seen_before`
    this is the "newest time plus the keys at that instant" cursor of the API listeners.
    """
    pairs = list(stamped)
    if not pairs:
        return None
    newest = max(m for m, _ in pairs)
    if since is not None and newest < since:
        return None
    keys = {k for m, k in pairs if m == newest}
    if since is not None and newest == since:
        keys |= set(seen)
    return newest, sorted(keys)
