"""The JSON API (``/api/alerts``, ``/api/mentions``, ``/api/report``) with per-user bearer
tokens (``brandpulse users token NAME``), and its OpenAPI page at ``/api/docs`` (Swagger UI
served by the app itself: no CDN, no inline script)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles

from brandpulse.inbox import InboxError
from brandpulse.web.deps import web_state
from brandpulse.web.routes_report import report_period
from brandpulse.web.security import DOCS_CSP
from domain.sanitize import safe_link
from storage.web_users import WebUser

__all__ = ["api_user", "mount_swagger", "router"]

logger = logging.getLogger(__name__)

_bearer = HTTPBearer(auto_error=False, description="A token from `brandpulse users token NAME`.")


def api_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> WebUser:
    """The API caller from ``Authorization: Bearer TOKEN`` (dependency); 401 otherwise."""
    if credentials is None or not credentials.credentials:
        raise HTTPException(401, "send Authorization: Bearer TOKEN", {"WWW-Authenticate": "Bearer"})
    user = web_state(request).users.by_token(credentials.credentials)
    if user is None:
        raise HTTPException(401, "unknown or replaced token", {"WWW-Authenticate": "Bearer"})
    return user


ApiUser = Annotated[WebUser, Depends(api_user)]

router = APIRouter()


@router.get("/api/alerts", tags=["inbox"])
def api_alerts(
    request: Request,
    user: ApiUser,
    state: Annotated[
        str, Query(description="open, assigned, snoozed, handled, dismissed, watch or all")
    ] = "open",
    brand: str | None = None,
) -> list[dict[str, Any]]:
    """Alerts as ``brandpulse inbox --format json`` gives them: overdue first, then most
    urgent; ``url`` is null unless it is an http(s) link."""
    try:
        return [i.record() for i in web_state(request).inbox.items(state=state, brand=brand)]
    except InboxError as exc:
        raise HTTPException(400, str(exc)) from None


@router.get("/api/mentions", tags=["mentions"])
def api_mentions(
    request: Request,
    user: ApiUser,
    brand: str | None = None,
    label: Annotated[str | None, Query(description="negative, neutral or positive")] = None,
    days: Annotated[int | None, Query(ge=1, description="only the last N days")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Stored mentions in the order they were stored (the fields of ``brandpulse
    export``); ``label`` is the effective one (a human correction first); ``url`` is null
    unless it is an http(s) link."""
    web = web_state(request)
    since = web.now() - timedelta(days=days) if days else None
    mentions = web.repo.mentions(brand=brand, label=label, since=since, limit=limit)
    return [
        {
            "id": m.id,
            "source": m.source,
            "url": safe_link(m.url),
            "author": m.author,
            "title": m.title,
            "text": m.text,
            "published_at": m.published_at.isoformat() if m.published_at else None,
            "brands": list(m.brands),
            "rating": m.rating,
            "language": m.language,
            "label": m.label,
            "score": m.score,
            "confidence": m.confidence,
            "overridden": m.overridden,
        }
        for m in mentions
    ]


@router.get("/api/report", tags=["report"])
def api_report(
    request: Request,
    user: ApiUser,
    days: Annotated[
        int | None, Query(ge=1, description="the last N days (default: report.period_days)")
    ] = None,
    period: Annotated[
        Literal["all"] | None,
        Query(
            description="`all`: every stored mention, from the first one's day to the day "
            'after the last one (UTC), as the report page\'s "everything stored"; not with '
            "`days`"
        ),
    ] = None,
) -> JSONResponse:
    """The competitor report's JSON (the schema of ``brandpulse report competitors
    --format json``) for the last ``days`` days, or with ``period=all`` for every stored
    mention (400 when both are given)."""
    if period is not None and days is not None:
        raise HTTPException(400, "give days or period=all, not both")
    web = web_state(request)
    from brandpulse.report import build_report
    from digest.report import render_json

    since, until = report_period(web, days=days, everything=period == "all")
    report = build_report(web.config, web.repo, since=since, until=until, now=web.now())
    return JSONResponse(json.loads(render_json(report)))


def mount_swagger(app: FastAPI) -> None:
    """The OpenAPI page at /api/docs: Swagger UI from the swagger-ui-bundle-v2 package (no
    CDN, no inline script); without the package, /api/openapi.json only."""
    try:
        import swagger_ui_bundle
    except ImportError:
        logger.info("swagger-ui-bundle-v2 is not installed: /api/docs shows a link to the JSON")
        bundle = None
    else:
        bundle = Path(swagger_ui_bundle.swagger_ui_path)
        app.mount("/api/docs/ui", StaticFiles(directory=bundle), name="swagger")

    @app.get("/api/docs", include_in_schema=False)
    def docs() -> Response:
        if bundle is None:
            body = '<p><a href="/api/openapi.json">/api/openapi.json</a></p>'
        else:
            body = (
                '<link rel="stylesheet" href="/api/docs/ui/swagger-ui.css">'
                '<div id="swagger-ui"></div>'
                '<script src="/api/docs/ui/swagger-ui-bundle.js"></script>'
                '<script src="/static/swagger-init.js"></script>'
            )
        html = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            "<title>BrandPulse API</title></head><body>" + body + "</body></html>"
        )
        return HTMLResponse(html, headers={"Content-Security-Policy": DOCS_CSP})
