"""Edited posts: a mention stored before whose content changed since.

``Repository.save_mentions`` inserts new mentions and leaves ones already stored under
``(source, external_id)`` untouched (``ON CONFLICT DO NOTHING``), so an edited Reddit
comment would keep its first text forever. :func:`update_changed` is the second half:
called with the same batch after ``save_mentions``, it rewrites the stored mentions
whose title or text changed (compared by content hash), in place, so an edit never
becomes a second mention. The edited mention's sentiment analysis and per-brand labels
are dropped, so the next analysis pass labels the new text; a human correction
(``label_overrides``) and an alert already raised are kept (an alert is once per mention,
ever).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from storage import models as m
from storage.records import Mention, content_hash

logger = logging.getLogger(__name__)


def update_changed(engine: Engine, source: str, mentions: Sequence[Mention]) -> int:
    """Rewrite stored mentions of ``source`` whose title or text differ from ``mentions``.

    Updates title, text, content hash, URL, engagement, comment count and ``extra``;
    leaves mentions not stored yet alone (``save_mentions`` inserts those). Returns how
    many stored mentions changed. One transaction.
    """
    if not mentions:
        return 0
    wanted = {mention.external_id: mention for mention in mentions}
    changed = 0
    with Session(engine) as session, session.begin():
        ids = list(wanted)
        stored: list[tuple[int, str, str]] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            stored.extend(
                (row.id, row.external_id, row.content_hash)
                for row in session.execute(
                    select(
                        col(m.Mention.id), col(m.Mention.external_id), col(m.Mention.content_hash)
                    ).where(col(m.Mention.source) == source, col(m.Mention.external_id).in_(chunk))
                )
            )
        for mention_id, external_id, old_hash in stored:
            new = wanted[external_id]
            new_hash = content_hash(new.title, new.text)
            if new_hash == old_hash:
                continue
            session.execute(
                update(m.Mention)
                .where(col(m.Mention.id) == mention_id)
                .values(
                    title=new.title,
                    text=new.text,
                    content_hash=new_hash,
                    url=new.url,
                    engagement=new.engagement,
                    comment_count=new.comment_count,
                    extra=json.dumps(dict(new.extra), default=str) if new.extra else None,
                )
            )
            session.execute(delete(m.Analysis).where(col(m.Analysis.mention_id) == mention_id))
            session.execute(
                update(m.MentionBrand)
                .where(col(m.MentionBrand.mention_id) == mention_id)
                .values(label=None, score=None, method=None)
            )
            changed += 1
    if changed:
        logger.info("%s: %d stored mentions were edited at the source; updated", source, changed)
    return changed
