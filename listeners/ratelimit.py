"""Rate limits that APIs announce in response headers, read the same way for every source.

Headers understood (case-insensitive), in this order:

* ``Retry-After``: delta-seconds or an HTTP date (RFC 9110), on 429 and 503;
* ``X-RateLimit-Remaining`` / ``X-Ratelimit-Remaining`` (Reddit, GitHub, Mastodon, Stack
  Exchange-style), ``RateLimit-Remaining`` (IETF draft);
* ``X-RateLimit-Reset`` / ``RateLimit-Reset``: seconds until the window resets (Reddit,
  IETF draft), a Unix time in seconds (GitHub), or an ISO 8601 time (Mastodon).

:class:`RateLimitTracker` remembers, per host, when the window with no requests left
ends; :class:`listeners.http.HttpClient` asks it before each request and waits (up to the
backoff cap) or fails with ``RateLimited`` instead of spending a request that would be
refused.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

logger = logging.getLogger(__name__)

#: A reset header above this is a Unix time, not a number of seconds.
_EPOCH_THRESHOLD = 1_000_000_000


def _header(headers: Mapping[str, str], *names: str) -> str | None:
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value not in (None, ""):
            return str(value).strip()
    return None


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` value (delta-seconds or HTTP date); None if absent
    or unreadable; never negative."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def reset_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds until a rate-limit window resets, from a reset header value: seconds
    (``"42"``, ``"42.5"``), a Unix time (``"1717000000"``) or an ISO 8601 time
    (``"2024-05-29T17:00:00.000Z"``). None if unreadable; never negative."""
    if not value:
        return None
    current = now or datetime.now(UTC)
    try:
        number = float(value)
    except ValueError:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0.0, (when - current).total_seconds())
    if number > _EPOCH_THRESHOLD:
        return max(0.0, number - current.timestamp())
    return max(0.0, number)


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """What one response said about the rate limit.

    Attributes:
        remaining: requests left in the window (None if not said).
        reset_s: seconds until the window resets (None if not said).
        retry_after_s: the ``Retry-After`` wait in seconds (None if not said).
    """

    remaining: float | None = None
    reset_s: float | None = None
    retry_after_s: float | None = None

    @property
    def exhausted(self) -> bool:
        """No request left in the window (``remaining`` below 1)."""
        return self.remaining is not None and self.remaining < 1

    @property
    def wait_s(self) -> float | None:
        """How long to wait before the next request, if the headers say so."""
        if self.retry_after_s is not None:
            return self.retry_after_s
        if self.exhausted:
            return self.reset_s
        return None


def read_rate_limit(headers: Mapping[str, str], *, now: datetime | None = None) -> RateLimitInfo:
    """The rate-limit headers of a response (see the module docstring)."""
    remaining_raw = _header(
        headers, "X-RateLimit-Remaining", "X-Ratelimit-Remaining", "RateLimit-Remaining"
    )
    try:
        remaining = float(remaining_raw) if remaining_raw is not None else None
    except ValueError:
        remaining = None
    return RateLimitInfo(
        remaining=remaining,
        reset_s=reset_seconds(
            _header(headers, "X-RateLimit-Reset", "X-Ratelimit-Reset", "RateLimit-Reset"), now=now
        ),
        retry_after_s=retry_after_seconds(_header(headers, "Retry-After"), now=now),
    )


class RateLimitTracker:
    """Per host: the monotonic time before which no request should be sent.

    Thread-safe. ``clock`` is the monotonic clock in seconds (tests pass their own).
    """

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        import time

        self._clock: Callable[[], float] = clock or time.monotonic
        self._blocked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def observe(self, host: str, info: RateLimitInfo) -> None:
        """Remember a response's limit: the host is blocked for ``info.wait_s`` seconds."""
        wait = info.wait_s
        if wait is None or wait <= 0:
            return
        with self._lock:
            until = self._clock() + wait
            self._blocked_until[host] = max(until, self._blocked_until.get(host, 0.0))
        logger.info("%s: rate limit reached; next request in %.0fs", host, wait)

    def wait_for(self, host: str) -> float:
        """Seconds to wait before the next request to ``host`` (0 when free)."""
        with self._lock:
            until = self._blocked_until.get(host)
            if until is None:
                return 0.0
            left = until - self._clock()
            if left <= 0:
                del self._blocked_until[host]
                return 0.0
            return left
