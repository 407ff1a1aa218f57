"""A process killed half-way through the migrations leaves a database the next run can
migrate: on SQLite the whole upgrade is one transaction (pysqlite would otherwise commit
each CREATE TABLE on its own, and the rerun failed with "table ... already exists")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import inspect

from storage import init_db, make_engine

# Dies (as abruptly as SIGKILL: no cleanup, no commit) when the inbox migration starts
# creating its first table, after the earlier revisions ran in the same upgrade.
CHILD = """
import os, sys
from sqlalchemy import event
from storage import init_db, make_engine

engine = make_engine(sys.argv[1])

@event.listens_for(engine, "before_cursor_execute")
def die(conn, cursor, statement, *args):
    if statement.lstrip().upper().startswith("CREATE TABLE ALERT_STATES"):
        os._exit(9)

init_db(engine)
"""


def test_a_migration_killed_half_way_is_completed_by_the_next_run(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bp.db'}"
    child = subprocess.run(
        [sys.executable, "-c", CHILD, url], capture_output=True, text=True, timeout=120
    )
    assert child.returncode == 9, child.stderr
    engine = make_engine(url)
    assert "mentions" not in inspect(engine).get_table_names(), "nothing half-done is kept"
    init_db(engine)  # the next run
    tables = set(inspect(engine).get_table_names())
    assert {"mentions", "alert_states", "brands"} <= tables
