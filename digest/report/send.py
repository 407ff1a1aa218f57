"""Deliver the competitor report through apprise: the PDF and charts as attachments.

E-mail (``mailto://``, ``mailtos://``) gets the HTML report as its body with the charts
as inline images (``cid:`` references to attachments, apprise's ``inline=yes``: mail
clients block ``data:`` images) and the PDF attached. Other channels (Slack, Discord,
Teams, webhooks) get the text report, plus the PDF and charts where the channel takes
attachments (apprise drops them, with a warning, where it does not).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from digest.deliver import target_key
from digest.render import Rendered
from digest.report.render import ReportDocuments, chart_filename, render_html
from digest.send import SendResult, send_message

logger = logging.getLogger(__name__)

EMAIL_SCHEMES = ("mailto", "mailtos")
PDF_NAME = "competitors.pdf"


def is_email(url: str) -> bool:
    return urlsplit(url).scheme.lower() in EMAIL_SCHEMES


def _with_inline(url: str) -> str:
    """The e-mail URL with ``inline=yes`` (images embedded, RFC 2387) unless it says."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(k.lower() == "inline" for k, _ in query):
        return url
    return urlunsplit(parts._replace(query=urlencode([*query, ("inline", "yes")])))


def send_report(
    docs: ReportDocuments,
    url: str,
    *,
    idempotency_key: str | None = None,
    connect_timeout_s: float = 5.0,
    read_timeout_s: float = 30.0,
) -> SendResult:
    """Send the report to one apprise URL through :func:`digest.send.send_message` (the
    same timeouts, idempotency header and secret scrubbing as alerts and digests).

    Never raises: the outcome is ``sent``, ``failed`` (with a secret-free reason; the URL
    is named by :func:`digest.deliver.target_key`) or ``unknown`` (no answer in time).
    """
    email = is_email(url)
    with tempfile.TemporaryDirectory(prefix="brandpulse-report-") as tmp:
        folder = Path(tmp)
        attachments: list[str] = []
        for chart in docs.charts:
            path = folder / chart_filename(chart)
            path.write_bytes(chart.png)
            attachments.append(str(path))
        if docs.pdf is not None:
            path = folder / PDF_NAME
            path.write_bytes(docs.pdf)
            attachments.append(str(path))
        html = (
            render_html(
                docs.report,
                docs.charts,
                images={c.name: f"cid:{chart_filename(c)}" for c in docs.charts},
            )
            if email
            else ""
        )
        result = send_message(
            Rendered(subject=docs.subject, html=html, text=docs.text),
            _with_inline(url) if email else url,
            idempotency_key=idempotency_key,
            connect_timeout_s=connect_timeout_s,
            read_timeout_s=read_timeout_s,
            attach=attachments,
            plain=not email,
        )
    if result.ok:
        logger.info("competitor report sent to %s", result.target)
    # The key names the configured URL, not the one with inline=yes added.
    return SendResult(target_key(url), result.status, result.reason)
