"""Turn HTML fragments (feed summaries, Mastodon statuses, highlighted titles) into text."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "blockquote",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "pre",
        "section",
        "article",
        "header",
        "footer",
        "hr",
    }
)
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript"})
_SPACES = re.compile(r"[ \t\u00a0\u200b]+")
_NEWLINES = re.compile(r"\s*\n\s*")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, block elements
    on their own lines, runs of spaces collapsed. Plain text passes through unchanged
    apart from white space."""
    if "<" not in fragment:
        return _tidy(html.unescape(fragment))
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    return _tidy("".join(parser.parts))


def _tidy(text: str) -> str:
    text = _SPACES.sub(" ", text)
    return _NEWLINES.sub("\n", text).strip()
