"""When is a source "silent"? One pure rule, shared by the CLI table and the digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.records import SourceHealth

#: Consecutive failed runs after which an enabled source is flagged (default 3).
DEFAULT_MAX_FAILURES = 3
#: A source is late after this many expected intervals without a success (default 2).
DEFAULT_LATE_FACTOR = 2.0


def is_silent(
    health: SourceHealth,
    now: datetime,
    *,
    max_failures: int = DEFAULT_MAX_FAILURES,
    late_factor: float = DEFAULT_LATE_FACTOR,
) -> bool:
    """True when an enabled source needs attention.

    A source is silent when it is enabled and either

    * its last ``max_failures`` runs (default 3) all failed, or
    * it has an ``expected_interval_s`` and its last success is more than
      ``late_factor`` (default 2) intervals before ``now``.

    Disabled sources are not silent (they are reported as disabled, with the reason).
    A source that never succeeded is judged by its failures only, so a freshly added
    source is not flagged before it has had a chance to run. Naive datetimes are UTC.
    """
    if not health.enabled:
        return False
    if health.consecutive_failures >= max_failures:
        return True
    if not health.expected_interval_s or health.last_success_at is None:
        return False
    limit = timedelta(seconds=health.expected_interval_s * late_factor)
    return _utc(now) - _utc(health.last_success_at) > limit


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
