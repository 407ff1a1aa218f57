"""Cheap look-ups that let a cycle skip work when nothing new arrived (issue 14).

Functions over an :class:`~sqlalchemy.Engine` (``Repository.engine``), indexed, whose cost
does not grow with the stored volume.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, func, select
from sqlmodel import col

from storage import models as m


def newest_mention_id(engine: Engine) -> int:
    """The highest mention id stored (0 when there is none): a primary-key look-up."""
    with engine.connect() as connection:
        return int(connection.execute(select(func.max(col(m.Mention.id)))).scalar() or 0)


def count_collected_after(engine: Engine, *, after_id: int, since: datetime) -> int:
    """Mentions with an id above ``after_id`` collected at or after ``since``."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count())
                .select_from(m.Mention)
                .where(col(m.Mention.id) > after_id, col(m.Mention.collected_at) >= since)
            ).scalar_one()
        )


def story_ids(engine: Engine, mention_ids: list[int]) -> dict[int, int | None]:
    """The stored story id (None: the mention starts its own story) of each mention."""
    found: dict[int, int | None] = {}
    with engine.connect() as connection:
        for start in range(0, len(mention_ids), 500):
            chunk = mention_ids[start : start + 500]
            rows = connection.execute(
                select(col(m.Mention.id), col(m.Mention.story_id)).where(
                    col(m.Mention.id).in_(chunk)
                )
            ).all()
            found.update({int(mid or 0): story for mid, story in rows})
    return found
