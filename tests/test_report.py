"""The competitor report: golden figures, themes, charts, HTML, PDF, JSON, CLI, schedule
and delivery through a real local SMTP server."""

from __future__ import annotations

import email
import io
import json
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from pathlib import Path

import numpy as np
import pytest
import report_sample
from report_sample import NOW
from sqlalchemy import text
from typer.testing import CliRunner

from brandpulse.cli import app
from brandpulse.config import Config, load_config
from brandpulse.inbox import Inbox
from brandpulse.report import (
    build_report,
    period_covering,
    produce_report,
    run_scheduled_report,
    scheduled_period,
)
from digest.charts import render_charts
from digest.competitors import CompetitorBenchmark, ExampleView, ThemeView, parse_period
from digest.report import render_html, render_pdf, render_report
from sentiment.topics import cluster_topics
from storage import Mention, Repository, init_db, make_engine
from storage.aggregates import Aggregate, save_aggregates

DPI = 30  # small charts keep the tests fast
runner = CliRunner()


def fast_embed(texts: object) -> np.ndarray:
    """Stand-in sentence vectors (by text length) where a test does not look at themes."""
    return np.array([[1.0, len(str(t)) % 7 / 7.0] for t in texts])  # type: ignore[attr-defined]


def _config(tmp_path: Path, repo: Repository) -> Config:
    url = repo.engine.url.render_as_string(hide_password=False)
    return load_config(report_sample.write_config(tmp_path, url), env={})


# -- golden figures ----------------------------------------------------------------------
def test_golden_share_of_voice_net_sentiment_and_ratings(tmp_path: Path, repo: Repository) -> None:
    """Runs on SQLite and PostgreSQL: figures worked out by hand (tests/report_sample.py)."""
    report_sample.golden(repo)
    cfg = _config(tmp_path, repo)
    report = build_report(cfg, repo, since=NOW - timedelta(days=7), until=NOW, now=NOW)
    acme, globex, initech = report.brands
    assert [b.brand for b in report.brands] == ["Acme", "Globex", "Initech"] and acme.is_own
    assert report.total_mentions == 12
    assert (acme.mentions, globex.mentions, initech.mentions) == (7, 4, 1)
    assert acme.share_of_voice == pytest.approx(7 / 12)
    assert globex.share_of_voice == pytest.approx(4 / 12)
    assert initech.share_of_voice == pytest.approx(1 / 12)
    # "Globex is much better than Acme": positive for Globex, negative for Acme.
    assert (acme.positive, acme.neutral, acme.negative) == (3, 1, 3)
    assert (globex.positive, globex.neutral, globex.negative) == (2, 1, 1)
    assert acme.net_sentiment == pytest.approx(0.0)
    assert globex.net_sentiment == pytest.approx(0.25)
    assert (initech.unanalyzed, initech.analyzed) == (1, 0)
    assert acme.average_rating == pytest.approx(10 / 3) and acme.reviews == 3
    assert acme.stars == {1: 1, 2: 0, 3: 0, 4: 1, 5: 1}
    assert globex.average_rating == pytest.approx(2.5), "the review after the period is out"
    assert initech.average_rating is None and initech.reviews == 0
    (source,) = acme.review_sources
    assert (source.source, source.kind, source.reviews) == ("acme-appstore", "appstore", 3)
    assert source.average == pytest.approx(10 / 3)
    assert dict(acme.sources) == {"acme-appstore": 3, "news": 4}
    # The week before holds one Acme mention (negative): Acme had 100 % share, net -1.
    assert report.has_previous
    assert acme.share_change_points == pytest.approx(100 * (7 / 12 - 1))
    assert acme.net_change == pytest.approx(1.0)
    assert globex.share_change_points == pytest.approx(100 * 4 / 12)
    assert report.trend.granularity == "day"
    assert sum(report.trend.volume["Acme"]) == 7 and sum(report.trend.volume["Globex"]) == 4
    rated = [r for r in report.trend.rating["Acme"] if r is not None]
    assert rated == [5.0, 4.0, 1.0]
    assert report.handle_time.handled == 0 and not report.aggregate_ratings_available
    data = report.to_dict()
    assert data["brands"][0]["share_of_voice"] == pytest.approx(0.5833, abs=1e-4)
    assert data["brands"][1]["average_rating"] == 2.5
    assert data["alert_handle_time"] == {"handled": 0, "median_hours": None}
    only = build_report(cfg, repo, since=NOW - timedelta(days=7), until=NOW, brands=["Globex"])
    assert [b.brand for b in only.brands] == ["Globex"]
    assert only.brands[0].share_of_voice == pytest.approx(4 / 12), "share stays over all"


