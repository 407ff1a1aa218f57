"""The web inbox application (FastAPI, jinja2 templates with autoescape, no scripts).

Every page and action goes through :class:`brandpulse.inbox.Inbox`, the service the CLI
inbox uses, so the web and ``brandpulse inbox`` always agree. The routes live by concern:
``routes_auth`` (log in and out), ``routes_pages`` (inbox, mention, changes, sources),
``routes_actions`` (what a responder does), ``routes_report`` (the competitor report) and
``routes_api`` (the JSON API and its OpenAPI page), ``routes_health`` (``/healthz``).
``HEAD`` is answered as ``GET`` without the body everywhere (:mod:`brandpulse.web.head`).
Security:

* sessions in signed cookies (Starlette's ``SessionMiddleware``, itsdangerous) that expire
  after ``session_hours``, ``SameSite=Strict``, ``Secure`` behind TLS;
* a CSRF token per session, required on every POST form (``csrf`` field);
* failed logins limited per client address (:class:`~brandpulse.web.auth.LoginLimiter`);
* a strict Content-Security-Policy without inline scripts, ``frame-ancestors 'none'``,
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``
  (:mod:`brandpulse.web.security`);
* roles: a viewer reads, a responder acts (:func:`~brandpulse.web.auth.can`); every action
  goes to the alert's history with the user's name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from brandpulse.config import Config
from brandpulse.inbox import Inbox
from brandpulse.web import (
    routes_actions,
    routes_api,
    routes_auth,
    routes_health,
    routes_pages,
    routes_report,
)
from brandpulse.web.auth import LoginLimiter
from brandpulse.web.deps import HERE, Refused, WebState, make_templates, page
from brandpulse.web.head import HeadAsGet
from brandpulse.web.security import CSP, secure_headers
from storage import Repository
from storage.models import utcnow
from storage.web_users import UserStore

logger = logging.getLogger(__name__)

__all__ = ["CSP", "create_app"]


def create_app(
    config: Config,
    repo: Repository,
    *,
    secret: str,
    session_hours: float = 12.0,
    secure_cookies: bool = False,
    now: Callable[[], datetime] = utcnow,
    limiter: LoginLimiter | None = None,
) -> FastAPI:
    """The web inbox on ``repo`` (an existing, migrated database).

    Args:
        config: the loaded config (brands, SLA hours, report settings).
        repo: the database.
        secret: the key that signs session cookies (keep it stable to keep sessions
            across restarts).
        session_hours: how long a login lasts, in hours (default 12).
        secure_cookies: mark the cookie ``Secure`` (behind a TLS reverse proxy).
        now: the clock (tests).
        limiter: the failed-login limit (default 5 per 15 minutes per client address).
    """
    state = WebState(
        config=config,
        repo=repo,
        inbox=Inbox(config, repo, now=now),
        users=UserStore(repo.engine),
        limiter=limiter or LoginLimiter(),
        now=now,
        templates=make_templates(),
    )
    app = FastAPI(
        title="BrandPulse inbox API",
        description="Alerts, mentions and the competitor report. Authenticate with "
        "`Authorization: Bearer TOKEN` (a token from `brandpulse users token NAME`).",
        version="1",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    app.state.web = state
    app.middleware("http")(secure_headers)
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie="brandpulse_session",
        max_age=int(session_hours * 3600),
        same_site="strict",
        https_only=secure_cookies,
    )
    app.add_middleware(HeadAsGet)  # outermost: HEAD is GET without the body, everywhere
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    routes_api.mount_swagger(app)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        if exc.status == 401:
            return RedirectResponse("/login", status_code=303)
        return page(request, "error.html", {"message": exc.message}, status=exc.status)

    routers = (routes_health, routes_auth, routes_pages, routes_report, routes_actions, routes_api)
    for module in routers:
        app.include_router(module.router)
    return app
