"""End-to-end crawls through spiders.runner (a subprocess each) against a local server.

Four subprocess crawls in all (about 3 s each): first crawl, re-crawl, changed markup,
article thread with brand terms.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from replay_server import ReplayServer

from listeners.matching import BrandTerms
from spiders.crawl import _job_from_args, build_parser
from spiders.runner import CrawlResult, run_crawl
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


def _crawl(url: str, db_url: str, source: str = "shop-reviews") -> CrawlResult:
    return run_crawl(
        spider="reviews",
        start_urls=[url],
        database_url=db_url,
        source=source,
        brand="Acme",
        settings=FAST,
        timeout_s=60,
    )


def test_crawl_stores_reviews_obeys_robots_and_recrawl_stops_early(
    server: ReplayServer, db_url: str
) -> None:
    first = _crawl(server.url + "/shop/kettle-k2", db_url)
    assert first.exit_status == 0, first.log_tail
    assert first.ok, first.problems
    assert (first.pages, first.items_stored, first.items_dropped) == (2, 6, 0)
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
    second = _crawl(server.url + "/shop/kettle-k2", db_url)
    assert second.ok, second.problems
    assert (second.pages, second.items_stored, second.items_known) == (1, 0, 3)
    assert second.pagination_stopped_early == 1
    assert server.requested.count("/shop/kettle-k2?page=2") == before
    assert len(repo.mentions()) == 6
    print(f"crawl timings: first {first.duration_s:.1f}s, second {second.duration_s:.1f}s")


def test_changed_markup_is_a_health_error_naming_the_url(server: ReplayServer, db_url: str) -> None:
    url = server.url + "/shop/kettle-k3"
    result = _crawl(url, db_url, source="shop-k3")
    assert result.exit_status == 1
    assert result.items_stored == 0 and result.pages == 1
    health = {h.name: h for h in Repository(make_engine(db_url)).source_health()}["shop-k3"]
    assert health.last_error is not None
    assert url in health.last_error and "reviews spider" in health.last_error
    assert health.consecutive_failures == 1
    assert health.kind == "crawl"


def test_article_crawl_matches_brand_terms_across_thread_pages(
    server: ReplayServer, db_url: str
) -> None:
    result = run_crawl(
        spider="article",
        start_urls=[server.url + "/t/acme-k2-kettle-lid-problem/4711"],
        database_url=db_url,
        source="forum",
        brand_terms=[
            BrandTerms("Acme", ("Acme K2", "Acme support")),
            BrandTerms("Volta", ("Volta",)),
        ],
        settings=FAST,
        timeout_s=60,
    )
    assert result.ok, (result.problems, result.log_tail)
    assert (result.pages, result.items_stored, result.items_dropped) == (2, 2, 0)
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
        database_url=db_url,
        source="broken",
        python="/bin/false",  # stands in for an interpreter that crashes at once
        timeout_s=10,
    )
    assert result.exit_status == 1 and not result.ok
    health = {h.name: h for h in Repository(make_engine(db_url)).source_health()}["broken"]
    assert (
        health.last_error is not None and "crawl process exited with status 1" in health.last_error
    )


def test_crawl_command_line_takes_one_start_url_and_brand() -> None:
    args = build_parser().parse_args(
        [
            "amazon",
            "--url",
            "https://www.amazon.de/product-reviews/B0X",
            "--brand",
            "Acme",
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
    assert job["brand"] == "Acme"
    assert job["settings"] == {"DOWNLOAD_DELAY": 5, "USER_AGENT": "Bot (+mailto:me@example.org)"}
    assert job["spider_args"] == {"follow": "/news/"}
