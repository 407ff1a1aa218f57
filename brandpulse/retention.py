"""Retention (``[retention]``): old archived digests and reports, and old mentions.

Applied at the end of every cycle (``run --once``) and every daemon digest job.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from brandpulse.config import Config
from storage import Repository
from storage.housekeeping import delete_mentions_before

logger = logging.getLogger(__name__)

DAY_S = 86_400


@dataclass(frozen=True, slots=True)
class RetentionResult:
    files_deleted: int = 0
    mentions_deleted: int = 0


def clean_archive(archive: Path, *, stem: str, days: int, now_s: float | None = None) -> int:
    """Delete ``<stem>-*`` files under ``archive`` last modified more than ``days`` days
    ago; returns how many. Missing folder: 0."""
    if not archive.is_dir():
        return 0
    cutoff = (time.time() if now_s is None else now_s) - days * DAY_S
    deleted = 0
    for path in archive.glob(f"{stem}-*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
        except OSError as exc:
            logger.warning("retention: cannot delete %s: %s", path, exc)
    return deleted


def apply_retention(config: Config, repo: Repository, *, now: datetime) -> RetentionResult:
    """Delete what ``[retention]`` says is too old; never raises for a file it cannot
    delete (logged). Returns what was deleted."""
    keep = config.retention
    archive = Path(config.digest.output_dir) / "archive"
    now_s = now.timestamp()
    files = clean_archive(archive, stem="digest", days=keep.digests_days, now_s=now_s)
    files += clean_archive(archive, stem="competitors", days=keep.archives_days, now_s=now_s)
    mentions = 0
    if keep.mentions_days is not None:
        mentions = delete_mentions_before(repo.engine, now - timedelta(days=keep.mentions_days))
    if files or mentions:
        logger.info("retention: deleted %d archived file(s), %d mention(s)", files, mentions)
    return RetentionResult(files, mentions)
