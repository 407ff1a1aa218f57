"""The web inbox without a browser: permission rules, password hashes, the login limit,
CSRF, roles, escaping, headers and the JSON API (FastAPI's TestClient on a real SQLite
database of real reviews; the browser tests are in tests_e2e/)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from inbox_data import NOW
from web_data import HOSTILE_TEXT, PASSWORDS, WebData, make_web_data

from brandpulse.inbox import Inbox
from brandpulse.web import create_app
from brandpulse.web.auth import (
    ACTIONS,
    LoginLimiter,
    can,
    check_csrf,
    hash_password,
    verify_password,
)
from storage.web_users import UserStore


# -- the permission rules -----------------------------------------------------------------
@pytest.mark.parametrize("action", ACTIONS)
def test_only_a_responder_acts(action: str) -> None:
    assert can("responder", action)
    assert not can("viewer", action)
    assert not can(None, action)
    assert not can("admin", action), "unknown roles get nothing"


def test_everyone_known_reads_and_unknown_actions_are_refused() -> None:
    assert can("viewer", "read") and can("responder", "read")
    assert not can(None, "read") and not can("", "read")
    assert not can("responder", "delete-everything")


def test_password_hashes_and_csrf_compare() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2id$") and "correct horse" not in hashed
    assert verify_password(hashed, "correct horse")
    assert not verify_password(hashed, "wrong horse")
    assert not verify_password("not a hash", "correct horse")
    with pytest.raises(ValueError, match="at least 8"):
        hash_password("short")
    assert check_csrf("abc", "abc")
    assert not check_csrf("abc", "abd") and not check_csrf(None, None) and not check_csrf("", "")


def test_login_limiter_window() -> None:
    clock = [0.0]
    limiter = LoginLimiter(attempts=3, window=60, clock=lambda: clock[0])
    for _ in range(3):
        assert not limiter.blocked("1.2.3.4")
        limiter.failed("1.2.3.4")
    assert limiter.blocked("1.2.3.4") and not limiter.blocked("5.6.7.8")
    clock[0] = 61.0
    assert not limiter.blocked("1.2.3.4"), "failures older than the window are forgotten"
    limiter.failed("1.2.3.4")
    limiter.succeeded("1.2.3.4")
    assert not limiter.blocked("1.2.3.4")


# -- the app ----------------------------------------------------------------------------------
@pytest.fixture
def data(tmp_path: Path) -> WebData:
    return make_web_data(tmp_path)


def client_for(data: WebData, **kwargs: object) -> TestClient:
    app = create_app(data.config, data.repo, secret="test-secret", now=lambda: NOW, **kwargs)  # type: ignore[arg-type]
    return TestClient(app, base_url="http://127.0.0.1")


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "every form carries the CSRF token"
    return found.group(1)


def login(client: TestClient, name: str, password: str | None = None) -> None:
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"name": name, "password": password or PASSWORDS[name], "csrf": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def alert_of(data: WebData, key: str) -> int:
    box = Inbox(data.config, data.repo, now=lambda: NOW)
    return next(i.alert_id for i in box.items(state="all") if i.mention.id == data.ids[key])


def test_pages_need_a_login_and_send_secure_headers(data: WebData) -> None:
    client = client_for(data)
    r = client.get("/", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/login")
    r = client.get("/login")
    csp = r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "same-origin"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "max-age=43200" in cookie


def test_login_is_rate_limited_and_needs_csrf(data: WebData) -> None:
    client = client_for(data, limiter=LoginLimiter(attempts=2, window=900))
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"name": "kim", "password": PASSWORDS["kim"]})
    assert r.status_code == 403, "a login without the CSRF token is refused"
    for _ in range(2):
        r = client.post("/login", data={"name": "kim", "password": "nope-nope", "csrf": token})
        assert r.status_code == 401 and "Wrong name or password" in r.text
    r = client.post("/login", data={"name": "kim", "password": PASSWORDS["kim"], "csrf": token})
    assert r.status_code == 429 and "Too many failed logins" in r.text


def test_responder_acts_viewer_reads_and_history_names_them(data: WebData) -> None:
    alert = alert_of(data, "Crazy Diamond")
    viewer = client_for(data)
    login(viewer, "vic")
    page = viewer.get(f"/alerts/{alert}").text
    assert "a responder acts on it" in page and "/handle" not in page
    r = viewer.post(f"/alerts/{alert}/handle", data={"csrf": csrf_of(page), "note": "x"})
    assert r.status_code == 403 and "only a responder can handle" in r.text

    responder = client_for(data)
    login(responder, "kim")
    page = responder.get(f"/alerts/{alert}").text
    r = responder.post(f"/alerts/{alert}/handle", data={"note": "replied"})
    assert r.status_code == 403, "no CSRF token, no action"
    r = responder.post(f"/alerts/{alert}/handle", data={"note": "replied", "csrf": csrf_of(page)})
    assert r.status_code == 200 and "Handled." in r.text
    box = Inbox(data.config, data.repo, now=lambda: NOW)
    item = box.item(alert)
    assert (item.state, item.closed_by, item.note) == ("handled", "kim", "replied")
    assert box.history(alert)[-1].actor == "kim"


def test_hostile_text_and_links_are_inert(data: WebData) -> None:
    client = client_for(data)
    login(client, "kim")
    page = client.get(f"/alerts/{alert_of(data, 'mallory')}").text
    assert "<script>document" not in page and "&lt;script&gt;" in page
    assert 'href="javascript:' not in page
    assert "shown as text" in page
    inbox = client.get("/").text
    assert "<script>document" not in inbox and HOSTILE_TEXT[:20] in inbox


def test_api_needs_a_token_and_agrees_with_the_inbox(data: WebData) -> None:
    client = client_for(data)
    assert client.get("/api/alerts").status_code == 401
    UserStore(data.repo.engine).set_token("vic", "tok-vic-123")
    r = client.get("/api/alerts", headers={"Authorization": "Bearer tok-vic-123"})
    assert r.status_code == 200
    box = Inbox(data.config, data.repo, now=lambda: NOW)
    assert [a["id"] for a in r.json()] == [i.alert_id for i in box.items()]
    r = client.get("/api/mentions?limit=3", headers={"Authorization": "Bearer tok-vic-123"})
    assert r.status_code == 200 and len(r.json()) == 3
    assert client.get("/api/alerts", headers={"Authorization": "Bearer wrong"}).status_code == 401
    schema = client.get("/api/openapi.json").json()
    assert {"/api/alerts", "/api/mentions", "/api/report"} <= set(schema["paths"])
    assert "/login" not in schema["paths"]


def test_users_commands_never_print_secrets(data: WebData) -> None:
    from typer.testing import CliRunner

    from brandpulse.cli import app

    runner = CliRunner()
    cfg = ["--config", str(data.config_path)]
    r = runner.invoke(
        app,
        ["users", "add", "ana", "--role", "responder", "--password-stdin", *cfg],
        input="ana-secret-pass\n",
    )
    assert r.exit_code == 0 and r.output.strip() == "added ana (responder)"
    stored = UserStore(data.repo.engine).get("ana")
    assert stored is not None and verify_password(stored.password_hash, "ana-secret-pass")
    r = runner.invoke(app, ["users", "add", "bo", "--role", "admin", "--password-stdin", *cfg])
    assert r.exit_code == 2 and "choose from viewer, responder" in r.output
    r = runner.invoke(
        app, ["users", "add", "bo", "--role", "viewer", "--password-stdin", *cfg], input="short\n"
    )
    assert r.exit_code == 2 and "at least 8" in r.output
    r = runner.invoke(app, ["users", "token", "ana", *cfg])
    token = r.output.strip()
    assert r.exit_code == 0 and UserStore(data.repo.engine).by_token(token) is not None
    listing = runner.invoke(app, ["users", "list", *cfg]).output
    assert "ana\tresponder" in listing
    assert token not in listing and "ana-secret-pass" not in listing and "$argon2" not in listing
    assert runner.invoke(app, ["users", "remove", "ana", *cfg]).exit_code == 0
    assert runner.invoke(app, ["users", "remove", "ana", *cfg]).exit_code == 1


def test_sources_changes_filters_and_docs_pages(data: WebData) -> None:
    client = client_for(data)
    login(client, "vic")
    sources = client.get("/sources")
    assert sources.status_code == 200 and "appstore-reality-jp" in sources.text
    changes = client.get("/changes")
    assert changes.status_code == 200 and "New alerts (" in changes.text
    ja = client.get("/?language=ja&state=all").text
    assert "appstore-reality-jp" in ja and "googleplay-twitter" not in ja
    posts = client.get("/?kind=post&state=all").text
    assert "appstore-reality-jp" not in posts and "googleplay-twitter" not in posts
    assert "· hn ·" in posts
    assert client.get("/?state=bogus").status_code == 400
    docs = client.get("/api/docs")
    assert docs.status_code == 200 and "/static/swagger-init.js" in docs.text
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]


def test_web_on_a_taken_port_is_one_line_and_exit_1(data: WebData) -> None:
    """A port another program holds used to print "BrandPulse inbox on ..." and then the
    server's own error with exit 3; now one line with the fix, before announcing anything."""
    import socket

    from typer.testing import CliRunner

    from brandpulse.cli import app

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        r = CliRunner().invoke(app, ["web", "--config", str(data.config_path), "--port", str(port)])
    assert r.exit_code == 1
    assert f"error: cannot listen on 127.0.0.1:{port}: another program uses this port" in r.output
    assert "BrandPulse inbox on" not in r.output and "Traceback" not in r.output
