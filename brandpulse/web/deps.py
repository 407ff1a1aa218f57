"""What every web route shares: the app's state, the logged-in user and the CSRF-checked
form (FastAPI dependencies), and page rendering through the autoescaping templates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from brandpulse.config import Config
from brandpulse.inbox import Inbox
from brandpulse.web.auth import LoginLimiter, can, check_csrf, new_token
from brandpulse.web.formats import detail_value, sla_outcome
from domain.sanitize import clean_text, safe_link
from storage import Repository
from storage.web_users import UserStore, WebUser

__all__ = [
    "CheckedForm",
    "Refused",
    "User",
    "WebState",
    "checked_form",
    "csrf_token",
    "current_user",
    "make_templates",
    "page",
    "plain_form",
    "require_user",
    "web_state",
]

HERE = Path(__file__).parent


class Refused(Exception):
    """A request the user may not make (403) or must log in for (401: a redirect to the
    login page)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


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


def shown_text(value: Any) -> Any:
    """Every ``{{ value }}`` of a page, before escaping: text without NUL, control and
    bidi-override characters (:func:`domain.sanitize.clean_text`; rows stored by an older
    version may hold them). Markup (HTML the templates built) and non-text pass as they are."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return clean_text(value, max_chars=None)
    return value


def make_templates() -> Environment:
    """The page templates (``templates/``), autoescaped whatever the file name; every
    value shown passes :func:`shown_text`."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(("html", "j2"), default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=shown_text,
    )
    env.globals["safe_link"] = safe_link
    env.filters["detail"] = detail_value
    env.globals["sla_outcome"] = sla_outcome
    return env


def web_state(request: Request) -> WebState:
    """The app's :class:`WebState`."""
    web: WebState = request.app.state.web
    return web


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = new_token()
        request.session["csrf"] = token
    return token


def current_user(request: Request) -> WebUser | None:
    """The logged-in user, or ``None`` (a removed user's session ends here)."""
    name = request.session.get("user")
    if not isinstance(name, str):
        return None
    user = web_state(request).users.get(name)
    if user is None:
        request.session.pop("user", None)
    return user


def page(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    """``template`` rendered with ``context`` plus the user, their permissions
    (``can(action)``), the CSRF token, the one-time flash message and the clock."""
    web = web_state(request)
    user = current_user(request)
    body = web.templates.get_template(template).render(
        request=request,
        user=user,
        can=lambda action: user is not None and can(user.role, action),
        csrf=csrf_token(request),
        flash=request.session.pop("flash", None),
        now=web.now(),
        **context,
    )
    return HTMLResponse(body, status_code=status)


def require_user(request: Request) -> WebUser:
    """The logged-in user (dependency); redirects to the login page otherwise."""
    user = current_user(request)
    if user is None:
        raise Refused(401, "log in first")
    return user


User = Annotated[WebUser, Depends(require_user)]


#: Form fields taken exactly as typed (everything else passes ``clean_text``).
RAW_FIELDS = frozenset({"password", "csrf"})
#: Longest text kept from one form field, characters.
MAX_FIELD_CHARS = 10_000


async def plain_form(request: Request) -> dict[str, str]:
    """The POSTed form's text fields (files dropped), before any CSRF check. Text other
    than :data:`RAW_FIELDS` passes :func:`domain.sanitize.clean_text` (NUL, control and
    bidi characters dropped, at most :data:`MAX_FIELD_CHARS`): PostgreSQL refuses NUL,
    and notes and names are shown to everyone."""
    form = await request.form()
    return {
        k: v if k in RAW_FIELDS else clean_text(v, max_chars=MAX_FIELD_CHARS)
        for k, v in form.items()
        if isinstance(v, str)
    }


async def checked_form(request: Request) -> dict[str, str]:
    """The POSTed form after the CSRF check (dependency): 403 without the session's token."""
    form = await plain_form(request)
    if not check_csrf(request.session.get("csrf"), form.get("csrf")):
        raise Refused(
            403, "The form's CSRF token is missing or wrong: reload the page and try again."
        )
    return form


CheckedForm = Annotated[dict[str, str], Depends(checked_form)]
