"""Google Play's review endpoint fetched through the shared, bounded :class:`HttpClient`.

google-play-scraper posts with ``urllib.request.urlopen`` and no timeout, reads the
whole body into memory and retries on its own: a server that hangs or trickles blocks
the run (and SIGTERM) for ever, and a huge reply is held in memory whole. Here the POST
goes through :class:`listeners.http.HttpClient` (overall deadline per request and per
source, maximum body size, cancellation on shutdown, retries with backoff); only the
library's request body and reply parsing are used.
"""

from __future__ import annotations

import json
from typing import Any

from listeners.errors import MalformedResponse, RateLimited
from listeners.http import HttpClient

#: The library's marker of a rate-limited reply (it retries on it; we report it).
GATEWAY_ERROR = "com.google.play.gateway.proto.PlayGatewayError"
#: ``Sort.NEWEST`` of google-play-scraper.
SORT_NEWEST = 2


def bounded_fetcher(http: HttpClient, *, source: str, base_url: str) -> Any:
    """A ``fetcher(app_id=, lang=, country=, count=, token=)`` over ``http``.

    Posts to ``{base_url}/_/PlayStoreUi/data/batchexecute`` (the URL google-play-scraper
    uses with its own host) and parses the reply with the library's regex and element
    specs. Raises :class:`listeners.errors.ListenerError` subclasses naming ``source``.
    Import the library with :func:`listeners.googleplay.library_fetcher` first (it keeps
    Python's default HTTPS context, which importing the library replaces).
    """
    from google_play_scraper.constants.element import ElementSpecs
    from google_play_scraper.constants.regex import Regex
    from google_play_scraper.constants.request import Formats

    def fetch(*, app_id: str, lang: str, country: str, count: int, token: Any) -> Any:
        url = f"{base_url.rstrip('/')}/_/PlayStoreUi/data/batchexecute"
        body = Formats.Reviews.build_body(
            app_id, SORT_NEWEST, count, "null", "null", getattr(token, "token", token)
        )
        response = http.request(
            "POST",
            url,
            source=source,
            params={"hl": lang, "gl": country},
            headers={"content-type": "application/x-www-form-urlencoded"},
            content=body if isinstance(body, bytes) else body.encode(),
        )
        dom = response.text
        if GATEWAY_ERROR in dom:
            raise RateLimited(source, "Google Play refused the request (PlayGatewayError)")
        items, next_token = _parse(dom, source=source, regex=Regex.REVIEWS)
        reviews = [
            {k: spec.extract_content(r) for k, spec in ElementSpecs.Review.items()} for r in items
        ]
        return reviews, None if isinstance(next_token, list) else next_token

    return fetch


def _parse(dom: str, *, source: str, regex: Any) -> tuple[list[Any], Any]:
    """The library's ``_fetch_review_items`` parsing: (raw review rows, paging token)."""
    try:
        match = json.loads(regex.findall(dom)[0])
        results = json.loads(match[0][2])
    except (IndexError, KeyError, TypeError, ValueError) as exc:
        raise MalformedResponse(
            source,
            f"Google Play sent a reply without reviews data ({exc.__class__.__name__})",
            hint="the unofficial endpoint may have changed (upgrade google-play-scraper)",
        ) from exc
    try:
        token = results[-2][-1]
    except (IndexError, KeyError, TypeError):
        token = None
    if not isinstance(results, list) or not results or not results[0]:
        return [], token
    rows = results[0]
    return (list(rows) if isinstance(rows, list | tuple) else []), token


__all__ = ["bounded_fetcher"]
