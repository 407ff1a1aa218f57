"""How long ago, in words: the one rule the digest, the urgency reasons and the web pages
use to write a duration ("25 min", "6 h", "3 days")."""

from __future__ import annotations

from datetime import datetime

from storage.records import StoredMention

__all__ = ["duration_text", "human_age", "mention_age"]


def duration_text(seconds: float) -> str:
    """``seconds`` as whole minutes under an hour, whole hours under two days, else whole
    days, each rounded down: "25 min", "6 h", "3 days"."""
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} days"


def human_age(when: datetime | None, now: datetime) -> str:
    """'5 min', '3 h', '2 days' since ``when``; 'unknown' when undated."""
    if when is None:
        return "unknown"
    return duration_text(max(0.0, (now - when).total_seconds()))


def mention_age(mention: StoredMention, now: datetime) -> str:
    """The age shown before "ago": since publication, or, for an undated item (an App
    Store recording without dates, a post from a data set), "undated, read <age>" since it
    was collected, so a reader does not take the collection time for the post's."""
    if mention.published_at is not None:
        return human_age(mention.published_at, now)
    return f"undated, read {human_age(mention.collected_at, now)}"
