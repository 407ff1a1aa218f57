"""Streaming reads for export (issue 14): constant memory whatever the stored volume.

:func:`iter_mentions` pages through the matching mention ids by keyset (``id > last``,
``page`` ids at a time) and reads each page with ``Repository.mentions``, so rows can be
written as they come instead of loading every mention first.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from sqlalchemy import Engine, and_, func, select
from sqlmodel import col

from storage import models as m
from storage.records import StoredMention

#: Mentions read per page (default of :func:`iter_mentions`).
PAGE = 1_000


class _Reader(Protocol):
    engine: Engine

    def mentions(
        self, *, ids: list[int] | None = ..., brand: str | None = ...
    ) -> list[StoredMention]: ...


def iter_mentions(
    repo: _Reader,
    *,
    since: datetime | None = None,
    brand: str | None = None,
    page: int = PAGE,
) -> Iterator[StoredMention]:
    """Every mention ``repo.mentions(since=since, brand=brand)`` returns, in the same
    (id) order, read ``page`` (default 1,000) at a time."""
    for found in iter_mention_pages(repo, since=since, brand=brand, page=page):
        yield from found


def iter_mention_pages(
    repo: _Reader,
    *,
    since: datetime | None = None,
    brand: str | None = None,
    page: int = PAGE,
) -> Iterator[list[StoredMention]]:
    """:func:`iter_mentions` a page (at most ``page`` mentions, default 1,000) at a time."""
    last = 0
    while True:
        stmt = select(col(m.Mention.id)).where(col(m.Mention.id) > last)
        if since is not None:
            stmt = stmt.where(
                func.coalesce(col(m.Mention.published_at), col(m.Mention.collected_at)) >= since
            )
        if brand is not None:
            brand_id = select(col(m.Brand.id)).where(col(m.Brand.name) == brand).scalar_subquery()
            stmt = stmt.join(
                m.MentionBrand,
                and_(
                    col(m.MentionBrand.mention_id) == col(m.Mention.id),
                    col(m.MentionBrand.brand_id) == brand_id,
                ),
            )
        stmt = stmt.order_by(col(m.Mention.id)).limit(page)
        with repo.engine.connect() as connection:
            ids = [int(mid or 0) for mid in connection.execute(stmt).scalars()]
        if not ids:
            return
        yield repo.mentions(ids=ids, brand=brand)
        last = ids[-1]
