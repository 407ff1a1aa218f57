"""Text rules shared by every layer: what a model reads, and when two texts are the same."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_URL = re.compile(r"https?://\S+")


def model_text(title: str, text: str) -> str:
    """The text a model (language identification, sentiment, near-duplicates, themes) or a
    brand matcher reads: ``"title. text"``, or ``text`` alone when there is no title or
    the text already starts with it (review sites often repeat the title)."""
    title = title.strip()
    if not title or text.startswith(title):
        return text
    if not text:
        return title
    return f"{title}. {text}"


def normalize_text(text: str) -> str:
    """Lower-case, NFKC-fold, drop URLs and punctuation, collapse white space."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _URL.sub(" ", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def content_hash(title: str, text: str) -> str:
    """SHA-256 (hex, 64 chars) of the normalized title and text.

    Two posts with the same words (cross-posted, syndicated, re-shared with another URL)
    hash alike, whatever their punctuation, case or links.
    """
    return hashlib.sha256(normalize_text(f"{title} {text}").encode()).hexdigest()
