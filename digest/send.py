"""Send one message through apprise and say what happened: sent, failed or unknown.

apprise reports only True/False; the reason is in its log. :func:`send_message` captures
apprise's log records for the length of the send (secret parts of the URL scrubbed before
any handler sees them) and classifies the outcome:

* ``sent``: apprise confirmed it (HTTP 2xx, SMTP accepted the message).
* ``unknown``: the request went out but no answer came in time (an HTTP read timeout,
  an SMTP timeout): the receiver may have it. Never counted as a failure.
* ``failed``: the receiver refused it (HTTP 4xx/5xx, SMTP error) or was not reached.

Per channel, the URL gets deliberate timeouts (``cto`` connect, ``rto`` read, seconds) and,
where the channel carries headers, the idempotency key:

* ``json://``, ``form://``, ``xml://`` (and their ``s`` variants): header
  ``Idempotency-Key: <key>``; a receiver that drops repeated keys sees each message once.
* ``mailto://``, ``mailtos://``: header ``X-BrandPulse-Idempotency-Key`` (informational:
  mail servers do not deduplicate on it).
* every other scheme (Slack, Discord, Teams ...): no header is possible.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from digest.deliver import target_key
from digest.render import Rendered

logger = logging.getLogger(__name__)

SendStatus = Literal["sent", "failed", "unknown"]

#: Schemes whose receivers get the idempotency key as an HTTP header they can dedup on.
IDEMPOTENT_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
EMAIL_SCHEMES = frozenset({"mailto", "mailtos"})
IDEMPOTENCY_HEADER = "Idempotency-Key"
EMAIL_KEY_HEADER = "X-BrandPulse-Idempotency-Key"
_MIN_SECRET_CHARS = 4
#: Loggers that may print the URL (or its path) during a send; scrubbed while it runs.
_HTTP_LOGGERS = (
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.poolmanager",
    "urllib3.util.retry",
    "requests",
    "smtplib",
)
_send_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class SendResult:
    """What one send did. ``reason`` is secret-free; None when sent."""

    target: str
    status: SendStatus
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "sent"

    @property
    def error(self) -> str | None:
        return self.reason


def channel_is_idempotent(url: str) -> bool:
    """Whether the receiver gets the idempotency key as a header (json/form/xml)."""
    return urlsplit(url).scheme.lower() in IDEMPOTENT_SCHEMES


def secret_fragments(url: str) -> list[str]:
    """The parts of ``url`` that may be secret, longest first: the URL itself, user,
    password, host, path segments and query values (4 characters or more)."""
    parts = urlsplit(url)
    pieces = [url, parts.netloc, parts.username, parts.password, parts.hostname]
    pieces += [unquote(seg) for seg in parts.path.split("/")]
    pieces += [seg for seg in parts.path.split("/")]
    pieces += [value for _key, value in parse_qsl(parts.query)]
    pieces += [parts.fragment]
    found = {p for p in pieces if p and len(p) >= _MIN_SECRET_CHARS}
    return sorted(found, key=len, reverse=True)


def scrub(text: str, fragments: list[str], key: str) -> str:
    """``text`` with the full URL replaced by its key and every other fragment by ***."""
    out = text
    for fragment in fragments:
        if fragment in out:
            out = out.replace(fragment, key if fragment == fragments[0] else "***")
    return out


def prepare_url(
    url: str, *, key: str | None, connect_timeout_s: float, read_timeout_s: float
) -> str:
    """``url`` with timeouts (unless the URL sets its own) and the idempotency header."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = {k.lower() for k, _v in query}
    if scheme in EMAIL_SCHEMES:
        # smtplib uses one timeout for every socket operation.
        if "cto" not in names:
            query.append(("cto", f"{read_timeout_s:g}"))
        if key:
            query.append((f"+{EMAIL_KEY_HEADER}", key))
    else:
        if "cto" not in names:
            query.append(("cto", f"{connect_timeout_s:g}"))
        if "rto" not in names:
            query.append(("rto", f"{read_timeout_s:g}"))
        if key and scheme in IDEMPOTENT_SCHEMES:
            query.append((f"+{IDEMPOTENCY_HEADER}", key))
    return urlunsplit(parts._replace(query=urlencode(query)))


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelno, record.getMessage()))


