"""Delivery through the outbox, against a real local SMTP server (aiosmtpd) and a local
HTTP webhook receiver, on SQLite and PostgreSQL: immediate messages per urgent alert, the
digest for the rest, retries, debounce, hourly budget, quiet hours, new recipients,
SIGKILL mid-send, two instances on one database, and secrets."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from delivery_servers import SmtpSink, WebhookReceiver
from sqlalchemy import update
from sqlmodel import SQLModel

from brandpulse.config import Config, load_config
from brandpulse.delivery import in_quiet_hours, retry_delay_s
from brandpulse.pipeline import Pipeline
from digest.deliver import legacy_target_key, target_key
from sentiment import VaderAnalyzer
from storage import Mention
from storage.outbox import Outbox

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Customer reviews as the App Store listener stores them (one star, English).
REVIEWS = [
    "The app crashes every time I open a chat. Terrible update, I lost all my messages.",
    "Awful support, nobody answers and I was charged twice. Worst service ever.",
    "Broken again after the update, login fails and the app freezes. Very disappointed.",
    "Horrible experience, notifications never arrive and the battery drains. Useless.",
]


class Clock:
    """An adjustable clock for the pipeline (starts at the real time)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def write_config(
    tmp_path: Path,
    db_url: str,
    *,
    routes: str = "",
    recipients: list[str] | None = None,
    extra: str = "",
    name: str = "brandpulse.toml",
) -> Path:
    recipient_list = ", ".join(f'"{u}"' for u in recipients or [])
    text = f"""
[database]
url = "{db_url}"

[[brands]]
name = "Acme"
own = true

[[brands]]
name = "Globex"
own = true

[alerts]
max_age_hours = 72

{routes}

[digest]
output_dir = "{tmp_path / "out"}"
recipients = [{recipient_list}]

{extra}
"""
    path = tmp_path / name
    path.write_text(text)
    return path


def route(name: str, urls: list[str], **keys: object) -> str:
    lines = [
        "[[alerts.routes]]",
        f'name = "{name}"',
        "urls = [" + ", ".join(f'"{u}"' for u in urls) + "]",
    ]
    for key, value in keys.items():
        if isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        elif isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, list):
            lines.append(f"{key} = [" + ", ".join(f'"{v}"' for v in value) + "]")
        else:
            lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


def make_pipeline(path: Path, clock: Clock | None = None) -> Pipeline:
    config: Config = load_config(path, env={})
    return Pipeline(config, analyzer=VaderAnalyzer(), now=clock or Clock())


def add_alerts(pipeline: Pipeline, urgencies: list[float], *, brand: str = "Acme") -> list[int]:
    """Store one-star reviews of ``brand``, analyze them, raise one alert each with the given
    urgency (0-100). Returns the alert ids in the same order."""
    repo = pipeline.repo
    repo.sync_source("appstore-reviews", "appstore")
    tag = uuid.uuid4().hex[:8]
    mentions = [
        Mention(
            source="appstore-reviews",
            external_id=f"{tag}-{n}",
            url=f"https://apps.apple.com/us/review/{tag}{n}",
            text=REVIEWS[n % len(REVIEWS)] + f" ({brand}, review {tag}-{n})",
            author=f"customer{n}",
            published_at=pipeline._now(),
            brands=(brand,),
            rating=1.0,
            language="en",
        )
        for n in range(len(urgencies))
    ]
    repo.save_mentions("appstore-reviews", mentions)
    pipeline.analyze()
    by_external = {m.external_id: m.id for m in repo.mentions()}
    repo.insert_alerts(
        [(by_external[m.external_id], brand, u) for m, u in zip(mentions, urgencies, strict=True)]
    )
    alerts = {
        a.mention_id: a.alert_id
        for a in Outbox(repo.engine).recent_alerts(since=datetime(2000, 1, 1, tzinfo=UTC))
    }
    return [alerts[by_external[m.external_id]] for m in mentions]


@pytest.fixture
def smtp() -> SmtpSink:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def hooks() -> WebhookReceiver:
    with WebhookReceiver() as receiver:
        yield receiver


