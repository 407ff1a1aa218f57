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

Sentences are split on punctuation of many scripts (``. ! ? … 。 ！ ？ ؟ ۔ ।`` and line
breaks; a full stop must be followed by white space, so "v2.0" and "Amazon.com" stay
whole); clauses on ``; :`` brackets, dashes, English contrastive conjunctions ("but",
"however", "although", "while", ...) and on commas when both sides have at least three
words. Comparative cues are English only; other languages get ``segment`` or ``mention``.

Typical use::

    spans = find_spans(text, {"Slack": ["slack"], "Teams": ["microsoft teams", "teams"]})
    plans = plan_targets(text, spans)
    texts = segments_to_classify(plans)                  # {key: text}, classify in a batch
    results = resolve_targets(plans, classified, mention=Polarity("positive", 0.6))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

Method = Literal["segment", "comparative", "mention"]
Role = Literal["winner", "loser"]
Span = tuple[int, int]

METHODS: tuple[Method, ...] = ("segment", "comparative", "mention")
#: |score| given to a label that a comparative cue decided for a neutral sentence.
CUE_SCORE = 0.05

_OPEN, _CLOSE = "\x01", "\x02"
_SLOT = re.compile(rf"{_OPEN}(\d+){_CLOSE}")
_SLOT_RE = rf"{_OPEN}\d+{_CLOSE}"

# -- splitting -------------------------------------------------------------------------------
_ABBREVIATIONS = frozenset(
    {"vs", "etc", "e.g", "i.e", "eg", "ie", "mr", "mrs", "ms", "dr", "st", "jr", "sr", "inc"}
    | {"ltd", "co", "corp", "approx", "no", "nr", "fig"}
)
#: A semicolon that ends an HTML entity ("&amp;") is not punctuation.
_SEMICOLON = r"(?<!&amp)(?<!&lt)(?<!&gt)(?<!&quot)(?<!&apos)(?<!&nbsp)(?<!&#\d\d)(?<!&#\d\d\d)[;؛]"
_SENTENCE_END = re.compile(
    rf"(?:[.!?…]+[\"'”’)\]]*(?=\s)|[。！？؟۔।]+[\"'”’」』)\]]*|\n+|{_SEMICOLON})", re.UNICODE
)
_CONTRAST = (
    r"but|however|whereas|while|although|though|yet|except|nevertheless|"
    r"aber|mais|pero|però|ma|mas|но|лекин|لكن|ولكن"
)
_CLAUSE_BREAK = re.compile(
    rf"\s*(?:{_SEMICOLON}|[:()\[\]])\s*|\s+[-–—]+\s+|\s+(?=(?:{_CONTRAST})\b)",
    re.IGNORECASE | re.UNICODE,
)
_COMMA = re.compile(r"\s*[,،、，]\s*")
_MIN_COMMA_WORDS = 3
_WORD = re.compile(r"\w+", re.UNICODE)


def split_sentences(text: str) -> list[Span]:
    """Sentence spans of ``text`` (start, end), trimmed; see the module docstring."""
    spans: list[Span] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        token = text[max(start, match.start() - 8) : match.start()].split()
        word = token[-1].casefold().rstrip(".") if token else ""
        if text[match.start()] == "." and (word in _ABBREVIATIONS or len(word) == 1):
            continue  # "vs.", "e.g.", initials: not a sentence end
        spans.append((start, end))
        start = end
    spans.append((start, len(text)))
    return [s for s in (_trim(text, a, b) for a, b in spans) if s is not None]


def split_clauses(text: str, sentence: Span) -> list[Span]:
    """Clause spans inside one sentence span (see the module docstring)."""
    pieces = _split(text, [sentence], _CLAUSE_BREAK)
    out: list[Span] = []
    for piece in pieces:
        out.extend(_split_commas(text, piece))
    return out


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if _WORD.search(text, start, end) else None


def _split(text: str, spans: Sequence[Span], pattern: re.Pattern[str]) -> list[Span]:
    out: list[Span] = []
    for start, end in spans:
        cursor = start
        for match in pattern.finditer(text, start, end):
            piece = _trim(text, cursor, match.start())
            if piece:
                out.append(piece)
            cursor = match.end()
        piece = _trim(text, cursor, end)
        if piece:
            out.append(piece)
    return out


