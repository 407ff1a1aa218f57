"""End-to-end crawls (a subprocess each, spiders.runner) stored through the one intake
path (brandpulse.crawls), against a local server.

Five subprocess crawls in all (about 3 s each): first crawl, re-crawl, changed markup,
article thread with brand terms, a crashing interpreter.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from replay_server import ReplayServer

from brandpulse.crawls import CrawlRun, crawl
from brandpulse.intake import Intake
from domain.terms import BrandTerms
from spiders.crawl import _job_from_args, build_parser
from spiders.runner import run_crawl
from storage import Repository, init_db, make_engine

PAGES = Path(__file__).parent / "fixtures" / "pages"
FAST = {
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "RETRY_ENABLED": False,
    "DOWNLOAD_TIMEOUT": 10,
    "LOG_LEVEL": "INFO",
}
ROBOTS = "User-agent: *\nDisallow: /private/\n"


@pytest.fixture()
def server() -> Iterator[ReplayServer]:
    pages = {
        "/robots.txt": ("text/plain", ROBOTS),
        "/shop/kettle-k2": ("text/html", (PAGES / "schema_product_p1.html").read_bytes()),
        "/shop/kettle-k2?page=2": ("text/html", (PAGES / "schema_product_p2.html").read_bytes()),
        # linked from page 2 but disallowed by robots.txt: must never be requested
        "/private/kettle-k2-page3.html": ("text/html", b"<html>secret</html>"),
        "/shop/kettle-k3": ("text/html", (PAGES / "schema_product_changed.html").read_bytes()),
        "/t/acme-k2-kettle-lid-problem/4711": (
            "text/html",
            (PAGES / "forum_thread.html").read_bytes(),
        ),
        "/t/acme-k2-kettle-lid-problem/4711?page=2": (
            "text/html",
            (PAGES / "forum_thread_p2.html").read_bytes(),
        ),
    }
    with ReplayServer(pages=pages) as srv:
        yield srv


@pytest.fixture()
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'crawl.db'}"
    init_db(make_engine(url))
    return url


def _intake(db_url: str, *brands: BrandTerms) -> Intake:
    repo = Repository(make_engine(db_url))
    repo.sync_brands((b.name, i == 0) for i, b in enumerate(brands))
    return Intake(repo, brands)


def _run(
    intake: Intake, spider: str, url: str, *, source: str, brand: str | None = None
) -> CrawlRun:
    """``brandpulse.crawls.crawl`` with test settings (no delays) and no config file."""
    from brandpulse.config import Config, CrawlConfig

    crawl_config = CrawlConfig(name=source, spider=spider, urls=[url], download_delay=0)
    config = Config.model_validate({"brands": [{"name": "Acme", "own": True}]})
    return crawl(
        config,
        intake=intake,
        spider=spider,
        urls=[url],
        source=source,
        brand=brand,
        crawl_config=crawl_config,
        settings=FAST,
    )


def _crawl(url: str, db_url: str, source: str = "shop-reviews") -> CrawlRun:
    return _run(_intake(db_url, BrandTerms("Acme", ("Acme",))), "reviews", url,
                source=source, brand="Acme")  # fmt: skip


def test_crawl_stores_reviews_obeys_robots_and_recrawl_stops_early(
    server: ReplayServer, db_url: str
) -> None:
    first_run = _crawl(server.url + "/shop/kettle-k2", db_url)
    first = first_run.crawl
    assert first.exit_status == 0, first.log_tail
    assert first_run.ok, first.problems
    assert (first.pages, first_run.intake.stored, first.items_dropped) == (2, 6, 0)
    assert first.robots_forbidden == 1
    assert "/robots.txt" in server.requested
    assert not any(p.startswith("/private/") for p in server.requested)
    assert all(ua.startswith("BrandPulse/") for ua in server.user_agents)

    repo = Repository(make_engine(db_url))
    stored = repo.mentions(brand="Acme")
    assert len(stored) == 6
    by_id = {m.external_id: m for m in stored}
    dana = by_id["https://shop.example/reviews/r-1001"]
    assert dana.published_at is not None
    assert (dana.rating, dana.author, dana.published_at.date().isoformat()) == (
        4.0,
        "Dana W.",
        "2024-03-05",
    )
    assert dana.source == "shop-reviews" and dana.brands == ("Acme",)
    luca = by_id["https://shop.example/reviews/r-0997"]
    assert (luca.rating, luca.language) == (2.0, "it")
    health = {h.name: h for h in repo.source_health()}["shop-reviews"]
    assert health.last_error is None and health.last_success_at is not None

    # second crawl: page 1 holds only known reviews → nothing stored, no page 2
    before = server.requested.count("/shop/kettle-k2?page=2")
    second_run = _crawl(server.url + "/shop/kettle-k2", db_url)
    second = second_run.crawl
    assert second_run.ok, second.problems
    assert (second.pages, second_run.intake.stored, second.items_known) == (1, 0, 3)
    assert second.pagination_stopped_early == 1
    assert server.requested.count("/shop/kettle-k2?page=2") == before
    assert len(repo.mentions()) == 6
    print(f"crawl timings: first {first.duration_s:.1f}s, second {second.duration_s:.1f}s")


def test_changed_markup_is_a_health_error_naming_the_url(server: ReplayServer, db_url: str) -> None:
    url = server.url + "/shop/kettle-k3"
    run = _crawl(url, db_url, source="shop-k3")
    result = run.crawl
    assert result.exit_status == 1 and not run.ok
    assert run.intake.stored == 0 and result.pages == 1
    health = {h.name: h for h in Repository(make_engine(db_url)).source_health()}["shop-k3"]
    assert health.last_error is not None
    assert url in health.last_error and "reviews spider" in health.last_error
    assert health.consecutive_failures == 1
    assert health.kind == "crawl:reviews"  # the kind the digest's reply outline reads


def test_article_crawl_matches_brand_terms_across_thread_pages(
    server: ReplayServer, db_url: str
) -> None:
    intake = _intake(
        db_url, BrandTerms("Acme", ("Acme K2", "Acme support")), BrandTerms("Volta", ("Volta",))
    )
    run = _run(intake, "article", server.url + "/t/acme-k2-kettle-lid-problem/4711", source="forum")
    result = run.crawl
    assert run.ok, (result.problems, result.log_tail)
    assert (result.pages, run.intake.stored, result.items_dropped) == (2, 2, 0)
    stored = Repository(make_engine(db_url)).mentions()
    assert {m.brands for m in stored} == {("Acme",)}
    assert sorted(m.external_id for m in stored) == [
        "https://forum.example/t/acme-k2-kettle-lid-problem/4711",
        "https://forum.example/t/acme-k2-kettle-lid-problem/4711?page=2",
    ]
    assert all(m.language == "en" and m.published_at is not None for m in stored)


def test_crawl_process_that_dies_is_recorded_in_source_health(db_url: str) -> None:
    result = run_crawl(
        spider="reviews",
        start_urls=["http://127.0.0.1:9/nowhere"],
        source="broken",
        python="/bin/false",  # stands in for an interpreter that crashes at once
        timeout_s=10,
    )
    assert result.exit_status == 1 and not result.ok and result.records == ()
    assert "crawl process exited with status 1" in result.problems[0]
    # through the composition root, a crawl that fails becomes the source's health failure
    intake = _intake(db_url, BrandTerms("Acme", ("Acme",)))
    run = _run(intake, "reviews", "http://127.0.0.1:9/nowhere", source="broken", brand="Acme")
    assert not run.ok
    health = {h.name: h for h in intake.repo.source_health()}["broken"]
    assert health.last_error is not None and health.consecutive_failures == 1


def test_crawl_command_line_takes_one_start_url_and_brand() -> None:
    args = build_parser().parse_args(
        [
            "amazon",
            "--url",
            "https://www.amazon.de/product-reviews/B0X",
            "--records",
            "out.jsonl",
            "--set",
            "DOWNLOAD_DELAY=5",
            "--set",
            "USER_AGENT=Bot (+mailto:me@example.org)",
            "-a",
            "follow=/news/",
        ]
    )
    job = _job_from_args(args)
    assert job["spider"] == "amazon" and job["start_urls"] == [
        "https://www.amazon.de/product-reviews/B0X"
    ]
    assert job["records_file"] == "out.jsonl"
    assert job["settings"] == {"DOWNLOAD_DELAY": 5, "USER_AGENT": "Bot (+mailto:me@example.org)"}
    assert job["spider_args"] == {"follow": "/news/"}
