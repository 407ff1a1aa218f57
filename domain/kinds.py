"""Source kinds: what each type of source carries, written once.

Every source stored in the database has a *type*: a listener's config ``type`` (``reddit``,
``feed`` ...) or ``crawl:<spider>`` for a Scrapy crawl (``crawl:reviews``,
``crawl:article`` ...). Everything that depends on the type — which reply a negative
mention calls for, whether star ratings are expected, where a business answers publicly,
which class implements it — is read from :data:`SOURCE_KINDS` here, never spelled out
again elsewhere.

Adding a source is one module (the listener or spider class) plus one line in
:data:`SOURCE_KINDS`; ``listeners.LISTENER_TYPES`` and ``spiders.registry.SPIDERS`` are
derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Voice(StrEnum):
    """Who speaks in a source's texts, which decides how to answer a negative one.

    * ``post``: a customer or community member posting (Reddit, Mastodon, Hacker News):
      a public, kind reply (HEARD).
    * ``review``: a customer's review with stars (App Store, Google Play, review pages):
      HEARD, answered where the platform lets the business reply.
    * ``article``: press, blogs and alerts about articles (feeds, article crawls): read,
      verify, ask for a correction if a fact is wrong; never a public apology.
    """

    POST = "post"
    REVIEW = "review"
    ARTICLE = "article"


Family = Literal["listener", "spider"]

CRAWL_PREFIX = "crawl:"


@dataclass(frozen=True, slots=True)
class SourceKind:
    """One type of source.

    Attributes:
        type: the stored source type: a listener's config ``type`` or ``crawl:<spider>``.
        display_name: how people call it ("Google Play", "Trustpilot").
        voice: who speaks in it (see :class:`Voice`).
        family: ``listener`` (API or feed client) or ``spider`` (Scrapy crawl).
        implementation: ``"module:Class"`` of the listener or spider (imported lazily).
        carries_ratings: its items normally have a 1-5 star rating.
        reply_venue: where a business answers publicly, if the platform has such a place.
        rated_items_are_reviews: a mention with a star rating from this source is a
            customer's review whatever the voice (a feed of app reviews); False where a
            rating belongs to the author's own verdict (a journalist's product test).
    """

    type: str
    display_name: str
    voice: Voice
    family: Family
    implementation: str
    carries_ratings: bool = False
    reply_venue: str | None = None
    rated_items_are_reviews: bool = True

    @property
    def name(self) -> str:
        """The config name: the listener ``type`` or the spider name (``reviews``)."""
        return self.type.removeprefix(CRAWL_PREFIX)


def _kinds(*kinds: SourceKind) -> dict[str, SourceKind]:
    return {k.type: k for k in kinds}


#: Every source type BrandPulse knows, by stored type. One line per source.
SOURCE_KINDS: dict[str, SourceKind] = _kinds(
    SourceKind("feed", "News and blog feeds", Voice.ARTICLE, "listener",
               "listeners.feeds:FeedListener"),
    SourceKind("social_feed", "Social feed", Voice.POST,
               "listener", "listeners.social_feed:SocialFeedListener"),
    SourceKind("reddit", "Reddit", Voice.POST, "listener", "listeners.reddit:RedditListener"),
    SourceKind("mastodon", "Mastodon", Voice.POST, "listener",
               "listeners.mastodon:MastodonListener"),
    SourceKind("hackernews", "Hacker News", Voice.POST, "listener",
               "listeners.hackernews:HackerNewsListener"),
    SourceKind("appstore", "App Store", Voice.REVIEW, "listener",
               "listeners.appstore:AppStoreListener", carries_ratings=True,
               reply_venue="App Store Connect (Ratings and Reviews → Reply)"),
    SourceKind("googleplay", "Google Play", Voice.REVIEW, "listener",
               "listeners.googleplay:GooglePlayListener", carries_ratings=True,
               reply_venue="the Google Play Console (Ratings and reviews → Reply)"),
    SourceKind("bluesky", "Bluesky", Voice.POST, "listener",
               "listeners.bluesky:BlueskyListener"),
    SourceKind("github", "GitHub issues", Voice.POST, "listener",
               "listeners.github:GitHubListener"),
    SourceKind("github_discussions", "GitHub Discussions", Voice.POST, "listener",
               "listeners.github_discussions:GitHubDiscussionsListener"),
    SourceKind("stackexchange", "Stack Exchange", Voice.POST, "listener",
               "listeners.stackexchange:StackExchangeListener"),
    SourceKind("youtube", "YouTube comments", Voice.POST, "listener",
               "listeners.youtube:YouTubeListener"),
    SourceKind("lemmy", "Lemmy", Voice.POST, "listener", "listeners.lemmy:LemmyListener"),
    SourceKind("crawl:reviews", "Review pages (schema.org)", Voice.REVIEW, "spider",
               "spiders.schema_reviews:SchemaReviewSpider", carries_ratings=True),
    SourceKind("crawl:trustpilot", "Trustpilot", Voice.REVIEW, "spider",
               "spiders.trustpilot:TrustpilotSpider", carries_ratings=True,
               reply_venue="Trustpilot Business (Reply to review)"),
    SourceKind("crawl:amazon", "Amazon", Voice.REVIEW, "spider",
               "spiders.amazon:AmazonReviewSpider", carries_ratings=True,
               reply_venue="Amazon's seller or vendor tools"),
    SourceKind("crawl:article", "Articles (crawled)", Voice.ARTICLE, "spider",
               "spiders.article:ArticleSpider", rated_items_are_reviews=False),
)  # fmt: skip

#: The kind of a source whose type is unknown (removed from the registry, or recorded by
#: an older version): treated as a person who deserves an answer.
UNKNOWN_KIND = SourceKind("unknown", "Unknown source", Voice.POST, "listener", "")


def source_kind(source_type: str | None) -> SourceKind:
    """The kind registered for a stored source type; :data:`UNKNOWN_KIND` if none."""
    if source_type is None:
        return UNKNOWN_KIND
    return SOURCE_KINDS.get(source_type, UNKNOWN_KIND)


def crawl_type(spider: str) -> str:
    """The stored source type of a crawl with ``spider`` (``reviews`` → ``crawl:reviews``)."""
    return f"{CRAWL_PREFIX}{spider}"


def kinds_of(family: Family) -> dict[str, SourceKind]:
    """The kinds of one family by config name (listener type or spider name)."""
    return {k.name: k for k in SOURCE_KINDS.values() if k.family == family}
