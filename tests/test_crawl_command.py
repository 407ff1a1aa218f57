"""`brandpulse crawl` and configured [[crawls]] in a cycle, against saved pages on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from replay_server import ReplayServer
from typer.testing import CliRunner

from brandpulse.cli import app
from brandpulse.config import load_config
from brandpulse.pipeline import Pipeline
from sentiment import VaderAnalyzer

PAGES = Path(__file__).parent / "fixtures" / "pages"
runner = CliRunner()

CONFIG = """
[database]
url = "sqlite:///{db}"
[[brands]]
name = "Acme"
own = true
[[brands]]
name = "Globex"
[[crawls]]
name = "acme-kettle-reviews"
spider = "reviews"
urls = ["{base}/shop/kettle-k2"]
brand = "Acme"
download_delay = 0
max_pages = 5
[alerts]
max_age_hours = 1000000
[digest]
output_dir = "{out}"
period_days = 100000
"""


@pytest.fixture
def server() -> Iterator[ReplayServer]:
    pages = {
        "/robots.txt": ("text/plain", "User-agent: *\nDisallow: /private/\n"),
        "/shop/kettle-k2": ("text/html", (PAGES / "schema_product_p1.html").read_bytes()),
        "/shop/kettle-k2?page=2": ("text/html", (PAGES / "schema_product_p2.html").read_bytes()),
    }
    with ReplayServer(pages=pages) as srv:
        yield srv


def test_crawl_command_uses_configured_brand_then_cycle_recrawls_cheaply(
    server: ReplayServer, tmp_path: Path
) -> None:
    config = tmp_path / "c.toml"
    config.write_text(CONFIG.format(db=tmp_path / "bp.db", base=server.url, out=tmp_path / "out"))
    url = f"{server.url}/shop/kettle-k2"
    result = runner.invoke(app, ["crawl", "reviews", "--url", url, "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "acme-kettle-reviews: 2 page(s), 6 new" in result.output

    pipeline = Pipeline(load_config(config, env={}), analyzer=VaderAnalyzer())
    report = pipeline.run_once()
    (run,) = report.sources
    assert (run.name, run.ok, run.inserted) == ("acme-kettle-reviews", True, 0)
    assert report.analyzed == 6
    stored = pipeline.repo.mentions()
    assert {m.brands for m in stored} == {("Acme",)}
    assert all(m.rating is not None for m in stored)
    assert server.requested.count("/shop/kettle-k2?page=2") == 1, "re-crawl stopped early"
    counts = {c.brand: c for c in pipeline.repo.brand_counts()}
    assert counts["Acme"].mentions == 6 and counts["Globex"].mentions == 0


def test_crawl_command_rejects_unknown_spider_and_brand(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(CONFIG.format(db=tmp_path / "bp.db", base="http://x", out=tmp_path))
    bad_spider = runner.invoke(app, ["crawl", "ebay", "--url", "http://x/", "-c", str(config)])
    assert bad_spider.exit_code == 2 and "unknown spider 'ebay'" in bad_spider.stderr
    bad_brand = runner.invoke(
        app, ["crawl", "reviews", "--url", "http://x/", "--brand", "Nope", "-c", str(config)]
    )
    assert bad_brand.exit_code == 2 and "--brand 'Nope'" in bad_brand.stderr
    # A start URL without http(s) and a host used to crawl nothing and exit 0.
    for start in ("x.test/shop", "ftp://x.test/shop"):
        bad_url = runner.invoke(app, ["crawl", "reviews", "--url", start, "-c", str(config)])
        assert bad_url.exit_code == 2, bad_url.output
        assert bad_url.stderr.splitlines() == [
            f"error: --url {start!r}: not an http(s) URL with a host, e.g. "
            "https://example.com/reviews"
        ]
    assert not (tmp_path / "bp.db").exists()
