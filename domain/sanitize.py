"""Pure sanitizers for text and links that come from the outside world.

Scraped text may hold NUL bytes (PostgreSQL refuses them), lone UTF-16 surrogates
(SQLite's UTF-8 codec refuses them), terminal control characters, and bidirectional
override characters that make a digest line read differently from what it says. Links
may use ``javascript:`` or ``data:`` schemes. These functions make such input safe to
store and to copy into digests; they never raise for any ``str`` input.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: Default maximum length of one stored text, in characters (about 100 KB of prose).
DEFAULT_MAX_TEXT_CHARS = 100_000

#: C0 controls except TAB (\x09) and LF (\x0a); DEL and the C1 controls too. CR is
#: dropped so that "a\r\nb" becomes "a\nb" and a lone CR cannot rewind a terminal line.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Bidirectional embedding/override/isolate characters (U+202A-202E, U+2066-2069).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
#: Lone (unpaired) surrogates; a valid str from UTF-8 never contains any surrogate.
_SURROGATE = re.compile("[\ud800-\udfff]")

#: The only URL schemes a digest may turn into links.
SAFE_SCHEMES = frozenset({"http", "https"})


def clean_text(s: str | None, *, max_chars: int | None = DEFAULT_MAX_TEXT_CHARS) -> str:
    """Return ``s`` safe to store and to copy into a digest.

    * NUL and other C0/C1 control characters are dropped, except newline and tab
      (``\\r\\n`` becomes ``\\n``);
    * lone surrogates become U+FFFD (the replacement character);
    * bidi embedding/override/isolate characters (U+202A-202E, U+2066-2069) are removed;
    * the result is cut to ``max_chars`` characters (default
      :data:`DEFAULT_MAX_TEXT_CHARS`; ``None`` for no limit), ending with "…" when cut.

    ``None`` gives ``""``.
    """
    if not s:
        return ""
    out = _SURROGATE.sub("\ufffd", s)
    out = out.replace("\r\n", "\n")
    out = _CONTROLS.sub("", out)
    out = _BIDI.sub("", out)
    if max_chars is not None and len(out) > max_chars:
        out = out[: max(0, max_chars - 1)] + "…"
    return out


def clean_line(s: str | None, *, max_chars: int | None = 500) -> str:
    """Like :func:`clean_text`, for single-line fields (author, title, source names):
    every run of whitespace, including newlines and tabs, becomes one space. Default
    limit 500 characters."""
    return " ".join(clean_text(s, max_chars=None).split())[: max_chars or None]


def safe_link(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL with a host, else ``None``.

    ``javascript:``, ``data:``, ``vbscript:``, ``file:``, relative and scheme-less URLs
    are never returned, nor URLs containing whitespace or control characters (browsers
    strip those, which would let ``java\\tscript:`` through).
    """
    if not url or not isinstance(url, str):
        return None
    candidate = url.strip()
    if not candidate or len(candidate) > 8192:
        return None
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in candidate):
        return None
    if _BIDI.search(candidate) or _SURROGATE.search(candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc or not parts.hostname:
        return None
    return candidate
