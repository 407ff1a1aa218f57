"""The reading pages: the inbox (urgent first, filters), an alert's mention page (text,
thread context, reply outline, history), what changed since the last visit and source
health. Every one reads through :class:`brandpulse.inbox.Inbox`, as the CLI does."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from brandpulse.inbox import InboxError
from brandpulse.readonly import configured_health
from brandpulse.web.deps import Refused, User, page, web_state
from brandpulse.web.formats import ago
from brandpulse.web.routes_auth import FIRST_VISIT_HOURS
from brandpulse.web.thread import thread_context
from digest.inbox import ALLOWED_FROM, DISMISS_REASONS, STATE_FILTERS, InboxItem
from digest.replies import reply_outline
from storage.extras import extras_by_id

__all__ = ["LABELS", "SNOOZE_CHOICES", "router"]

SNOOZE_CHOICES = ("2h", "1d", "3d", "1w")
LABELS = ("negative", "neutral", "positive")
#: The history's entry for an alert's creation (``storage.inbox``): not something a person
#: did, so the changes page lists the alert itself under "New alerts" instead.
RAISED = "raised"

router = APIRouter(include_in_schema=False)


def filtered(items: list[InboxItem], **wanted: str | None) -> list[InboxItem]:
    """``items`` of the wanted source ``kind``, ``language`` and ``assignee`` (each
    optional; empty means any)."""
    out = items
    if wanted.get("kind"):
        out = [i for i in out if i.source_kind == wanted["kind"]]
    if wanted.get("language"):
        out = [i for i in out if (i.mention.language or "") == wanted["language"]]
    if wanted.get("assignee"):
        out = [i for i in out if (i.assignee or "") == wanted["assignee"]]
    return out


def allowed_actions(state: str) -> frozenset[str]:
    """The actions an alert in ``state`` takes (the inbox's own rule,
    ``digest.inbox.ALLOWED_FROM``); a label can be corrected in any state."""
    return frozenset(a for a, states in ALLOWED_FROM.items() if state in states) | {"relabel"}


@router.get("/", response_class=HTMLResponse)
def inbox_page(
    request: Request,
    user: User,
    brand: str | None = None,
    kind: str | None = None,
    language: str | None = None,
    state: str = "open",
    assignee: str | None = None,
) -> Response:
    web = web_state(request)
    brand = brand or None
    try:
        everything = web.inbox.items(state=state, brand=brand)
    except InboxError as exc:
        raise Refused(400, str(exc)) from None
    items = filtered(everything, kind=kind, language=language, assignee=assignee)
    return page(
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


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert_page(request: Request, user: User, alert_id: int) -> Response:
    web = web_state(request)
    try:
        item = web.inbox.item(alert_id)
    except InboxError as exc:
        raise Refused(404, str(exc)) from None
    kinds = web.inbox.store.source_kinds()
    outline = reply_outline(
        item.mention, kind=item.source_kind, source_type=kinds.get(item.mention.source)
    )
    extra = extras_by_id(web.repo.engine, [item.mention.id]).get(item.mention.id)
    return page(
        request,
        "alert.html",
        {
            "item": item,
            "thread": thread_context(extra, url=item.mention.url),
            "outline": outline if item.label == "negative" and item.state != "dismissed" else (),
            "allowed": allowed_actions(item.state),
            "history": web.inbox.history(alert_id),
            "reasons": DISMISS_REASONS,
            "labels": LABELS,
            "snoozes": SNOOZE_CHOICES,
        },
    )


@router.get("/changes", response_class=HTMLResponse)
def changes_page(request: Request, user: User) -> Response:
    web = web_state(request)
    raw = request.session.get("since")
    since = (
        datetime.fromisoformat(raw)
        if isinstance(raw, str)
        else web.now() - timedelta(hours=FIRST_VISIT_HOURS)
    )
    events = [e for e in web.inbox.changes_since(since) if e.action != RAISED]
    new = [i for i in web.inbox.items(state="all") if i.created_at > since]
    new.sort(key=lambda i: -i.urgency)
    return page(
        request,
        "changes.html",
        {"since": since, "events": list(reversed(events)), "new": new},
    )


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, user: User) -> Response:
    web = web_state(request)
    rows, never = configured_health(web.config, web.repo.source_health())
    return page(
        request,
        "sources.html",
        {"rows": rows, "never": never, "ago": lambda t: ago(web.now(), t)},
    )