def test_alert_handling_and_stored_site_ratings_are_used(
    tmp_path: Path, sqlite_repo: Repository
) -> None:
    report_sample.golden(sqlite_repo)
    cfg = _config(tmp_path, sqlite_repo)
    ids = {m.external_id: m.id for m in sqlite_repo.mentions()}
    sqlite_repo.insert_alerts([(ids["a3"], "Acme", 50.0), (ids["a6"], "Acme", 40.0)])
    with sqlite_repo.engine.begin() as conn:
        conn.execute(text("UPDATE alerts SET created_at = :c"), {"c": "2026-11-25 10:00:00"})
    # handled three hours after it was raised, through the inbox (as `brandpulse handle`)
    inbox = Inbox(cfg, sqlite_repo, now=lambda: datetime(2026, 11, 25, 13, tzinfo=UTC))
    inbox.refresh()
    (a3,) = [i for i in inbox.items(state="all") if i.mention.id == ids["a3"]]
    inbox.handle(a3.alert_id, by="maria", note="replied")
    # two readings of the app's own overall rating, as a review crawl stores them
    page = "https://apps.apple.com/app/acme/id1"
    save_aggregates(
        sqlite_repo.engine,
        [
            Aggregate("acme-appstore", page, 4.1, datetime(2026, 11, 1, tzinfo=UTC),
                      brand="Acme", review_count=2000),
            Aggregate("acme-appstore", page, 4.3, datetime(2026, 11, 20, tzinfo=UTC),
                      brand="Acme", review_count=2100),
        ],
    )  # fmt: skip
    report = build_report(cfg, sqlite_repo, since=NOW - timedelta(days=7), until=NOW, now=NOW)
    assert report.handle_time.handled == 1
    assert report.handle_time.median_hours == pytest.approx(3.0)
    (source,) = report.brands[0].review_sources
    assert (source.aggregate_rating, source.aggregate_count) == (4.3, 2100), "the newest"
    charts = render_charts(report, dpi=DPI)
    html = render_html(report, charts)
    assert "3.0 h</strong> over 1 handled alert" in html and "4.30 (2100)" in html


# -- themes: never "misc" ------------------------------------------------------------------
def test_small_clusters_are_named_by_their_terms_not_misc() -> None:
    """Two differently worded complaints per theme share no word: they used to be "misc"."""
    texts = [
        "The app keeps crashing whenever I open the camera",
        "Crashes on startup since the update, unusable",
        "Refund never arrived and support ignored my emails",
        "Billing charged me twice, nobody answers",
    ]
    vectors = np.array([[1.0, 0.05], [0.95, 0.1], [0.05, 1.0], [0.1, 0.95]])
    topics = cluster_topics(texts, max_topics=2, embed=lambda _t: vectors)
    assert len(topics) == 2
    labels = {t.label for t in topics}
    assert "misc" not in labels
    crash = next(t for t in topics if 0 in t.members)
    assert set(crash.label.replace(",", " ").split()) & {"crashing", "camera", "crashes", "update"}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Config, Repository]]:
    """The real-snippet sample database (SQLite) with its config, and one post whose text
    and URL try to inject script."""
    tmp = tmp_path_factory.mktemp("sample")
    engine = make_engine(f"sqlite:///{tmp / 'sample.db'}")
    init_db(engine)
    repo = Repository(engine)
    report_sample.sample(repo)
    repo.save_mentions(
        "news",
        [
            Mention(
                source="news",
                external_id="xss",
                url="javascript:alert(1)",
                title="<script>alert('x')</script>",
                text="Acme <b>rocks</b> <script>alert('x')</script>",
                published_at=NOW - timedelta(days=1),
                brands=("Acme",),
            )
        ],
    )
    yield _config(tmp, repo), repo
    engine.dispose()