def test_urgent_alert_once_by_email_and_webhook_the_rest_in_the_digest(
    tmp_path: Path, database_url: str, smtp: SmtpSink, hooks: WebhookReceiver
) -> None:
    path = write_config(
        tmp_path,
        database_url,
        routes=route("urgent", [smtp.apprise_url(), hooks.apprise_url()], min_urgency=50),
    )
    clock = Clock()
    pipeline = make_pipeline(path, clock)
    urgent, calm = add_alerts(pipeline, [80.0, 10.0])

    _, results, _ = pipeline.deliver(digest=False)  # a daemon poll or tick
    assert [(r.what, r.status) for r in results] == [
        (f"alert #{urgent}", "sent"),
        (f"alert #{urgent}", "sent"),
    ]
    assert len(smtp.messages) == 1 and len(hooks.requests) == 1
    email = smtp.messages[0]
    assert "Acme: negative review on appstore-reviews" in str(email["Subject"])
    assert email["X-BrandPulse-Idempotency-Key"].startswith("bp-")
    assert "crashes every time" in hooks.requests[0].body["message"]
    assert hooks.requests[0].key and hooks.requests[0].key.startswith("bp-")

    clock.advance(minutes=1)
    _, results, _ = pipeline.deliver(digest=False)
    assert results == [], "the next cycle sends nothing new"
    assert len(smtp.messages) == 1 and len(hooks.requests) == 1

    _, results, _ = pipeline.deliver(digest=True)  # the digest: the calm alert, once
    assert [r.what for r in results] == ["digest of 1 alert(s)"] * 2
    digest_body = hooks.requests[1].body["message"]
    assert "charged twice" in digest_body and "crashes every time" not in digest_body
    assert len(smtp.messages) == 2

    _, results, _ = pipeline.deliver(digest=True)
    assert results == [] and len(hooks.requests) == 2 and len(smtp.messages) == 2
    states = {(i.alert_id, i.target): i.state for i in Outbox(pipeline.repo.engine).items()}
    assert set(states.values()) == {"sent"} and len(states) == 4
    assert {urgent, calm} == {a for a, _t in states}


def test_a_delivery_that_fails_once_is_delivered_next_cycle_with_its_reason_shown(
    tmp_path: Path, database_url: str
) -> None:
    with WebhookReceiver(fail_times=1) as hooks:
        path = write_config(tmp_path, database_url, routes=route("now", [hooks.apprise_url()]))
        clock = Clock()
        pipeline = make_pipeline(path, clock)
        (alert,) = add_alerts(pipeline, [70.0])
        _, first, _ = pipeline.deliver(digest=False)
        assert [(r.what, r.status) for r in first] == [(f"alert #{alert}", "failed")]
        assert "error=500" in (first[0].error or "")
        (row,) = Outbox(pipeline.repo.engine).items()
        assert row.state == "failed" and row.attempts == 1 and "500" in (row.last_error or "")

        from typer.testing import CliRunner

        from brandpulse.cli import app

        shown = CliRunner().invoke(app, ["deliveries", "--failed", "--config", str(path)])
        assert shown.exit_code == 0, shown.output
        assert "failed" in shown.output and "error=500" in shown.output
        assert "1 failed" in shown.output
        # ... and `sources` (the health overview) names the reason too, not only a count.
        health = CliRunner().invoke(app, ["sources", "--config", str(path)])
        assert health.exit_code == 0, health.output
        (line,) = [ln for ln in health.stdout.splitlines() if ln.startswith("Deliveries:")]
        assert "1 failed" in line and f"newest failure: {row.target}: " in line
        assert "error=500" in line

        clock.advance(seconds=30)
        _, second, _ = pipeline.deliver(digest=False)
        assert [r.status for r in second] == ["sent"]
        assert len(hooks.requests) == 2 and len(hooks.delivered) == 1
        assert hooks.requests[0].key == hooks.requests[1].key, "a retry keeps its key"
        (row,) = Outbox(pipeline.repo.engine).items()
        assert row.state == "sent" and row.attempts == 2 and row.last_error is None
        clock.advance(minutes=5)
        assert pipeline.deliver(digest=False)[1] == []


