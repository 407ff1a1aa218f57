"""``brandpulse demo``: replay bundled real recordings on 127.0.0.1 and run one cycle.

Every source kind BrandPulse has is served from ``demo_data/`` by one
:class:`~brandpulse.replay.ReplayServer`: feeds and pages by path, recorded API replies by
method and path (Reddit's OAuth token POST and listings from a PRAW cassette, Mastodon
timelines from vcr cassettes, Hacker News search, App Store reviews, Google Play's
``batchexecute`` POST), an Amazon product page for the ``amazon`` crawl, and real labeled
Arabic and Bulgarian posts as JSON Feeds of posts.
``demo_data/README.md`` says where each recording comes from.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from brandpulse.config import Config, load_config
from brandpulse.pipeline import CycleReport, Pipeline
from brandpulse.replay import Page, ReplayServer, Reply, load_praw_cassette, load_vcr_yaml
from storage import Repository

logger = logging.getLogger(__name__)

DEMO_DATA = Path(__file__).parent / "demo_data"
DEMO_CONFIG = DEMO_DATA / "demo.toml"

#: The labeled sets served as JSON Feeds of posts: path → (file, title, language, home page).
SOCIAL_FEEDS: dict[str, tuple[str, str, str, str]] = {
    "/social/arabic_tweets.json": (
        "labeled/arabic_tweets.json",
        "Arabic tweets (XLM-T sentiment benchmark)",
        "ar",
        "https://github.com/cardiffnlp/xlm-t",
    ),
    "/social/bulgarian_reviews.json": (
        "labeled/bulgarian_reviews.json",
        "Bulgarian cinema-goers' reviews (typology_of_crosslingual)",
        "bg",
        "https://github.com/jerbarnes/typology_of_crosslingual",
    ),
}

#: Pages the demo's crawls read: path → file (Amazon's product page path, as recorded).
AMAZON_PAGES: dict[str, str] = {
    "/dp/B09BG96KFJ": "amazon/amazon_com_dp_B09BG96KFJ_reviews.html",
}

_CONTENT_TYPES = {".xml": "application/xml", ".json": "application/json"}


def social_feed(posts: Sequence[Mapping[str, str]], *, title: str, language: str, home: str) -> str:
    """A JSON Feed 1.1 of labeled posts: ``{"ref", "text"}`` each, text unchanged.

    The item id is the post's place in its data set (``ref``) and its URL the data set's
    page with that place as fragment; the posts carry no date or author (the data sets
    anonymise them as ``@user``), so neither is given. Labels stay out of the feed.
    """
    items = [
        {"id": p["ref"], "url": f"{home}#{p['ref']}", "content_text": p["text"]} for p in posts
    ]
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": home,
        "language": language,
        "items": items,
    }
    return json.dumps(doc, ensure_ascii=False, indent=1)


def _with_bare_paths(
    routes: Mapping[tuple[str, str], list[Reply]],
) -> dict[tuple[str, str], list[Reply]]:
    """Add a bare-path route for every recorded ``path?query`` route (the listeners ask with
    their own parameters; the recorded reply is the answer whatever they are)."""
    out = dict(routes)
    for (method, target), replies in routes.items():
        out.setdefault((method, target.partition("?")[0]), list(replies))
    return out


def demo_routes() -> tuple[dict[tuple[str, str], list[Reply]], dict[str, Page]]:
    """The replay server's routes (API recordings) and pages (feeds) for the demo."""
    routes: dict[tuple[str, str], list[Reply]] = {}
    reddit = load_praw_cassette(DEMO_DATA / "reddit" / "praw_cassette_demo.json", skip_token=False)
    routes.update(reddit)
    # The recorded r/askreddit *controversial* listing answers the listener's /new request
    # (the same Listing shape; PRAW recorded no /new listing holding these posts).
    routes[("GET", "/r/askreddit/new")] = reddit[("GET", "/r/askreddit/controversial")]
    for name in ("get_timeline_public_default.yml", "get_timeline_hashtag_default.yml"):
        routes.update(_with_bare_paths(load_vcr_yaml(DEMO_DATA / "mastodon" / name)))
    hn = (DEMO_DATA / "hackernews" / "search_comment_apple.json").read_text(encoding="utf-8")
    json_type = {"Content-Type": "application/json; charset=utf-8"}
    routes[("GET", "/api/v1/search_by_date")] = [(200, json_type, hn)]
    for country, app_id in (("jp", "1404176564"), ("us", "284815942")):
        appstore = (
            DEMO_DATA / "appstore" / f"customerreviews_{country}_{app_id}.json"
        ).read_bytes()
        route = f"/{country}/rss/customerreviews/page=1/id={app_id}/sortBy=mostRecent/json"
        routes[("GET", route)] = [(200, json_type, appstore)]
    play = (DEMO_DATA / "googleplay" / "batchexecute_reviews_com.twitter.android.txt").read_text(
        encoding="utf-8"
    )
    # The saved copy lost the blank line after Google's ")]}'" guard (see the README).
    wire = ")]}'\n\n" + play.removeprefix(")]}'")
    routes[("POST", "/_/PlayStoreUi/data/batchexecute")] = [
        (200, {"Content-Type": "application/json; charset=utf-8"}, wire)
    ]
    # The new listeners' recordings (their tests' fixtures; none names a demo brand, so
    # they show the sources read and their items counted as off-brand).
    ((bluesky,),) = load_vcr_yaml(DEMO_DATA / "bluesky" / "f_search.yml").values()
    routes[("GET", "/xrpc/app.bsky.feed.searchPosts")] = [bluesky]
    (github,) = json.loads(
        (DEMO_DATA / "github" / "search-issues.normalized-fixture.json").read_text("utf-8")
    )
    routes[("GET", "/search/issues")] = [(200, github["headers"], json.dumps(github["response"]))]
    for route, file in (
        ("/2.3/search/advanced", "stackexchange/questions.json"),
        ("/youtube/v3/commentThreads", "youtube/test_comment_api_response.json"),
    ):
        routes[("GET", route)] = [(200, json_type, (DEMO_DATA / file).read_bytes())]
    pages: dict[str, Page] = {}
    for path in sorted((DEMO_DATA / "feeds").iterdir()):
        pages[f"/feeds/{path.name}"] = (
            _CONTENT_TYPES.get(path.suffix, "text/plain"),
            path.read_bytes(),
        )
    # Crawled pages: the Amazon product page rebuilt around recorded review markup, at its
    # amazon.com path; the replay server's own robots.txt lets the crawl read it.
    for target, file in AMAZON_PAGES.items():
        pages[target] = ("text/html", (DEMO_DATA / file).read_bytes())
    pages["/robots.txt"] = ("text/plain", "User-agent: *\nDisallow:\n")
    for target, (file, title, language, home) in SOCIAL_FEEDS.items():
        posts = json.loads((DEMO_DATA / file).read_text(encoding="utf-8"))
        body = social_feed(posts, title=title, language=language, home=home)
        pages[target] = ("application/feed+json", body)
    return routes, pages


