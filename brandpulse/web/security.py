"""The web inbox's HTTP security headers: one strict Content-Security-Policy for the app's
pages (no inline scripts, no framing), a looser one for the self-contained report document
and one for the OpenAPI page, plus the middleware that sets them on every response."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import Response

__all__ = ["CSP", "DOCS_CSP", "REPORT_CSP", "secure_headers"]

#: The Content-Security-Policy of every page: no inline scripts, no framing.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
#: The report is one self-contained document: its own inline styles and data: charts,
#: still no script and no framing.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)
#: The OpenAPI page (Swagger UI 5 from the swagger-ui-bundle-v2 package; it sets inline styles).
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)


async def secure_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """HTTP middleware: :data:`CSP` unless the route set its own, ``nosniff``, ``DENY``
    framing, ``same-origin`` referrers and ``no-store`` unless the route set a cache rule."""
    response = await call_next(request)
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers.setdefault("Cache-Control", "no-store")
    return response
