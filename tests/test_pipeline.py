"""Whole cycles against a local server: real feeds, broken sources, real apprise delivery."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from conftest import DEMO_FEEDS
from replay_server import ReplayServer

from brandpulse.config import Config, load_config
from brandpulse.pipeline import Pipeline
from sentiment import VaderAnalyzer
from storage import Mention

CONFIG = """
[database]
url = "{db}"

[[brands]]
name = "Slack"
own = true
terms = ["Slack"]
exclude = ["automotive slack", "slack adjuster", "slack wax", "slack market"]

[[brands]]
name = "Microsoft Teams"
terms = ["Microsoft Teams"]

[[sources]]
name = "google-alerts"
type = "feed"
url = "{base}/alerts.xml"

[[sources]]
name = "broken-feed"
type = "feed"
url = "{base}/login.html"

[[sources]]
name = "unreachable"
type = "feed"
url = "http://127.0.0.1:9/feed.xml"

[alerts]
max_age_hours = 1000000

[digest]
output_dir = "{out}"
period_days = 100000
recipients = ["json://{host}/hook"]

[http]
retries = 2
backoff_seconds = 0
"""

LOGIN_PAGE = b"<html><body><form>Please sign in</form></body></html>"


def make_config(tmp_path: Path, server: ReplayServer, db_url: str | None = None) -> Config:
    text = CONFIG.format(
        db=db_url or f"sqlite:///{tmp_path / 'bp.db'}",
        base=server.url,
        out=tmp_path / "out",
        host=server.url.removeprefix("http://"),
    )
    path = tmp_path / "brandpulse.toml"
    path.write_text(text)
    return load_config(path, env={})


@pytest.fixture
def server() -> ReplayServer:
    alerts = (DEMO_FEEDS / "google_alerts_atom.xml").read_bytes()
    routes = {
        ("GET", "/alerts.xml"): [(200, {}, alerts)],
        ("GET", "/login.html"): [(200, {"Content-Type": "text/html"}, LOGIN_PAGE)],
        ("POST", "/hook"): [(500, {}, b"oops"), (200, {}, b"ok")],
    }
    with ReplayServer(routes) as srv:
        yield srv


def test_cycle_survives_bad_sources_and_retries_failed_delivery(
    tmp_path: Path, server: ReplayServer, database_url: str
) -> None:
    """Runs on SQLite and on the PostgreSQL server (when reachable)."""
    config = make_config(tmp_path, server, database_url)
    pipeline = Pipeline(config, analyzer=VaderAnalyzer())

    first = pipeline.run_once()
    runs = {r.name: r for r in first.sources}
    assert runs["google-alerts"].ok and runs["google-alerts"].inserted == 16
    assert not runs["broken-feed"].ok and "login.html is not a readable" in (
        runs["broken-feed"].error or ""
    )
    assert not runs["unreachable"].ok and "cannot reach" in (runs["unreachable"].error or "")
    assert first.analyzed == 16
    # The alert feed carries templated insider-sale reports (Cal Henderson sold 1,500 shares
    # on July 5th, 99,342 on June 21st, 1,500 on June 28th): similar text, different events,
    # so three stories, not one.
    assert first.stories_joined == 0
    insider = [m for m in pipeline.repo.mentions() if "Insider" in m.title]
    assert len(insider) == 3 and len({m.story for m in insider}) == 3
    negatives = pipeline.repo.mentions(label="negative")
    if len(negatives) >= 4:
        assert all(m.topic for m in negatives), "negatives get a theme"
        assert "WHAT THE NEGATIVES ARE ABOUT" in (tmp_path / "out" / "competitors.txt").read_text()
    assert first.alerts_raised >= 2
    assert [o.ok for o in first.deliveries] == [False]
    health = {h.name: h for h in pipeline.repo.source_health()}
    assert health["broken-feed"].consecutive_failures == 1
    assert "source 'broken-feed'" in (health["broken-feed"].last_error or "")
    assert health["google-alerts"].consecutive_failures == 0

    digest_text = (tmp_path / "out" / "digest.txt").read_text()
    assert "Recode Daily: Slack has a Snap problem" in digest_text
    assert "broken-feed: failing" in digest_text, "the digest warns about failing sources"
    assert "Automotive Slack" not in digest_text, "excluded phrases never alert"

    second = pipeline.run_once()
    assert sum(r.inserted for r in second.sources) == 0
    assert second.alerts_raised == 0 and second.alerts_in_digest == 0
    assert [o.ok for o in second.deliveries] == [True], "the failed delivery is retried"
    hooks = server.requests_to("/hook")
    assert len(hooks) == 2
    payload = json.loads(hooks[1].body)
    assert "Slack has a Snap problem" in payload["message"]
    assert "No new negative mentions" in (tmp_path / "out" / "digest.txt").read_text()

    third = pipeline.run_once()
    assert third.deliveries == [], "nothing is sent twice"
    assert len(server.requests_to("/hook")) == 2
    assert pipeline.repo.source_health()[0].name == "broken-feed"
    assert {h.name: h.consecutive_failures for h in pipeline.repo.source_health()}[
        "broken-feed"
    ] == 3


def test_the_same_story_from_two_sources_is_one_story_and_alerts_once(
    tmp_path: Path, server: ReplayServer
) -> None:
    """Two alert feeds with overlapping queries deliver the same articles (here the same
    real Google Alerts feed under a second name): each copy joins the first one's story."""
    config = make_config(tmp_path, server)
    single = Pipeline(config, analyzer=VaderAnalyzer()).run_once()
    alerts = (DEMO_FEEDS / "google_alerts_atom.xml").read_bytes()
    server.add("GET", "/alerts-2.xml", (200, {}, alerts))
    text = (tmp_path / "brandpulse.toml").read_text()
    text = text.replace(
        '[[sources]]\nname = "broken-feed"',
        f'[[sources]]\nname = "google-alerts-2"\ntype = "feed"\nurl = "{server.url}/alerts-2.xml"'
        '\n\n[[sources]]\nname = "broken-feed"',
    )
    text = text.replace(str(tmp_path / "bp.db"), str(tmp_path / "both.db"))
    (tmp_path / "both.toml").write_text(text)
    both = Pipeline(load_config(tmp_path / "both.toml", env={}), analyzer=VaderAnalyzer())
    report = both.run_once()
    runs = {r.name: r for r in report.sources}
    assert runs["google-alerts"].inserted == runs["google-alerts-2"].inserted == 16
    assert report.stories_joined == 16
    stories = {m.story for m in both.repo.mentions()}
    assert len(stories) == 16
    assert report.alerts_raised == single.alerts_raised > 0