def _split_commas(text: str, span: Span) -> list[Span]:
    """Split at commas, merging any piece of fewer than three words into its neighbour
    ("Slack, Teams and Zoom all crashed" stays one clause)."""
    pieces = _split(text, [span], _COMMA)
    merged: list[Span] = []
    for piece in pieces:
        short = min(_words(text, merged[-1]), _words(text, piece)) if merged else None
        if short is not None and short < _MIN_COMMA_WORDS:
            merged[-1] = (merged[-1][0], piece[1])
        else:
            merged.append(piece)
    return merged


def _words(text: str, span: Span) -> int:
    return len(_WORD.findall(text, span[0], span[1]))


# -- brand spans -----------------------------------------------------------------------------
def find_spans(
    text: str, terms: Mapping[str, Sequence[str]], *, case_sensitive: Collection[str] = ()
) -> dict[str, list[Span]]:
    """Where each brand's terms occur in ``text`` (whole words; case-insensitive except for
    the brands named in ``case_sensitive``, as in the brand's matching rules).

    Overlaps are resolved longest match first, so "Sony Ericsson" is not also "Sony".
    Brands with no occurrence map to an empty list.
    """
    found: list[tuple[int, int, str]] = []
    for brand, phrases in terms.items():
        flags = 0 if brand in case_sensitive else re.IGNORECASE
        for phrase in phrases:
            words = phrase.split()
            if not words:
                continue
            body = r"\s+".join(re.escape(w) for w in words)
            for match in re.finditer(rf"(?<!\w){body}(?!\w)", text, flags):
                found.append((match.start(), match.end(), brand))
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    taken: list[tuple[int, int, str]] = []
    for start, end, brand in found:
        if all(end <= s or start >= e for s, e, _ in taken):
            taken.append((start, end, brand))
    out: dict[str, list[Span]] = {brand: [] for brand in terms}
    for start, end, brand in sorted(taken):
        out[brand].append((start, end))
    return out


# -- comparative cues ----------------------------------------------------------------------------
_BETTER = (
    r"better|faster|cheaper|easier|nicer|smoother|simpler|quicker|cleaner|smarter|stronger|"
    r"lighter|funnier|prettier|sharper|clearer|superior|preferable|"
    r"more\s+(?:reliable|stable|intuitive|fun|useful|powerful|affordable|mature|complete|"
    r"relevant|comfortable|accurate|responsive|secure|user[- ]friendly|cost[- ]effective|"
    r"enjoyable|convenient)|"
    r"less\s+(?:expensive|buggy|clunky|complicated|confusing|annoying)|"
    r"(?:way|much|far|a\s+lot)\s+less\s+expensive"
)
_WORSE = (
    r"worse|slower|pricier|costlier|harder|buggier|clunkier|uglier|heavier|weaker|inferior|"
    r"more\s+(?:expensive|complicated|confusing|difficult|annoying|awful|buggy|clunky)|"
    r"less\s+(?:reliable|stable|intuitive|useful|fun|friendly|powerful|mature|complete|"
    r"relevant|accurate|enjoyable)"
)
_NEGATED = re.compile(r"\b(?:not|no|never|hardly|n't)\s+(?:\w+\s+){0,2}$|n't\s+$", re.IGNORECASE)
_FILL = rf"(?:(?!{_SLOT_RE})[^.!?;]){{0,40}}?"
_BEATS = (
    r"beats?|crush(?:es|ed|ing)?|destroy(?:s|ed|ing)?|outperform(?:s|ed|ing)?|trounc(?:es|ed)|"
    r"trumps?|stomp(?:s|ed|ing)?|smok(?:es|ed)|outclass(?:es|ed)?|outsell(?:s|ing)?|"
    r"wins?\s+over|blows?\s+away|(?:is|are)\s+(?:miles\s+|way\s+|far\s+)?ahead\s+of|ahead\s+of|"
    r"(?:has|have|had)\s+over|(?:an?\s+)?(?:\w+\s+){0,2}(?:advantage|improvement|edge)\s+over|"
    r"strengths?\s+over|improves?\s+(?:\w+\s+){0,4}?on|instead\s+of"
)


@dataclass(frozen=True, slots=True)
class _Cue:
    """A cue pattern. Groups ``lose``/``win`` are brand slots; ``rest`` gives slots up to
    the next contrast (all of them take ``rest_role``). ``holder``: whose polarity the
    sentence carries (``subject`` = the brands the cue did not capture)."""

    name: str
    pattern: re.Pattern[str]
    rest_role: Role | None
    holder: Literal["subject", "win", "lose"]
    directed: bool = True
    rest_to_comma: bool = False


