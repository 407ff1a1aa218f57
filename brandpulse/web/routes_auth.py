"""Logging in and out: the login form (CSRF-checked, failed attempts limited per client
address) and the session it starts (the user, a fresh CSRF token and the previous visit,
which the "changes" page starts from)."""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from brandpulse.web.auth import check_csrf, hash_password, needs_rehash, new_token, verify_password
from brandpulse.web.deps import CheckedForm, Refused, User, page, plain_form, web_state

__all__ = ["FIRST_VISIT_HOURS", "router"]

logger = logging.getLogger(__name__)

#: The first visit's "what changed" window, in hours.
FIRST_VISIT_HOURS = 24

router = APIRouter(include_in_schema=False)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    return page(request, "login.html", {"error": None})


@router.post("/login")
async def login(request: Request) -> Response:
    web = web_state(request)
    form = await plain_form(request)
    if not check_csrf(request.session.get("csrf"), form.get("csrf")):
        raise Refused(403, "The form's CSRF token is missing or wrong: reload the page.")
    client = request.client.host if request.client else "unknown"
    if web.limiter.blocked(client):
        return page(
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
        return page(request, "login.html", {"error": "Wrong name or password."}, status=401)
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


@router.post("/logout")
def logout(request: Request, user: User, form: CheckedForm) -> Response:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)
