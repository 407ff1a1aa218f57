"""The one exception tree every listener (and spider) maps upstream failures to::

    ListenerError                   any failure of one source; names the source
                                    (a domain.errors.SourceError)
    ├── SourceDisabled              not configured to run (missing credentials ...)
    ├── SourceUnavailable           network error, timeout, DNS, refused connection
    │   ├── RateLimited             HTTP 429 (``retry_after`` seconds, when given)
    │   └── UpstreamError           HTTP 5xx
    ├── AccessDenied                HTTP 401/403: credentials or API access revoked
    ├── NotFound                    HTTP 404/410: the URL or resource moved
    └── MalformedResponse           unparseable feed, JSON or HTML that changed

``transient`` errors (SourceUnavailable and its children) are retried with backoff;
the others are not. Every message says what to check.
"""

from __future__ import annotations

from domain.errors import SourceError


class ListenerError(SourceError):
    """A source failed. ``source`` is its configured name; ``hint`` says how to fix it."""

    transient = False

    def __init__(self, source: str, message: str, *, hint: str = "") -> None:
        self.source = source
        self.message = message
        self.hint = hint
        text = f"source {source!r}: {message}"
        if hint:
            text += f" ({hint})"
        super().__init__(text)


class SourceDisabled(ListenerError):
    """The source cannot run as configured (for example credentials are missing)."""


class SourceUnavailable(ListenerError):
    """Network-level failure; worth retrying later."""

    transient = True


class RateLimited(SourceUnavailable):
    """HTTP 429. ``retry_after`` is the server's requested wait in seconds, if given."""

    def __init__(
        self, source: str, message: str, *, hint: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(source, message, hint=hint)
        self.retry_after = retry_after


class UpstreamError(SourceUnavailable):
    """HTTP 5xx from the service."""


class AccessDenied(ListenerError):
    """HTTP 401/403."""


class NotFound(ListenerError):
    """HTTP 404/410."""


class MalformedResponse(ListenerError):
    """The response could not be parsed into mentions."""
