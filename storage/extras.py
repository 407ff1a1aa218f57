"""The ``extra`` fields (site-specific, JSON) of stored mentions, by mention id.

``StoredMention`` does not carry ``extra``; exports that need a few of its fields read
them here in one query per 500 ids.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from sqlmodel import col

from storage import models as m


def extras_by_id(engine: Engine, mention_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """``{mention id: extra dict}`` for the given ids (mentions without ``extra`` or with
    unreadable JSON are left out)."""
    ids = list(dict.fromkeys(mention_ids))
    out: dict[int, dict[str, Any]] = {}
    with Session(engine) as session:
        for start in range(0, len(ids), 500):
            rows = session.execute(
                select(col(m.Mention.id), col(m.Mention.extra)).where(
                    col(m.Mention.id).in_(ids[start : start + 500]),
                    col(m.Mention.extra).is_not(None),
                )
            )
            for mention_id, raw in rows:
                if mention_id is None or raw is None:
                    continue  # never: id is the primary key and the WHERE drops NULL extras
                try:
                    value = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(value, dict):
                    out[mention_id] = value
    return out