def test_debounce_and_hourly_budget_hold(tmp_path: Path, hooks: WebhookReceiver) -> None:
    db = f"sqlite:///{tmp_path / 'bp.db'}"
    path = write_config(
        tmp_path,
        db,
        routes=route("budget", [hooks.apprise_url()], max_per_hour=2, debounce_minutes=30),
    )
    clock = Clock()
    pipeline = make_pipeline(path, clock)
    # Acme twice (debounced), Globex three times (budget of two per hour on the URL).
    add_alerts(pipeline, [90.0, 80.0], brand="Acme")
    _, results, _ = pipeline.deliver(digest=False)
    assert len(results) == 1, "the second Acme alert within 30 min goes to the digest"
    outbox = Outbox(pipeline.repo.engine)
    notes = [i.note for i in outbox.items() if i.mode == "digest"]
    assert len(notes) == 1 and "debounced" in (notes[0] or "")

    clock.advance(minutes=5)
    add_alerts(pipeline, [70.0, 60.0, 50.0], brand="Globex")
    _, results, _ = pipeline.deliver(digest=False)
    assert len(results) == 1, "one Globex message: the hour's budget of 2 is then spent"
    assert len(hooks.requests) == 2
    budget_notes = [i.note or "" for i in outbox.items() if "budget" in (i.note or "")]
    assert len(budget_notes) == 2

    _, results, _ = pipeline.deliver(digest=True)  # everything held back: one digest
    assert [r.what for r in results] == ["digest of 3 alert(s)"]
    assert len(hooks.requests) == 3

    clock.advance(minutes=61)
    add_alerts(pipeline, [75.0], brand="Acme")
    _, results, _ = pipeline.deliver(digest=False)
    assert [r.status for r in results] == ["sent"], "a new hour, past the debounce window"
    assert len(hooks.requests) == 4 and len(hooks.delivered) == 4


def test_quiet_hours_defer_until_they_end(tmp_path: Path, hooks: WebhookReceiver) -> None:
    sofia = ZoneInfo("Europe/Sofia")
    today = datetime.now(sofia).date()
    night = datetime(today.year, today.month, today.day, 23, 30, tzinfo=sofia).astimezone(UTC)
    path = write_config(
        tmp_path,
        f"sqlite:///{tmp_path / 'bp.db'}",
        routes=route(
            "night", [hooks.apprise_url()], quiet_hours="22:00-07:00", timezone="Europe/Sofia"
        ),
    )
    clock = Clock(night)
    pipeline = make_pipeline(path, clock)
    add_alerts(pipeline, [95.0])
    assert pipeline.deliver(digest=False)[1] == []
    (row,) = Outbox(pipeline.repo.engine).items()
    assert row.state == "pending" and "quiet hours" in (row.note or "")
    assert row.next_attempt_at.astimezone(sofia).strftime("%H:%M") == "07:00"
    clock.advance(hours=7)  # 06:30 local: still quiet
    assert pipeline.deliver(digest=False)[1] == [] and hooks.requests == []
    clock.advance(minutes=31)
    assert [r.status for r in pipeline.deliver(digest=False)[1]] == ["sent"]
    assert len(hooks.requests) == 1


def test_quiet_hours_arithmetic() -> None:
    utc = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert in_quiet_hours("22:00-07:00", "UTC", utc) is None
    assert in_quiet_hours("11:00-13:00", "UTC", utc) == datetime(2026, 3, 1, 13, 0, tzinfo=UTC)
    late = datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    assert in_quiet_hours("22:00-07:00", "UTC", late) == datetime(2026, 3, 2, 7, tzinfo=UTC)
    early = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    assert in_quiet_hours("22:00-07:00", "UTC", early) == datetime(2026, 3, 2, 7, tzinfo=UTC)
    # 07:00 in New York is 12:00 UTC in March (EST, before the DST switch on March 8).
    ny = in_quiet_hours("22:00-07:00", "America/New_York", datetime(2026, 3, 2, 8, tzinfo=UTC))
    assert ny == datetime(2026, 3, 2, 12, tzinfo=UTC)


def test_retry_backoff_comes_from_tenacity_and_is_bounded() -> None:
    assert retry_delay_s(1, initial_s=60, max_s=3600) == 0.0, "the next tick retries at once"
    second = retry_delay_s(2, initial_s=60, max_s=3600)
    third = retry_delay_s(3, initial_s=60, max_s=3600)
    assert 60 <= second <= 90 and 120 <= third <= 150
    assert retry_delay_s(30, initial_s=60, max_s=3600) == 3600


