"""Thread context for the mention page, from a stored mention's ``extra`` (JSON) fields.

Sources that give it: Reddit thread comments (``listeners/reddit.py``: ``depth``, 0 for a
direct reply to the submission; ``thread``, the submission's fullname such as
``t3_abc123``; ``parent_permalink``, the parent comment's or submission's web URL) and
Mastodon replies (``in_reply_to``: the parent status id on the instance that was read,
``instance``). Every link passes :func:`domain.sanitize.safe_link` (http and https only);
anything else is kept as plain text, which the templates escape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.sanitize import clean_line, safe_link

#: A Reddit comment permalink: the thread's URL is everything up to the comment id.
_REDDIT_COMMENT = re.compile(
    r"^(https?://[^/]+(?:/r/[^/]+)?/comments/([a-z0-9]+)/[^/]*/)[a-z0-9]+/?"
)


@dataclass(frozen=True)
class ThreadContext:
    """Where a mention sits in its conversation (every field optional).

    Attributes:
        depth: the reply depth (0: a direct reply to the post), or ``None`` if unknown.
        parent_url: an http(s) link to the item this one answers.
        parent_ref: the parent as text when no safe link exists (a status id, a URL with
            another scheme), shown escaped, never as a link.
        thread_url: an http(s) link to the whole thread.
        thread_ref: the thread's id as text (Reddit's ``t3_…`` fullname).
        instance: the Mastodon instance the reply was read on.
    """

    depth: int | None = None
    parent_url: str | None = None
    parent_ref: str | None = None
    thread_url: str | None = None
    thread_ref: str | None = None
    instance: str | None = None

    @property
    def parent_label(self) -> str:
        """The words for the parent link: the post for depth 0, else the comment."""
        return "the post it answers" if self.depth == 0 else "the comment it answers"


def _text(value: Any, limit: int = 300) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = clean_line(str(value), max_chars=limit)
    return text or None


def _depth(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        depth = int(value)
    except (TypeError, ValueError):
        return None
    return depth if 0 <= depth < 10_000 else None


def reddit_thread_url(comment_url: str | None, thread: str | None) -> str | None:
    """The thread's URL from a Reddit comment's permalink (``…/comments/ID/slug/CID/`` →
    ``…/comments/ID/slug/``) when the permalink's thread id matches ``thread`` (a
    ``t3_ID`` fullname, or ``None`` to accept any); ``None`` otherwise."""
    link = safe_link(comment_url)
    if not link:
        return None
    found = _REDDIT_COMMENT.match(link)
    if not found:
        return None
    if thread and thread.removeprefix("t3_") != found.group(2):
        return None
    return found.group(1)


def thread_context(
    extra: Mapping[str, Any] | None, *, url: str | None = None
) -> ThreadContext | None:
    """The thread context in a mention's ``extra``, or ``None`` when the source gave none.

    Args:
        extra: the mention's ``extra`` fields (``None`` or ``{}`` for none).
        url: the mention's own URL (a Reddit comment's permalink gives the thread's URL).
    """
    if not extra:
        return None
    depth = _depth(extra.get("depth"))
    thread_ref = _text(extra.get("thread"), 40)
    raw_parent = extra.get("parent_permalink") or extra.get("in_reply_to")
    parent_url = safe_link(raw_parent) if isinstance(raw_parent, str) else None
    parent_ref = None if parent_url else _text(raw_parent)
    instance = _text(extra.get("instance"), 200) if extra.get("in_reply_to") else None
    if depth is None and thread_ref is None and raw_parent in (None, ""):
        return None
    return ThreadContext(
        depth=depth,
        parent_url=parent_url,
        parent_ref=parent_ref,
        thread_url=reddit_thread_url(url, thread_ref) if thread_ref else None,
        thread_ref=thread_ref,
        instance=instance,
    )
