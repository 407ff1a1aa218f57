"""Brands as an agency groups them: each competitor tied to the own brand(s) it competes
with (``competitors_of`` in ``[[brands]]``), so the competitor report holds one comparison
per own brand. Checked when the config is read (:func:`check_brands`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from brandpulse.config import BrandConfig

__all__ = ["COMPETITORS_OF", "check_brands", "report_groups"]

COMPETITORS_OF = (
    "For a competitor: the own brand(s) it competes with. When any brand sets it, the "
    "competitor report holds one comparison per own brand (that brand and its competitors, "
    "share of voice within the comparison) instead of one table of every brand; a "
    "competitor without it joins every comparison. For an agency watching several clients."
)

B = TypeVar("B", bound="BrandConfig")


def check_brands(brands: list[B]) -> list[B]:
    """Brand names are unique; ``competitors_of`` names own brands, and only competitors
    have it.

    Raises:
        ValueError: naming the brand and what is wrong.
    """
    names = [b.name for b in brands]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"brand names must be unique, repeated: {', '.join(dupes)}")
    own = {b.name for b in brands if b.own}
    for b in brands:
        if b.competitors_of and b.own:
            raise ValueError(f"brand {b.name!r} is own = true: competitors_of is for competitors")
        for rival in b.competitors_of:
            if rival not in own:
                raise ValueError(
                    f"brand {b.name!r} has competitors_of {rival!r}, which is not one of "
                    f"your own brands (own = true): {', '.join(sorted(own)) or 'none'}"
                )
    return brands


def report_groups(brands: Sequence[BrandConfig]) -> list[tuple[str, list[str]]]:
    """The competitor report's comparisons: ``[(own brand, [own brand, its
    competitors...])]`` in config order, one per own brand, when any brand sets
    ``competitors_of``; else empty (one comparison of every brand)."""
    if not any(b.competitors_of for b in brands):
        return []
    groups = []
    for own in (b for b in brands if b.own):
        rivals = [
            b.name
            for b in brands
            if not b.own and (not b.competitors_of or own.name in b.competitors_of)
        ]
        groups.append((own.name, [own.name, *rivals]))
    return groups
