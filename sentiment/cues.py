"""English comparative cues: which brand a sentence ranks above which.

A sentence is *tokenized* first: each brand occurrence becomes a slot token
(``\x01<n>\x02``, ``n`` the index of the occurrence), so the cue patterns match slots
rather than brand names. :func:`find_comparison` returns the first cue that ranks the
slots of a sentence ("X is better than Y", "switched from Y to X", "X beats Y", "unlike
Y, X ...", "X > Y", ...) with the role (``winner`` or ``loser``) of each slot, or None.
See :mod:`sentiment.targets` for how the roles become per-brand labels.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from sentiment.clauses import COMMA, CONTRAST

Role = Literal["winner", "loser"]

OPEN, CLOSE = "\x01", "\x02"
SLOT = re.compile(rf"{OPEN}(\d+){CLOSE}")
SLOT_RE = rf"{OPEN}\d+{CLOSE}"

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
_FILL = rf"(?:(?!{SLOT_RE})[^.!?;]){{0,40}}?"
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


_SLOT_GROUP = "(?P<{}>" + SLOT_RE + ")"
_CUES: tuple[_Cue, ...] = (
    _cue(
        "switched from Y to X",
        r"\b(?:switch(?:ed|ing)?|mov(?:ed|ing)|migrat(?:ed|ing)|went|go(?:ing)?|changed|"
        r"convert(?:ed|ing)|upgraded)\s+(?:back\s+|over\s+)?from\s+"
        + _FILL
        + _SLOT_GROUP.format("lose")
        + r"\s*(?:\w+\s+){0,3}?(?:to|over\s+to|for)\s+"
        + _FILL
        + _SLOT_GROUP.format("win"),
        holder="win",
    ),
    _cue(
        "switched to X from Y",
        r"\b(?:switch(?:ed|ing)?|mov(?:ed|ing)|migrat(?:ed|ing)|changed|convert(?:ed|ing))\s+"
        r"(?:over\s+)?to\s+"
        + _FILL
        + _SLOT_GROUP.format("win")
        + r"\s*(?:\w+\s+){0,3}?from\s+"
        + _FILL
        + _SLOT_GROUP.format("lose"),
        holder="win",
    ),
    _cue(
        "ditched Y for X",
        r"\b(?:ditch(?:ed|ing)?|dump(?:ed|ing)?|dropp(?:ed|ing)|drop|replac(?:e|ed|ing)|left|"
        r"leav(?:e|ing)|quit|abandon(?:ed|ing)?)\s+"
        + _FILL
        + _SLOT_GROUP.format("lose")
        + r"\s*(?:\w+\s+){0,2}?(?:for|in\s+favou?r\s+of|with|and\s+(?:went|switched|moved)"
        r"\s+(?:with|to))\s+" + _FILL + _SLOT_GROUP.format("win"),
        holder="win",
    ),
    _cue(
        "prefer X over Y",
        r"\b(?:prefer(?:s|red)?|chose|choose|choosing|picked|pick|went\s+with|go\s+with|"
        r"purchase\s+of|bought|buy|recommend(?:ed)?)\s+"
        + _FILL
        + _SLOT_GROUP.format("win")
        + r"(?:(?!"
        + SLOT_RE
        + r")[^.!?;]){0,60}?\b(?:over|to|instead\s+of|rather\s+than)\s+"
        + _FILL
        + _SLOT_GROUP.format("lose"),
        holder="win",
    ),
    _cue(
        "rather X than Y",
        r"\brather\s+(?:\w+\s+){0,2}?"
        + _FILL
        + _SLOT_GROUP.format("win")
        + r"[^.!?;]{0,40}?\bthan\s+"
        r"" + _FILL + _SLOT_GROUP.format("lose"),
        holder="win",
    ),
    _cue(
        "X > Y",
        _SLOT_GROUP.format("win") + r"\s*(?:>+|&gt;)\s*" + _SLOT_GROUP.format("lose"),
        holder="win",
    ),
    _cue(
        "Y < X",
        _SLOT_GROUP.format("lose") + r"\s*(?:<+|&lt;)\s*" + _SLOT_GROUP.format("win"),
        holder="win",
    ),
    _cue(
        "Y pales in comparison / loses to X",
        _SLOT_GROUP.format("lose")
        + r"(?:(?!"
        + SLOT_RE
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
    rf"[;؛()\[\]]|\s[-–—]+\s|\b(?:{CONTRAST})\b|,(?=[^,]*\b(?:is|are|was|were|has|have|"
    r"had|will|would|can|could|should|may|might|must|does|do|did|gets|got|seems|looks|rates|"
    r"works|makes|made|offers)\b)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Comparison:
    """What a cue found in one sentence: its name, the role of each slot it ranked, the
    side whose polarity the sentence carries, and whether a neutral sentence still ranks."""

    cue: str
    roles: dict[int, Role]  # slot index -> role
    holder_role: Role  # the side whose polarity the sentence carries (may be unnamed)
    directed: bool


def find_comparison(tokenized: str, brand_of: Callable[[str], str]) -> Comparison | None:
    """The first cue in a tokenized sentence and the roles it gives to brand slots.

    ``brand_of`` maps a slot index (as text) to its brand, so that a brand named again
    after the cue (the subject repeated) is not taken for the other side.
    """
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
                    roles[int(slot.strip(OPEN + CLOSE))] = role
            if cue.rest_role is not None:
                rest = tokenized[match.end() :]
                stop = (COMMA if cue.rest_to_comma else _REST_STOP).search(rest)
                rest = rest[: stop.start()] if stop else rest
                before = {surface(i) for i in SLOT.findall(tokenized[: match.start()])}
                for slot in SLOT.finditer(rest):
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
            return Comparison(cue.name, roles, holder, cue.directed)
    return None


# -- slot tokens ---------------------------------------------------------------------------------
def tokenize(text: str, slots: Sequence[tuple[int, int, str]]) -> tuple[str, list[str]]:
    """Replace each brand occurrence ``(start, end, brand)``, sorted by start, by a slot
    token (overlapping ones are skipped); returns the text and the surfaces."""
    text = text.replace(OPEN, " ").replace(CLOSE, " ")
    parts: list[str] = []
    cursor = 0
    for index, (start, end, _brand) in enumerate(slots):
        if start < cursor:
            continue
        parts.append(text[cursor:start])
        parts.append(f"{OPEN}{index}{CLOSE}")
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts), [text[s:e] for s, e, _ in slots]


def detokenize(tokenized: str, surfaces: Sequence[str]) -> str:
    """Put the brand surfaces back in place of the slot tokens (stripped)."""
    return SLOT.sub(lambda m: surfaces[int(m.group(1))], tokenized).strip()
