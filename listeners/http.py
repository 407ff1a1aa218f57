"""HTTP transport shared by listeners: identifying user agent, timeouts, retries, rate
limits read from response headers (:mod:`listeners.ratelimit`), and the one place where
HTTP failures become :mod:`listeners.errors` exceptions."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from domain import defaults
from listeners.base import Backoff, call_with_backoff
from listeners.errors import (
    AccessDenied,
    ListenerError,
    MalformedResponse,
    NotFound,
    RateLimited,
    SourceUnavailable,
    UpstreamError,
)
from listeners.ratelimit import RateLimitTracker, read_rate_limit, retry_after_seconds

logger = logging.getLogger(__name__)

DEFAULT_USER_AGENT = defaults.HTTP_USER_AGENT
DEFAULT_TIMEOUT_S = defaults.HTTP_TIMEOUT_S
#: Largest response body read by default, bytes (8 MiB), counted after decompression.
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
#: Set on shutdown (SIGTERM): every client stops its requests and retries at once.
SHUTDOWN = threading.Event()
#: Headers that no longer describe the body once it has been read and decoded.
_STALE_HEADERS = ("content-encoding", "content-length", "transfer-encoding")


class Cancelled(BaseException):
    """The request was cancelled because the process is shutting down.

    A ``BaseException`` like ``KeyboardInterrupt``: it is not the source's failure, so
    the per-source ``except Exception`` handlers let it through and the unit of work in
    progress ends without recording an error for the source."""

    def __init__(self, source: str, message: str, *, hint: str = "") -> None:
        self.source = source
        super().__init__(f"source {source!r}: {message}" + (f" ({hint})" if hint else ""))


class DeadlineExceeded(SourceUnavailable):
    """The request or the source ran out of its overall time."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None if absent."""
    return retry_after_seconds(value)


class HttpClient:
    """A thin wrapper over :class:`httpx.Client`.

    Args:
        user_agent: sent with every request (default identifies BrandPulse).
        timeout_s: overall deadline of one request in seconds (default 20): connecting,
            waiting for the headers and reading the whole body; a server trickling
            bytes is cut off at this limit, not only after a silent read.
        max_body_bytes: the largest body read (default 8 MiB, after decompression); a
            larger one fails the request while streaming and is never held in memory.
        cancel: an event that, once set, stops requests and retry waits (default
            :data:`SHUTDOWN`).
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
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        cancel: threading.Event | None = None,
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
        self.timeout_s = timeout_s
        self.max_body_bytes = max_body_bytes
        self.cancel = cancel if cancel is not None else SHUTDOWN
        self._source_deadline: float | None = None

    @contextlib.contextmanager
    def deadline(self, seconds: float | None) -> Iterator[None]:
        """Within the block, all requests and retry waits together end after ``seconds``
        (monotonic clock); ``None`` leaves only the per-request deadline."""
        previous = self._source_deadline
        self._source_deadline = None if seconds is None else time.monotonic() + seconds
        try:
            yield
        finally:
            self._source_deadline = previous

    def remaining(self, source: str, url: str) -> float:
        """Seconds a request to ``url`` may take now: the per-request deadline, cut by the
        source's (:meth:`deadline`). Raises :class:`Cancelled` on shutdown and
        :class:`DeadlineExceeded` when the source's time has run out. Used by transports
        outside httpx (:mod:`listeners.bounded_session`) to keep the same bounds."""
        return self._remaining(source, url)

    def _remaining(self, source: str, url: str) -> float:
        """Seconds this request may take: the per-request deadline, cut by the source's."""
        if self.cancel.is_set():
            raise Cancelled(source, f"cancelled fetching {url}", hint="shutting down")
        budget = self.timeout_s
        if self._source_deadline is not None:
            left = self._source_deadline - time.monotonic()
            if left <= 0:
                raise DeadlineExceeded(
                    source,
                    f"the source's time limit ran out before fetching {url}",
                    hint="the service is slow; raise http.source_deadline_seconds",
                )
            budget = min(budget, left)
        return budget

    def _wait(self, seconds: float) -> None:
        """Sleep between retries; cut short by the source deadline or cancellation."""
        if self._sleep is not None:
            self._sleep(seconds)
            return
        if self._source_deadline is not None:
            seconds = min(seconds, max(0.0, self._source_deadline - time.monotonic()))
        self.cancel.wait(seconds)

    def _fetch(
        self,
        method: str,
        url: str,
        *,
        source: str,
        headers: Mapping[str, str] | None,
        params: Mapping[str, Any] | None,
        data: Any,
        content: bytes | None = None,
    ) -> httpx.Response:
        """One request, streamed: the whole exchange ends within the deadline and the
        body is read in chunks up to ``max_body_bytes``."""
        budget = self._remaining(source, url)
        ends = time.monotonic() + budget
        with self._client.stream(
            method,
            url,
            headers=headers,
            params=params,
            data=data,
            content=content,
            timeout=budget,
        ) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_body_bytes:
                raise MalformedResponse(
                    source,
                    f"{url} announces a {int(declared)}-byte body, above the limit of "
                    f"{self.max_body_bytes} bytes",
                    hint="raise http.max_body_bytes if this is expected",
                )
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > self.max_body_bytes:
                    raise MalformedResponse(
                        source,
                        f"{url} sent more than {self.max_body_bytes} bytes",
                        hint="raise http.max_body_bytes if this is expected",
                    )
                if self.cancel.is_set():
                    raise Cancelled(source, f"cancelled fetching {url}", hint="shutting down")
                if time.monotonic() > ends:
                    raise DeadlineExceeded(
                        source,
                        f"{url} did not send its whole response within {budget:.0f}s",
                        hint="the service is slow or trickling; raise http.timeout_seconds",
                    )
            fresh_headers = [
                (k, v) for k, v in response.headers.multi_items() if k.lower() not in _STALE_HEADERS
            ]
            return httpx.Response(
                response.status_code,
                headers=fresh_headers,
                content=bytes(body),
                request=response.request,
                history=response.history,
            )

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
        content: bytes | None = None,
        ok_statuses: tuple[int, ...] = (),
    ) -> httpx.Response:
        """Send a request with retries; return a 2xx/3xx response (or one in ``ok_statuses``).

        ``data`` is a form body; ``content`` raw bytes (a JSON document, for GraphQL).

        Raises a :class:`listeners.errors.ListenerError` subclass naming ``source``.
        """

        host = httpx.URL(url).host

        def once() -> httpx.Response:
            self._respect_rate_limit(host, source=source)
            try:
                response = self._fetch(
                    method,
                    url,
                    source=source,
                    headers=headers,
                    params=params,
                    data=data,
                    content=content,
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

        return call_with_backoff(once, backoff=self.backoff, sleep=self._wait)

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
        self._wait(wait)

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
