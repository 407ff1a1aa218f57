"""Ingest speed: ``Repository.save_mentions`` against a raw DB-API ``executemany`` of the
same rows into the same schema (SQLite; PostgreSQL also against ``COPY``).

Imported by ``bench_pipeline.py`` once it has put the repository root and ``tests/`` on
``sys.path``.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from pipeline_workload import OWN
from results import result

from domain.records import Mention
from storage import Repository, init_db, make_engine
from storage.mentions import _mention_row


def _ingest_mentions(items: list[dict[str, object]]) -> list[Mention]:
    """The generated feed items as the Mention records both ingest measurements write."""
    return [
        Mention(
            source="ingest",
            external_id=str(it["id"]),
            url=str(it["url"]),
            text=str(it["content_text"]),
            published_at=datetime.fromisoformat(str(it["date_published"])),
            brands=(OWN,),
        )
        for it in items
    ]


def ingest_ratio(n: int, items: list[dict[str, object]], work: Path) -> float:
    """save_mentions rows/s over a raw executemany of the same rows (same schema)."""
    now = datetime.now(UTC)
    mentions = _ingest_mentions(items)
    raw_db, repo_db = work / "raw.db", work / "repo.db"
    for db in (raw_db, repo_db):
        db.unlink(missing_ok=True)
        init_db(make_engine(f"sqlite:///{db}"))
    rows = [_mention_row(m, now) for m in mentions]
    for row in rows:  # what the UTC type stores: naive UTC
        for key in ("published_at", "collected_at"):
            if row[key] is not None:
                row[key] = row[key].astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    columns = list(rows[0])
    sql = f"INSERT INTO mentions ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    con = sqlite3.connect(raw_db)
    start = time.perf_counter()
    for k in range(0, len(rows), 500):
        con.executemany(sql, [tuple(r[c] for c in columns) for r in rows[k : k + 500]])
        con.commit()
    raw = time.perf_counter() - start
    con.close()
    repo = Repository(make_engine(f"sqlite:///{repo_db}"))
    repo.sync_brands([(OWN, True)])
    start = time.perf_counter()
    for k in range(0, len(mentions), 500):
        repo.save_mentions("ingest", mentions[k : k + 500])
    ours = time.perf_counter() - start
    result(f"ingest_raw_{n}", n / raw, "rows/s")
    result(f"ingest_repo_{n}", n / ours, "rows/s")
    return raw / ours


def ingest_ratio_postgres(n: int, items: list[dict[str, object]], admin_url: str) -> None:
    """On PostgreSQL (a temporary database on the server of ``admin_url``): save_mentions
    rows/s over a raw psycopg ``executemany`` and over ``COPY`` of the same rows."""
    import uuid

    import psycopg

    name = f"bench_ingest_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
    try:
        now = datetime.now(UTC)
        mentions = _ingest_mentions(items)
        engine = make_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        init_db(engine)
        rows = [_mention_row(m, now) for m in mentions]
        columns = list(rows[0])
        values = [tuple(r[c] for c in columns) for r in rows]
        names = ", ".join(columns)
        sql = f"INSERT INTO mentions ({names}) VALUES ({', '.join('%s' for _ in columns)})"
        timings: dict[str, float] = {}
        with psycopg.connect(url) as conn:
            start = time.perf_counter()
            for k in range(0, len(values), 500):
                with conn.cursor() as cur:
                    cur.executemany(sql, values[k : k + 500])
                conn.commit()
            timings["raw"] = time.perf_counter() - start
            conn.execute("DELETE FROM mentions")
            conn.commit()
            start = time.perf_counter()
            with conn.cursor() as cur, cur.copy(f"COPY mentions ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            conn.commit()
            timings["copy"] = time.perf_counter() - start
            conn.execute("DELETE FROM mentions")
            conn.commit()
        repo = Repository(engine)
        repo.sync_brands([(OWN, True)])
        start = time.perf_counter()
        for k in range(0, len(mentions), 500):
            repo.save_mentions("ingest", mentions[k : k + 500])
        ours = time.perf_counter() - start
        engine.dispose()
        result(f"ingest_pg_repo_{n}", n / ours, "rows/s")
        result(f"ingest_pg_raw_{n}", n / timings["raw"], "rows/s")
        result(f"ingest_pg_copy_{n}", n / timings["copy"], "rows/s")
        result(f"ingest_pg_ratio_{n}", timings["raw"] / ours, "x_raw_executemany")
        result(f"ingest_pg_over_copy_{n}", timings["copy"] / ours, "x_copy")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
