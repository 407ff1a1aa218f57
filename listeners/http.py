"""HTTP transport shared by listeners: identifying user agent, timeouts, retries, and the
one place where HTTP failures become :mod:`listeners.errors` exceptions."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
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

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = defaults.HTTP_USER_AGENT
DEFAULT_TIMEOUT_S = defaults.HTTP_TIMEOUT_S


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None if absent."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import UTC, datetime

        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


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

        def once() -> httpx.Response:
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
            raise_for_status(response, source=source, ok_statuses=ok_statuses)
            return response

        kwargs: dict[str, Any] = {"backoff": self.backoff}
        if self._sleep is not None:
            kwargs["sleep"] = self._sleep
        return call_with_backoff(once, **kwargs)

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
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
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
