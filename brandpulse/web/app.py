"""The web inbox application (FastAPI, jinja2 templates with autoescape, no scripts).

Every page and action goes through :class:`brandpulse.inbox.Inbox`, the service the CLI
inbox uses, so the web and ``brandpulse inbox`` always agree. Security:

* sessions in signed cookies (Starlette's ``SessionMiddleware``, itsdangerous) that expire
  after ``session_hours``, ``SameSite=Strict``, ``Secure`` behind TLS;
* a CSRF token per session, required on every POST form (``csrf`` field);
* failed logins limited per client address (:class:`~brandpulse.web.auth.LoginLimiter`);
* a strict Content-Security-Policy without inline scripts, ``frame-ancestors 'none'``,
  ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: same-origin``;
* roles: a viewer reads, a responder acts (:func:`~brandpulse.web.auth.can`); every action
  goes to the alert's history with the user's name.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.middleware.sessions import SessionMiddleware

from brandpulse.config import Config
from brandpulse.inbox import Inbox, InboxError, parse_when
from brandpulse.readonly import configured_health
from brandpulse.web.auth import (
    LoginLimiter,
    can,
    check_csrf,
    hash_password,
    needs_rehash,
    new_token,
    verify_password,
)
from brandpulse.web.thread import thread_context
from digest.inbox import DISMISS_REASONS, STATE_FILTERS, InboxItem
from digest.replies import reply_outline
from domain.sanitize import safe_link
from storage import Repository
from storage.extras import extras_by_id
from storage.models import utcnow
from storage.web_users import UserStore, WebUser

logger = logging.getLogger(__name__)

__all__ = ["CSP", "create_app"]

HERE = Path(__file__).parent
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
SNOOZE_CHOICES = ("2h", "1d", "3d", "1w")
LABELS = ("negative", "neutral", "positive")
#: The first visit's "what changed" window, in hours.
FIRST_VISIT_HOURS = 24


class Refused(Exception):
    """A request the user may not make (403) or must log in for (redirect)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _ago(now: datetime, then: datetime | None) -> str:
    if then is None:
        return ""
    seconds = int((now - then).total_seconds())
    if seconds < 3600:
        return f"{max(seconds // 60, 0)} min ago"
    if seconds < 86400 * 2:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


@dataclass
class WebState:
    """What the app holds between requests."""

    config: Config
    repo: Repository
    inbox: Inbox
    users: UserStore
    limiter: LoginLimiter
    now: Callable[[], datetime]
    templates: Environment


