"""The spiders on real saved web pages (tests/fixtures/pages/real/, see the README there).

Every expected value below was read from the saved page itself, not from the spider's
output: the headline in ``<h1>``, the author in ``<meta name="author">`` and the JSON-LD
``NewsArticle``, the time in ``<time datetime>``, the canonical URL, the body paragraphs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from replay_server import ReplayServer
from test_spider_parse import page, run_parse, utc
from typer.testing import CliRunner

from brandpulse.cli import app
from brandpulse.config import load_config
from brandpulse.crawls import crawl
from brandpulse.intake import Intake
from brandpulse.pipeline import open_repository
from domain.terms import BrandTerms
from spiders.article import ArticleSpider
from spiders.pipelines import to_mention
from spiders.schema_reviews import SchemaReviewSpider
from storage import Repository

REAL = Path(__file__).parent / "fixtures" / "pages" / "real"

#: The saved pages' SHA-256: the copies must stay byte for byte as recorded.
CHECKSUMS = {
    "computerbase_htc_touch.html": (
        "e4a4d738ee41d1531a930f29b67c2ddc8115d41e1c56f5dc7c5c3aab2f808189"
    ),
}

CB_PATH = "/2007-06/htc-touch-bald-bei-o2-als-xda-nova/"
CB_URL = "https://www.computerbase.de" + CB_PATH
CB_PAGE = "real/computerbase_htc_touch.html"


def test_real_pages_are_unchanged_copies() -> None:
    on_disk = {p.name for p in REAL.glob("*.html")}
    assert on_disk == set(CHECKSUMS), "document every real page in the README and here"
    for name, digest in CHECKSUMS.items():
        assert hashlib.sha256((REAL / name).read_bytes()).hexdigest() == digest, name


# -- article spider: ComputerBase news item (German, 2007) ---------------------------------------
def test_article_spider_reads_the_real_computerbase_news_item() -> None:
    # fetched through a tracking URL: the item is keyed by the page's canonical URL
    items, requests, spider = run_parse(ArticleSpider, page(CB_PAGE, CB_URL + "?utm_source=rss"))
    (item,) = items
    assert item.external_id == item.url == CB_URL
    assert item.kind == "article" and item.language == "de"
    assert item.title == "HTC Touch: Bald bei o2 als „Xda Nova“"
    assert item.author == "Christoph Becker"
    # <time datetime="2007-06-19T09:40:00+02:00">
    assert item.published_at == utc(2007, 6, 19, 7, 40)
    # first and last paragraphs of the article body
    assert "Vor knapp zwei Wochen stellten Microsoft und HTC" in item.text
    assert "Danach werden auch T-Mobile („MDA Touch“) und Vodafone" in item.text
    assert "gibt es in der dazugehörigen Vorstellungs-News." in item.text
    # navigation, related articles, author box, footer: not article text
    for boilerplate in (
        "Grafikkarten-Rangliste",
        "Telekom StreamOn",
        "Voriger Inhalt",
        "Redakteur/in werden",
        "hat von Juni 2003 bis Januar 2009",
        "Mediadaten",
    ):
        assert boilerplate not in item.text, boilerplate
    assert requests == [] and not spider.problems


def test_article_site_name_is_the_publishers_not_the_host() -> None:
    # og:site_name is "ComputerBase"; trafilatura's JSON calls it "source-hostname"
    (item,) = run_parse(ArticleSpider, page(CB_PAGE, CB_URL))[0]
    assert item.extra["site"] == "ComputerBase"


def test_brand_terms_that_occur_in_the_real_article_match_others_do_not(
    repo: Repository,
) -> None:
    (item,) = run_parse(ArticleSpider, page(CB_PAGE, CB_URL))[0]
    record = to_mention(item, "computerbase")
    both = Intake(repo, [BrandTerms("HTC", ("HTC Touch",)), BrandTerms("Nokia", ("Nokia",))])
    assert both.brands_of(record) == ("HTC",)
    assert Intake(repo, [BrandTerms("Nokia", ("Nokia",))]).brands_of(record) == ()


# -- reviews spider: a real page with JSON-LD but no Review ---------------------------------------
def test_reviews_spider_on_a_real_page_without_reviews_reports_a_problem() -> None:
    # the page carries JSON-LD (NewsArticle, BreadcrumbList) but no schema.org Review
    items, requests, spider = run_parse(SchemaReviewSpider, page(CB_PAGE, CB_URL))
    assert items == [] and requests == []
    (problem,) = spider.problems
    assert CB_URL in problem and "reviews spider" in problem


# -- through the local server and the crawl subprocess -------------------------------------------
@pytest.fixture()
def server() -> Iterator[ReplayServer]:
    pages = {
        "/robots.txt": ("text/plain", "User-agent: *\nDisallow:\n"),
        CB_PATH: ("text/html; charset=utf-8", (REAL / "computerbase_htc_touch.html").read_bytes()),
    }
    with ReplayServer(pages=pages) as srv:
        yield srv


def test_article_crawl_of_the_real_page_stores_it_for_the_matching_brand(
    server: ReplayServer, tmp_path: Path
) -> None:
    config_file = tmp_path / "bp.toml"
    config_file.write_text(
        f"""
