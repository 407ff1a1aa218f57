"""HTTP transport shared by listeners: identifying user agent, timeouts, retries, rate
limits read from response headers (:mod:`listeners.ratelimit`), and the one place where
HTTP failures become :mod:`listeners.errors` exceptions."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from domain import defaults
from listeners.base import Backoff, call_with_backoff
from listeners.errors import (
    AccessDenied,
    ListenerError,
    NotFound,
    RateLimited,
    SourceUnavailable,
    UpstreamError,
)
from listeners.ratelimit import RateLimitTracker, read_rate_limit, retry_after_seconds

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = defaults.HTTP_USER_AGENT
DEFAULT_TIMEOUT_S = defaults.HTTP_TIMEOUT_S


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None if absent."""
    return retry_after_seconds(value)


class HttpClient:
    """A thin wrapper over :class:`httpx.Client`.

    Args:
        user_agent: sent with every request (default identifies BrandPulse).
        timeout_s: connect/read timeout in seconds (default 20).
        backoff: retry policy for 429, 5xx and network errors (default 3 tries).
        transport: an httpx transport, the seam tests use (default: real network).
        sleep: how to wait between retries (tests pass a no-op).
    """

    def __init__(
        self,
        *,
        user_agent: str = DEFAULT_USER_AGENT,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        backoff: Backoff | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._client = httpx.Client(
            headers={"User-Agent": user_agent},
            timeout=timeout_s,
            follow_redirects=True,
            transport=transport,
        )
        self.backoff = backoff or Backoff()
        self._sleep = sleep
        #: Hosts whose announced rate limit is spent, and until when (see ratelimit).
        self.rate_limits = RateLimitTracker()

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        source: str,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        data: Any = None,
        ok_statuses: tuple[int, ...] = (),
    ) -> httpx.Response:
        """Send a request with retries; return a 2xx/3xx response (or one in ``ok_statuses``).

        Raises a :class:`listeners.errors.ListenerError` subclass naming ``source``.
        """

        host = httpx.URL(url).host

        def once() -> httpx.Response:
            self._respect_rate_limit(host, source=source)
            try:
                response = self._client.request(
                    method, url, headers=headers, params=params, data=data
                )
            except httpx.TimeoutException as exc:
                raise SourceUnavailable(
                    source, f"timed out fetching {url}", hint="the service is slow or down"
                ) from exc
            except httpx.HTTPError as exc:
                raise SourceUnavailable(
                    source,
                    f"cannot reach {url}: {exc.__class__.__name__}: {exc}",
                    hint="check the URL / base_url and the network",
                ) from exc
            if response.status_code < 400:
                self.rate_limits.observe(host, read_rate_limit(response.headers))
            raise_for_status(response, source=source, ok_statuses=ok_statuses)
            return response

        kwargs: dict[str, Any] = {"backoff": self.backoff}
        if self._sleep is not None:
            kwargs["sleep"] = self._sleep
        return call_with_backoff(once, **kwargs)

    def _respect_rate_limit(self, host: str, *, source: str) -> None:
        """Wait until ``host``'s spent rate limit resets, when that is within the backoff
        cap; otherwise fail with RateLimited (no request is spent on a sure refusal)."""
        wait = self.rate_limits.wait_for(host)
        if wait <= 0:
            return
        if wait > self.backoff.cap_s:
            raise RateLimited(
                source,
                f"{host} announced its rate limit is spent for {wait:.0f}s more",
                hint="poll less often or wait for the window to reset",
                retry_after=wait,
            )
        logger.info("%s: waiting %.1fs for %s's rate limit to reset", source, wait, host)
        (self._sleep or time.sleep)(wait)

    def get(self, url: str, *, source: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, source=source, **kwargs)


def raise_for_status(
    response: httpx.Response, *, source: str, ok_statuses: tuple[int, ...] = ()
) -> None:
    """Translate an HTTP error status into the listener exception tree."""
    status = response.status_code
    if status < 400 or status in ok_statuses:
        return
    url = str(response.request.url) if response.request else "?"
    error: ListenerError
    if status == 429:
        info = read_rate_limit(response.headers)
        retry_after = info.retry_after_s if info.retry_after_s is not None else info.reset_s
        error = RateLimited(
            source,
            f"HTTP 429 Too Many Requests from {url}",
            hint="rate limited: lower the polling frequency or wait"
            + (f" {retry_after:.0f}s" if retry_after is not None else ""),
            retry_after=retry_after,
        )
    elif status >= 500:
        error = UpstreamError(source, f"HTTP {status} from {url}", hint="the service is failing")
    elif status in (401, 403):
        error = AccessDenied(
            source, f"HTTP {status} from {url}", hint="check credentials and API access"
        )
    elif status in (404, 410):
        error = NotFound(source, f"HTTP {status} from {url}", hint="the URL moved: update config")
    else:
        error = ListenerError(source, f"HTTP {status} from {url}")
    raise error
