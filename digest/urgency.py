"""How urgently a negative mention needs a public reply.

``urgency = negativity × reach × freshness × 100``:

* negativity in [0, 1.3]: how negative (``-score``, or the confidence of a negative label),
  +0.3 for a 1-2 star rating;
* reach ≥ 1: ``1 + log10(1 + engagement + 2 × comments + followers / 1000)``;
* freshness in [0.25, 1]: its decaying part halves every ``half_life_hours`` (default 24)
  since publication; the floor keeps old posts ranked by negativity and reach.
"""

from __future__ import annotations

import math
from datetime import datetime

from storage.records import StoredMention

DEFAULT_HALF_LIFE_HOURS = 24.0


def urgency(
    mention: StoredMention, *, now: datetime, half_life_hours: float = DEFAULT_HALF_LIFE_HOURS
) -> float:
    """Urgency score (0 = none; ~100 a fresh, clearly negative post with no reach)."""
    negativity = max(0.0, -(mention.score or 0.0))
    if mention.label == "negative":
        negativity = max(negativity, mention.confidence or 0.0, 0.05)
    if mention.rating is not None and mention.rating <= 2:
        negativity += 0.3
    audience = (
        (mention.engagement or 0)
        + 2 * (mention.comment_count or 0)
        + (mention.author_followers or 0) / 1000
    )
    reach = 1.0 + math.log10(1.0 + max(0.0, audience))
    when = mention.published_at or mention.collected_at
    age_hours = max(0.0, (now - when).total_seconds() / 3600)
    freshness = 0.25 + 0.75 * 0.5 ** (age_hours / half_life_hours)
    return round(negativity * reach * freshness * 100, 3)
