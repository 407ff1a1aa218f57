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

from digest.deliver import DeliveryOutcome, target_key
from digest.report.render import ReportDocuments, chart_filename, render_html

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


def send_report(docs: ReportDocuments, url: str) -> DeliveryOutcome:
    """Send the report to one apprise URL. Never raises: a failure is the outcome's
    ``error`` (secret-free: the URL is named by :func:`digest.deliver.target_key`)."""
    import apprise

    key = target_key(url)
    email = is_email(url)
    notifier = apprise.Apprise()
    if not notifier.add(_with_inline(url) if email else url):
        return DeliveryOutcome(
            key,
            False,
            f"apprise does not understand the URL for {key}: check its syntax "
            "(https://github.com/caronc/apprise/wiki)",
        )
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
        if email:
            body = render_html(
                docs.report,
                docs.charts,
                images={c.name: f"cid:{chart_filename(c)}" for c in docs.charts},
            )
            body_format = apprise.NotifyFormat.HTML
        else:
            body, body_format = docs.text, apprise.NotifyFormat.TEXT
        try:
            ok = bool(
                notifier.notify(
                    title=docs.subject,
                    body=body,
                    body_format=body_format,
                    attach=attachments or None,
                )
            )
        except Exception as exc:  # a plugin may raise on odd input; report, never crash
            logger.exception("report delivery to %s raised", key)
            return DeliveryOutcome(key, False, f"{exc.__class__.__name__}: {exc}")
    if not ok:
        return DeliveryOutcome(key, False, f"report delivery to {key} failed (see the log)")
    logger.info("competitor report sent to %s", key)
    return DeliveryOutcome(key, True)
