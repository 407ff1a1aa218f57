"""The report period from CLI strings (``--since``/``--until``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(r"^\s*(\d+)\s*([hdwm])\s*$", re.IGNORECASE)
_UNIT_DAYS = {"h": 1 / 24, "d": 1, "w": 7, "m": 30}


def parse_period(
    since: str | None, until: str | None, *, now: datetime, default_days: int = 7
) -> tuple[datetime, datetime]:
    """``(since, until)`` as aware UTC from CLI strings.

    ``since`` is an ISO date or time (``2026-11-01``, ``2026-11-01T08:00+02:00``) or a
    duration back from ``until``: ``36h``, ``7d``, ``4w``, ``3m`` (30-day months).
    ``until`` is an ISO date or time (a date means its start, 00:00 UTC); default ``now``.
    Without ``since`` the period is the ``default_days`` before ``until``.

    Raises:
        ValueError: a message naming the option and an example of the expected form.
    """
    end = _parse_time(until, "--until") if until else now
    if since is None:
        start = end - timedelta(days=default_days)
    elif match := _DURATION.match(since):
        amount, unit = int(match.group(1)), match.group(2).lower()
        if amount <= 0:
            raise ValueError(f"--since {since!r}: the duration must be positive, e.g. 7d")
        start = end - timedelta(days=amount * _UNIT_DAYS[unit])
    else:
        start = _parse_time(since, "--since")
    if start >= end:
        raise ValueError(
            f"--since {start:%Y-%m-%d %H:%M} is not before --until {end:%Y-%m-%d %H:%M}"
        )
    return start, end


def _parse_time(value: str, option: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            f"{option} {value!r}: expected an ISO date such as 2026-11-01"
            + (" or a duration such as 7d, 4w, 36h" if option == "--since" else "")
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
