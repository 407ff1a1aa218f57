"""The one place prawcore/PRAW exceptions become :mod:`listeners.errors` ones."""

from __future__ import annotations

import prawcore

from listeners.errors import (
    AccessDenied,
    ListenerError,
    MalformedResponse,
    NotFound,
    RateLimited,
    SourceUnavailable,
    UpstreamError,
)
from listeners.http import parse_retry_after

ENV_HINT = "set REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET (a Reddit 'script' app's id and secret)"


def translate_error(exc: Exception, *, source: str) -> ListenerError:
    """The one place prawcore/PRAW exceptions become :mod:`listeners.errors` ones."""
    if isinstance(getattr(exc, "original_exception", None), ListenerError):
        return exc.original_exception  # type: ignore[attr-defined]
    if isinstance(exc, prawcore.TooManyRequests):
        retry_after = parse_retry_after(exc.retry_after)
        return RateLimited(
            source,
            "HTTP 429 Too Many Requests from Reddit",
            hint="free tier: 100 queries/minute per client id; poll less often",
            retry_after=retry_after,
        )
    if isinstance(exc, prawcore.ServerError):
        return UpstreamError(
            source, f"Reddit answered HTTP {exc.response.status_code}", hint="Reddit is failing"
        )
    if isinstance(exc, prawcore.OAuthException | prawcore.InvalidToken | prawcore.Forbidden):
        return AccessDenied(
            source,
            f"Reddit refused access: {exc}",
            hint="check the client id/secret and that the app's API access is approved",
        )
    if isinstance(exc, prawcore.ResponseException) and exc.response.status_code == 401:
        return AccessDenied(source, "Reddit answered HTTP 401", hint=ENV_HINT)
    if isinstance(exc, prawcore.NotFound | prawcore.Redirect):
        return NotFound(
            source, f"Reddit has no such listing: {exc}", hint="check the subreddit names"
        )
    if isinstance(exc, prawcore.BadJSON):
        return MalformedResponse(source, "Reddit sent invalid JSON", hint="retry later")
    if isinstance(exc, prawcore.RequestException):
        return SourceUnavailable(
            source, f"cannot reach Reddit: {exc}", hint="check oauth_url/reddit_url and network"
        )
    return ListenerError(source, f"Reddit request failed: {exc.__class__.__name__}: {exc}")