def _templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(("html", "j2"), default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["safe_link"] = safe_link
    return env


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
        templates=_templates(),
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

    @app.middleware("http")
    async def secure_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.add_middleware(
        SessionMiddleware,
        secret_key=secret,
        session_cookie="brandpulse_session",
        max_age=int(session_hours * 3600),
        same_site="strict",
        https_only=secure_cookies,
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _mount_swagger(app)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        if exc.status == 401:
            return RedirectResponse("/login", status_code=303)
        return _page(request, "error.html", {"message": exc.message}, status=exc.status)

    _html_routes(app)
    _action_routes(app)
    _api_routes(app)
    return app


# -- helpers ----------------------------------------------------------------------------------
def _web(request: Request) -> WebState:
    web: WebState = request.app.state.web
    return web


def _csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = new_token()
        request.session["csrf"] = token
    return token


def _page(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    web = _web(request)
    user = _current_user(request)
    body = web.templates.get_template(template).render(
        request=request,
        user=user,
        can=lambda action: user is not None and can(user.role, action),
        csrf=_csrf(request),
        flash=request.session.pop("flash", None),
        now=web.now(),
        **context,
    )
    return HTMLResponse(body, status_code=status)


def _current_user(request: Request) -> WebUser | None:
    name = request.session.get("user")
    if not isinstance(name, str):
        return None
    user = _web(request).users.get(name)
    if user is None:  # removed since: the session ends
        request.session.pop("user", None)
    return user


def require_user(request: Request) -> WebUser:
    """The logged-in user (dependency); redirects to the login page otherwise."""
    user = _current_user(request)
    if user is None:
        raise Refused(401, "log in first")
    return user


User = Annotated[WebUser, Depends(require_user)]


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


async def checked_form(request: Request) -> dict[str, str]:
    """The POSTed form after the CSRF check (dependency): 403 without the session's token."""
    form = await _form(request)
    if not check_csrf(request.session.get("csrf"), form.get("csrf")):
        raise Refused(
            403, "The form's CSRF token is missing or wrong: reload the page and try again."
        )
    return form


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]


def _filters(items: list[InboxItem], **wanted: str | None) -> list[InboxItem]:
    out = items
    if wanted.get("kind"):
        out = [i for i in out if i.source_kind == wanted["kind"]]
    if wanted.get("language"):
        out = [i for i in out if (i.mention.language or "") == wanted["language"]]
    if wanted.get("assignee"):
        out = [i for i in out if (i.assignee or "") == wanted["assignee"]]
    return out


# -- pages ------------------------------------------------------------------------------------
def _html_routes(app: FastAPI) -> None:
    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request) -> Response:
        return _page(request, "login.html", {"error": None})

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        web = _web(request)
        form = await _form(request)
        if not check_csrf(request.session.get("csrf"), form.get("csrf")):
            raise Refused(403, "The form's CSRF token is missing or wrong: reload the page.")
        client = request.client.host if request.client else "unknown"
        if web.limiter.blocked(client):
            return _page(
                request,
                "login.html",
                {"error": "Too many failed logins: wait 15 minutes and try again."},
                status=429,
            )
        name, password = form.get("name", "").strip(), form.get("password", "")
        user = web.users.get(name)
        if user is None or not verify_password(user.password_hash, password):
            web.limiter.failed(client)
            logger.warning("failed web login for %r from %s", name, client)
            return _page(request, "login.html", {"error": "Wrong name or password."}, status=401)
        web.limiter.succeeded(client)
        if needs_rehash(user.password_hash):
            web.users.set_password_hash(name, hash_password(password))
        previous = web.users.visited(name, now=web.now())
        request.session.clear()
        request.session["user"] = name
        request.session["csrf"] = new_token()
        request.session["since"] = (
            previous or web.now() - timedelta(hours=FIRST_VISIT_HOURS)
        ).isoformat()
        return RedirectResponse("/", status_code=303)

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, user: User, form: CheckedForm) -> Response:
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def inbox_page(
        request: Request,
        user: User,
        brand: str | None = None,
        kind: str | None = None,
        language: str | None = None,
        state: str = "open",
        assignee: str | None = None,
    ) -> Response:
        web = _web(request)
        brand = brand or None
        try:
            everything = web.inbox.items(state=state, brand=brand)
        except InboxError as exc:
            raise Refused(400, str(exc)) from None
        items = _filters(everything, kind=kind, language=language, assignee=assignee)
        return _page(
            request,
            "inbox.html",
            {
                "items": items,
                "overdue": sum(1 for i in items if i.overdue),
                "brands": [b.name for b in web.config.brands],
                "kinds": sorted({i.source_kind for i in everything}),
                "languages": sorted({i.mention.language or "" for i in everything} - {""}),
                "assignees": sorted({i.assignee for i in everything if i.assignee}),
                "states": list(STATE_FILTERS),
                "suggestions": web.inbox.exclude_suggestions(brand),
                "f": {
                    "brand": brand or "",
                    "kind": kind or "",
                    "language": language or "",
                    "state": state,
                    "assignee": assignee or "",
                },
            },
        )

    @app.get("/alerts/{alert_id}", response_class=HTMLResponse, include_in_schema=False)
    def alert_page(request: Request, user: User, alert_id: int) -> Response:
        web = _web(request)
        try:
            item = web.inbox.item(alert_id)
        except InboxError as exc:
            raise Refused(404, str(exc)) from None
        kinds = web.inbox.store.source_kinds()
        outline = reply_outline(
            item.mention, kind=item.source_kind, source_type=kinds.get(item.mention.source)
        )
        extra = extras_by_id(web.repo.engine, [item.mention.id]).get(item.mention.id)
        return _page(
            request,
            "alert.html",
            {
                "item": item,
                "thread": thread_context(extra, url=item.mention.url),
                "outline": outline if item.label == "negative" else (),
                "history": web.inbox.history(alert_id),
                "reasons": DISMISS_REASONS,
                "labels": LABELS,
                "snoozes": SNOOZE_CHOICES,
            },
        )

    @app.get("/changes", response_class=HTMLResponse, include_in_schema=False)
    def changes_page(request: Request, user: User) -> Response:
        web = _web(request)
        raw = request.session.get("since")
        since = (
            datetime.fromisoformat(raw)
            if isinstance(raw, str)
            else web.now() - timedelta(hours=FIRST_VISIT_HOURS)
        )
        events = [e for e in web.inbox.changes_since(since) if e.action != "raise"]
        new = [i for i in web.inbox.items(state="all") if i.created_at > since]
        new.sort(key=lambda i: -i.urgency)
        return _page(
            request,
            "changes.html",
            {"since": since, "events": list(reversed(events)), "new": new},
        )

    @app.get("/sources", response_class=HTMLResponse, include_in_schema=False)
    def sources_page(request: Request, user: User) -> Response:
        web = _web(request)
        rows, never = configured_health(web.config, web.repo.source_health())
        return _page(
            request,
            "sources.html",
            {"rows": rows, "never": never, "ago": lambda t: _ago(web.now(), t)},
        )

    @app.get("/report", include_in_schema=False)
    def report_page(
        request: Request, user: User, days: int | None = None, period: str | None = None
    ) -> Response:
        web = _web(request)
        html = _report_html(web, days=days, everything=period == "all")
        return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})