class ExplodingAnalyzer(VaderAnalyzer):
    def analyze(self, texts, *, languages=None):  # type: ignore[no-untyped-def]
        raise RuntimeError("simulated crash mid-cycle")


def test_crash_mid_cycle_loses_nothing(tmp_path: Path, server: ReplayServer) -> None:
    config = make_config(tmp_path, server)
    crashing = Pipeline(config, analyzer=ExplodingAnalyzer())
    with pytest.raises(RuntimeError, match="simulated crash"):
        crashing.run_once()
    stored = crashing.repo.mentions()
    assert len(stored) == 16 and all(m.label is None for m in stored)

    recovered = Pipeline(config, analyzer=VaderAnalyzer())
    report = recovered.run_once()
    assert report.analyzed == 16
    assert len(recovered.repo.mentions()) == 16
    alerts = recovered.repo.alert_count()
    assert alerts == report.alerts_raised >= 2
    recovered.run_once()
    assert recovered.repo.alert_count() == alerts


def test_locked_sqlite_database_waits_instead_of_failing(
    tmp_path: Path, server: ReplayServer
) -> None:
    config = make_config(tmp_path, server)
    pipeline = Pipeline(config, analyzer=VaderAnalyzer())
    blocker = sqlite3.connect(tmp_path / "bp.db", isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock
    release = threading.Timer(1.0, lambda: blocker.execute("COMMIT"))
    release.start()
    started = time.monotonic()
    mention = Mention(source="google-alerts", external_id="x", url="u", text="Slack is down")
    result = pipeline.repo.save_mentions("google-alerts", [mention])
    release.join()
    blocker.close()
    assert result.inserted == 1
    assert time.monotonic() - started >= 0.9, "the write waited for the lock"


def test_comparative_mention_counts_per_brand_and_a_correction_still_wins(
    tmp_path: Path, server: ReplayServer
) -> None:
    """The real Google Alert "Latest research shows Microsoft Teams is stomping Slack" is
    negative as a whole (VADER), but good news for Teams and bad news for Slack."""
    config = make_config(tmp_path, server)
    pipeline = Pipeline(config, analyzer=VaderAnalyzer())
    pipeline.run_once()
    (story,) = [m for m in pipeline.repo.mentions() if "stomping" in m.title]
    assert story.brands == ("Slack", "Microsoft Teams") and story.label == "negative"
    assert story.label_for("Microsoft Teams") == "positive"
    assert story.label_for("Slack") == "negative"
    counts = {c.brand: c for c in pipeline.repo.brand_counts()}
    teams, slack = counts["Microsoft Teams"], counts["Slack"]
    assert (teams.mentions, teams.positive, teams.negative) == (2, 1, 1)
    report = (tmp_path / "out" / "competitors.txt").read_text()
    (teams_row,) = [line for line in report.splitlines() if line.startswith("Microsoft Teams")]
    assert [int(n) for n in teams_row.split()[4:7]] == [1, 0, 1]

    pipeline.repo.set_override(story.id, "neutral")
    counts = {c.brand: c for c in pipeline.repo.brand_counts()}
    assert (counts["Microsoft Teams"].positive, counts["Microsoft Teams"].neutral) == (0, 1)
    assert (counts["Slack"].negative, counts["Slack"].neutral) == (
        slack.negative - 1,
        slack.neutral + 1,
    )
    assert story.id not in [m.id for m in pipeline.repo.mentions(brand="Slack", label="negative")]
