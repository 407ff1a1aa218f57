"""is_silent: enabled sources with no success for 2 intervals, or failing repeatedly."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from listeners.health import is_silent
from storage.records import SourceHealth

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
HEALTHY = SourceHealth(
    name="reddit",
    kind="reddit",
    enabled=True,
    disabled_reason=None,
    last_run_at=NOW - timedelta(minutes=10),
    last_success_at=NOW - timedelta(minutes=10),
    last_item_count=12,
    last_error=None,
    last_error_at=None,
    consecutive_failures=0,
    expected_interval_s=600,
)


def health(**changes: object) -> SourceHealth:
    return dataclasses.replace(HEALTHY, **changes)  # type: ignore[arg-type]


def test_recent_success_is_not_silent() -> None:
    assert not is_silent(HEALTHY, NOW)


def test_no_success_for_more_than_two_intervals_is_silent() -> None:
    assert not is_silent(health(last_success_at=NOW - timedelta(minutes=20)), NOW)
    assert is_silent(health(last_success_at=NOW - timedelta(minutes=21)), NOW)


def test_consecutive_failures_are_silent_even_when_recently_successful() -> None:
    assert not is_silent(health(consecutive_failures=2), NOW)
    assert is_silent(health(consecutive_failures=3), NOW)
    assert is_silent(health(consecutive_failures=1), NOW, max_failures=1)


def test_disabled_sources_are_not_silent() -> None:
    stale = health(enabled=False, disabled_reason="no credentials", consecutive_failures=9)
    assert not is_silent(stale, NOW)


def test_new_or_unscheduled_sources_are_judged_by_failures_only() -> None:
    assert not is_silent(health(last_run_at=None, last_success_at=None), NOW)
    assert not is_silent(
        health(expected_interval_s=None, last_success_at=NOW - timedelta(days=9)), NOW
    )


def test_naive_timestamps_are_utc() -> None:
    naive = (NOW - timedelta(hours=1)).replace(tzinfo=None)
    assert is_silent(health(last_success_at=naive), NOW)