class _Scrubber(logging.Filter):
    """Rewrites apprise's records so no handler (ours or the root's) sees the URL."""

    def __init__(self, fragments: list[str], key: str) -> None:
        super().__init__()
        self.fragments = fragments
        self.key = key

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        record.msg = scrub(message, self.fragments, self.key)
        record.args = None
        return True


def classify(records: list[tuple[int, str]], *, email: bool) -> tuple[SendStatus, str]:
    """Outcome and reason of a send apprise reported as failed, from its log records."""
    text = " | ".join(message for _level, message in records)
    lowered = text.lower()
    if "read timed out" in lowered or (email and "timed out" in lowered):
        status: SendStatus = "unknown"
    else:
        status = "failed"
    warnings = [m for level, m in records if level >= logging.WARNING]
    details = [m for _level, m in records if m.startswith("Socket Exception")]
    reason = "; ".join(warnings[:2] + details[:1]) or "apprise reported a failure"
    if status == "unknown":
        reason = f"no answer in time after the request was sent (outcome unknown): {reason}"
    return status, " ".join(reason.split())[:500]


def send_message(
    doc: Rendered,
    url: str,
    *,
    idempotency_key: str | None = None,
    connect_timeout_s: float = 5.0,
    read_timeout_s: float = 30.0,
    attach: Sequence[str] = (),
    plain: bool = False,
) -> SendResult:
    """Send ``doc`` (HTML body, subject as title) to one apprise URL.

    Args:
        doc: the rendered message.
        url: the apprise URL from the config (holds secrets; never logged).
        idempotency_key: sent as a header where the channel allows (see module doc).
        connect_timeout_s: seconds to connect (default 5).
        read_timeout_s: seconds to wait for the answer once the request is sent
            (default 30); past it the outcome is ``unknown``.
        attach: paths of files to attach where the channel takes attachments (apprise
            drops them, with a warning, where it does not); default none.
        plain: send ``doc.text`` as plain text instead of ``doc.html`` (default False).
    """
    import apprise

    key = target_key(url)
    fragments = secret_fragments(url)
    final_url = prepare_url(
        url,
        key=idempotency_key,
        connect_timeout_s=connect_timeout_s,
        read_timeout_s=read_timeout_s,
    )
    fragments = sorted({final_url, *fragments, *secret_fragments(final_url)}, key=len, reverse=True)
    # The full configured URL must map to the key: put it first.
    fragments.remove(final_url)
    fragments.insert(0, final_url)
    if url in fragments[1:]:
        fragments.remove(url)
        fragments.insert(1, url)
    email = urlsplit(url).scheme.lower() in EMAIL_SCHEMES
    apprise_logger = logging.getLogger("apprise")
    capture = _Capture()
    scrubber = _Scrubber(fragments, key)
    with _send_lock:
        old_level = apprise_logger.level
        apprise_logger.addFilter(scrubber)
        for name in _HTTP_LOGGERS:
            logging.getLogger(name).addFilter(scrubber)
        apprise_logger.addHandler(capture)
        apprise_logger.setLevel(logging.DEBUG)
        # Our capture wants debug records; the root handlers get only what they had.
        old_propagate = apprise_logger.propagate
        apprise_logger.propagate = logging.getLogger().isEnabledFor(logging.DEBUG)
        try:
            notifier = apprise.Apprise()
            if not notifier.add(final_url):
                return SendResult(
                    key,
                    "failed",
                    f"apprise does not understand the URL for {key}: check its syntax "
                    "(https://github.com/caronc/apprise/wiki)",
                )
            try:
                ok = bool(
                    notifier.notify(
                        title=doc.subject,
                        body=doc.text if plain else doc.html,
                        body_format=(
                            apprise.NotifyFormat.TEXT if plain else apprise.NotifyFormat.HTML
                        ),
                        attach=list(attach) or None,
                    )
                )
            except Exception as exc:  # a plugin raising must not lose the message
                reason = scrub(f"{exc.__class__.__name__}: {exc}", fragments, key)
                logger.warning("delivery to %s raised: %s", key, reason)
                return SendResult(key, "failed", reason[:500])
        finally:
            apprise_logger.removeHandler(capture)
            apprise_logger.removeFilter(scrubber)
            for name in _HTTP_LOGGERS:
                logging.getLogger(name).removeFilter(scrubber)
            apprise_logger.setLevel(old_level)
            apprise_logger.propagate = old_propagate
    if ok:
        return SendResult(key, "sent")
    status, reason = classify(capture.records, email=email)
    return SendResult(key, status, scrub(reason, fragments, key))
