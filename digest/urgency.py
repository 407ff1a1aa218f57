"""How urgently a negative mention needs a public reply, and why.

``urgency = negativity × reach × freshness × velocity × source × 100``:

* negativity in [0, 1.3]: how negative (``-score``, or the confidence of a negative label),
  +0.3 for a 1-2 star rating;
* reach ≥ 1: ``1 + log10(1 + engagement + 2 × comments + followers / 1000)``;
* freshness in [0.25, 1]: its decaying part halves every ``half_life_hours`` (default 24)
  since publication; the floor keeps old posts ranked by negativity and reach;
* velocity ≥ 1: ``1 + 0.25 × log2(1 + copies)`` where copies are the other mentions of the
  same story seen in the last few hours (a story spreading now is more urgent); 1 when
  not measured;
* source: how much an unanswered negative costs where it was said: reviews 1.2 (public,
  permanent, they move the star average), posts 1.0, articles 0.8 (press gets a press
  routine, not a race to reply); 1 when the kind is not given.

:func:`urgency_breakdown` returns the score with each factor and one short reason per
factor that matters, so the inbox can say why an alert ranks where it does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from digest.ages import duration_text
from storage.records import StoredMention

DEFAULT_HALF_LIFE_HOURS = 24.0
#: Urgency factor by kind of text (see ``digest.replies.mention_kind``).
SOURCE_WEIGHTS = {"review": 1.2, "post": 1.0, "article": 0.8}
#: Velocity counts copies of the story seen within this many hours.
VELOCITY_WINDOW_HOURS = 6.0


@dataclass(frozen=True, slots=True)
class UrgencyBreakdown:
    """An urgency score with its factors and the reasons behind it.

    Attributes:
        score: the urgency (0 = none; about 100 for a fresh, clearly negative post with no
            reach, from one source, no copies).
        components: each factor by name: ``negativity``, ``rating`` (the part of
            negativity a low rating adds), ``reach``, ``freshness``, ``velocity``,
            ``source``; plus ``age_hours`` and ``copies`` (inputs, not factors).
        reasons: short phrases, the strongest first ("very negative text (-0.92)",
            "rated 1/5", "reach 1,200" (likes + 2 × comments + followers / 1000),
            "4 copies of the story in 6 h", "2 h old", "review (public, permanent)").
    """

    score: float
    components: dict[str, float]
    reasons: tuple[str, ...]


def urgency_breakdown(
    mention: StoredMention,
    *,
    now: datetime,
    half_life_hours: float = DEFAULT_HALF_LIFE_HOURS,
    copies: int = 0,
    kind: str | None = None,
) -> UrgencyBreakdown:
    """Urgency with its factors and reasons (see the module docstring).

    Args:
        mention: the mention as seen for the alert brand (its label and score).
        now: the current time (UTC).
        half_life_hours: freshness half-life in hours (default 24).
        copies: other mentions of the same story in the last ``VELOCITY_WINDOW_HOURS``.
        kind: ``post``, ``review`` or ``article`` (None: source factor 1).
    """
    text_negativity = max(0.0, -(mention.score or 0.0))
    if mention.label == "negative":
        text_negativity = max(text_negativity, mention.confidence or 0.0, 0.05)
    rating_part = 0.3 if mention.rating is not None and mention.rating <= 2 else 0.0
    negativity = text_negativity + rating_part
    audience = (
        (mention.engagement or 0)
        + 2 * (mention.comment_count or 0)
        + (mention.author_followers or 0) / 1000
    )
    reach = 1.0 + math.log10(1.0 + max(0.0, audience))
    when = mention.published_at or mention.collected_at
    age_seconds = max(0.0, (now - when).total_seconds())
    age_hours = age_seconds / 3600
    freshness = 0.25 + 0.75 * 0.5 ** (age_hours / half_life_hours)
    velocity = 1.0 + 0.25 * math.log2(1 + max(0, copies))
    source = SOURCE_WEIGHTS.get(kind or "", 1.0)
    score = round(negativity * reach * freshness * velocity * source * 100, 3)

    weighted: list[tuple[float, str]] = []
    polarity = mention.score or 0.0
    strength = (
        "very negative"
        if polarity <= -0.7
        else "negative"
        if polarity <= -0.3
        else "mildly negative"
        if polarity < -0.05
        else "neutral"
        if polarity <= 0.05
        else "positive"
    )
    weighted.append((text_negativity, f"{strength} text ({polarity:+.2f})"))
    if rating_part:
        weighted.append((0.6, f"rated {mention.rating:g}/5"))
    if audience >= 1:
        weighted.append((reach - 1.0, f"reach {audience:,.0f}"))
    if copies:
        weighted.append(
            (
                velocity - 1.0 + 0.2,
                f"{copies} cop{'y' if copies == 1 else 'ies'} of the story in "
                f"{VELOCITY_WINDOW_HOURS:g} h",
            )
        )
    # An undated post's age is counted from collection: say so instead of "0 min old".
    age = (
        f"{duration_text(age_seconds)} old"
        if mention.published_at is not None
        else f"undated, collected {duration_text(age_seconds)} ago"
    )
    weighted.append((freshness - 0.5 if freshness >= 0.6 else 0.0, age))
    if kind == "review":
        weighted.append((0.25, "review (public, permanent)"))
    elif kind == "article":
        weighted.append((0.0, "press: check, no apology"))
    reasons = tuple(text for _, text in sorted(weighted, key=lambda w: -w[0]))
    components = {
        "negativity": round(negativity, 4),
        "rating": rating_part,
        "reach": round(reach, 4),
        "freshness": round(freshness, 4),
        "velocity": round(velocity, 4),
        "source": source,
        "age_hours": round(age_hours, 2),
        "copies": float(copies),
    }
    return UrgencyBreakdown(score, components, reasons)


def urgency(
    mention: StoredMention, *, now: datetime, half_life_hours: float = DEFAULT_HALF_LIFE_HOURS
) -> float:
    """Urgency score (0 = none; ~100 a fresh, clearly negative post with no reach); the
    velocity and source factors are 1 here (see :func:`urgency_breakdown`)."""
    return urgency_breakdown(mention, now=now, half_life_hours=half_life_hours).score
