"""Reddit comment threads: walking ``/comments/{id}`` replies, ``more`` stubs to expand,
and what counts as gone (deleted, removed, empty).

Pure functions over Reddit's JSON (no I/O): :class:`listeners.reddit.RedditListener`
fetches, this module reads. A thread reply is ``[submission listing, comment listing]``;
each comment's ``replies`` is another listing (or ``""``); ``more`` children stand for
comments not sent yet, to be fetched with ``/api/morechildren`` (at most 100 ids a call).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Bodies Reddit shows in place of content that is gone.
GONE_TEXTS = frozenset({"[deleted]", "[removed]"})
#: Most comment ids ``/api/morechildren`` accepts in one call.
MORECHILDREN_MAX = 100


def gone_reason(data: Mapping[str, Any]) -> str | None:
    """``"deleted"`` when a submission or comment carries no content a person could
    read (``[deleted]``/``[removed]`` body, removed by a moderator or the author, or
    nothing at all); None when it has content. A deleted *account* with its text still
    shown (author ``[deleted]``) keeps the text and is not gone."""
    name = str(data.get("name") or "")
    if data.get("removed_by_category"):
        return "deleted"
    if name.startswith("t1_"):
        body = str(data.get("body") or "").strip()
        return "deleted" if not body or body in GONE_TEXTS else None
    selftext = str(data.get("selftext") or "").strip()
    if selftext in GONE_TEXTS:
        return "deleted"
    if not selftext and not str(data.get("title") or "").strip():
        return "deleted"
    return None


def thread_id(value: str) -> str:
    """The base-36 submission id of ``value``: ``"1cebxh"``, ``"t3_1cebxh"`` or a
    submission URL (``https://www.reddit.com/r/self/comments/1cebxh/...``).

    Raises ValueError naming the value when it is none of those.
    """
    text = value.strip()
    if text.lower().startswith("t3_"):
        text = text[3:]
    if re.fullmatch(r"[a-z0-9]{2,10}", text, re.IGNORECASE):
        return text.lower()
    match = re.search(r"/comments/([a-z0-9]{2,10})(?:[/?#]|$)", text, re.IGNORECASE)
    if match:
        return match.group(1).lower()
    raise ValueError(
        f"not a Reddit submission id or URL: {value!r} "
        "(use e.g. '1cebxh' or 'https://www.reddit.com/r/sub/comments/1cebxh/')"
    )


@dataclass
class Thread:
    """A thread read so far: its submission, its comments in reading order (each with
    ``depth``), and the ids of comments still behind ``more`` stubs.

    Attributes:
        submission: the submission's ``data`` (None if the reply had none).
        comments: every comment's ``data``, parents before their replies.
        pending: comment ids (base 36, no prefix) not yet fetched, in thread order.
        hidden: how many comments the stubs said they hide (``count``), for the log.
        depth: each comment's depth by fullname (0: a reply to the submission).
    """

    submission: Mapping[str, Any] | None = None
    comments: list[Mapping[str, Any]] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    hidden: int = 0
    depth: dict[str, int] = field(default_factory=dict)

    def add_children(self, children: Iterable[Any]) -> None:
        """Walk a listing's children depth-first: comments flattened (a comment's depth
        is its parent's plus one), stubs queued. ``/api/morechildren`` things arrive
        flat; they are placed by their ``parent_id`` the same way."""
        stack = list(reversed(list(children)))
        while stack:
            child = stack.pop()
            if not isinstance(child, Mapping):
                continue
            kind, data = child.get("kind"), child.get("data")
            if not isinstance(data, Mapping):
                continue
            if kind == "more":
                ids = [str(i) for i in data.get("children") or [] if i]
                self.pending.extend(i for i in ids if i not in self.pending)
                self.hidden += int(data.get("count") or 0)
            elif kind == "t1":
                parent = str(data.get("parent_id") or "")
                self.depth[str(data.get("name"))] = (
                    self.depth[parent] + 1 if parent in self.depth else int(data.get("depth") or 0)
                )
                self.comments.append(data)
                replies = data.get("replies")
                if isinstance(replies, Mapping):
                    inner = (replies.get("data") or {}).get("children") or []
                    stack.extend(reversed(list(inner)))

    def take_pending(self, limit: int = MORECHILDREN_MAX) -> list[str]:
        """Remove and return up to ``limit`` queued comment ids."""
        batch, self.pending = self.pending[:limit], self.pending[limit:]
        return batch


def read_thread(payload: Any) -> Thread:
    """A ``/comments/{id}`` reply as a :class:`Thread`. Raises ValueError if it is not
    the two-listing array Reddit sends."""
    if not isinstance(payload, Sequence) or len(payload) < 2:
        raise ValueError("a thread reply is a list of two listings")
    thread = Thread()
    posts = payload[0]["data"]["children"]
    if posts and posts[0].get("kind") == "t3":
        thread.submission = posts[0]["data"]
    thread.add_children(payload[1]["data"]["children"])
    return thread


def morechildren_things(payload: Any) -> list[Any]:
    """The ``things`` of an ``/api/morechildren?api_type=json`` reply (flat, each with
    its ``parent_id``). Raises ValueError on an error reply or another shape."""
    try:
        body = payload["json"]
        errors = body.get("errors") or []
        if errors:
            raise ValueError(f"Reddit refused morechildren: {errors}")
        things = body["data"]["things"]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a morechildren reply: {exc!r}") from exc
    return list(things)


def permalinks(
    submission: Mapping[str, Any] | None, comments: Sequence[Mapping[str, Any]], web_url: str
) -> dict[str, str]:
    """Web URL of every item by fullname (``t3_…``/``t1_…``). Old replies carry no
    ``permalink`` on comments; those are built from the submission's."""
    out: dict[str, str] = {}
    base = ""
    if submission is not None:
        link = str(submission.get("permalink") or "")
        base = (web_url + link) if link.startswith("/") else link
        if base:
            out[str(submission.get("name") or "")] = base
    for data in comments:
        link = str(data.get("permalink") or "")
        if link.startswith("/"):
            url = web_url + link
        elif base:
            url = base.rstrip("/") + f"/{data.get('id')}/"
        else:
            link_id = str(data.get("link_id") or "")[3:]
            url = f"{web_url}/comments/{link_id}/_/{data.get('id')}/"
        out[str(data.get("name") or "")] = url
    return out
