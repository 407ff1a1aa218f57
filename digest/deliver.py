"""Deliver rendered documents: to files in an output folder, and through apprise URLs."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from digest.render import Rendered

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """Result of one send: ``ok`` and, when not, the error text."""

    target: str
    ok: bool
    error: str | None = None


def target_key(url: str) -> str:
    """A stable, secret-free name for an apprise URL: ``scheme://host#<8 hex>``.

    The full URL (which may hold tokens or passwords) is never stored or logged.
    """
    parts = urlsplit(url)
    digest = hashlib.sha256(url.encode()).hexdigest()[:8]
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}#{digest}"


def _atomic_write(path: Path, content: str) -> None:
    """Write ``content`` to ``path`` atomically; the file is 0600 (mkstemp) and missing
    folders are created 0700."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_files(doc: Rendered, *, output_dir: Path, stem: str, now: datetime) -> list[Path]:
    """Write ``<stem>.html`` and ``<stem>.txt`` (latest) plus timestamped copies under
    ``archive/``; writes are atomic so a reader never sees half a file. Returns the
    latest paths."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    written = []
    for ext, content in (("html", doc.html), ("txt", doc.text)):
        latest = output_dir / f"{stem}.{ext}"
        _atomic_write(latest, content)
        _atomic_write(output_dir / "archive" / f"{stem}-{stamp}.{ext}", content)
        written.append(latest)
    return written


def send_apprise(doc: Rendered, url: str, *, attach_text: bool = False) -> DeliveryOutcome:
    """Send ``doc`` as HTML to one apprise URL (mailto://, slack://, json://, ...)."""
    import apprise

    key = target_key(url)
    notifier = apprise.Apprise()
    if not notifier.add(url):
        return DeliveryOutcome(
            key,
            False,
            f"apprise does not understand the URL for {key}: check its syntax "
            "(https://github.com/caronc/apprise/wiki)",
        )
    try:
        ok = bool(
            notifier.notify(title=doc.subject, body=doc.html, body_format=apprise.NotifyFormat.HTML)
        )
    except Exception as exc:  # apprise plugins may raise on odd input; never lose the alert
        logger.exception("delivery to %s raised", key)
        return DeliveryOutcome(key, False, f"{exc.__class__.__name__}: {exc}")
    if not ok:
        return DeliveryOutcome(key, False, f"delivery to {key} failed (see the log for details)")
    return DeliveryOutcome(key, True)
