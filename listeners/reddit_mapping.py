"""Reddit's JSON as mentions: listing children, submissions (``t3_``) and comments
(``t1_``). Pure functions, no I/O: :class:`listeners.reddit.RedditListener` fetches."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from listeners.errors import MalformedResponse
from storage.records import Mention

#: Where links in stored mentions point (not the configurable API host).
REDDIT_WEB_URL = "https://www.reddit.com"


def _utc(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def submission_mention(source: str, data: Mapping[str, Any]) -> Mention:
    permalink = str(data.get("permalink") or "")
    return Mention(
        source=source,
        external_id=str(data["name"]),
        url=REDDIT_WEB_URL + permalink if permalink.startswith("/") else permalink,
        title=str(data.get("title") or ""),
        text=str(data.get("selftext") or ""),
        author=str(data.get("author") or ""),
        published_at=_utc(data.get("created_utc")),
        engagement=_int(data.get("score")),
        comment_count=_int(data.get("num_comments")),
        extra={
            "kind": "submission",
            "subreddit": data.get("subreddit"),
            "link_url": data.get("url"),
            "over_18": data.get("over_18"),
            **_edited(data),
        },
    )


def _edited(data: Mapping[str, Any]) -> dict[str, str]:
    """``{"edited_at": ISO time}`` when Reddit marks the item edited, else ``{}``."""
    value = data.get("edited")
    when = None if value in (None, False, True) else _utc(value)
    return {"edited_at": when.isoformat()} if when is not None else {}


def comment_mention(source: str, data: Mapping[str, Any], *, url: str = "") -> Mention:
    permalink = str(data.get("permalink") or "")
    if url:
        pass
    elif permalink.startswith("/"):
        url = REDDIT_WEB_URL + permalink
    elif data.get("link_permalink"):
        url = str(data["link_permalink"]).rstrip("/") + f"/{data['id']}/"
    else:
        link = str(data.get("link_id") or "")[3:]
        url = f"{REDDIT_WEB_URL}/r/{data.get('subreddit')}/comments/{link}/_/{data.get('id')}/"
    extra: dict[str, Any] = {
        "kind": "comment",
        "subreddit": data.get("subreddit"),
        "link_id": data.get("link_id"),
        "parent_id": data.get("parent_id"),
    }
    extra.update(_edited(data))
    return Mention(
        source=source,
        external_id=str(data["name"]),
        url=url,
        title=str(data.get("link_title") or ""),
        text=str(data.get("body") or ""),
        author=str(data.get("author") or ""),
        published_at=_utc(data.get("created_utc")),
        engagement=_int(data.get("score")),
        extra=extra,
    )


def listing_children(payload: Any, *, source: str) -> list[Mapping[str, Any]]:
    """The ``data`` of each child of a Reddit Listing; MalformedResponse otherwise."""
    try:
        children = payload["data"]["children"]
        items = [child["data"] for child in children if child.get("kind") in ("t1", "t3")]
        for item in items:
            _ = item["name"], item["created_utc"]
    except (KeyError, TypeError) as exc:
        raise MalformedResponse(
            source, f"not a Reddit listing: {exc!r}", hint="the API changed or a proxy answered"
        ) from exc
    return items


def to_mention(source: str, data: Mapping[str, Any]) -> Mention:
    """A submission (``t3_``) or comment (``t1_``) as a mention."""
    return (
        comment_mention(source, data)
        if str(data["name"]).startswith("t1_")
        else submission_mention(source, data)
    )
