"""Review fields every source spells differently, as three export columns.

``verified``: the reviewer bought the product / the platform verified them (Amazon's
``verified_purchase``, Trustpilot's ``verified``, schema.org ``verified``); ``helpful_votes``:
votes that the review was helpful; ``owner_reply``: the business's public answer
(Trustpilot's ``company_reply``, schema.org ``owner_reply``). None where not given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Export columns added after the mention's own fields.
REVIEW_FIELDS = ("verified", "helpful_votes", "owner_reply")


def review_fields(
    extra: Mapping[str, Any] | None, *, engagement: int | None = None
) -> dict[str, Any]:
    """The three review columns from a mention's ``extra`` (and, for reviews, its
    ``engagement``, which review spiders fill with helpful votes)."""
    extra = extra or {}
    verified = extra.get("verified", extra.get("verified_purchase"))
    helpful = extra.get("helpful_votes")
    if helpful is None and ("verified_purchase" in extra or "verified" in extra):
        helpful = engagement  # review spiders store helpful votes as engagement
    reply = extra.get("owner_reply") or extra.get("company_reply")
    return {
        "verified": verified if isinstance(verified, bool) else None,
        "helpful_votes": helpful
        if isinstance(helpful, int) and not isinstance(helpful, bool)
        else None,
        "owner_reply": str(reply) if reply else None,
    }
