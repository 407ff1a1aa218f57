"""HEAD on the web inbox's pages (uptime checkers and proxies send HEAD) and ``/healthz``
(no login, no secret, the database asked; 503 with one word when it does not answer).
FastAPI's TestClient on the web tests' real SQLite database (tests/web_data.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from inbox_data import NOW
from web_data import PASSWORDS, WebData, make_web_data

from brandpulse.web import create_app
from storage import Repository
from storage.db import make_engine


@pytest.fixture
def data(tmp_path: Path) -> WebData:
    return make_web_data(tmp_path)


def client_for(data: WebData, repo: Repository | None = None) -> TestClient:
    app = create_app(data.config, repo or data.repo, secret="test-secret", now=lambda: NOW)
    return TestClient(app, base_url="http://127.0.0.1")


def test_head_answers_like_get_without_a_body(data: WebData) -> None:
    client = client_for(data)
    got = client.get("/login")
    head = client.head("/login")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-type"] == got.headers["content-type"]
    assert int(head.headers["content-length"]) == len(got.content) > 0
    assert head.headers["content-security-policy"] == got.headers["content-security-policy"]
    r = client.head("/", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/login"), "login still needed"
    assert client.head("/static/style.css").status_code == 200

    import re

    token = re.search(r'name="csrf" value="([^"]+)"', got.text)
    assert token
    form = {"name": "vic", "password": PASSWORDS["vic"], "csrf": token.group(1)}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    for path in ("/", "/sources", "/report"):
        r = client.head(path)
        assert (r.status_code, r.content) == (200, b""), path
    assert client.head("/logout").status_code == 405, "POST-only routes stay POST-only"


def test_healthz_needs_no_login_and_sets_no_cookie(data: WebData) -> None:
    client = client_for(data)
    r = client.get("/healthz")
    assert (r.status_code, r.text) == (200, "ok")
    assert r.headers["content-type"].startswith("text/plain")
    assert "set-cookie" not in r.headers and r.headers["cache-control"] == "no-store"
    head = client.head("/healthz")
    assert (head.status_code, head.content) == (200, b"")
    assert "/healthz" not in client.get("/api/openapi.json").json()["paths"]


@pytest.mark.parametrize(
    "url",
    ["sqlite:///{tmp}/no-such.db", "postgresql+psycopg://bp:hunter2pw@127.0.0.1:1/bp"],
)
def test_healthz_is_503_when_the_database_does_not_answer(
    data: WebData, tmp_path: Path, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A SQLite file that is not there (read-only: never created) and a PostgreSQL server
    that is not listening: one word, no detail, no password in the log."""
    down = Repository(make_engine(url.format(tmp=tmp_path), read_only=True))
    client = client_for(data, down)
    r = client.get("/healthz")
    assert (r.status_code, r.text) == (503, "unavailable")
    head = client.head("/healthz")
    assert (head.status_code, head.content) == (503, b"")
    assert "hunter2pw" not in caplog.text and "healthz" in caplog.text


def test_api_report_takes_the_whole_stored_period(data: WebData) -> None:
    """``/api/report?period=all`` covers every stored mention, as the report page's
    "everything stored" does; ``days`` and ``period`` together are refused; the option
    is in the OpenAPI schema."""
    from brandpulse.report import period_covering
    from storage.web_users import UserStore

    client = client_for(data)
    UserStore(data.repo.engine).set_token("vic", "tok-vic-report")
    auth = {"Authorization": "Bearer tok-vic-report"}
    week = client.get("/api/report?days=7", headers=auth).json()
    everything = client.get("/api/report?period=all", headers=auth)
    assert everything.status_code == 200, everything.text
    covering = period_covering(data.repo)
    assert covering is not None
    assert everything.json()["period"] == {
        "since": covering[0].isoformat(),
        "until": covering[1].isoformat(),
    }
    assert everything.json()["total_mentions"] > week["total_mentions"]
    assert everything.json()["total_mentions"] == len(data.repo.mentions(limit=10_000))
    assert client.get("/api/report?period=year", headers=auth).status_code == 422
    both = client.get("/api/report?period=all&days=7", headers=auth)
    assert both.status_code == 400 and "not both" in both.text
    params = client.get("/api/openapi.json").json()["paths"]["/api/report"]["get"]["parameters"]
    period = next(p for p in params if p["name"] == "period")
    assert "all" in str(period["schema"]) and "every stored mention" in period["description"]