@contextmanager
def demo_server() -> Iterator[ReplayServer]:
    """The demo's replay server, running on 127.0.0.1 (a free port) while the block runs."""
    routes, pages = demo_routes()
    with ReplayServer(routes, pages) as server:
        yield server


def write_followup_config(output: Path, base_url: str) -> Path:
    """Write ``<output>/brandpulse.toml``: the demo config with its paths filled in, so
    ``inbox``, ``export``, ``sources``, ``label`` and ``report`` work on the demo database
    afterwards (its source URLs point at the demo server, which runs only during
    ``brandpulse demo``)."""
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    text = text.replace("${BRANDPULSE_DEMO_DIR}", output.as_posix()).replace(
        "${BRANDPULSE_DEMO_URL}", base_url
    )
    path = output / "brandpulse.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run_demo(output: Path, *, notify: Sequence[str] = ()) -> tuple[CycleReport, Repository, Config]:
    """Run one cycle of the demo config against the local replay server.

    Args:
        output: folder for the database, the digests and the follow-up config.
        notify: apprise URLs that receive this run's alerts (added to the digest's
            recipients for this run only; never written to the follow-up config).
    """
    output = output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    with demo_server() as server:
        write_followup_config(output, server.url)
        env = {**os.environ, "BRANDPULSE_DEMO_URL": server.url, "BRANDPULSE_DEMO_DIR": str(output)}
        config = load_config(DEMO_CONFIG, env=env)
        if notify:
            digest = config.digest.model_copy(
                update={"recipients": [*config.digest.recipients, *notify]}
            )
            config = config.model_copy(update={"digest": digest})
        pipeline = Pipeline(config)
        report = pipeline.run_once()
        _log_unserved(server)
    report.files = list(dict.fromkeys([*report.files, *write_demo_report(config, pipeline.repo)]))
    return report, pipeline.repo, config


def write_demo_report(config: Config, repo: Repository) -> list[Path]:
    """The competitor report (HTML, PDF, text, JSON) over the period that covers the
    demo's recordings (they are years old: the last 7 days would be empty)."""
    from brandpulse.report import period_covering, produce_report

    period = period_covering(repo)
    if period is None:
        return []
    since, until = period
    run = produce_report(
        config, repo, since=since, until=until, formats=("html", "pdf", "txt", "json")
    )
    return list(run.files)


def _log_unserved(server: ReplayServer) -> None:
    """Warn about requests no recording answered (the replay server said 404)."""
    for request in server.misses:
        logger.warning("demo server has no recording for %s %s", request.method, request.target)