def _report_period(
    web: WebState, *, days: int | None, everything: bool
) -> tuple[datetime, datetime]:
    if everything:
        from brandpulse.report import period_covering

        covering = period_covering(web.repo)
        if covering is not None:
            return covering
    now = web.now()
    length = days or web.config.report.period_days
    return now - timedelta(days=length), now


def _report_html(web: WebState, *, days: int | None, everything: bool) -> str:
    """The competitor report's HTML (charts inline) for the last ``days`` days (default
    ``report.period_days``) or every stored mention."""
    from brandpulse.report import build_report  # matplotlib: imported when first needed
    from digest.charts import render_charts
    from digest.report import render_html

    since, until = _report_period(web, days=days, everything=everything)
    report = build_report(web.config, web.repo, since=since, until=until, now=web.now())
    html = render_html(report, render_charts(report))
    return _BODY.sub(lambda m: m.group(0) + REPORT_NAV, html, count=1)


_BODY = re.compile(r"<body[^>]*>", re.IGNORECASE)
#: The way back from the report document (its CSP allows inline styles, no scripts).
REPORT_NAV = (
    '<nav style="font:15px system-ui,sans-serif;padding:6px 0;border-bottom:1px solid #ccc">'
    '<a href="/">\u2190 Inbox</a> \u00b7 <a href="/report?days=7">last 7 days</a> \u00b7 '
    '<a href="/report?days=30">last 30 days</a> \u00b7 <a href="/report?period=all">'
    "everything stored</a></nav>"
)


# -- actions ----------------------------------------------------------------------------------
def _action_routes(app: FastAPI) -> None:
    def act(
        request: Request,
        user: WebUser,
        alert_id: int,
        action: str,
        run: Callable[[Inbox], InboxItem],
        done: str,
    ) -> Response:
        if not can(user.role, action):
            raise Refused(403, f"{user.name} is a {user.role}: only a responder can {action}.")
        try:
            run(_web(request).inbox)
        except InboxError as exc:
            request.session["flash"] = f"Not done: {exc}"
        else:
            request.session["flash"] = done
            logger.info("web: %s %s alert %d", user.name, action, alert_id)
        return RedirectResponse(f"/alerts/{alert_id}", status_code=303)

    @app.post("/alerts/{alert_id}/handle", include_in_schema=False)
    def handle(request: Request, user: User, form: CheckedForm, alert_id: int) -> Response:
        note = form.get("note", "").strip() or None
        return act(
            request,
            user,
            alert_id,
            "handle",
            lambda box: box.handle(alert_id, by=user.name, note=note),
            "Handled.",
        )

    @app.post("/alerts/{alert_id}/assign", include_in_schema=False)
    def assign(request: Request, user: User, form: CheckedForm, alert_id: int) -> Response:
        to = form.get("to", "")
        return act(
            request,
            user,
            alert_id,
            "assign",
            lambda box: box.assign(alert_id, to=to, by=user.name),
            f"Assigned to {to.strip()}.",
        )

    @app.post("/alerts/{alert_id}/snooze", include_in_schema=False)
    def snooze(request: Request, user: User, form: CheckedForm, alert_id: int) -> Response:
        web = _web(request)
        try:
            until = parse_when(form.get("until", ""), now=web.now())
        except (InboxError, ValueError) as exc:
            request.session["flash"] = f"Not done: {exc}"
            return RedirectResponse(f"/alerts/{alert_id}", status_code=303)
        return act(
            request,
            user,
            alert_id,
            "snooze",
            lambda box: box.snooze(alert_id, until=until, by=user.name),
            f"Snoozed until {until:%d %b %H:%M} UTC.",
        )

    @app.post("/alerts/{alert_id}/dismiss", include_in_schema=False)
    def dismiss(request: Request, user: User, form: CheckedForm, alert_id: int) -> Response:
        reason = form.get("reason", "")
        note = form.get("note", "").strip() or None
        label = form.get("label") or "neutral"
        return act(
            request,
            user,
            alert_id,
            "dismiss",
            lambda box: box.dismiss(alert_id, reason=reason, by=user.name, note=note, label=label),
            f"Dismissed ({reason}).",
        )

    @app.post("/alerts/{alert_id}/relabel", include_in_schema=False)
    def relabel(request: Request, user: User, form: CheckedForm, alert_id: int) -> Response:
        label = form.get("label", "")
        note = form.get("note", "").strip() or None
        return act(
            request,
            user,
            alert_id,
            "relabel",
            lambda box: box.relabel(alert_id, label=label, by=user.name, note=note),
            f"Label corrected to {label}.",
        )

    @app.post("/alerts/{alert_id}/reopen", include_in_schema=False)
    def reopen(request: Request, user: User, form: CheckedForm, alert_id: int) -> Response:
        return act(
            request,
            user,
            alert_id,
            "reopen",
            lambda box: box.reopen(alert_id, by=user.name),
            "Reopened.",
        )


