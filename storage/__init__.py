"""Storage: the bottom layer above domain. Frozen records cross package boundaries; SQL lives
in the per-concern stores that ``repo.Repository`` combines (see ``storage.repo``).

Public surface::

    Mention, StoredMention, SourceHealth, SaveResult   records (frozen dataclasses)
    make_engine, init_db, open_read_only                engine + Alembic migrations
    Repository                                          every query the product runs
"""

from storage.db import DatabaseError, init_db, make_engine, open_read_only
from storage.records import (
    AlertItem,
    BrandCounts,
    Mention,
    SaveResult,
    SourceHealth,
    StoredMention,
    content_hash,
)
from storage.repo import Repository

__all__ = [
    "AlertItem",
    "BrandCounts",
    "DatabaseError",
    "Mention",
    "Repository",
    "SaveResult",
    "SourceHealth",
    "StoredMention",
    "content_hash",
    "init_db",
    "make_engine",
    "open_read_only",
]
