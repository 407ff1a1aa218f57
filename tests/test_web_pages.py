"""The web inbox's pages as a manager reads them, and the rules every route keeps: every
POST needs the CSRF token, a session ends after its hours, an alert page offers only the
actions its state allows and says who closed it, histories show times as times, and the
changes page lists what people did (not the alerts' own raising). FastAPI's TestClient
on the real reviews of tests/web_data.py."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from inbox_data import NOW
from test_web import alert_of, client_for, csrf_of, login
from web_data import WebData, make_web_data

from brandpulse.inbox import Inbox


@pytest.fixture
def data(tmp_path: Path) -> WebData:
    return make_web_data(tmp_path)


def _routes(routes: list[Any]) -> Iterator[Any]:
    """Every route of the app, into included routers (FastAPI 0.165 keeps them nested)."""
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from _routes(nested.routes)
        else:
            yield route


def post_paths(app: FastAPI) -> list[str]:
    return sorted(
        r.path for r in _routes(app.routes) if "POST" in (getattr(r, "methods", None) or ())
    )


def forms_of(html: str) -> list[str]:
    """The actions of an alert page's forms (``handle``, ``reopen``...)."""
    return re.findall(r'action="/alerts/\d+/([a-z]+)"', html)


def test_every_post_route_refuses_a_missing_or_wrong_csrf_token(data: WebData) -> None:
    client = client_for(data)
    paths = post_paths(client.app)  # type: ignore[arg-type]
    assert len(paths) == 8, paths  # login, logout and the six actions
    alert = alert_of(data, "Crazy Diamond")
    login(client, "kim")
    for path in paths:
        url = path.replace("{alert_id}", str(alert))
        for form in ({}, {"csrf": "not-the-token"}):
            r = client.post(url, data={**form, "note": "x", "to": "kim", "until": "1d"})
            assert r.status_code == 403, f"{url} {form}: {r.status_code}"
            assert "CSRF token is missing or wrong" in r.text
    item = Inbox(data.config, data.repo, now=lambda: NOW).item(alert)
    assert (item.state, item.assignee) == ("open", None), "nothing was done"


