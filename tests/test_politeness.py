"""Retries (tenacity under ``call_with_backoff``), rate limits read from response headers,
and waiting or failing before a request a spent limit would refuse."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from replay_server import ReplayServer

from listeners.base import Backoff, call_with_backoff
from listeners.errors import AccessDenied, RateLimited, UpstreamError
from listeners.http import HttpClient
from listeners.ratelimit import RateLimitTracker, read_rate_limit, reset_seconds

MASTODON = Path(__file__).parent / "fixtures" / "mastodon" / "get_timeline_hashtag_default.yml"


class Flaky:
    """Raises the given errors in turn, then returns "ok"."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def test_retries_with_full_jitter_up_to_the_attempts() -> None:
    backoff = Backoff(attempts=3, base_s=1.0, cap_s=30.0)
    slept: list[float] = []
    call = Flaky(UpstreamError("s", "HTTP 502"), UpstreamError("s", "HTTP 503"))
    assert (
        call_with_backoff(call, backoff=backoff, sleep=slept.append, rng=random.Random(7)) == "ok"
    )
    assert call.calls == 3
    expected = random.Random(7)
    assert slept == [expected.uniform(0, 1.0), expected.uniform(0, 2.0)]  # base, doubled

    failing = Flaky(*[UpstreamError("s", "HTTP 500")] * 5)
    with pytest.raises(UpstreamError):
        call_with_backoff(failing, backoff=backoff, sleep=lambda _s: None)
    assert failing.calls == 3  # attempts in all, the last error re-raised


def test_retry_after_is_honoured_and_a_long_one_is_not_waited_for() -> None:
    backoff = Backoff(attempts=3, base_s=0.01, cap_s=30.0)
    slept: list[float] = []
    call = Flaky(RateLimited("s", "HTTP 429", retry_after=12.0))
    assert call_with_backoff(call, backoff=backoff, sleep=slept.append) == "ok"
    assert slept == [12.0]

    too_long = Flaky(RateLimited("s", "HTTP 429", retry_after=3600.0))
    with pytest.raises(RateLimited):
        call_with_backoff(too_long, backoff=backoff, sleep=slept.append)
    assert too_long.calls == 1 and slept == [12.0]

    denied = Flaky(AccessDenied("s", "HTTP 401"))
    with pytest.raises(AccessDenied):
        call_with_backoff(denied, backoff=backoff, sleep=slept.append)
    assert denied.calls == 1  # not transient: no retry


def test_rate_limit_headers_of_a_real_mastodon_reply() -> None:
    interaction = yaml.safe_load(MASTODON.read_text())["http_interactions"][0]
    headers = {k: str(v) for k, v in interaction["response"]["headers"].items()}
    # recorded: x-ratelimit-remaining 291 of 300, reset 2025-07-17T20:05:00.725062Z,
    # Date: Thu, 17 Jul 2025 20:02:57 GMT
    info = read_rate_limit(headers, now=datetime(2025, 7, 17, 20, 2, 57, tzinfo=UTC))
    assert info.remaining == 291 and not info.exhausted
    assert info.reset_s == pytest.approx(123.725062)
    assert info.wait_s is None  # requests left: no waiting


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("42", 42.0),  # seconds until reset (Reddit's X-Ratelimit-Reset, IETF RateLimit-Reset)
        ("1717000060", 60.0),  # Unix time (GitHub's X-RateLimit-Reset)
        ("2024-05-29T16:27:40.000Z", 60.0),  # ISO 8601 (Mastodon's X-RateLimit-Reset)
        ("soon", None),
    ],
)
def test_reset_header_forms(value: str, seconds: float | None) -> None:
    now = datetime.fromtimestamp(1717000000, tz=UTC)  # 2024-05-29T16:26:40Z
    assert reset_seconds(value, now=now) == seconds


def test_a_spent_limit_waits_for_the_reset_or_fails_without_a_request() -> None:
    spent = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "5", "Content-Type": "text/plain"}
    slept: list[float] = []
    clock = [100.0]
    with ReplayServer({("GET", "/a"): [(200, spent, "first"), (200, {}, "second")]}) as server:
        client = HttpClient(backoff=Backoff(attempts=1, cap_s=30.0), sleep=slept.append)
        client.rate_limits = RateLimitTracker(clock=lambda: clock[0])
        assert client.get(server.url + "/a", source="api").text == "first"
        assert client.get(server.url + "/a", source="api").text == "second"
        assert slept == [5.0] and len(server.requests) == 2

        long_reset = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "3600"}
    with ReplayServer({("GET", "/b"): [(200, long_reset, "x")]}) as server:
        client = HttpClient(backoff=Backoff(attempts=1, cap_s=30.0), sleep=slept.append)
        client.get(server.url + "/b", source="api")
        with pytest.raises(RateLimited, match="rate limit is spent") as err:
            client.get(server.url + "/b", source="api")
        assert err.value.retry_after is not None and err.value.retry_after > 3500
        assert len(server.requests) == 1  # no request spent on a sure refusal


def test_a_429_without_retry_after_uses_the_reset_header() -> None:
    limited = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "7"}
    with ReplayServer({("GET", "/c"): [(429, limited, "")]}) as server:
        client = HttpClient(backoff=Backoff(attempts=1), sleep=lambda _s: None)
        with pytest.raises(RateLimited) as err:
            client.get(server.url + "/c", source="api")
    assert err.value.retry_after == 7.0
