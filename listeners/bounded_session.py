"""A ``requests`` session with the bounds of :class:`listeners.http.HttpClient`.

PRAW (Reddit) talks HTTP through ``requests``, whose ``timeout`` limits each socket read,
not the whole exchange: a server trickling one byte every few seconds keeps a request (and
the run, and SIGTERM) going for ever, and a huge body is read into memory whole.
:class:`BoundedSession` streams every response and stops it when

* the body grows past the client's ``max_body_bytes`` (:class:`MalformedResponse`),
* the request's overall deadline (``http.timeout_seconds``, cut by the source's
  ``http.source_deadline_seconds``) passes (:class:`DeadlineExceeded`),
* the process is shutting down (:class:`listeners.http.Cancelled`).

Pass it to PRAW as ``requestor_kwargs={"session": BoundedSession(http, source=name)}``.
prawcore wraps exceptions raised here in ``prawcore.RequestException``; the listener
unwraps a :class:`ListenerError` from it (``original_exception``).
"""

from __future__ import annotations

import time
from typing import Any

import requests

from listeners.errors import MalformedResponse
from listeners.http import Cancelled, DeadlineExceeded, HttpClient

#: Bytes asked for per read; ``read1`` returns what has arrived, at most this much.
CHUNK_BYTES = 64 * 1024


class BoundedSession(requests.Session):
    """``requests.Session`` whose every response is read within the deadline and size
    limit of ``http`` (see the module docstring)."""

    def __init__(self, http: HttpClient, *, source: str) -> None:
        super().__init__()
        self._http = http
        self._source = source

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        target = url.decode() if isinstance(url, bytes) else str(url)
        budget = self._http.remaining(self._source, target)
        ends = time.monotonic() + budget
        timeout = kwargs.get("timeout")
        kwargs["timeout"] = budget if not isinstance(timeout, int | float) else min(timeout, budget)
        kwargs["stream"] = True
        response = super().request(method, url, *args, **kwargs)
        try:
            response._content = self._read(response, target, ends=ends, budget=budget)
        except BaseException:
            response.close()
            raise
        response._content_consumed = True  # type: ignore[attr-defined]
        response.close()
        return response

    def _read(self, response: requests.Response, url: str, *, ends: float, budget: float) -> bytes:
        limit = self._http.max_body_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise MalformedResponse(
                self._source,
                f"{url} announces a {int(declared)}-byte body, above the limit of {limit} bytes",
                hint="raise http.max_body_bytes if this is expected",
            )
        raw = response.raw
        body = bytearray()
        while True:
            # read1: what has arrived (up to CHUNK_BYTES), not "wait for CHUNK_BYTES".
            chunk = raw.read1(CHUNK_BYTES, decode_content=True)
            if not chunk:
                break
            body += chunk
            if len(body) > limit:
                raise MalformedResponse(
                    self._source,
                    f"{url} sent more than {limit} bytes",
                    hint="raise http.max_body_bytes if this is expected",
                )
            if self._http.cancel.is_set():
                raise Cancelled(self._source, f"cancelled fetching {url}", hint="shutting down")
            if time.monotonic() > ends:
                raise DeadlineExceeded(
                    self._source,
                    f"{url} did not send its whole response within {budget:.0f}s",
                    hint="the service is slow or trickling; raise http.timeout_seconds",
                )
        return bytes(body)


__all__ = ["BoundedSession"]
