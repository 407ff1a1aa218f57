"""Alembic environment: runs on the connection handed over by ``storage.db.init_db``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine
from sqlmodel import SQLModel

import storage.inbox_models  # the inbox tables (migration 0005_inbox)
import storage.models
import storage.outbox  # noqa: F401  (the delivery outbox table, migration 0006)
from storage import cluster as _cluster  # noqa: F401  (migration 0009_cluster)
from storage import web_users as _web_users  # noqa: F401  (migration 0008_web_users)

target_metadata = SQLModel.metadata
config = context.config


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("set sqlalchemy.url or pass a connection in config.attributes")
        with create_engine(url).connect() as conn:
            _run(conn)
            conn.commit()
        return
    _run(connection)


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
