"""Issue 11 re-checked against what was added after it (listeners, inbox, spikes, report,
Celery engine, alert routes): every network listener bounded by the shared deadline and
body limit, and every newer config key range-checked at load, one line naming the key.

Real local servers: tests/fault_server.py (every fault endpoint also answers any path
below it, so a listener's ``base_url`` of ``{url}/trickle`` meets the fault on its first
request, whatever API path it appends). No timed assertions: bounds show in the error
each source records and in the bytes the server got to send.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fault_server import HUGE_BYTES, FaultServer
from recording_analyzer import RecordingAnalyzer
from typer.testing import CliRunner

from brandpulse.cli import app
from brandpulse.config import load_config
from brandpulse.pipeline import Pipeline

runner = CliRunner()

#: Each network listener type and the keys that point it at ``{u}`` (a fault endpoint).
LISTENERS = {
    "lemmy": 'base_url = "{u}"',
    "github_discussions": 'graphql_url = "{u}/graphql"\ntoken = "ghp_test_token"\nrepos = ["o/r"]',
    "youtube": 'base_url = "{u}"\napi_key = "yt-test-key"\nvideo_ids = ["abc"]',
    "bluesky": 'base_url = "{u}"',
    "stackexchange": 'base_url = "{u}"\nsites = ["stackoverflow"]',
    "github": 'base_url = "{u}"',
    "hackernews": 'base_url = "{u}"',
    "mastodon": 'instances = ["{u}"]\nhashtags = ["acme"]',
    "appstore": 'base_url = "{u}"\napp_id = "123"\nbrand = "Acme"',
    "googleplay": 'base_url = "{u}"\napp_id = "com.example"\nbrand = "Acme"',
    "reddit": 'oauth_url = "{u}"\nreddit_url = "{u}"\nclient_id = "id"\nclient_secret = "secret"'
    '\nsubreddits = ["acme"]',
}


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


def test_every_network_listener_is_bounded_by_deadline_and_body_size(
    tmp_path: Path, faults: FaultServer
) -> None:
    """Before: Google Play (google-play-scraper's urlopen without a timeout) and Reddit
    (PRAW's requests, a timeout per socket read only) hung on a trickling server and read
    a 200 MB body whole; the listeners added since go through the bounded HttpClient."""
    sources = ""
    for kind, keys in LISTENERS.items():
        for fault in ("trickle", "huge"):
            sources += (
                f'[[sources]]\nname = "{kind}-{fault}"\ntype = "{kind}"\n'
                + keys.format(u=f"{faults.url}/{fault}")
                + "\n"
            )
    path = tmp_path / "c.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "bp.db"}"\n'
        '[[brands]]\nname = "Acme"\nown = true\n'
        f'{sources}[analysis]\nbackend = "vader"\n[digest]\noutput_dir = "{tmp_path / "out"}"\n'
        "[http]\ntimeout_seconds = 2.5\nretries = 1\nbackoff_seconds = 0\n"
        "max_body_bytes = 1048576\nsource_deadline_seconds = 5\n"
    )
    pipeline = Pipeline(load_config(path, env={}), analyzer=RecordingAnalyzer("neutral"))
    runs = {r.name: r for r in pipeline.collect()}
    for kind in LISTENERS:
        trickle, huge = runs[f"{kind}-trickle"], runs[f"{kind}-huge"]
        assert not trickle.ok and "did not send its whole response within 2s" in (
            trickle.error or ""
        ), (kind, trickle.error)
        assert not huge.ok and "sent more than 1048576 bytes" in (huge.error or ""), (
            kind,
            huge.error,
        )
    assert faults.huge_sent < 16 * 1024 * 1024 < HUGE_BYTES
    health = {h.name: h for h in pipeline.repo.source_health()}
    assert all(health[name].consecutive_failures == 1 for name in runs)


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("[spikes]\nwindow_hours = 1e300", "spikes.window_hours"),
        ("[spikes]\nwindow_hours = inf", "spikes.window_hours"),
        ("[spikes]\nweeks = 99999999999", "spikes.weeks"),
        ("[spikes]\ncooldown_hours = 1e300", "spikes.cooldown_hours"),
        ("[alerts]\nsla_hours = 1e300", "alerts.sla_hours"),
        ("[alerts]\nsla_hours = inf", "alerts.sla_hours"),
        ("[alerts]\ncompetitor_sla_hours = 1e300", "alerts.competitor_sla_hours"),
        ("[engine]\nredis_url = 'localhost:6379 hunter2'", "engine.redis_url"),
        ("[digest]\nrecipients = ['hunter2-not-a-url']", "digest.recipients"),
        ("[digest]\nrecipients = ['json://ok.example/x', 'nope://hunter2@x']", "digest.recipients"),
        ("[report]\nrecipients = ['pbul://']", "report.recipients"),
        (
            "[[alerts.routes]]\nname = 'r'\nurls = ['mailto//hunter2@example.com']",
            "alerts.routes[0] (name='r').urls",
        ),
    ],
)
def test_newer_keys_are_checked_at_load_one_line_exit_2(
    tmp_path: Path, extra: str, key: str
) -> None:
    """Before: accepted, then an OverflowError traceback in the middle of the run (spikes,
    SLA clocks; no digest written) or a delivery failing on every retry for ever (a URL
    apprise cannot parse)."""
    path = tmp_path / "c.toml"
    path.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "bp.db"}"\n'
        '[[brands]]\nname = "Acme"\nown = true\n' + extra + "\n"
    )
    for command in (["check-config"], ["run", "--once"]):
        result = runner.invoke(app, [*command, "--config", str(path)])
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and key in lines[0], result.stderr
        assert "Traceback" not in result.output and "hunter2" not in result.output


def test_web_inbox_pages_carry_no_nul_or_bidi_override_from_stored_rows(tmp_path: Path) -> None:
    """A row stored before the intake cleaned text (an older version, like the digest
    test's legacy row) holds NUL and RTL-override characters. Before: the web inbox (added
    after issue 11) copied them into its pages raw; the digest never did."""
    import dataclasses

    from fastapi.testclient import TestClient
    from inbox_data import NOW
    from web_data import PASSWORDS, hn_mentions, make_web_data

    from brandpulse.inbox import Inbox, raise_alerts
    from brandpulse.web import create_app
    from storage.repo import AnalysisInput

    data = make_web_data(tmp_path)
    repo = data.repo
    real = hn_mentions()[0]
    legacy = dataclasses.replace(
        real,
        external_id="legacy-1",
        title="Refund refused \u202egnp.exe",
        text="They kept my money\x00 for weeks \u202eevil\u2066 twice",
        author="Mallory\r\nX-Injected: 1",
        url="https://news.ycombinator.com/item?id=1",
    )
    repo.save_mentions("hn", [legacy])
    stored = next(m for m in repo.mentions() if m.external_id == "legacy-1")
    assert "\x00" in (stored.text or ""), "stored raw, as an older version did"
    repo.save_analyses([AnalysisInput(stored.id, "negative", -0.9, 0.95, "en", "fixture@1")])
    raise_alerts(data.config, repo, now=NOW)
    app = create_app(data.config, repo, secret="test-secret", now=lambda: NOW)
    client = TestClient(app, base_url="http://127.0.0.1")
    page = client.get("/login").text
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"name": "kim", "password": PASSWORDS["kim"], "csrf": csrf})
    inbox = Inbox(data.config, repo, now=lambda: NOW)
    alert = next(a.alert_id for a in inbox.items(state="all") if a.mention.id == stored.id)
    for path in ("/", "/?state=all", f"/alerts/{alert}", "/changes"):
        body = client.get(path).text
        assert "They kept my money" in body or path == "/changes", path
        for bad in ("\x00", "\u202e", "\u2066"):
            assert bad not in body, (path, repr(bad))


def test_web_actions_with_nul_and_controls_in_form_fields_are_stored_clean(
    tmp_path: Path, database_url: str
) -> None:
    """Before: a note or an assignee with a NUL byte (a pasted text, or a hostile
    responder) made PostgreSQL refuse the UPDATE: HTTP 500 and nothing recorded; SQLite
    stored the NUL. Form text now passes :func:`domain.sanitize.clean_text` (passwords and
    the CSRF token excepted)."""
    from fastapi.testclient import TestClient
    from inbox_data import NOW, load, make_config
    from web_data import PASSWORDS

    from brandpulse.inbox import Inbox, raise_alerts
    from brandpulse.readonly import open_repository
    from brandpulse.web import create_app
    from brandpulse.web.auth import hash_password
    from storage.web_users import UserStore

    config = make_config(tmp_path, database_url)
    repo = open_repository(config)
    load(repo)
    raise_alerts(config, repo, now=NOW)
    UserStore(repo.engine).upsert(
        "kim", role="responder", password_hash=hash_password(PASSWORDS["kim"])
    )
    box = Inbox(config, repo, now=lambda: NOW)
    first, second = (i.alert_id for i in box.items(state="all")[:2])
    client = TestClient(
        create_app(config, repo, secret="test-secret", now=lambda: NOW),
        base_url="http://127.0.0.1",
    )

    def csrf(path: str) -> str:
        return client.get(path).text.split('name="csrf" value="', 1)[1].split('"', 1)[0]

    client.post(
        "/login", data={"name": "kim", "password": PASSWORDS["kim"], "csrf": csrf("/login")}
    )
    token = csrf(f"/alerts/{first}")
    done = client.post(
        f"/alerts/{first}/handle",
        data={"note": "called back\x00 \u202etwice\r\nok", "csrf": token},
        follow_redirects=False,
    )
    given = client.post(
        f"/alerts/{second}/assign",
        data={"to": "bob\x00\x1b[31m", "csrf": token},
        follow_redirects=False,
    )
    assert (done.status_code, given.status_code) == (303, 303), (done.text, given.text)
    handled, assigned = box.item(first), box.item(second)
    assert handled.state == "handled" and handled.note == "called back twice\nok"
    assert assigned.state == "assigned" and assigned.assignee == "bob[31m"
