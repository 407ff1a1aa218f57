"""Deliver rendered documents to files in an output folder; name apprise recipients without
secrets (sending itself is in :mod:`digest.send`)."""

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
    """Result of one send: ``ok`` and, when not, the error text (used by the competitor
    report's sends; alerts go through the outbox, :mod:`digest.send`)."""

    target: str
    ok: bool
    error: str | None = None


def target_key(url: str) -> str:
    """A stable, secret-free name for an apprise URL: ``scheme://#<8 hex>``, the hex being
    the start of the SHA-256 of the whole URL.

    Only the scheme is shown: many apprise schemes carry the token in the host
    (``pbul://TOKEN``, ``ifttt://WEBHOOK_ID@EVENT``) or the path (``slack://T/B/C``), so
    neither is ever stored, logged or printed. The full URL stays in the config only.
    """
    parts = urlsplit(url)
    digest = hashlib.sha256(url.encode()).hexdigest()[:8]
    return f"{parts.scheme.lower()}://#{digest}"


def legacy_target_key(url: str) -> str:
    """The key versions before the outbox stored (``scheme://host#<8 hex>``), used only in
    memory to find what the old ``deliveries`` table recorded as sent."""
    parts = urlsplit(url)
    digest = hashlib.sha256(url.encode()).hexdigest()[:8]
    return f"{parts.scheme}://{parts.hostname or ''}#{digest}"


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
