"""Checking the shape of a JSON API reply before a listener reads it."""

from __future__ import annotations

from typing import Any

__all__ = ["require_records"]


def require_records(payload: Any, field: str, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """``payload[field]``, checked to be a list of objects that each hold every one of ``keys``.

    Raises:
        KeyError: ``payload`` has no ``field``.
        TypeError: ``payload`` is not subscriptable by name, or ``payload[field]`` is not
            such a list (message: ``"<field> without <key>/<key>…"``).

    Callers turn these (and the ``ValueError`` of a reply that is not JSON) into a
    :class:`~listeners.errors.MalformedResponse` naming the source.
    """
    records = payload[field]
    if not isinstance(records, list) or not all(
        isinstance(r, dict) and all(k in r for k in keys) for r in records
    ):
        raise TypeError(f"{field} without {'/'.join(keys)}")
    return records