def test_a_receiver_slower_than_the_timeout_is_unknown_not_failed_and_gets_it_once(
    tmp_path: Path,
) -> None:
    with WebhookReceiver(delay_s=2.5) as hooks:
        path = write_config(
            tmp_path,
            f"sqlite:///{tmp_path / 'bp.db'}",
            routes=route("now", [hooks.apprise_url()]),
            extra="[delivery]\ntimeout_seconds = 1\n",
        )
        clock = Clock()
        pipeline = make_pipeline(path, clock)
        add_alerts(pipeline, [60.0, 65.0])
        _, results, _ = pipeline.deliver(digest=False)
        assert [r.status for r in results] == ["unknown", "unknown"]
        assert all("outcome unknown" in (r.error or "") for r in results)
        assert {i.state for i in Outbox(pipeline.repo.engine).items()} == {"unknown"}
        hooks.delay_s = 0
        clock.advance(minutes=1)
        _, results, _ = pipeline.deliver(digest=False)
        assert [r.status for r in results] == ["sent", "sent"]
        assert len(hooks.requests) == 4, "each message was sent twice with one key ..."
        assert len(hooks.delivered) == 2, "... so the receiver keeps each once"


def test_recipient_added_later_gets_only_recent_alerts_in_one_batch(
    tmp_path: Path, hooks: WebhookReceiver
) -> None:
    db = f"sqlite:///{tmp_path / 'bp.db'}"
    first = write_config(tmp_path, db, routes=route("a", [hooks.apprise_url("/a")]))
    clock = Clock()
    pipeline = make_pipeline(first, clock)
    (old,) = add_alerts(pipeline, [80.0])
    assert len(pipeline.deliver(digest=False)[1]) == 1
    # The first alert is now older than max_age_hours (72).
    alerts = SQLModel.metadata.tables["alerts"]
    with pipeline.repo.engine.begin() as conn:
        conn.execute(
            update(alerts)
            .where(alerts.c.id == old)
            .values(created_at=clock.now - timedelta(hours=80))
        )
    add_alerts(pipeline, [70.0, 60.0, 50.0])
    both = write_config(
        tmp_path,
        db,
        routes=route("a", [hooks.apprise_url("/a")]) + route("b", [hooks.apprise_url("/b")]),
        name="both.toml",
    )
    later = make_pipeline(both, clock)
    _, results, _ = later.deliver(digest=False)
    new = [r for r in results if r.what.startswith("digest")]
    assert len(new) == 1 and new[0].what == "digest of 3 alert(s)"
    assert [r.what for r in results if not r.what.startswith("digest")] == [
        f"alert #{a}" for a in sorted(a for a in _alert_ids(later))[-3:]
    ]
    to_b = [h for h in hooks.requests if h.path == "/b"]
    assert len(to_b) == 1 and "review" in to_b[0].body["message"]


def _alert_ids(pipeline: Pipeline) -> list[int]:
    return [
        a.alert_id
        for a in Outbox(pipeline.repo.engine).recent_alerts(since=datetime(2000, 1, 1, tzinfo=UTC))
    ]


def test_alerts_sent_before_the_outbox_are_not_sent_again(
    tmp_path: Path, hooks: WebhookReceiver
) -> None:
    path = write_config(
        tmp_path, f"sqlite:///{tmp_path / 'bp.db'}", recipients=[hooks.apprise_url()]
    )
    pipeline = make_pipeline(path)
    (alert,) = add_alerts(pipeline, [40.0])
    pipeline.repo.record_deliveries([alert], legacy_target_key(hooks.apprise_url()), ok=True)
    assert pipeline.deliver(digest=True)[1] == []
    (row,) = Outbox(pipeline.repo.engine).items()
    assert row.state == "sent" and "before the outbox" in (row.note or "")


def test_heartbeat_when_nothing_happened(tmp_path: Path, hooks: WebhookReceiver) -> None:
    path = write_config(
        tmp_path, f"sqlite:///{tmp_path / 'bp.db'}", recipients=[hooks.apprise_url()]
    )
    clock = Clock()
    pipeline = make_pipeline(path, clock)
    pipeline.repo.sync_source("appstore-reviews", "appstore")
    _, results, _ = pipeline.deliver(digest=True, heartbeat=True)
    assert [r.what for r in results] == ["heartbeat"]
    message = hooks.requests[0].body["message"]
    assert "No new negative mentions since the start; 1 of 1 sources healthy." in message
    assert pipeline.deliver(digest=True, heartbeat=True)[1] == [], "one per scheduled minute"
    clock.advance(days=1)
    pipeline.deliver(digest=True, heartbeat=True)
    assert "No new negative mentions since " in hooks.requests[1].body["message"]
    assert "since the start" not in hooks.requests[1].body["message"]


