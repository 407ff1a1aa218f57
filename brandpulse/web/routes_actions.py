"""The actions on an alert (handle with a note, assign, snooze, dismiss with a reason,
correct the label, reopen): POST forms, CSRF-checked, a responder's only
(:func:`~brandpulse.web.auth.can`), each recorded in the alert's history with the user's
name by :class:`brandpulse.inbox.Inbox`, as ``brandpulse inbox`` records them."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from brandpulse.inbox import Inbox, InboxError, parse_when
from brandpulse.web.auth import can
from brandpulse.web.deps import CheckedForm, Refused, User, web_state
from digest.inbox import InboxItem
from storage.web_users import WebUser

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)


def _act(
    request: Request,
    user: WebUser,
    alert_id: int,
    action: str,
    run: Callable[[Inbox], InboxItem],
    done: str | Callable[[InboxItem], str],
) -> Response:
    """Run one action for ``user`` (403 unless their role may) and go back to the alert's
    page with ``done`` (or what it says of the alert after the action) or the inbox's
    refusal as the flash message."""
    if not can(user.role, action):
        raise Refused(403, f"{user.name} is a {user.role}: only a responder can {action}.")
    try:
        item = run(web_state(request).inbox)
    except InboxError as exc:
        request.session["flash"] = f"Not done: {exc}"
    else:
        request.session["flash"] = done if isinstance(done, str) else done(item)
        logger.info("web: %s %s alert %d", user.name, action, alert_id)
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)


@router.post("/alerts/{alert_id}/handle")
def handle(request: Request, user: User, form: CheckedForm, alert_id: int) -> Response:
    note = form.get("note", "").strip() or None
    return _act(
        request,
        user,
        alert_id,
        "handle",
        lambda box: box.handle(alert_id, by=user.name, note=note),
        "Handled.",
    )


@router.post("/alerts/{alert_id}/assign")
def assign(request: Request, user: User, form: CheckedForm, alert_id: int) -> Response:
    to = form.get("to", "")
    return _act(
        request,
        user,
        alert_id,
        "assign",
        lambda box: box.assign(alert_id, to=to, by=user.name),
        f"Assigned to {to.strip()}.",
    )


@router.post("/alerts/{alert_id}/snooze")
def snooze(request: Request, user: User, form: CheckedForm, alert_id: int) -> Response:
    web = web_state(request)
    try:
        until = parse_when(form.get("until", ""), now=web.now())
    except (InboxError, ValueError) as exc:
        request.session["flash"] = f"Not done: {exc}"
        return RedirectResponse(f"/alerts/{alert_id}", status_code=303)
    return _act(
        request,
        user,
        alert_id,
        "snooze",
        lambda box: box.snooze(alert_id, until=until, by=user.name),
        f"Snoozed until {until:%d %b %H:%M} UTC.",
    )


@router.post("/alerts/{alert_id}/dismiss")
def dismiss(request: Request, user: User, form: CheckedForm, alert_id: int) -> Response:
    reason = form.get("reason", "")
    note = form.get("note", "").strip() or None
    label = form.get("label") or "neutral"
    return _act(
        request,
        user,
        alert_id,
        "dismiss",
        lambda box: box.dismiss(alert_id, reason=reason, by=user.name, note=note, label=label),
        f"Dismissed ({reason}).",
    )


@router.post("/alerts/{alert_id}/relabel")
def relabel(request: Request, user: User, form: CheckedForm, alert_id: int) -> Response:
    label = form.get("label", "")
    note = form.get("note", "").strip() or None
    return _act(
        request,
        user,
        alert_id,
        "relabel",
        lambda box: box.relabel(alert_id, label=label, by=user.name, note=note),
        lambda item: (
            f"Label corrected to {label}."
            + (
                " The alert stays in the queue: dismiss it as not-negative if it needs no reply."
                if label != "negative" and item.state in ("open", "assigned", "snoozed")
                else ""
            )
        ),
    )


@router.post("/alerts/{alert_id}/reopen")
def reopen(request: Request, user: User, form: CheckedForm, alert_id: int) -> Response:
    return _act(
        request,
        user,
        alert_id,
        "reopen",
        lambda box: box.reopen(alert_id, by=user.name),
        "Reopened.",
    )
