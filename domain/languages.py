"""Language codes as every layer stores and compares them.

Mentions carry the code language identification gives (fastText lid.176: ISO 639-1, two
letters, or ISO 639-3, three letters, for languages without one, such as ``ceb``), lower
case. A brand's ``languages``, a route's ``languages`` and ``classify --lang`` are compared
with those codes, so a name ("English") or a wrong case ("EN") would silently match
nothing: :func:`language_code` normalises the case and refuses anything else.
"""

from __future__ import annotations

import re

__all__ = ["language_code"]

_CODE = re.compile(r"[a-z]{2,3}")


def language_code(value: str) -> str:
    """``value`` as a stored language code: stripped and lower-cased (``" EN"`` -> ``"en"``).

    Raises:
        ValueError: ``value`` is not two or three ASCII letters (``"english"``, ``"en-US"``);
            the message gives examples but does not repeat the value (config errors never
            echo values).
    """
    code = value.strip().lower()
    if not _CODE.fullmatch(code):
        raise ValueError("not a language code: use ISO 639-1, two letters such as en, ar, bg")
    return code
