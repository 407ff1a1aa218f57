"""Reply guidance for an alert, by what kind of text the negative mention is.

A customer's post, a customer's review and a journalist's article call for different
answers: HEARD (Hear, Empathize, Apologize, Resolve, Diagnose) suits the first two, but
apologising in public to a news article about market share is wrong. The kind follows from
the source's type (the ``kind`` stored for every source) and the mention itself:

* ``review``: the mention has a star rating, or comes from a review source (App Store,
  Google Play, review-page crawls such as Trustpilot or Amazon);
* ``post``: social and community sources (Reddit, Mastodon, Hacker News), and anything
  whose source type is unknown;
* ``article``: feeds (news sites, blogs, Google Alerts) and article crawls.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from domain.kinds import Voice, source_kind
from storage.records import StoredMention

MentionKind = Literal["post", "review", "article"]
_KIND_OF_VOICE: dict[Voice, MentionKind] = {
    Voice.POST: "post",
    Voice.REVIEW: "review",
    Voice.ARTICLE: "article",
}

LANGUAGE_NAMES = {
    "ar": "Arabic",
    "bg": "Bulgarian",
    "de": "German",
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "hi": "Hindi",
    "it": "Italian",
    "ja": "Japanese",
    "nl": "Dutch",
    "pl": "Polish",
    "pt": "Portuguese",
    "ru": "Russian",
    "tr": "Turkish",
    "uk": "Ukrainian",
    "zh": "Chinese",
}

_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


@dataclass(frozen=True, slots=True)
class ReplyStep:
    """One step of a reply outline: its name and what to do."""

    step: str
    advice: str


def mention_kind(mention: StoredMention, source_type: str | None) -> MentionKind:
    """What kind of text the mention is, from its source's kind (:mod:`domain.kinds`).

    A rated mention is a ``review`` where the kind says ratings come from customers (a
    feed of app reviews), never for crawled articles (a journalist's verdict); else the
    kind's voice decides; an unknown source is a ``post`` (when in doubt, treat it as a
    person who deserves an answer).
    """
    kind = source_kind(source_type)
    if mention.rating is not None and kind.rated_items_are_reviews:
        return "review"
    return _KIND_OF_VOICE[kind.voice]


def _first_sentence(text: str, limit: int = 160) -> str:
    return _SENTENCE_END.split(" ".join(text.split()), maxsplit=1)[0][:limit]


def reply_outline(
    mention: StoredMention, *, kind: MentionKind = "post", source_type: str | None = None
) -> tuple[ReplyStep, ...]:
    """The outline for one alert: HEARD for posts and reviews, a press routine for articles.

    Args:
        mention: the negative mention.
        kind: what kind of text it is (see :func:`mention_kind`; default ``post``).
        source_type: the source's stored type, used to name where a review can be answered.
    """
    if kind == "article":
        return _article_outline(mention)
    who = mention.author or "the author"
    first = _first_sentence(mention.text)
    # A topic is keywords ("crashes, start"): quote it rather than read it as a noun phrase.
    # "misc" is topic clustering's name for "no common theme": not a cause to name.
    cause = (
        f"the cause (topic \u201c{mention.topic}\u201d)"
        if mention.topic and mention.topic != "misc"
        else "the cause"
    )
    language = LANGUAGE_NAMES.get(mention.language or "", mention.language or "")
    lang_note = f" Reply in {language}." if language and mention.language != "en" else ""
    if kind == "review":
        rating = f" They rated you {mention.rating:g}/5." if mention.rating is not None else ""
        where = source_kind(source_type).reply_venue or "the review site's owner reply"
        hear = (
            f"Read {who}'s whole review on {mention.source} and restate the issue in your own "
            f"words: \u201c{first}\u201d.{rating}"
        )
        resolve = (
            f"Answer on the review itself through {where}: every later reader sees it. "
            "Offer a concrete fix or a direct line and say when they will hear back; invite "
            f"them to update the review once it is solved.{lang_note}"
        )
    else:
        hear = (
            f"Read {who}'s whole post on {mention.source} and restate the issue in your own "
            f"words: \u201c{first}\u201d."
        )
        resolve = (
            "Reply in the same thread: offer a concrete fix or a direct line (DM, ticket "
            f"number, named person) and say when they will hear back.{lang_note}"
        )
    return (
        ReplyStep("Hear", hear),
        ReplyStep(
            "Empathize", "Call them by name and acknowledge how frustrating this is for them."
        ),
        ReplyStep("Apologize", "Apologize sincerely for the experience, without excuses or blame."),
        ReplyStep("Resolve", resolve),
        ReplyStep(
            "Diagnose",
            f"Log {cause} for the product/support team so it does not happen "
            "again; follow up publicly once fixed.",
        ),
    )


def _article_outline(mention: StoredMention) -> tuple[ReplyStep, ...]:
    host = (urlsplit(mention.url).hostname or "").removeprefix("www.")
    outlet = " on ".join(part for part in (mention.author, host) if part) or mention.source
    first = _first_sentence(mention.text or mention.title)
    theme = f" ({mention.topic})" if mention.topic else ""
    return (
        ReplyStep(
            "Read",
            f"Press or blog coverage, not a customer: read the whole piece from {outlet} and "
            f"note what it says about you: \u201c{first}\u201d.",
        ),
        ReplyStep(
            "Verify",
            "Check each claim about you against the facts. Do not apologise in public for "
            "coverage.",
        ),
        ReplyStep(
            "Respond",
            "If a fact is wrong, ask the author or outlet for a correction, with evidence; "
            "if it is fair, prepare a short statement for when customers or journalists ask.",
        ),
        ReplyStep(
            "Brief",
            f"Share it with communications/PR and the team it concerns{theme} before "
            "customers bring it up.",
        ),
        ReplyStep(
            "Track",
            "Watch for syndicated copies and reactions; copies are grouped with this story "
            "and do not alert again.",
        ),
    )
