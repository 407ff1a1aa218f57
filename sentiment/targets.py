"""Per-brand (target) sentiment for mentions that name several brands.

"Switched from Slack to Teams, Teams is so much better" is one mention with one label, but
it is good news for Teams and bad news for Slack. This module decides, per brand, *which
text* to classify and *how* to turn that classification into the brand's label. It holds
pure functions only: no model, no storage; the caller classifies the segments in a batch.

Three ways a brand's label is derived (``method``):

``segment``
    the brand has clauses of its own (no other brand in them): those clauses are classified.
``comparative``
    an English comparative cue ranks the brands in one sentence ("X is better than Y",
    "switched from Y to X", "X beats Y", "unlike Y, X ...", "X > Y", "prefer X over Y",
    "ditched Y for X", "Y pales in comparison", ...). The sentence is classified once and
    its label belongs to the comparison's subject; the brands on the other side get the
    opposite polarity. When the sentence reads neutral, the cue decides (winner positive,
    loser negative), except for pure contrasts ("unlike", "compared to"), which stay neutral.
``mention``
    the brands share their clauses and no cue separates them: the mention's own label.

Sentences and clauses are split by :mod:`sentiment.clauses` (punctuation of many scripts,
contrastive conjunctions, commas between long enough pieces); the comparative cues live in
:mod:`sentiment.cues`. Comparative cues are English only; other languages get ``segment``
or ``mention``. This module keeps the brand spans, the plans and their resolution, and
re-exports the splitting functions.

Typical use::

    spans = find_spans(text, {"Slack": ["slack"], "Teams": ["microsoft teams", "teams"]})
    plans = plan_targets(text, spans)
    texts = segments_to_classify(plans)                  # {key: text}, classify in a batch
    results = resolve_targets(plans, classified, mention=Polarity("positive", 0.6))
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from domain.terms import BrandTerms, term_spans
from sentiment.clauses import Span, split_clauses, split_sentences
from sentiment.cues import SLOT, Comparison, Role, detokenize, find_comparison, tokenize

__all__ = [
    "CUE_SCORE",
    "METHODS",
    "Method",
    "Polarity",
    "Role",
    "Span",
    "TargetPlan",
    "TargetSentiment",
    "find_spans",
    "plan_targets",
    "resolve_targets",
    "segments_to_classify",
    "split_clauses",
    "split_sentences",
]

Method = Literal["segment", "comparative", "mention"]

METHODS: tuple[Method, ...] = ("segment", "comparative", "mention")
#: |score| given to a label that a comparative cue decided for a neutral sentence.
CUE_SCORE = 0.05


# -- brand spans -----------------------------------------------------------------------------
def find_spans(
    text: str, terms: Mapping[str, Sequence[str]], *, case_sensitive: Collection[str] = ()
) -> dict[str, list[Span]]:
    """Where each brand's terms occur in ``text`` (whole words; case-insensitive except for
    the brands named in ``case_sensitive``, as in the brand's matching rules).

    Overlaps are resolved longest match first, so "Sony Ericsson" is not also "Sony".
    Brands with no occurrence map to an empty list. The rule is
    :func:`domain.terms.term_spans`, the one every layer uses.
    """
    brands = [
        BrandTerms(brand, tuple(phrases), case_sensitive=brand in case_sensitive)
        for brand, phrases in terms.items()
    ]
    return term_spans(text, brands)


# -- plans ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TargetPlan:
    """How one brand's sentiment is derived from a mention.

    Attributes:
        brand: the brand name.
        method: ``segment``, ``comparative`` or ``mention`` (see the module docstring).
        segment_key: key of the text to classify in :func:`segments_to_classify`'s result
            (``None`` for ``mention``).
        invert: take the opposite polarity of that segment's result (a comparative's
            other side).
        role: ``winner`` or ``loser`` in a comparative, else ``None``.
        cue: the comparative cue that matched, e.g. ``"X is better than Y"``.
        directed: whether a neutral comparative sentence still ranks the brands.
        segment: the text that was (or will be) classified, for display and debugging.
    """

    brand: str
    method: Method
    segment_key: str | None = None
    invert: bool = False
    role: Role | None = None
    cue: str = ""
    directed: bool = True
    segment: str = ""


@dataclass(frozen=True, slots=True)
class Polarity:
    """A classification result reduced to what target resolution needs."""

    label: str
    score: float


@dataclass(frozen=True, slots=True)
class TargetSentiment:
    """One brand's sentiment in a mention and how it was derived."""

    brand: str
    label: str
    score: float
    method: Method
    segment: str = ""


