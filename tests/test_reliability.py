"""Reliability cases against real local servers and databases (issue 11).

A misbehaving HTTP server (tests/fault_server.py), a webhook receiver
(tests/replay_server.py), SQLite and PostgreSQL (when reachable), the real CLI in
subprocesses for signals and kills. No timed assertions: bounds are shown by what was
cut off (bytes sent, error kinds), and ``wait(timeout=...)`` only guards against a hang.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from conftest import REPO_ROOT
from delivery_servers import WebhookReceiver
from fault_server import HUGE_BYTES, FaultServer
from recording_analyzer import RecordingAnalyzer
from replay_server import ReplayServer
from sqlalchemy import text
from typer.testing import CliRunner

from brandpulse.cli import app
from brandpulse.config import load_config
from brandpulse.pipeline import Pipeline
from brandpulse.retention import apply_retention
from brandpulse.runguard import AnotherRunHoldsTheLock, exclusive_run
from listeners.base import Backoff
from listeners.http import Cancelled, DeadlineExceeded, HttpClient
from storage import Mention, make_engine
from storage.housekeeping import REMOVED_REASON
from storage.outbox import Outbox
from storage.runlock import LOCK_TABLE

runner = CliRunner()

BASE = """
[database]
url = "{db}"
[[brands]]
name = "Slack"
own = true
[[brands]]
name = "Acme"
own = true
{sources}
[analysis]
backend = "vader"
[alerts]
max_age_hours = 1000000
[digest]
output_dir = "{out}"
period_days = 100000
{digest_extra}
[http]
timeout_seconds = {timeout}
retries = 1
backoff_seconds = 0
max_body_bytes = 1048576
{extra}
"""


def source(name: str, url: str, **extra: object) -> str:
    lines = [f'[[sources]]\nname = "{name}"\ntype = "feed"\nurl = "{url}"']
    lines += [f"{k} = {json.dumps(v)}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def write_config(
    tmp_path: Path,
    sources: str,
    *,
    db: str | None = None,
    timeout: float = 2,
    digest_extra: str = "",
    extra: str = "",
    name: str = "brandpulse.toml",
) -> Path:
    path = tmp_path / name
    path.write_text(
        BASE.format(
            db=db or f"sqlite:///{tmp_path / 'bp.db'}",
            sources=sources,
            out=tmp_path / "out",
            timeout=timeout,
            digest_extra=digest_extra,
            extra=extra,
        )
    )
    return path


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


def cli(*args: str, env: dict[str, str] | None = None) -> list[str]:
    return [sys.executable, "-c", "from brandpulse.cli import main; main()", *args]


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRANDPULSE_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env.update(extra)
    return env


# -- bounds: every fault is contained in its source ---------------------------------------


def test_every_fault_is_contained_in_its_source(tmp_path: Path, faults: FaultServer) -> None:
    u = faults.url
    sources = "".join(
        source(n, u + p)
        for n, p in [
            ("good", "/demo/google_alerts_atom.xml"),
            ("trickle", "/trickle"),
            ("huge", "/huge"),
            ("huge-declared", "/huge?declared=1"),
            ("hang", "/hang"),
            ("e500", "/500"),
            ("e429", "/429"),
            ("garbage", "/garbage"),
            ("cut-in-first-item", "/truncated?at=1000"),
            ("cut-in-the-middle", "/truncated"),
        ]
    )
    config = load_config(write_config(tmp_path, sources), env={})
    pipeline = Pipeline(config, analyzer=RecordingAnalyzer("neutral"))
    runs = {r.name: r for r in pipeline.collect()}

    assert runs["good"].ok and runs["good"].inserted == 20
    errors = {name: run.error or "" for name, run in runs.items() if not run.ok}
    # A server trickling one byte every 2 s is cut off by the overall deadline.
    assert "did not send its whole response within 2s" in errors["trickle"]
    # 200 MB are refused while streaming: the server got to send only a few MB.
    assert "sent more than 1048576 bytes" in errors["huge"]
    assert "announces a 209715200-byte body" in errors["huge-declared"]
    assert faults.huge_sent < 16 * 1024 * 1024 < HUGE_BYTES
    assert "timed out" in errors["hang"]
    assert "HTTP 500" in errors["e500"]
    assert "HTTP 429" in errors["e429"]
    assert "not a readable RSS/Atom/JSON feed" in errors["garbage"]
    # A feed cut inside its first item yields 0 items with parser errors: a failure.
    assert "yielded no items and has parser errors" in errors["cut-in-first-item"]
    # Cut in the middle: the complete items are kept, the cut-off one is not.
    assert runs["cut-in-the-middle"].ok and runs["cut-in-the-middle"].fetched == 1
    health = {h.name: h for h in pipeline.repo.source_health()}
    for name in errors:
        assert health[name].consecutive_failures == 1, name
    assert health["good"].consecutive_failures == 0


def test_source_deadline_covers_retries_and_waits(faults: FaultServer) -> None:
    """A per-request timeout of 20 s, 5 tries, but the source has 1 s in all."""
    client = HttpClient(timeout_s=20, backoff=Backoff(attempts=5, base_s=10))
    with client, client.deadline(1.0), pytest.raises(DeadlineExceeded) as info:
        client.get(faults.url + "/hang", source="slow")
    assert "time limit ran out" in str(info.value)


def test_shutdown_cancels_a_request_in_flight(faults: FaultServer) -> None:
    cancel = threading.Event()
    client = HttpClient(timeout_s=60, backoff=Backoff(attempts=1), cancel=cancel)
    before = faults.hits["/trickle"]
    threading.Thread(
        target=lambda: (_wait_for(lambda: faults.hits["/trickle"] > before), cancel.set()),
        daemon=True,
    ).start()
    with client, pytest.raises(Cancelled):
        client.get(faults.url + "/trickle", source="trickle")


def _wait_for(predicate: object, limit_s: float = 60.0) -> bool:
    ends = time.monotonic() + limit_s
    while time.monotonic() < ends:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


# -- hostile text and links never reach digests, emails or webhooks as such ----------------


def test_hostile_links_and_characters_stay_out_of_digests_and_webhooks(
    tmp_path: Path, faults: FaultServer
) -> None:
    """A hostile feed through the intake, and a hostile row already in the database (stored
    by an earlier version, which checked nothing): neither reaches a digest as such."""
    routes = {("POST", "/hook"): [(200, {}, b"ok")]}
    with ReplayServer(routes) as receiver:
        host = receiver.url.removeprefix("http://")
        path = write_config(
            tmp_path,
            source("hostile", faults.url + "/hostile.json"),
            digest_extra=f'recipients = ["json://{host}/hook"]',
        )
        config = load_config(path, env={})
        pipeline = Pipeline(config, analyzer=RecordingAnalyzer("negative"))
        pipeline.repo.sync_source("legacy", "feed")
        legacy = Mention(
            source="legacy",
            external_id="old-1",
            url="javascript:alert(document.cookie)",
            title="Acme refund refused",
            text="Acme kept my money\x00 for weeks \u202egnp.exe",
            author="Mallory\r\nFAKE-HEADER: injected line",
            published_at=datetime.now(UTC),
            brands=("Acme",),
        )
        pipeline.repo.save_mentions("legacy", [legacy])
        report = pipeline.run_once()
        assert report.alerts_raised == 2 and [d.ok for d in report.deliveries] == [True]
        webhook = json.loads(receiver.requests[-1].body)["message"]
    html = (tmp_path / "out" / "digest.html").read_text()
    text = (tmp_path / "out" / "digest.txt").read_text()
    for document in (html, text, webhook):
        assert "javascript:" not in document and "data:text" not in document
        assert "\x00" not in document
        for bidi in ("\u202e", "\u2066", "\u2069"):
            assert bidi not in document
        assert "Acme lost my order" in document and "Acme kept my money" in document
    # The CRLF in the author does not start a new line in the text digest.
    assert not any(line.startswith("FAKE-HEADER") for line in text.splitlines())
    assert "Mallory FAKE-HEADER: injected line" in text
    # the legacy row gets no link rather than a hostile one
    assert html.count("<a href=") == 1 and '<a href="https://forum.example.com/t/1"' in html


# -- configuration: every value checked at load, one line naming the key, exit 2 -----------


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("[alerts]\nmax_age_hours = 1e300", "alerts.max_age_hours"),
        ("[alerts]\nmax_age_hours = inf", "alerts.max_age_hours"),
        ("[alerts]\nmax_age_hours = nan", "alerts.max_age_hours"),
        ("[digest]\nperiod_days = 99999999999", "digest.period_days"),
        ("[http]\ntimeout_seconds = 1e12", "http.timeout_seconds"),
        ("[http]\nmax_body_bytes = 10", "http.max_body_bytes"),
        ("[digest]\nschedule = '61 * * * *'", "digest.schedule"),
        ("[digest]\nschedule = 'every morning'", "digest.schedule"),
        ("[database]\nurl = 'mysql://root:hunter2@localhost/bp'", "database.url"),
        ("[database]\nurl = 'not a url at all'", "database.url"),
        ("[database]\nurl = 'postgresql+asyncpg://u@h/db'", "database.url"),
        ("[metrics]\nlisten = 'localhost'", "metrics.listen"),
        ("[retention]\nmentions_days = 1", "retention.mentions_days"),
        (
            '[[sources]]\nname = "x"\ntype = "feed"\nurl = "http://h/f"\n'
            "interval_minutes = 100000000000",
            "sources[0] (name='x').interval_minutes",
        ),
        ("[digest]\noutput_dir = 'afile/digests'", "digest.output_dir"),
        ("[database]\nurl = 'sqlite:///afile/bp.db'", "database.url"),
    ],
)
def test_bad_values_give_one_line_naming_the_key_and_exit_2(
    tmp_path: Path, extra: str, key: str
) -> None:
    (tmp_path / "afile").write_text("a file, not a folder")
    path = tmp_path / "c.toml"
    path.write_text('[[brands]]\nname = "A"\nown = true\n' + extra + "\n")
    for command in (["config", "check"], ["check-config"], ["run", "--once"]):
        result = runner.invoke(app, [*command, "--config", str(path)])
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and key in lines[0], result.stderr
        assert "Traceback" not in result.output and "hunter2" not in result.output


def test_check_config_and_version(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[[brands]]\nname = "A"\nown = true\n')
    for command in (["config", "check"], ["check-config"]):
        result = runner.invoke(app, [*command, "--config", str(path)])
        assert result.exit_code == 0 and ": ok (1 brand(s)" in result.stdout
    assert not (tmp_path / "var").exists(), "config check creates nothing"
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.stdout.startswith("brandpulse ")


def test_relative_paths_are_relative_to_the_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    path = folder / "c.toml"
    path.write_text(
        '[database]\nurl = "sqlite:///data/bp.db"\n[[brands]]\nname = "A"\n'
        '[digest]\noutput_dir = "out"\n[analysis]\nbackend = "vader"\n'
    )
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = runner.invoke(app, ["run", "--once", "--config", str(path)])
    assert result.exit_code == 0, result.output
    assert (folder / "data" / "bp.db").is_file() and (folder / "out" / "digest.txt").is_file()
    assert not any(elsewhere.iterdir())
    # private files: database and digests 0600, folders 0700
    assert (folder / "data" / "bp.db").stat().st_mode & 0o777 == 0o600
    assert (folder / "data").stat().st_mode & 0o777 == 0o700
    assert (folder / "out" / "digest.html").stat().st_mode & 0o777 == 0o600
    assert (folder / "out").stat().st_mode & 0o777 == 0o700


# -- the run lock lives in the database, taken before migrations -----------------------------


def test_second_run_says_another_run_holds_the_lock(
    tmp_path: Path, faults: FaultServer, database_url: str
) -> None:
    path = write_config(tmp_path, source("good", faults.url + "/feed"), db=database_url)
    config = load_config(path, env={})
    with exclusive_run(config):
        result = runner.invoke(app, ["run", "--once", "--config", str(path)])
        assert result.exit_code == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "another run holds the lock" in lines[0]
        assert "database is locked" not in result.output
        with pytest.raises(AnotherRunHoldsTheLock):
            exclusive_run(config).__enter__()
    # released: the next run goes ahead
    assert runner.invoke(app, ["run", "--once", "--config", str(path)]).exit_code == 0


def test_stale_sqlite_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    db = tmp_path / "bp.db"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], **_out())
    with sqlite3.connect(db) as conn:
        conn.execute(
            f"CREATE TABLE {LOCK_TABLE} (name TEXT PRIMARY KEY, holder TEXT NOT NULL, "
            "host TEXT NOT NULL, pid INTEGER NOT NULL, expires_at REAL NOT NULL)"
        )
        conn.execute(
            f"INSERT INTO {LOCK_TABLE} VALUES ('run', 'x', ?, ?, ?)",
            (socket.gethostname(), int(dead.stdout), time.time() + 3600),
        )
    config = load_config(write_config(tmp_path, ""), env={})
    with exclusive_run(config):
        pass


def _out() -> dict[str, object]:
    return {"capture_output": True, "text": True, "timeout": 60}


# -- exit codes of run --once -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("paths", "code"),
    [(["/feed"], 0), (["/feed", "/500"], 3), (["/500", "/garbage"], 4)],
)
def test_run_once_exit_code_says_whether_sources_failed(
    tmp_path: Path, faults: FaultServer, paths: list[str], code: int
) -> None:
    sources = "".join(source(f"s{i}", faults.url + p) for i, p in enumerate(paths))
    path = write_config(tmp_path, sources)
    result = runner.invoke(app, ["run", "--once", "--config", str(path)])
    assert result.exit_code == code, result.output
    assert (tmp_path / "out" / "digest.txt").is_file(), "the digest is always written"


# -- the daemon: SIGHUP reloads, SIGTERM stops within the unit of work, metrics, JSON logs ----


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_daemon_reloads_on_sighup_stops_on_sigterm_and_serves_metrics(
    tmp_path: Path, faults: FaultServer
) -> None:
    port = _free_port()
    metrics = f'[metrics]\nlisten = "127.0.0.1:{port}"'
    first = source("alerts", faults.url + "/demo/google_alerts_atom.xml")
    path = write_config(tmp_path, first, timeout=60, extra=metrics)
    log = (tmp_path / "daemon.log").open("w")
    proc = subprocess.Popen(
        cli("--log-format", "json", "run", "--config", str(path)),
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:

        def scrape() -> str:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
            except httpx.HTTPError:
                return ""

        assert _wait_for(
            lambda: 'brandpulse_mentions_collected_total{source="alerts"} 20.0' in scrape()
        ), scrape()
        body = scrape()
        for name in (
            "brandpulse_source_runs_total",
            "brandpulse_analysis_seconds_count",
            "brandpulse_alerts_raised_total",
            "brandpulse_deliveries_failed_total",
            'brandpulse_deliveries{status="undelivered"}',
            'brandpulse_mentions_stored{source="alerts"} 20.0',
            'brandpulse_source_last_success_timestamp_seconds{source="alerts"}',
        ):
            assert name in body, name

        # A broken config on SIGHUP is logged; the daemon keeps running the old one.
        path.write_text(path.read_text().replace("[http]", "[http]\nnonsense = 1"))
        proc.send_signal(signal.SIGHUP)
        assert _wait_for(lambda: "config not reloaded" in _read(tmp_path / "daemon.log"))
        # A good one replaces the jobs: "alerts" is removed, a trickling source added.
        write_config(tmp_path, source("slow", faults.url + "/trickle"), timeout=60, extra=metrics)
        before = faults.hits["/trickle"]
        proc.send_signal(signal.SIGHUP)
        assert _wait_for(lambda: faults.hits["/trickle"] > before), "the new source is polled"
        # SIGTERM while a request trickles: cancelled, the daemon exits 0.
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    records = [json.loads(line) for line in _read(tmp_path / "daemon.log").splitlines()]
    messages = [r["message"] for r in records]
    assert any("config reloaded" in m for m in messages)
    assert messages[-1] == "stopped"
    assert {"time", "level", "logger", "message"} <= set(records[0])
    table = runner.invoke(app, ["sources", "--config", str(path)]).stdout
    alerts_row = next(line for line in table.splitlines() if line.startswith("alerts"))
    assert " removed " in alerts_row and "FAILING" not in table
    health = {h.name: h for h in Pipeline(load_config(path, env={})).repo.source_health()}
    assert health["alerts"].disabled_reason == REMOVED_REASON


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


# -- retention -------------------------------------------------------------------------------


def test_retention_deletes_old_archives_and_mentions(tmp_path: Path, database_url: str) -> None:
    path = write_config(
        tmp_path,
        "",
        db=database_url,
        extra="[retention]\nmentions_days = 30\narchives_days = 10\ndigests_days = 5",
    )
    config = load_config(path, env={})
    pipeline = Pipeline(config, analyzer=RecordingAnalyzer())
    now = datetime.now(UTC)
    archive = tmp_path / "out" / "archive"
    archive.mkdir(parents=True)
    ages = {"digest-old.txt": 6, "digest-new.txt": 4, "competitors-old.txt": 11,
            "competitors-new.txt": 9, "other.txt": 400}  # fmt: skip
    for name, days in ages.items():
        (archive / name).write_text(name)
        stamp = (now - timedelta(days=days)).timestamp()
        os.utime(archive / name, (stamp, stamp))
    repo = pipeline.repo
    repo.sync_source("s", "feed")
    for i, age in enumerate((40, 1)):
        mention = Mention(
            source="s", external_id=str(i), url="https://x.org", text=f"Acme {i}", brands=("Acme",)
        )
        repo.save_mentions("s", [mention])
        with repo.engine.begin() as conn:
            conn.execute(
                text("UPDATE mentions SET collected_at = :t WHERE external_id = :e"),
                {"t": now - timedelta(days=age), "e": str(i)},
            )
    result = apply_retention(config, repo, now=now)
    assert result.files_deleted == 2 and result.mentions_deleted == 1
    assert sorted(p.name for p in archive.iterdir()) == [
        "competitors-new.txt",
        "digest-new.txt",
        "other.txt",
    ]
    assert [m.external_id for m in repo.mentions()] == ["1"]


# -- SIGKILL at random points: nothing lost, nothing duplicated -----------------------------------


#: SIGKILLs per backend (SQLite and PostgreSQL each).
KILLS = 12


def _state(db_url: str) -> tuple[list[str], list[str]]:
    """(external ids of mentions, external ids of alerted mentions), sorted, with repeats."""
    engine = make_engine(db_url)
    with engine.connect() as conn:
        mentions = [r[0] for r in conn.execute(text("SELECT external_id FROM mentions"))]
        alerts = [
            r[0]
            for r in conn.execute(
                text("SELECT m.external_id FROM alerts a JOIN mentions m ON m.id = a.mention_id")
            )
        ]
    engine.dispose()
    return sorted(mentions), sorted(alerts)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, faults: FaultServer) -> tuple:
    """The state one uninterrupted run leaves (SQLite)."""
    tmp = tmp_path_factory.mktemp("reference")
    path = write_config(tmp, _kill_sources(faults))
    done = subprocess.run(cli("run", "--once", "--config", str(path)), env=cli_env(), **_out())
    assert done.returncode == 0, done.stderr
    return _state(f"sqlite:///{tmp / 'bp.db'}")


def _kill_sources(faults: FaultServer) -> str:
    return source("alerts", faults.url + "/demo/google_alerts_atom.xml") + source(
        "techcrunch", faults.url + "/demo/TechCrunch.xml", brand="Acme"
    )


def test_sigkill_at_random_points_loses_and_duplicates_nothing(
    tmp_path: Path, faults: FaultServer, database_url: str, reference: tuple
) -> None:
    """Killed once mid-send (the webhook route's receiver holds its answer), then at random
    points (collecting, storing, analysing, alerting, sending), then run to the end: the
    mentions and alerts are those of one uninterrupted run, every alert has one confirmed
    delivery (at once or in a digest), and the deduplicating receiver got each message
    once."""
    with WebhookReceiver(delay_s=1.0) as hooks:
        routes = f'[[alerts.routes]]\nname = "now"\nurls = ["{hooks.apprise_url()}"]'
        path = write_config(tmp_path, _kill_sources(faults), db=database_url, extra=routes)
        # One kill surely mid-send: the receiver holds its answer for 1 s.
        proc = subprocess.Popen(
            cli("run", "--once", "--config", str(path)),
            env=cli_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        sending = _wait_for(lambda: len(hooks.requests) > 0)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert sending, "the run reached the send"
        hooks.delay_s = 0.05
        rng = random.Random(11)
        killed = 1
        for _ in range(KILLS - 1):
            proc = subprocess.Popen(
                cli("run", "--once", "--config", str(path)),
                env=cli_env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                proc.wait(timeout=rng.uniform(0.2, 2.0))
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                killed += 1
        assert killed >= KILLS // 3, "many runs were killed part-way"
        final = subprocess.run(cli("run", "--once", "--config", str(path)), env=cli_env(), **_out())
        assert final.returncode == 0, final.stderr
        mentions, alerts = _state(database_url)
        assert mentions == reference[0], "no mention lost or stored twice"
        assert alerts == reference[1], "no alert lost or raised twice"
        assert len(set(alerts)) == len(alerts)
        engine = make_engine(database_url)
        items = Outbox(engine).items(limit=10_000)
        engine.dispose()
        assert {i.state for i in items} == {"sent"}, "every delivery confirmed"
        per_alert = [i.alert_id for i in items if i.alert_id is not None]
        assert len(per_alert) == len(alerts) == len(set(per_alert)), (
            "one delivery per alert and recipient (at once or in a digest): none lost or added"
        )
        keys = {i.message_key or i.idempotency_key for i in items}
        delivered = [h.key for h in hooks.delivered]
        assert sorted(delivered) == sorted(keys), "each message reached the receiver once"