# -- JSON API ---------------------------------------------------------------------------------
_bearer = HTTPBearer(auto_error=False, description="A token from `brandpulse users token NAME`.")


def api_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> WebUser:
    """The API caller from ``Authorization: Bearer TOKEN`` (dependency); 401 otherwise."""
    if credentials is None or not credentials.credentials:
        raise HTTPException(401, "send Authorization: Bearer TOKEN", {"WWW-Authenticate": "Bearer"})
    user = _web(request).users.by_token(credentials.credentials)
    if user is None:
        raise HTTPException(401, "unknown or replaced token", {"WWW-Authenticate": "Bearer"})
    return user


ApiUser = Annotated[WebUser, Depends(api_user)]


def _api_routes(app: FastAPI) -> None:
    @app.get("/api/alerts", tags=["inbox"])
    def api_alerts(
        request: Request,
        user: ApiUser,
        state: Annotated[
            str, Query(description="open, assigned, snoozed, handled, dismissed, watch or all")
        ] = "open",
        brand: str | None = None,
    ) -> list[dict[str, Any]]:
        """Alerts as ``brandpulse inbox --format json`` gives them: overdue first, then most
        urgent."""
        try:
            return [i.record() for i in _web(request).inbox.items(state=state, brand=brand)]
        except InboxError as exc:
            raise HTTPException(400, str(exc)) from None

    @app.get("/api/mentions", tags=["mentions"])
    def api_mentions(
        request: Request,
        user: ApiUser,
        brand: str | None = None,
        label: Annotated[str | None, Query(description="negative, neutral or positive")] = None,
        days: Annotated[int | None, Query(ge=1, description="only the last N days")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[dict[str, Any]]:
        """Stored mentions in the order they were stored (the fields of ``brandpulse
        export``); ``label`` is the effective one (a human correction first)."""
        web = _web(request)
        since = web.now() - timedelta(days=days) if days else None
        mentions = web.repo.mentions(brand=brand, label=label, since=since, limit=limit)
        return [
            {
                "id": m.id,
                "source": m.source,
                "url": m.url,
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

    @app.get("/api/report", tags=["report"])
    def api_report(
        request: Request,
        user: ApiUser,
        days: Annotated[int | None, Query(ge=1, description="default: report.period_days")] = None,
    ) -> JSONResponse:
        """The competitor report's JSON (the schema of ``brandpulse report competitors
        --format json``) for the last ``days`` days."""
        web = _web(request)
        from brandpulse.report import build_report
        from digest.report import render_json

        since, until = _report_period(web, days=days, everything=False)
        report = build_report(web.config, web.repo, since=since, until=until, now=web.now())
        return JSONResponse(json.loads(render_json(report)))


def _mount_swagger(app: FastAPI) -> None:
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
