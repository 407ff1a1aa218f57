"""A real recorded feed with its first item emptied: the minimal edit that gives an item with
neither title nor text (feeds do carry such items: a post whose body failed to render,
a placeholder entry), everything else in the recording left byte for byte."""

from __future__ import annotations

import json
import re

#: The elements whose text is a feed item's title or body, RSS and Atom.
TEXT_TAGS = ("title", "description", "content:encoded", "content", "summary")


def blank_first_item(body: bytes) -> bytes:
    """``body`` (RSS, Atom or JSON Feed) with its first item's title and body emptied."""
    if body.lstrip()[:1] == b"{":
        doc = json.loads(body)
        item = doc["items"][0]
        for key in ("title", "content_text", "content_html", "summary"):
            if key in item:
                item[key] = ""
        return json.dumps(doc).encode()
    item = re.search(rb"<(item|entry)[\s>].*?</\1\s*>", body, re.DOTALL)
    assert item is not None, "the recording has no item"
    emptied = item.group(0)
    for tag in TEXT_TAGS:
        name = re.escape(tag.encode())
        emptied = re.sub(rb"(<" + name + rb"(?:\s[^>]*)?>).*?(</" + name + rb">)", rb"\1\2",
                         emptied, count=1, flags=re.DOTALL)  # fmt: skip
    assert emptied != item.group(0)
    return body[: item.start()] + emptied + body[item.end() :]
