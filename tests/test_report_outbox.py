"""The competitor report's deliveries go through the delivery outbox: one row per report
period and recipient, retried with backoff by later delivery ticks, listed by
`brandpulse deliveries`. Tested with a real local webhook receiver and a real SMTP server
(aiosmtpd), as tests/test_delivery.py does for alerts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
import report_sample
from delivery_servers import SmtpSink, WebhookReceiver
from typer.testing import CliRunner

from brandpulse.cli import app
from brandpulse.config import Config, load_config
from brandpulse.delivery import Deliverer
from brandpulse.report import produce_report, run_scheduled_report
from brandpulse.report_delivery import describe, report_period, report_subject
from storage import Repository, init_db, make_engine
from storage.outbox import Outbox

DPI = 30
#: A Monday morning: the weekly report covers Monday 2026-11-23 to Sunday 2026-11-29 (UTC).
MONDAY = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
WEEK = "report 2026-11-23/7d"


def fast_embed(texts: object) -> np.ndarray:
    """Stand-in sentence vectors: these tests look at deliveries, not at themes."""
    return np.array([[1.0, len(str(t)) % 7 / 7.0] for t in texts])  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """A report rendered again to be retried uses the stand-in encoder."""
    monkeypatch.setattr("brandpulse.report_delivery.retry_embed", fast_embed)


@pytest.fixture
def sample(tmp_path: Path) -> Iterator[tuple[Config, Repository]]:
    """The real-snippet sample database of tests/report_sample.py, on SQLite."""
    engine = make_engine(f"sqlite:///{tmp_path / 'sample.db'}")
    init_db(engine)
    repo = Repository(engine)
    report_sample.sample(repo)
    url = engine.url.render_as_string(hide_password=False)
    yield load_config(report_sample.write_config(tmp_path, url), env={}), repo
    engine.dispose()


def _sending(cfg: Config, recipients: list[str], out: Path, **report: object) -> Config:
    return cfg.model_copy(
        update={
            "report": cfg.report.model_copy(
                update={"recipients": recipients, "formats": ["txt"], **report}
            ),
            "digest": cfg.digest.model_copy(update={"output_dir": out}),
        }
    )


def test_subjects_name_the_period_and_round_trip() -> None:
    since, until = MONDAY - timedelta(days=7), MONDAY
    subject = report_subject(since, until)
    assert subject == "report:20261123T0800Z-20261130T0800Z"
    assert report_period(subject) == (since, until)
    on_demand = report_subject(since, until, run_at=MONDAY + timedelta(seconds=5))
    assert on_demand.endswith("@20261130T080005Z") and report_period(on_demand) == (since, until)
    assert describe(subject) == "report 2026-11-23/7d"
    assert describe("alert:12") == "alert:12"
    with pytest.raises(ValueError, match="not a report"):
        report_period("heartbeat:2026-11-30T08:00")


def test_a_failed_weekly_report_is_retried_from_the_outbox_and_arrives_once(
    sample: tuple[Config, Repository], tmp_path: Path
) -> None:
    cfg, repo = sample
    with WebhookReceiver(fail_times=1) as hooks:
        cfg = _sending(cfg, [hooks.apprise_url("/report")], tmp_path / "out")
        run = run_scheduled_report(cfg, repo, now=MONDAY, dpi=DPI, embed=fast_embed)
        assert [(d.status, d.what) for d in run.deliveries] == [("failed", WEEK)]
        assert "error=500" in (run.deliveries[0].error or "")
        (row,) = Outbox(repo.engine).items()
        assert (row.mode, row.state, row.attempts) == ("report", "failed", 1)
        assert row.subject == "report:20261123T0000Z-20261130T0000Z"
        assert row.target.startswith("json://#") and "127.0.0.1" not in row.target

        shown = CliRunner().invoke(app, ["deliveries", "--failed", "--config", str(cfg.path)])
        assert shown.exit_code == 0, shown.output
        assert WEEK in shown.output and "error=500" in shown.output and "1 failed" in shown.output

        # The next delivery tick (daemon) or `run --once` sends it again, the report of that
        # week rendered again from the database, under the same idempotency key.
        deliverer = Deliverer(cfg, repo, now=lambda: MONDAY + timedelta(seconds=30))
        results = deliverer.run(digest=False)
        assert [(r.status, r.what) for r in results] == [("sent", WEEK)]
        assert len(hooks.requests) == 2 and len(hooks.delivered) == 1
        assert hooks.requests[0].key == hooks.requests[1].key == row.idempotency_key
        body = hooks.requests[1].body
        assert body["title"].startswith("BrandPulse competitor report: 7 days")
        assert "Acme (you)" in body["message"] and "2026-11-23 00:00" in body["message"]

        # Exactly once per period and recipient: the job fired again (a misfire, a restart)
        # and later ticks send nothing.
        again = run_scheduled_report(
            cfg, repo, now=MONDAY + timedelta(minutes=5), dpi=DPI, embed=fast_embed
        )
        assert again.deliveries == () and deliverer.run(digest=False) == []
        assert len(hooks.requests) == 2
        (row,) = Outbox(repo.engine).items()
        assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)

        # Next Monday is another period: another delivery.
        later = run_scheduled_report(
            cfg, repo, now=MONDAY + timedelta(days=7), dpi=DPI, embed=fast_embed
        )
        assert [(d.status, d.what) for d in later.deliveries] == [("sent", "report 2026-11-30/7d")]


def test_retries_back_off_and_a_removed_recipient_is_kept_as_failed(
    sample: tuple[Config, Repository], tmp_path: Path
) -> None:
    cfg, repo = sample
    with WebhookReceiver(fail_times=99) as hooks:
        cfg = _sending(cfg, [hooks.apprise_url("/report")], tmp_path / "out")
        cfg = cfg.model_copy(
            update={
                "delivery": cfg.delivery.model_copy(
                    update={"retry_initial_seconds": 60.0, "retry_max_seconds": 600.0}
                )
            }
        )
        run_scheduled_report(cfg, repo, now=MONDAY, dpi=DPI, embed=fast_embed)
        outbox = Outbox(repo.engine)
        (row,) = outbox.items()
        assert row.attempts == 1 and row.next_attempt_at == MONDAY, "due again on the next tick"

        tick = MONDAY + timedelta(seconds=10)
        deliverer = Deliverer(cfg, repo, now=lambda: tick)
        assert [r.status for r in deliverer.run(digest=False)] == ["failed"]
        (row,) = outbox.items()
        wait = (row.next_attempt_at - tick).total_seconds()
        assert row.attempts == 2 and 60 <= wait <= 90, wait  # 60 s plus up to 30 s jitter
        assert deliverer.run(digest=False) == [], "not due before the backoff has passed"
        assert len(hooks.requests) == 2

        tick = row.next_attempt_at
        assert [r.status for r in deliverer.run(digest=False)] == ["failed"]
        (row,) = outbox.items()
        assert row.attempts == 3 and 120 <= (row.next_attempt_at - tick).total_seconds() <= 150

    # The recipient left the config: the row is never dropped, it says why it waits.
    gone = _sending(cfg, [], tmp_path / "out")
    tick = row.next_attempt_at
    results = Deliverer(gone, repo, now=lambda: tick).run(digest=False)
    assert [r.status for r in results] == ["failed"]
    assert "no longer in [report] recipients" in (results[0].error or "")
    (row,) = outbox.items()
    assert row.state == "failed" and row.attempts == 4


def test_the_mail_server_down_then_up_gets_the_report_once_with_the_pdf(
    sample: tuple[Config, Repository], tmp_path: Path
) -> None:
    cfg, repo = sample
    sink = SmtpSink()  # not started yet: connection refused
    cfg = _sending(cfg, [sink.apprise_url("marketing@example.org")], tmp_path / "out")
    first = run_scheduled_report(cfg, repo, now=MONDAY, dpi=DPI, embed=fast_embed)
    assert [d.status for d in first.deliveries] == ["failed"]
    with sink:
        deliverer = Deliverer(cfg, repo, now=lambda: MONDAY + timedelta(minutes=1))
        assert [(r.status, r.what) for r in deliverer.run(digest=False)] == [("sent", WEEK)]
        assert deliverer.run(digest=False) == []
    (message,) = sink.messages
    (row,) = Outbox(repo.engine).items()
    assert message["X-BrandPulse-Idempotency-Key"] == row.idempotency_key
    assert str(message["Subject"]).startswith("BrandPulse competitor report: 7 days")
    parts = list(message.walk())
    html = next(p for p in parts if p.get_content_type() == "text/html")
    body = html.get_payload(decode=True)
    assert isinstance(body, bytes) and b'src="cid:competitors-volume.png"' in body
    (pdf,) = [p for p in parts if p.get_filename() == "competitors.pdf"]
    payload = pdf.get_payload(decode=True)
    assert isinstance(payload, bytes) and payload.startswith(b"%PDF")


def test_on_demand_sends_are_their_own_deliveries_and_dry_run_queues_nothing(
    sample: tuple[Config, Repository], tmp_path: Path
) -> None:
    cfg, repo = sample
    with WebhookReceiver() as hooks:
        cfg = _sending(cfg, [hooks.apprise_url("/report")], tmp_path / "out", attach_pdf=False)
        since, until = MONDAY - timedelta(days=7), MONDAY
        for minute in (0, 1):  # a person asking twice gets it twice
            run = produce_report(
                cfg,
                repo,
                since=since,
                until=until,
                formats=(),
                now=MONDAY + timedelta(minutes=minute),
                dpi=DPI,
                recipients=cfg.report.recipients,
                embed=fast_embed,
            )
            assert [d.status for d in run.deliveries] == ["sent"]
        rows = Outbox(repo.engine).items()
        assert len(rows) == 2 and {r.state for r in rows} == {"sent"}
        assert len({r.idempotency_key for r in rows}) == 2 and len(hooks.delivered) == 2

        dry = cfg.model_copy(update={"digest": cfg.digest.model_copy(update={"dry_run": True})})
        run = run_scheduled_report(dry, repo, now=MONDAY, dpi=DPI, embed=fast_embed)
        assert run.deliveries == () and len(Outbox(repo.engine).items()) == 2
        assert len(hooks.requests) == 2
