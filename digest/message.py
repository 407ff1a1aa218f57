"""One message per urgent alert (immediate routes), an escalation for an overdue one, and
the heartbeat line when nothing happened: text and HTML, rendered with jinja2.

HTML templates are autoescaped (scraped text is never trusted); on top of that every
scraped field is cleaned of control and bidirectional-override characters (a CR/LF in an
author cannot start a new line, U+202E cannot reverse the text) and a link is made only
for ``http``/``https`` URLs (a ``javascript:`` or ``data:`` URL is shown as text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from digest.build import AlertView
from digest.render import Rendered, environment
from digest.replies import ReplyStep
from domain.sanitize import safe_link

#: C0/C1 controls (tab and newline kept only where asked), bidi embeddings/overrides/isolates.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\r\n\t\u2028\u2029\x85]+")


def clean(text: str | None, *, one_line: bool = True) -> str:
    """``text`` without control or bidi-override characters; one line unless told."""
    value = text or ""
    if one_line:
        value = _LINE_BREAKS.sub(" ", value)
    return _CONTROLS.sub("", value).strip()


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """What the per-alert templates show (every scraped field cleaned)."""

    title: str
    alert: AlertView
    brand: str
    source: str
    author: str
    snippet: str
    url_text: str
    link: str | None
    heading: str
    steps: tuple[ReplyStep, ...] = ()
    escalation: bool = False
    overdue_since: str | None = None


def alert_message(
    alert: AlertView, *, title: str, escalation: bool = False, overdue_since: str | None = None
) -> Rendered:
    """Render one alert as a message (subject, HTML, text).

    Args:
        alert: the alert as built for the digest (reply outline included).
        title: the configured digest title, used as the subject prefix.
        escalation: True for the re-notification of an overdue alert.
        overdue_since: when its reply was due (shown in escalations), display text.
    """
    m = alert.mention
    what = {"article": "negative article", "review": "negative review"}.get(
        alert.kind, "negative post"
    )
    heading = (
        f"{'OVERDUE: ' if escalation else ''}{clean(alert.brand)}: {what} on {clean(m.source)}"
    )
    view = AlertMessage(
        title=title,
        alert=alert,
        brand=clean(alert.brand),
        source=clean(m.source),
        author=clean(m.author),
        snippet=clean(alert.snippet),
        url_text=clean(m.url),
        link=safe_link(m.url),
        heading=heading,
        steps=tuple(replace(s, advice=clean(s.advice)) for s in alert.reply_outline),
        escalation=escalation,
        overdue_since=overdue_since,
    )
    env = environment()
    subject = f"{clean(title)}: {heading} (urgency {alert.urgency:.0f})"
    return Rendered(
        subject,
        env.get_template("alert_message.html.j2").render(msg=view),
        env.get_template("alert_message.txt.j2").render(msg=view),
    )


def heartbeat_message(
    *, title: str, since: datetime | None, healthy: int, total: int, warnings: tuple[str, ...]
) -> Rendered:
    """'No new negative mentions since …; N sources healthy' (with any source warnings)."""
    when = since.strftime("%Y-%m-%d %H:%M UTC") if since else "the start"
    line = f"No new negative mentions since {when}; {healthy} of {total} sources healthy."
    env = environment()
    return Rendered(
        f"{clean(title)}: nothing new",
        env.get_template("heartbeat.html.j2").render(line=line, warnings=warnings, title=title),
        env.get_template("heartbeat.txt.j2").render(line=line, warnings=warnings, title=title),
    )