def test_a_session_ends_after_its_hours(data: WebData, monkeypatch: pytest.MonkeyPatch) -> None:
    from itsdangerous.timed import TimestampSigner

    client = client_for(data, session_hours=2.0)
    login(client, "vic")
    assert client.get("/", follow_redirects=False).status_code == 200
    later = int(time.time()) + 2 * 3600 + 60  # the signed cookie's clock, 2 h 1 min on
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    r = client.get("/", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/login")


def test_an_alert_page_offers_only_what_its_state_allows(data: WebData) -> None:
    alert = alert_of(data, "Crazy Diamond")
    client = client_for(data)
    login(client, "kim")
    page = client.get(f"/alerts/{alert}").text
    assert forms_of(page) == ["handle", "assign", "snooze", "dismiss", "relabel"]

    client.post(f"/alerts/{alert}/snooze", data={"csrf": csrf_of(page), "until": "1d"})
    page = client.get(f"/alerts/{alert}").text
    assert forms_of(page) == ["handle", "assign", "dismiss", "relabel", "reopen"]

    client.post(
        f"/alerts/{alert}/dismiss",
        data={"csrf": csrf_of(page), "reason": "spam", "note": "a bot"},
    )
    page = client.get(f"/alerts/{alert}").text
    assert forms_of(page) == ["relabel", "reopen"], "a closed alert: reopen or relabel only"
    facts = page[page.index('<dl class="facts">') :]
    facts = facts[: facts.index("</dl>")]
    assert "Closed" in facts and "dismissed by kim, 20 Jan 12:00 UTC" in facts
    assert re.search(r"was due \d\d \w{3} \d\d:\d\d UTC: (in time|\d+ (min|h|days) late)", facts)
    assert "Suggested reply" not in page, "no reply outline for a dismissed alert"


def test_a_closed_alert_says_whether_it_met_its_deadline() -> None:
    from datetime import timedelta

    from brandpulse.web.formats import sla_outcome

    due = NOW
    assert sla_outcome(due - timedelta(hours=3), due) == "in time"
    assert sla_outcome(due, due) == "in time"
    assert sla_outcome(due + timedelta(seconds=20), due) == "1 min late"
    assert sla_outcome(due + timedelta(minutes=25), due) == "25 min late"
    assert sla_outcome(due + timedelta(hours=6, minutes=59), due) == "6 h late"
    assert sla_outcome(due + timedelta(days=3, hours=1), due) == "3 days late"


def test_history_shows_times_as_times(data: WebData) -> None:
    alert = alert_of(data, "Crazy Diamond")
    client = client_for(data)
    login(client, "kim")
    page = client.get(f"/alerts/{alert}").text
    client.post(f"/alerts/{alert}/snooze", data={"csrf": csrf_of(page), "until": "1d"})
    history = client.get(f"/alerts/{alert}").text
    history = history[history.index('class="history"') :]
    assert "until: 21 Jan 12:00 UTC" in history
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", history), "no raw ISO 8601 stamps"
    changes = client.get("/changes").text
    assert "until: 21 Jan 12:00 UTC" in changes


def test_changes_lists_what_people_did_not_the_alerts_raised(data: WebData) -> None:
    alert = alert_of(data, "Crazy Diamond")
    client = client_for(data)
    login(client, "kim")
    changes = client.get("/changes").text
    assert "What the team did (0)" in changes and "brandpulse</b> raised" not in changes
    assert "New alerts (" in changes and "New alerts (0)" not in changes
    page = client.get(f"/alerts/{alert}").text
    client.post(f"/alerts/{alert}/handle", data={"csrf": csrf_of(page), "note": "replied"})
    changes = client.get("/changes").text
    assert "What the team did (1)" in changes and "<b>kim</b> handle" in changes


def test_users_add_at_a_terminal_asks_for_the_password_unseen(
    data: WebData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo prints `brandpulse users add me --role responder --password-stdin`: typed at
    a terminal it asks (hidden input) instead of waiting silently for a line."""
    import getpass

    from typer.testing import CliRunner

    from brandpulse import cli_web
    from brandpulse.cli import app
    from brandpulse.web.auth import verify_password
    from storage.web_users import UserStore

    prompts: list[str] = []

    def fake_getpass(prompt: str = "") -> str:  # the terminal's edge: the keyboard
        prompts.append(prompt)
        return "typed-unseen-42"

    monkeypatch.setattr(cli_web, "stdin_is_terminal", lambda: True)
    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    cfg = ["--config", str(data.config_path)]
    r = CliRunner().invoke(
        app, ["users", "add", "me", "--role", "responder", "--password-stdin", *cfg]
    )
    assert r.exit_code == 0, r.output
    assert prompts and "at least 8 characters" in prompts[0]
    stored = UserStore(data.repo.engine).get("me")
    assert stored is not None and verify_password(stored.password_hash, "typed-unseen-42")
    assert "typed-unseen-42" not in r.output


def test_source_health_shows_newer_kinds_and_a_cluster_dead_letter(data: WebData) -> None:
    """Lemmy and GitHub Discussions sources appear with their kinds; a Celery task that
    failed for good is recorded on its source (``brandpulse.distributed.tasks``, the same
    message) and shows there as failing, with the reason."""
    data.repo.sync_source("lemmy-world", "lemmy")
    data.repo.sync_source("gh-discussions", "github_discussions")
    dead = (
        "dead letter: brandpulse.collect failed after 4 tries: "
        "ConnectError: [Errno 111] Connection refused"
    )
    data.repo.record_failure("gh-discussions", dead)
    client = client_for(data)
    login(client, "vic")
    page = client.get("/sources").text
    row = page[page.index("gh-discussions") :]
    row = row[: row.index("</tr>")]
    assert "github_discussions" in row and "failing (1×)" in row and dead in row
    assert '<tr class="failing">' in page
    lemmy = page[page.index("lemmy-world") :]
    assert ">lemmy<" in lemmy[: lemmy.index("</tr>")]


def test_correcting_an_open_alert_to_positive_says_it_stays_in_the_queue(data: WebData) -> None:
    """The inbox keeps an alert's state when its label is corrected; the page says so, and
    how to take it out of the queue, instead of leaving a 'positive' alert open unremarked."""
    alert = alert_of(data, "Crazy Diamond")
    client = client_for(data)
    login(client, "kim")
    page = client.get(f"/alerts/{alert}").text
    after = client.post(
        f"/alerts/{alert}/relabel", data={"csrf": csrf_of(page), "label": "positive"}
    )
    assert after.status_code == 200
    assert "Label corrected to positive. The alert stays in the queue" in after.text
    page = after.text
    client.post(f"/alerts/{alert}/dismiss", data={"csrf": csrf_of(page), "reason": "not-negative"})
    page = client.get(f"/alerts/{alert}").text
    again = client.post(
        f"/alerts/{alert}/relabel", data={"csrf": csrf_of(page), "label": "neutral"}
    ).text
    assert "Label corrected to neutral." in again and "stays in the queue" not in again
