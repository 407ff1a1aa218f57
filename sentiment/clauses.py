"""Sentence and clause splitting for per-brand (target) sentiment.

Sentences are split on punctuation of many scripts (``. ! ? … 。 ！ ？ ؟ ۔ ।`` and line
breaks; a full stop must be followed by white space, so "v2.0" and "Amazon.com" stay
whole); clauses on ``; :`` brackets, dashes, English contrastive conjunctions ("but",
"however", "although", "while", ...) and on commas when both sides have at least three
words. Spans are ``(start, end)`` character offsets into the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Span = tuple[int, int]

_ABBREVIATIONS = frozenset(
    {"vs", "etc", "e.g", "i.e", "eg", "ie", "mr", "mrs", "ms", "dr", "st", "jr", "sr", "inc"}
    | {"ltd", "co", "corp", "approx", "no", "nr", "fig"}
)
#: A semicolon that ends an HTML entity ("&amp;") is not punctuation.
_SEMICOLON = r"(?<!&amp)(?<!&lt)(?<!&gt)(?<!&quot)(?<!&apos)(?<!&nbsp)(?<!&#\d\d)(?<!&#\d\d\d)[;؛]"
_SENTENCE_END = re.compile(
    rf"(?:[.!?…]+[\"'”’)\]]*(?=\s)|[。！？؟۔।]+[\"'”’」』)\]]*|\n+|{_SEMICOLON})", re.UNICODE
)
CONTRAST = (
    r"but|however|whereas|while|although|though|yet|except|nevertheless|"
    r"aber|mais|pero|però|ma|mas|но|лекин|لكن|ولكن"
)
_CLAUSE_BREAK = re.compile(
    rf"\s*(?:{_SEMICOLON}|[:()\[\]])\s*|\s+[-–—]+\s+|\s+(?=(?:{CONTRAST})\b)",
    re.IGNORECASE | re.UNICODE,
)
COMMA = re.compile(r"\s*[,،、，]\s*")
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
    pieces = _split(text, [span], COMMA)
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