[database]
url = "sqlite:///{tmp_path / "crawl.db"}"
[[brands]]
name = "HTC"
own = true
[[brands]]
name = "Nokia"
[[crawls]]
name = "computerbase"
spider = "article"
urls = ["{server.url + CB_PATH}"]
download_delay = 0
"""
    )
    config = load_config(config_file)
    repo = open_repository(config)
    run = crawl(
        config,
        intake=Intake.for_config(config, repo),
        spider="article",
        urls=config.crawls[0].urls,
        source="computerbase",
        brand=None,
        crawl_config=config.crawls[0],
    )
    assert run.ok, (run.crawl.problems, run.crawl.log_tail)
    assert (run.crawl.pages, run.intake.stored, run.crawl.items_dropped) == (1, 1, 0)
    (stored,) = repo.mentions()
    assert stored.external_id == CB_URL and stored.brands == ("HTC",)
    assert stored.author == "Christoph Becker" and stored.language == "de"
    assert stored.published_at is not None
    assert stored.published_at.isoformat(timespec="minutes")[:16] == "2007-06-19T07:40"
    assert "Genion-L-Vertrag rund 49,- Euro" in stored.text
    assert {h.name: h.kind for h in repo.source_health()}["computerbase"] == "crawl:article"


def test_an_article_crawl_never_gets_a_customer_reply_outline(
    server: ReplayServer, tmp_path: Path
) -> None:
    """Issue 10's spelled-out-kinds bug, end to end through the real commands: a crawled
    article that turns into an alert (here a person labels it negative) gets the press
    routine (read, verify, respond), never the apology meant for customers."""
    config = tmp_path / "bp.toml"
    config.write_text(
        f"""
[database]
url = "sqlite:///{tmp_path / "bp.db"}"
[[brands]]
name = "HTC"
own = true
[analysis]
backend = "vader"
[alerts]
max_age_hours = 1000000
[digest]
output_dir = "{tmp_path / "out"}"
period_days = 100000
"""
    )
    cli = CliRunner()
    _ok(
        cli, ["crawl", "article", "--url", server.url + CB_PATH, "--source", "computerbase"], config
    )
    (row,) = [json.loads(line) for line in _ok(cli, ["export"], config).splitlines()]
    assert row["source"] == "computerbase" and row["url"] == CB_URL
    _ok(cli, ["label", str(row["id"]), "negative"], config)
    _ok(cli, ["run", "--once"], config)

    (item,) = [
        json.loads(line) for line in _ok(cli, ["inbox", "--format", "json"], config).splitlines()
    ]
    assert (item["mention_id"], item["source_kind"]) == (row["id"], "article")
    digest = (tmp_path / "out" / "digest.txt").read_text(encoding="utf-8")
    press = digest.split("NEGATIVE PRESS AND BLOG COVERAGE TO CHECK", 1)[1]
    assert CB_URL in press and "No customer post or review needs a reply." in digest, digest
    assert "- Verify:" in digest and "- Read:" in digest
    assert "Apologize" not in digest and "- Hear:" not in digest


def _ok(cli: CliRunner, args: list[str], config: Path) -> str:
    result = cli.invoke(app, [*args, "--config", str(config)])
    assert result.exit_code == 0, result.output
    return result.stdout