def _cue(
    name: str,
    body: str,
    rest_role: Role | None = None,
    holder: Literal["subject", "win", "lose"] = "subject",
    directed: bool = True,
    rest_to_comma: bool = False,
) -> _Cue:
    return _Cue(name, re.compile(body, re.IGNORECASE), rest_role, holder, directed, rest_to_comma)


_SLOTG = "(?P<{}>" + _SLOT_RE + ")"
_CUES: tuple[_Cue, ...] = (
    _cue(
        "switched from Y to X",
        r"\b(?:switch(?:ed|ing)?|mov(?:ed|ing)|migrat(?:ed|ing)|went|go(?:ing)?|changed|"
        r"convert(?:ed|ing)|upgraded)\s+(?:back\s+|over\s+)?from\s+"
        + _FILL
        + _SLOTG.format("lose")
        + r"\s*(?:\w+\s+){0,3}?(?:to|over\s+to|for)\s+"
        + _FILL
        + _SLOTG.format("win"),
        holder="win",
    ),
    _cue(
        "switched to X from Y",
        r"\b(?:switch(?:ed|ing)?|mov(?:ed|ing)|migrat(?:ed|ing)|changed|convert(?:ed|ing))\s+"
        r"(?:over\s+)?to\s+"
        + _FILL
        + _SLOTG.format("win")
        + r"\s*(?:\w+\s+){0,3}?from\s+"
        + _FILL
        + _SLOTG.format("lose"),
        holder="win",
    ),
    _cue(
        "ditched Y for X",
        r"\b(?:ditch(?:ed|ing)?|dump(?:ed|ing)?|dropp(?:ed|ing)|drop|replac(?:e|ed|ing)|left|"
        r"leav(?:e|ing)|quit|abandon(?:ed|ing)?)\s+"
        + _FILL
        + _SLOTG.format("lose")
        + r"\s*(?:\w+\s+){0,2}?(?:for|in\s+favou?r\s+of|with|and\s+(?:went|switched|moved)"
        r"\s+(?:with|to))\s+" + _FILL + _SLOTG.format("win"),
        holder="win",
    ),
    _cue(
        "prefer X over Y",
        r"\b(?:prefer(?:s|red)?|chose|choose|choosing|picked|pick|went\s+with|go\s+with|"
        r"purchase\s+of|bought|buy|recommend(?:ed)?)\s+"
        + _FILL
        + _SLOTG.format("win")
        + r"(?:(?!"
        + _SLOT_RE
        + r")[^.!?;]){0,60}?\b(?:over|to|instead\s+of|rather\s+than)\s+"
        + _FILL
        + _SLOTG.format("lose"),
        holder="win",
    ),
    _cue(
        "rather X than Y",
        r"\brather\s+(?:\w+\s+){0,2}?" + _FILL + _SLOTG.format("win") + r"[^.!?;]{0,40}?\bthan\s+"
        r"" + _FILL + _SLOTG.format("lose"),
        holder="win",
    ),
    _cue(
        "X > Y",
        _SLOTG.format("win") + r"\s*(?:>+|&gt;)\s*" + _SLOTG.format("lose"),
        holder="win",
    ),
    _cue(
        "Y < X",
        _SLOTG.format("lose") + r"\s*(?:<+|&lt;)\s*" + _SLOTG.format("win"),
        holder="win",
    ),
    _cue(
        "Y pales in comparison / loses to X",
        _SLOTG.format("lose")
        + r"(?:(?!"
        + _SLOT_RE
        + r")[^.!?;]){0,60}?\b(?:pales?\s+in\s+comparison|(?:is|are)\s+losing\s+ground|"
        r"los(?:es|t|ing)\s+(?:ground\s+)?to|falls?\s+behind|can(?:no|')t\s+compete|"
        r"(?:is|are)\s+no\s+match)\b",
        rest_role="winner",
        holder="lose",
    ),
    _cue(
        "X is better than Y",
        rf"\b(?:(?:{_BETTER})\s+(?:\w+\s+){{0,3}}?than|(?:superior|preferable)\s+to)\b",
        rest_role="loser",
    ),
    _cue(
        "X is worse than Y",
        rf"\b(?:(?:{_WORSE})\s+(?:\w+\s+){{0,3}}?than|inferior\s+to)\b",
        rest_role="winner",
    ),
    _cue(
        "X is not as good as Y",
        r"\bnot\s+(?:as|so|quite\s+as)\s+(?:\w+\s+){1,2}?as\b",
        rest_role="winner",
    ),
    _cue("X falls short of Y", r"\b(?:falls?|fell)\s+short\s+of\b", rest_role="winner"),
    _cue("X beats Y", rf"\b(?:{_BEATS})\b", rest_role="loser"),
    _cue(
        "unlike Y, X ...",
        r"\b(?:unlike|compared\s+(?:to|with)|in\s+contrast\s+to)\b",
        rest_role="loser",
        directed=False,
        rest_to_comma=True,
    ),
)
#: Where the brands listed after a cue end: a new clause (contrast word, bracket, dash, or
#: a comma followed by words that contain a verb: "..., Unfaithful is intimate").
_REST_STOP = re.compile(
    rf"[;؛()\[\]]|\s[-–—]+\s|\b(?:{_CONTRAST})\b|,(?=[^,]*\b(?:is|are|was|were|has|have|"
    r"had|will|would|can|could|should|may|might|must|does|do|did|gets|got|seems|looks|rates|"
    r"works|makes|made|offers)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class _Comparison:
    cue: str
    roles: dict[int, Role]  # slot index -> role
    holder_role: Role  # the side whose polarity the sentence carries (may be unnamed)
    directed: bool


def _find_comparison(tokenized: str, brand_of: Callable[[str], str]) -> _Comparison | None:
    """The first cue in a tokenized sentence and the roles it gives to brand slots."""
    surface = brand_of
    for cue in _CUES:
        for match in cue.pattern.finditer(tokenized):
            if _NEGATED.search(tokenized[: match.start()]):
                continue  # "not better than": no ranking
            roles: dict[int, Role] = {}
            groups: tuple[tuple[str, Role], ...] = (("win", "winner"), ("lose", "loser"))
            for group, role in groups:
                slot = match.groupdict().get(group)
                if slot:
                    roles[int(slot.strip(_OPEN + _CLOSE))] = role
            if cue.rest_role is not None:
                rest = tokenized[match.end() :]
                stop = (_COMMA if cue.rest_to_comma else _REST_STOP).search(rest)
                rest = rest[: stop.start()] if stop else rest
                before = {surface(i) for i in _SLOT.findall(tokenized[: match.start()])}
                for slot in _SLOT.finditer(rest):
                    if surface(slot.group(1)) not in before:  # the subject, named again
                        roles.setdefault(int(slot.group(1)), cue.rest_role)
            if not roles:
                continue
            holder: Role
            if cue.holder == "win":
                holder = "winner"
            elif cue.holder == "lose":
                holder = "loser"
            else:  # the side the cue did not capture is the subject
                holder = "winner" if cue.rest_role == "loser" else "loser"
            return _Comparison(cue.name, roles, holder, cue.directed)
    return None


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
    tokenized, surfaces = _tokenize(text, slots)
    sentences = split_sentences(tokenized)
    plans: dict[str, TargetPlan] = {}
    segments: dict[str, list[str]] = {b: [] for b in brands}
    segment_keys: dict[str, str] = {}
    comparatives: list[str] = []

    for n, sentence in enumerate(sentences):
        sent_text = tokenized[sentence[0] : sentence[1]]
        present = {slots[int(i)][2] for i in _SLOT.findall(sent_text)}
        if present:
            comparison = _find_comparison(sent_text, lambda i: slots[int(i)][2])
            if comparison is not None:
                key = f"cmp{n}"
                segment_keys[key] = _detokenize(sent_text, surfaces)
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
            owners = {slots[int(i)][2] for i in _SLOT.findall(unit_text)}
            if not owners and len(previous) == 1:
                owners = previous  # a clause without a brand continues the previous one
            if len(owners) == 1:
                segments[next(iter(owners))].append(_detokenize(unit_text, surfaces))
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
    plans: dict[str, TargetPlan], brand: str, key: str, role: Role, comparison: _Comparison
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


def _tokenize(text: str, slots: Sequence[tuple[int, int, str]]) -> tuple[str, list[str]]:
    """Replace each brand occurrence by a slot token; returns the text and the surfaces."""
    text = text.replace(_OPEN, " ").replace(_CLOSE, " ")
    parts: list[str] = []
    cursor = 0
    for index, (start, end, _brand) in enumerate(slots):
        if start < cursor:
            continue
        parts.append(text[cursor:start])
        parts.append(f"{_OPEN}{index}{_CLOSE}")
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts), [text[s:e] for s, e, _ in slots]


def _detokenize(tokenized: str, surfaces: Sequence[str]) -> str:
    return _SLOT.sub(lambda m: surfaces[int(m.group(1))], tokenized).strip()


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
