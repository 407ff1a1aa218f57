"""Social feeds: RSS, Atom or JSON feeds whose items are people's posts, not articles.

Bridges such as RSS-Bridge or Nitter, a forum's or community's post feed, or an export of
posts as a JSON Feed give people's posts in feed form. They are read exactly like a
``feed`` source (conditional GET, the same parsing); only their kind differs: a negative
item is a customer's post that deserves a public reply (the HEARD outline), where a
``feed`` item is press coverage (verify, never apologise). ``brandpulse demo`` serves its
real labeled Arabic and Bulgarian posts this way.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from listeners.feeds import FeedListener, FeedSettings


class SocialFeedSettings(FeedSettings):
    """Config keys of a ``type = "social_feed"`` source (those of a ``feed``)."""

    url: str = Field(
        description="URL of an RSS, Atom or JSON feed of people's posts (RSS-Bridge, Nitter, "
        "a community's post feed)."
    )


class SocialFeedListener(FeedListener):
    """A :class:`~listeners.feeds.FeedListener` whose items are posts (``type = "social_feed"``)."""

    kind: ClassVar[str] = "social_feed"
    Settings = SocialFeedSettings