def test_escalation_route_uses_the_inbox_interface_once(
    tmp_path: Path, hooks: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(
        tmp_path,
        f"sqlite:///{tmp_path / 'bp.db'}",
        routes=route("escalate", [hooks.apprise_url("/boss")], escalation=True),
    )
    pipeline = make_pipeline(path)
    (alert,) = add_alerts(pipeline, [30.0])
    assert pipeline.deliver(digest=False)[1] == [], "nothing overdue: idle"

    import types

    escalated: list[int] = []
    fake = types.ModuleType("storage.inbox")

    @dataclass(frozen=True)
    class AlertState:  # the fields of storage.inbox.AlertState this side reads
        alert_id: int
        sla_due_at: datetime

    class InboxStore:  # the interface of storage.inbox.InboxStore (alert lifecycle)
        def __init__(self, engine: object) -> None:
            self.engine = engine

        def overdue_unescalated(self, now: datetime) -> list[AlertState]:
            due = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
            return [] if escalated else [AlertState(alert, due)]

        def mark_escalated(self, alert_id: int, *, now: datetime | None = None) -> bool:
            escalated.append(alert_id)
            return True

        def states(self, **_filters: object) -> list[AlertState]:
            return []  # no lifecycle row: the alert counts as open

    fake.InboxStore = InboxStore  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "storage.inbox", fake)
    import storage

    monkeypatch.setattr(storage, "inbox", fake, raising=False)
    _, results, _ = pipeline.deliver(digest=False)
    assert [r.what for r in results] == [f"escalation #{alert}"] and escalated == [alert]
    assert "OVERDUE" in hooks.requests[0].body["title"]
    assert "(due 2026-11-22 10:00 UTC)" in hooks.requests[0].body["message"]
    assert pipeline.deliver(digest=False)[1] == []


# -- crashes and concurrency ----------------------------------------------------------------

CHILD = """
import sys
from brandpulse.config import load_config
from brandpulse.pipeline import Pipeline
from sentiment import VaderAnalyzer
from pathlib import Path
pipeline = Pipeline(load_config(Path(sys.argv[1]), env={}), analyzer=VaderAnalyzer())
pipeline.deliver(digest=False)
print("done")
"""