@pytest.fixture(scope="module")
def sample_report(sample: tuple[Config, Repository]) -> CompetitorBenchmark:
    cfg, repo = sample
    return build_report(cfg, repo, since=NOW - timedelta(days=28), until=NOW, now=NOW)


def test_themes_name_causes_with_examples_and_find_the_opportunity(
    sample_report: CompetitorBenchmark,
) -> None:
    acme, globex, initech = sample_report.brands
    for brand in sample_report.brands:
        for theme in (*brand.negative_themes, *brand.praised_themes):
            assert theme.label != "misc" and theme.keywords and theme.count >= 2
            assert 1 <= len(theme.examples) <= 3
            assert all(e.url.startswith("https://reviews.example.org/") for e in theme.examples)
    assert "batter" in acme.negative_themes[0].label, acme.negative_themes
    assert any("batter" in t.label for t in globex.praised_themes), globex.praised_themes
    assert any("picture" in t.label for t in acme.praised_themes), acme.praised_themes
    assert any(("manual" in t.label or "instruction" in t.label) for t in initech.praised_themes)
    battery = [
        o
        for o in sample_report.opportunities
        if "batter" in o.own_theme and o.competitor == "Globex" and "batter" in o.competitor_theme
    ]
    assert battery, sample_report.opportunities
    assert acme.average_rating is not None and globex.average_rating is not None
    assert acme.average_rating < globex.average_rating
    # About one post a day per brand: weekly buckets (Mondays), from the first data week.
    trend = sample_report.trend
    assert trend.granularity == "week" and all(d.weekday() == 0 for d in trend.buckets)
    assert trend.buckets[0] == date(2026, 11, 2) and len(trend.buckets) == 4
    assert sum(trend.volume["Acme"]) == acme.mentions


# -- charts, HTML, PDF, JSON ---------------------------------------------------------------
def test_each_chart_is_a_png_of_the_stated_size(sample_report: CompetitorBenchmark) -> None:
    from PIL import Image

    charts = render_charts(sample_report, dpi=DPI)
    names = [c.name for c in charts]
    assert names == ["share_of_voice", "sentiment", "volume", "net_sentiment", "rating", "stars"]
    for chart in charts:
        image = Image.open(io.BytesIO(chart.png))
        image.load()
        assert image.format == "PNG"
        assert image.size == (chart.width, chart.height)
        assert chart.width == round(8.0 * DPI), chart.name
        assert len(set(image.convert("L").get_flattened_data())) > 5, f"{chart.name} is blank"


def test_html_is_self_contained_escaped_and_printable(
    sample_report: CompetitorBenchmark,
) -> None:
    bad = ExampleView(
        url="javascript:alert(1)",
        source="news",
        published="2026-11-28",
        snippet="Acme <b>rocks</b> <script>alert('x')</script>",
        rating=None,
    )
    acme = replace(
        sample_report.brands[0],
        negative_themes=(
            ThemeView("<i>theme</i>", ("x", "y"), 2, (bad,)),
            *sample_report.brands[0].negative_themes,
        ),
    )
    report = replace(sample_report, brands=(acme, *sample_report.brands[1:]))
    charts = render_charts(report, dpi=DPI)
    html = render_html(report, charts)
    assert "<script>" not in html and "&lt;script&gt;alert(" in html
    assert "&lt;b&gt;rocks&lt;/b&gt;" in html and "&lt;i&gt;theme&lt;/i&gt;" in html
    assert 'href="javascript:' not in html
    assert html.count('src="data:image/png;base64,') == len(charts)
    assert "@media print" in html and "@page" in html
    for brand in ("Acme (you)", "Globex", "Initech", "Median time to handle"):
        assert brand in html
    assert "no alert of this period has been handled yet" in html
    assert 'href="https://reviews.example.org/acme/' in html
    mail = render_html(report, charts, images={c.name: f"cid:{c.name}.png" for c in charts})
    assert "data:image" not in mail and 'src="cid:volume.png"' in mail


def test_pdf_opens_and_names_every_brand(sample_report: CompetitorBenchmark) -> None:
    from pypdf import PdfReader

    charts = render_charts(sample_report, dpi=DPI)
    reader = PdfReader(io.BytesIO(render_pdf(render_html(sample_report, charts))))
    assert len(reader.pages) >= 2
    content = "\n".join(page.extract_text() for page in reader.pages)
    for name in ("Acme", "Globex", "Initech", "Share of voice", "Source health"):
        assert name in content, name