def plan_targets(text: str, spans: Mapping[str, Sequence[Span]]) -> dict[str, TargetPlan]:
    """Decide per brand which text to classify and how (see the module docstring).

    Args:
        text: the mention's text as classified (e.g. title and body joined).
        spans: per brand, where it occurs in ``text`` (see :func:`find_spans`); a brand
            without spans (linked to the mention by its source) gets ``mention``.
    """
    brands = list(spans)
    slots: list[tuple[int, int, str]] = sorted(
        (s, e, b) for b in brands for s, e in spans[b] if 0 <= s < e <= len(text)
    )
    tokenized, surfaces = tokenize(text, slots)
    sentences = split_sentences(tokenized)
    plans: dict[str, TargetPlan] = {}
    segments: dict[str, list[str]] = {b: [] for b in brands}
    segment_keys: dict[str, str] = {}
    comparatives: list[str] = []

    for n, sentence in enumerate(sentences):
        sent_text = tokenized[sentence[0] : sentence[1]]
        present = {slots[int(i)][2] for i in SLOT.findall(sent_text)}
        if present:
            comparison = find_comparison(sent_text, lambda i: slots[int(i)][2])
            if comparison is not None:
                key = f"cmp{n}"
                segment_keys[key] = detokenize(sent_text, surfaces)
                comparatives.append(key)
                for index, role in comparison.roles.items():
                    brand = slots[index][2]
                    _set_comparative(plans, brand, key, role, comparison)
                captured = {slots[i][2] for i in comparison.roles}
                if len(set(comparison.roles.values())) == 1:  # the other side is the rest
                    other: Role = "winner" if "loser" in comparison.roles.values() else "loser"
                    for brand in sorted(present - captured):
                        _set_comparative(plans, brand, key, other, comparison)
                continue
        units = split_clauses(tokenized, sentence)
        previous: set[str] = set()
        for unit in units:
            unit_text = tokenized[unit[0] : unit[1]]
            owners = {slots[int(i)][2] for i in SLOT.findall(unit_text)}
            if not owners and len(previous) == 1:
                owners = previous  # a clause without a brand continues the previous one
            if len(owners) == 1:
                segments[next(iter(owners))].append(detokenize(unit_text, surfaces))
            if owners:
                previous = owners

    for brand in brands:
        if brand in plans:
            continue
        if segments[brand]:
            key = f"seg:{brand}"
            text_of = " ".join(segments[brand])
            segment_keys[key] = text_of
            plans[brand] = TargetPlan(brand, "segment", key, segment=text_of)
        else:
            plans[brand] = TargetPlan(brand, "mention")
    # A comparative holder's own clauses elsewhere are part of what its sentence says.
    for key in comparatives:
        extra = [
            " ".join(segments[p.brand])
            for p in plans.values()
            if p.segment_key == key and not p.invert and segments[p.brand]
        ]
        if extra:
            segment_keys[key] = " ".join([segment_keys[key], *extra])
    return {
        brand: _with_segment(plan, segment_keys) for brand, plan in plans.items() if brand in spans
    }


def _set_comparative(
    plans: dict[str, TargetPlan], brand: str, key: str, role: Role, comparison: Comparison
) -> None:
    if brand in plans:
        return  # the first comparison naming a brand decides
    invert = role != comparison.holder_role
    plans[brand] = TargetPlan(
        brand,
        "comparative",
        key,
        invert=invert,
        role=role,
        cue=comparison.cue,
        directed=comparison.directed,
    )


def _with_segment(plan: TargetPlan, segment_keys: Mapping[str, str]) -> TargetPlan:
    if plan.segment_key is None:
        return plan
    return TargetPlan(
        plan.brand,
        plan.method,
        plan.segment_key,
        plan.invert,
        plan.role,
        plan.cue,
        plan.directed,
        segment_keys[plan.segment_key],
    )


def segments_to_classify(plans: Mapping[str, TargetPlan]) -> dict[str, str]:
    """The distinct texts to classify, by segment key (classify them in one batch)."""
    return {p.segment_key: p.segment for p in plans.values() if p.segment_key is not None}


def resolve_targets(
    plans: Mapping[str, TargetPlan],
    classified: Mapping[str, Polarity],
    *,
    mention: Polarity,
) -> dict[str, TargetSentiment]:
    """Each brand's label and score from its segment's classification.

    ``segment``: the segment's result. ``comparative``: the sentence's label belongs to
    the comparison's subject, the other side gets the opposite (score negated); a neutral
    sentence is ranked by the cue (winner positive, loser negative) unless the cue is a
    pure contrast. ``mention``, or a segment missing from ``classified``: ``mention``.
    """
    out: dict[str, TargetSentiment] = {}
    for brand, plan in plans.items():
        result = classified.get(plan.segment_key) if plan.segment_key else None
        if plan.method == "mention" or result is None:
            out[brand] = TargetSentiment(brand, mention.label, mention.score, "mention")
            continue
        if plan.method == "segment":
            out[brand] = TargetSentiment(brand, result.label, result.score, "segment", plan.segment)
            continue
        label, score = result.label, result.score
        if label == "neutral" and plan.directed and plan.role is not None:
            label = "positive" if plan.role == "winner" else "negative"
            magnitude = max(abs(score), CUE_SCORE)
            score = magnitude if label == "positive" else -magnitude
        elif plan.invert:
            label = _OPPOSITE.get(label, label)
            score = -score
        out[brand] = TargetSentiment(brand, label, score, "comparative", plan.segment)
    return out


_OPPOSITE = {"positive": "negative", "negative": "positive", "neutral": "neutral"}