def _child(path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": f"{REPO_ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for(
    predicate: object, what: str, child: subprocess.Popen[str], limit_s: float = 60.0
) -> None:
    deadline = time.monotonic() + limit_s
    while not predicate():  # type: ignore[operator]
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            out, err = child.communicate()
            raise AssertionError(f"gave up waiting for {what}: {out} {err[-3000:]}")
        time.sleep(0.05)


def test_sigkill_mid_send_then_rerun_no_duplicate_no_loss(
    tmp_path: Path, database_url: str
) -> None:
    with WebhookReceiver(delay_s=30) as hooks:
        path = write_config(tmp_path, database_url, routes=route("now", [hooks.apprise_url()]))
        pipeline = make_pipeline(path)
        alerts = add_alerts(pipeline, [90.0, 80.0, 70.0])
        child = _child(path)
        _wait_for(lambda: len(hooks.requests) == 1, "the child's first send", child)
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert child.returncode == -signal.SIGKILL
        claimed = Outbox(pipeline.repo.engine).items()
        assert {i.state for i in claimed} == {"claimed"}, "killed holding its claims"

        hooks.delay_s = 0
        _, results, _ = pipeline.deliver(digest=False)  # the restart (another process)
        assert sorted(r.what for r in results) == sorted(f"alert #{a}" for a in alerts)
        assert all(r.status == "sent" for r in results)
        assert len(hooks.requests) == 4, "the interrupted message went out again ..."
        assert len(hooks.delivered) == 3, "... with the same key: no duplicate, no loss"
        assert {i.state for i in Outbox(pipeline.repo.engine).items()} == {"sent"}
        assert pipeline.deliver(digest=False)[1] == []


def test_two_instances_on_one_database_do_not_double_send(
    tmp_path: Path, database_url: str
) -> None:
    with WebhookReceiver(delay_s=0.05) as hooks:
        path = write_config(tmp_path, database_url, routes=route("now", [hooks.apprise_url()]))
        pipeline = make_pipeline(path)
        add_alerts(pipeline, [50.0 + n for n in range(12)])
        children = [_child(path), _child(path)]
        outputs = [c.communicate(timeout=120) for c in children]
        assert [c.returncode for c in children] == [0, 0], outputs
        assert len(hooks.requests) == 12
        assert len({h.key for h in hooks.requests}) == 12, "no message sent twice at all"


def test_concurrent_claims_never_overlap(tmp_path: Path, database_url: str) -> None:
    path = write_config(tmp_path, database_url, routes=route("now", ["json://127.0.0.1:9/x"]))
    pipeline = make_pipeline(path)
    add_alerts(pipeline, [50.0] * 30)
    pipeline.deliverer.enqueue(datetime.now(UTC))
    claimed: list[int] = []
    lock = threading.Lock()
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        outbox = Outbox(pipeline.repo.engine)
        try:
            while True:
                got = outbox.claim(
                    worker=name, now=datetime.now(UTC), lease=timedelta(minutes=5), limit=1
                )
                if not got:
                    return
                with lock:
                    claimed.extend(i.id for i in got)
        except BaseException as exc:  # report in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(claimed) == 30 and len(set(claimed)) == 30


# -- secrets ------------------------------------------------------------------------------


def test_target_keys_never_hold_tokens() -> None:
    for url, secret in [
        ("pbul://o.PushbulletTok3nABCDEF", "PushbulletTok3n"),
        ("ifttt://WebhookIdSecret123@my_event", "WebhookIdSecret123"),
        ("slack://TokenA1/TokenB2/TokenC3CCC/#general", "TokenC3CCC"),
        ("mailtos://user:Passw0rdXYZ@example.com", "Passw0rdXYZ"),
        ("json://hooks.example.com/Secr3tPath?+X-Api-Key=HeaderSecr3t", "Secr3t"),
    ]:
        key = target_key(url)
        assert secret not in key and key.startswith(url.split("://")[0] + "://#")
        assert "example.com" not in key


def test_no_token_reaches_stdout_logs_or_the_database(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from typer.testing import CliRunner

    from brandpulse.cli import app

    secrets = ["Passw0rdForSmtp", "T0kenInThePath", "HeaderSecr3tValue"]
    with WebhookReceiver(fail_times=1) as hooks:
        hook = (
            f"json://bot:{secrets[0]}@127.0.0.1:{hooks.port}/hook/{secrets[1]}"
            f"?+X-Api-Key={secrets[2]}"
        )
        dead = f"json://127.0.0.1:9/never/{secrets[1]}"
        path = write_config(
            tmp_path,
            f"sqlite:///{tmp_path / 'bp.db'}",
            routes=route("now", [hook, dead]),
            recipients=[hook],
            extra='[analysis]\nbackend = "vader"\n',
        )
        pipeline = make_pipeline(path)
        add_alerts(pipeline, [90.0, 20.0])
        runner = CliRunner()
        with caplog.at_level("DEBUG"):
            first = runner.invoke(app, ["run", "--once", "-v", "--config", str(path)])
            second = runner.invoke(app, ["run", "--once", "-v", "--config", str(path)])
            shown = runner.invoke(app, ["deliveries", "--config", str(path)])
            status = runner.invoke(app, ["sources", "--config", str(path)])
    assert first.exit_code == 3, first.output  # some deliveries failed (runguard)
    assert second.exit_code == 3, second.output  # the dead URL still fails; retried later
    assert "FAILED" in first.output and "sent" in second.output
    assert "Deliveries:" in status.output and "failed" in shown.output
    dump = "\n".join(__import__("sqlite3").connect(tmp_path / "bp.db").iterdump())
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for secret in secrets:
        for where, text in [
            ("stdout", first.output + second.output + shown.output + status.output),
            ("logs", logs),
            ("database", dump),
        ]:
            assert secret not in text, f"{secret} leaked to {where}"
    assert len(hooks.delivered) >= 2


# -- configuration and schedule ---------------------------------------------------------


def test_daemon_ticks_deliveries_and_schedules_digests_in_a_time_zone(tmp_path: Path) -> None:
    from brandpulse.scheduler import build_scheduler

    path = write_config(
        tmp_path,
        f"sqlite:///{tmp_path / 'bp.db'}",
        extra=(
            'timezone = "Europe/Sofia"\nschedule = "0 8 * * *"\n[delivery]\ntick_seconds = 30\n'
        ),
    )
    config = load_config(path, env={})
    scheduler = build_scheduler(config, Pipeline(config, analyzer=VaderAnalyzer()))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert {"digest", "deliveries"} <= set(jobs)
    assert jobs["deliveries"].trigger.interval.total_seconds() == 30
    assert str(jobs["digest"].trigger.timezone) == "Europe/Sofia"
    assert "hour='8'" in str(jobs["digest"].trigger)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"quiet_hours": "10pm-7am"}, "quiet_hours must look like"),
        ({"timezone": "Mars/Olympus"}, "unknown time zone 'Mars/Olympus'"),
        ({"brands": ["Initech"]}, "names unknown brand 'Initech'"),
        ({"min_urgency": 150}, "min_urgency"),
    ],
)
def test_route_config_errors_name_the_key(
    tmp_path: Path, keys: dict[str, object], message: str
) -> None:
    from brandpulse.config import ConfigError

    path = write_config(
        tmp_path, f"sqlite:///{tmp_path / 'bp.db'}", routes=route("r", ["json://x/y"], **keys)
    )
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")) as info:
        load_config(path, env={})
    assert "json://x/y" not in str(info.value), "config errors never echo values"