def test_json_and_text_carry_the_same_numbers(sample_report: CompetitorBenchmark) -> None:
    docs = render_report(sample_report, render_charts(sample_report, dpi=DPI))
    data = json.loads(docs.json)
    assert data["schema"] == "brandpulse.competitors/1"
    assert [b["brand"] for b in data["brands"]] == ["Acme", "Globex", "Initech"]
    acme = data["brands"][0]
    assert acme["mentions"] == sample_report.brands[0].mentions
    assert set(acme["stars"]) == {"1", "2", "3", "4", "5"}
    assert acme["negative_themes"][0]["examples"][0]["url"].startswith("https://")
    assert len(data["trend"]["buckets"]) == len(data["trend"]["volume"]["Acme"])
    row = next(line for line in docs.text.splitlines() if line.startswith("Acme (you)"))
    assert int(row.split()[2]) == acme["mentions"]
    assert "WHAT THE NEGATIVES ARE ABOUT" in docs.text and "WHAT CUSTOMERS PRAISE" in docs.text


def test_an_empty_period_still_renders(sample: tuple[Config, Repository]) -> None:
    cfg, repo = sample
    report = build_report(cfg, repo, since=NOW + timedelta(days=1), until=NOW + timedelta(days=2))
    assert report.total_mentions == 0 and not report.has_ratings
    charts = render_charts(report, dpi=DPI)
    assert [c.name for c in charts] == ["share_of_voice", "sentiment", "volume", "net_sentiment"]
    assert "No star-rated reviews" in render_html(report, charts)


# -- period, schedule ------------------------------------------------------------------------
def test_period_parsing() -> None:
    assert parse_period("7d", None, now=NOW) == (NOW - timedelta(days=7), NOW)
    assert parse_period("36h", "2026-11-20", now=NOW)[0] == datetime(2026, 11, 18, 12, tzinfo=UTC)
    assert parse_period(None, None, now=NOW, default_days=14)[0] == NOW - timedelta(days=14)
    with pytest.raises(ValueError, match="--since 'last week'"):
        parse_period("last week", None, now=NOW)
    with pytest.raises(ValueError, match="is not before"):
        parse_period("2026-12-05", None, now=NOW)


def test_weekly_schedule_in_the_configured_timezone(tmp_path: Path) -> None:
    cfg = Config.model_validate(
        {
            "brands": [{"name": "Acme", "own": True}],
            "report": {"schedule": "mon 08:00", "timezone": "Europe/Sofia"},
        }
    )
    trigger = cfg.report.trigger()
    fire = trigger.get_next_fire_time(None, datetime(2026, 11, 25, tzinfo=UTC))
    assert fire.astimezone(UTC) == datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 08:00 EET
    since, until = scheduled_period(cfg, datetime(2026, 11, 30, 6, 0, tzinfo=UTC))
    assert until == datetime(2026, 11, 29, 22, 0, tzinfo=UTC)  # Monday 00:00 in Sofia
    assert until - since == timedelta(days=7)
    for bad, message in (("mon 25:00", "cron"), ("sometimes", "cron")):
        with pytest.raises(ValueError, match=message):
            Config.model_validate({"brands": [{"name": "A"}], "report": {"schedule": bad}})
    with pytest.raises(ValueError, match="unknown time zone"):
        Config.model_validate({"brands": [{"name": "A"}], "report": {"timezone": "Mars/Base"}})

    from brandpulse.pipeline import Pipeline
    from brandpulse.scheduler import build_scheduler

    cfg = cfg.model_copy(
        update={"database": cfg.database.model_copy(update={"url": f"sqlite:///{tmp_path}/a.db"})}
    )
    scheduler = build_scheduler(cfg, Pipeline(cfg))
    assert scheduler.get_job("competitor-report") is not None


