"""The competitor report as a page: the same document ``brandpulse report competitors``
writes (charts inline, served under :data:`~brandpulse.web.security.REPORT_CSP`) with a
way back to the inbox, for the last N days or every stored mention."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from brandpulse.web.deps import User, WebState, web_state
from brandpulse.web.security import REPORT_CSP

__all__ = ["REPORT_NAV", "report_period", "router"]

router = APIRouter(include_in_schema=False)

_BODY = re.compile(r"<body[^>]*>", re.IGNORECASE)
#: The way back from the report document (its CSP allows inline styles, no scripts).
REPORT_NAV = (
    '<nav style="font:15px system-ui,sans-serif;padding:6px 0;border-bottom:1px solid #ccc">'
    '<a href="/">\u2190 Inbox</a> \u00b7 <a href="/report?days=7">last 7 days</a> \u00b7 '
    '<a href="/report?days=30">last 30 days</a> \u00b7 <a href="/report?period=all">'
    "everything stored</a></nav>"
)


def report_period(
    web: WebState, *, days: int | None, everything: bool
) -> tuple[datetime, datetime]:
    """``(since, until)``: every stored mention's span when ``everything`` (and any is
    stored), else the last ``days`` days (default ``report.period_days``) up to now."""
    if everything:
        from brandpulse.report import period_covering

        covering = period_covering(web.repo)
        if covering is not None:
            return covering
    now = web.now()
    length = days or web.config.report.period_days
    return now - timedelta(days=length), now


def _report_html(web: WebState, *, days: int | None, everything: bool) -> str:
    """The competitor report's HTML (charts inline) for :func:`report_period`."""
    from brandpulse.report import build_report  # matplotlib: imported when first needed
    from digest.charts import render_charts
    from digest.report import render_html

    since, until = report_period(web, days=days, everything=everything)
    report = build_report(web.config, web.repo, since=since, until=until, now=web.now())
    html = render_html(report, render_charts(report))
    return _BODY.sub(lambda m: m.group(0) + REPORT_NAV, html, count=1)


@router.get("/report")
def report_page(
    request: Request, user: User, days: int | None = None, period: str | None = None
) -> Response:
    html = _report_html(web_state(request), days=days, everything=period == "all")
    return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})