def test_route_filters_brand_language_and_source_kind(tmp_path: Path) -> None:
    from brandpulse.config_delivery import RouteConfig
    from brandpulse.delivery import route_matches
    from storage.outbox import RecentAlert

    pipeline = make_pipeline(write_config(tmp_path, f"sqlite:///{tmp_path / 'bp.db'}"))
    (alert_id,) = add_alerts(pipeline, [60.0])
    alert = next(
        a
        for a in Outbox(pipeline.repo.engine).recent_alerts(since=datetime(2000, 1, 1, tzinfo=UTC))
        if a.alert_id == alert_id
    )
    assert isinstance(alert, RecentAlert)
    mention = pipeline.repo.mentions(ids=[alert.mention_id])[0]

    def matches(**keys: object) -> bool:
        return route_matches(RouteConfig(name="r", **keys), alert, mention, "appstore")  # type: ignore[arg-type]

    assert matches()
    assert matches(brands=["Acme"]) and not matches(brands=["Globex"])
    assert matches(languages=["en", "bg"]) and not matches(languages=["ar"])
    assert matches(source_kinds=["review"]) and matches(source_kinds=["appstore"])
    assert not matches(source_kinds=["article", "reddit"])


def test_an_unconfirmed_digest_goes_again_under_its_key_new_alerts_separately(
    tmp_path: Path,
) -> None:
    with WebhookReceiver(delay_s=2.5) as hooks:
        path = write_config(
            tmp_path,
            f"sqlite:///{tmp_path / 'bp.db'}",
            recipients=[hooks.apprise_url()],
            extra="[delivery]\ntimeout_seconds = 1\n",
        )
        clock = Clock()
        pipeline = make_pipeline(path, clock)
        add_alerts(pipeline, [40.0, 30.0])
        assert [r.status for r in pipeline.deliver(digest=True)[1]] == ["unknown"]
        hooks.delay_s = 0
        clock.advance(minutes=1)
        add_alerts(pipeline, [20.0])
        _, results, _ = pipeline.deliver(digest=True)
        assert sorted(r.what for r in results) == ["digest of 1 alert(s)", "digest of 2 alert(s)"]
        assert len(hooks.requests) == 3
        assert hooks.requests[0].key == hooks.requests[1].key or (
            hooks.requests[0].key == hooks.requests[2].key
        ), "the unconfirmed digest keeps its key"
        assert len(hooks.delivered) == 2, "the receiver keeps each digest once"
        assert {i.state for i in Outbox(pipeline.repo.engine).items()} == {"sent"}