# -- delivery through a real SMTP server --------------------------------------------------------
class _Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_scheduled_report_is_mailed_with_inline_charts_and_the_pdf(
    sample: tuple[Config, Repository],
    smtp: tuple[_Inbox, int],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox, port = smtp
    cfg, repo = sample
    secret = "s3cr3t-token"
    url = (
        f"mailto://127.0.0.1:{port}?mode=insecure&from=brandpulse@example.org"
        f"&to=marketing@example.org&name={secret}"
    )
    cfg = cfg.model_copy(
        update={
            "report": cfg.report.model_copy(
                update={"recipients": [url], "formats": ["html", "pdf"], "period_days": 28}
            ),
            "digest": cfg.digest.model_copy(update={"output_dir": tmp_path}),
        }
    )
    run = run_scheduled_report(cfg, repo, now=NOW + timedelta(hours=1), dpi=DPI, embed=fast_embed)
    assert [d.ok for d in run.deliveries] == [True], run.deliveries
    assert {p.name for p in run.files} == {"competitors.html", "competitors.pdf"}
    (message,) = inbox.messages
    assert message["Subject"].startswith("BrandPulse competitor report: 28 days")
    assert message["To"] == "marketing@example.org"
    parts = list(message.walk())
    html = next(p for p in parts if p.get_content_type() == "text/html")
    body = html.get_payload(decode=True).decode()
    assert 'src="cid:competitors-volume.png"' in body and "data:image" not in body
    images = {p["Content-ID"] for p in parts if p.get_content_type() == "image/png"}
    assert "<competitors-volume.png>" in images and len(images) == 6
    (pdf,) = [p for p in parts if p.get_filename() == "competitors.pdf"]
    assert pdf.get_payload(decode=True).startswith(b"%PDF")
    assert secret not in caplog.text and secret not in run.deliveries[0].target


def test_cli_report_competitors(sample: tuple[Config, Repository], tmp_path: Path) -> None:
    cfg, _repo = sample
    config = str(cfg.path)
    out = tmp_path / "report"
    result = runner.invoke(
        app,
        [
            "report", "competitors", "--config", config, "--since", "2026-11-01",
            "--until", "2026-11-29T12:00", "--brand", "Acme", "--brand", "Globex",
            "--format", "png,json,txt", "--out", str(out), "--dpi", str(DPI),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Acme (you)" in result.output and "Initech" not in result.output.split("Written:")[0]
    names = sorted(p.name for p in out.iterdir() if p.is_file())
    assert "competitors.json" in names and "competitors-share_of_voice.png" in names
    assert "competitors.html" not in names
    data = json.loads((out / "competitors.json").read_text())
    assert data["period"]["since"].startswith("2026-11-01")
    for args, message in (
        (["--since", "yesterday-ish"], "expected an ISO date"),
        (["--format", "docx"], "choose from"),
        (["--brand", "Umbrella"], "not one of the config's"),
        (["--send"], "recipients is empty"),
    ):
        bad = runner.invoke(app, ["report", "competitors", "--config", config, *args])
        assert bad.exit_code == 2 and message in bad.stderr, (args, bad.output)


def test_period_covering_spans_every_stored_mention(sample: tuple[Config, Repository]) -> None:
    _cfg, repo = sample
    covering = period_covering(repo)
    assert covering is not None
    since, until = covering
    assert since.hour == 0 and until.hour == 0 and since < NOW - timedelta(days=27) < until
    run = produce_report(
        _cfg, repo, since=since, until=until, formats=(), now=NOW, dpi=DPI, embed=fast_embed
    )
    assert run.docs.report.total_mentions == len(repo.mentions()) and run.files == ()


def test_webhook_gets_the_text_report_with_the_pdf_attached(
    sample: tuple[Config, Repository],
) -> None:
    """Channels other than e-mail (here apprise's json:// to a local HTTP receiver) get the
    text report; the PDF and charts travel as attachments where the channel takes them."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[dict] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    cfg, repo = sample
    try:
        run = produce_report(
            cfg,
            repo,
            since=NOW - timedelta(days=28),
            until=NOW,
            formats=(),
            now=NOW,
            dpi=DPI,
            recipients=[f"json://127.0.0.1:{server.server_address[1]}/hook"],
            embed=fast_embed,
        )
    finally:
        server.shutdown()
        server.server_close()
    assert [d.ok for d in run.deliveries] == [True]
    (payload,) = received
    assert "Acme (you)" in payload["message"] and "<html" not in payload["message"]
    names = {a["filename"] for a in payload.get("attachments", [])}
    assert "competitors.pdf" in names and "competitors-share_of_voice.png" in names
