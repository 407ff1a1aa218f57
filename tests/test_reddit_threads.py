"""Reddit: deleted/removed content is never stored, comment threads are read through
``/comments/{id}`` with ``more`` expansion and flattened, edits update the stored mention.

Every reply served is a real Reddit API reply (see tests/fixtures/reddit_threads/README.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from replay_server import ReplayServer, Reply
from sqlalchemy import select
from sqlalchemy.orm import Session

from listeners.base import Backoff
from listeners.http import HttpClient
from listeners.reddit import RedditListener, RedditSettings
from listeners.reddit_threads import gone_reason, read_thread, thread_id
from storage import Repository, init_db, make_engine
from storage import models as m
from storage.edits import update_changed
from storage.run_counts import record_run_counts, run_counts

FIXTURES = Path(__file__).parent / "fixtures" / "reddit_threads"
DELETED_INFO = FIXTURES / "praw_deleted_comment_api_info.json"
THREAD_52O2FL = FIXTURES / "praw_deleted_comment_thread_52o2fl.json"
THREAD_1CEBXH = FIXTURES / "graw_thread_1cebxh_excerpt.json"
MORE_HBO4A7 = FIXTURES / "graw_morechildren_hbo4a7_excerpt.json"
JSON = {"Content-Type": "application/json"}
TOKEN: Reply = (
    200,
    JSON,
    json.dumps(
        {"access_token": "<ACCESS_TOKEN>", "token_type": "bearer", "expires_in": 3600, "scope": "*"}
    ),
)


def reply(path: Path) -> Reply:
    return (200, JSON, path.read_text(encoding="utf-8"))


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(backoff=Backoff(attempts=2, base_s=0.001, cap_s=0.01)) as client:
        yield client


def listener(server: ReplayServer, http: HttpClient, **settings: Any) -> RedditListener:
    values: dict[str, Any] = {
        "client_id": "<CLIENT_ID>",
        "client_secret": "<CLIENT_SECRET>",
        "oauth_url": server.url,
        "reddit_url": server.url,
        "search": False,
        **settings,
    }
    return RedditListener(RedditSettings(**values), name="reddit", http=http)


def test_deleted_comment_in_a_listing_is_skipped_not_stored(http: HttpClient) -> None:
    # The real listing holds one comment whose body and author Reddit replaced by [deleted].
    routes = {
        ("POST", "/api/v1/access_token"): [TOKEN],
        ("GET", "/r/test/comments/"): [reply(DELETED_INFO)],
    }
    with ReplayServer(routes) as server:
        batch = listener(server, http, subreddits=("test",), submissions=False).fetch(None)
    assert batch.mentions == []
    assert batch.item_count == 1  # seen
    assert batch.skipped == {"deleted": 1}  # skipped, not an error
    assert batch.cursor == {
        "streams": {"comments:test": {"newest": "t1_d7ltvl0", "newest_utc": 1473815863.0}}
    }


def test_gone_reason_on_real_items() -> None:
    deleted = json.loads(DELETED_INFO.read_text())["data"]["children"][0]["data"]
    assert gone_reason(deleted) == "deleted"
    thread = read_thread(json.loads(THREAD_1CEBXH.read_text()))
    by_name = {c["name"]: c for c in thread.comments}
    # A deleted *account* whose text is still shown: the text is kept.
    assert by_name["t1_c9h8wz5"]["author"] == "[deleted]"
    assert gone_reason(by_name["t1_c9h8wz5"]) is None
    assert thread.submission is not None and gone_reason(thread.submission) is None
    # What Reddit sends for a removed body, applied to the same real comment.
    assert gone_reason({**by_name["t1_c9h8wz5"], "body": "[removed]"}) == "deleted"
    assert gone_reason({**by_name["t1_c9h8wz5"], "body": "  "}) == "deleted"


def test_thread_ids_from_ids_and_urls() -> None:
    assert thread_id("1cebxh") == "1cebxh"
    assert thread_id("t3_52o2fl") == "52o2fl"
    assert (
        thread_id("https://www.reddit.com/r/test/comments/52o2fl/testing_define_bot/") == "52o2fl"
    )
    with pytest.raises(ValueError, match="not a Reddit submission id or URL: 'r/test'"):
        thread_id("r/test")
    with pytest.raises(ValueError, match="threads"):
        RedditSettings(threads=("https://example.com/nothing",))


def test_thread_with_no_comments_gives_the_submission(http: HttpClient) -> None:
    routes = {
        ("POST", "/api/v1/access_token"): [TOKEN],
        ("GET", "/comments/52o2fl/"): [reply(THREAD_52O2FL)],
    }
    url = "https://www.reddit.com/r/test/comments/52o2fl/testing_define_bot/"
    with ReplayServer(routes) as server:
        batch = listener(server, http, threads=(url,)).fetch(None)
        (_, call) = server.requests
    assert call.path == "/comments/52o2fl/"
    assert call.query["limit"] == "200" and call.query["sort"] == "new"
    (post,) = batch.mentions
    assert (post.external_id, post.title, post.text, post.author) == (
        "t3_52o2fl",
        "testing define bot!",
        "test",
        "CorvetteCole",
    )
    assert post.url == url
    assert post.published_at == datetime(2016, 9, 14, 1, 12, 3, tzinfo=UTC)
    assert batch.skipped == {}


def test_thread_flattened_with_parent_permalinks_and_more_expanded(http: HttpClient) -> None:
    routes = {
        ("POST", "/api/v1/access_token"): [TOKEN],
        ("GET", "/comments/1cebxh/"): [reply(THREAD_1CEBXH)],
        ("GET", "/api/morechildren"): [reply(MORE_HBO4A7)],
    }
    with ReplayServer(routes) as server:
        batch = listener(server, http, threads=("1cebxh",), more_limit=1).fetch(None)
        more_calls = [r for r in server.requests if r.path == "/api/morechildren"]
    # One morechildren call (more_limit=1) for the 19 ids behind the excerpt's 5 stubs.
    (more,) = more_calls
    assert more.query["link_id"] == "t3_1cebxh" and more.query["api_type"] == "json"
    asked = more.query["children"].split(",")
    assert len(asked) == 19
    assert asked[:4] == ["c9hrw24", "c9h6l0x", "c9hjkrd", "c9h0kb3"]

    ids = [x.external_id for x in batch.mentions]
    # submission + 5 comments of the thread + 3 comments of the morechildren reply
    assert ids == [
        "t3_1cebxh",
        "t1_c9ftsjg",
        "t1_c9fwx7a",
        "t1_c9g6iq2",
        "t1_c9h8wz5",
        "t1_c9fy8i6",
        "t1_fvbhult",
        "t1_fvbhwo6",
        "t1_fvbkrrw",
    ]
    assert batch.item_count == 9
    by_id = {x.external_id: x for x in batch.mentions}
    post = "https://www.reddit.com/r/self/comments/1cebxh/my_wife_passed_away_eight_months_ago_yesterday_i/"
    top = by_id["t1_c9ftsjg"]
    assert (top.author, top.engagement, top.url) == ("bacon_cake", 1058, post + "c9ftsjg/")
    assert top.text.startswith("Hey man,\n\nBecause of your post")
    assert top.published_at == datetime(2013, 4, 15, 20, 51, 28, tzinfo=UTC)
    assert top.extra["parent_permalink"] == post and top.extra["depth"] == 0
    assert top.title.startswith("my wife passed away eight months ago")
    reply_ = by_id["t1_c9fwx7a"]
    assert reply_.extra["parent_permalink"] == post + "c9ftsjg/"
    assert reply_.extra["depth"] == 1 and reply_.author == "hglkgkjd"
    deepest = by_id["t1_c9h8wz5"]
    assert deepest.extra["depth"] == 3
    assert deepest.extra["parent_permalink"] == post + "c9g6iq2/"
    # The submission was edited (Reddit's "edited" time) and says so.
    assert by_id["t3_1cebxh"].extra["edited_at"] == "2013-04-16T00:05:03+00:00"
    # morechildren things carry their own permalink.
    fetched = by_id["t1_fvbhult"]
    assert fetched.url.endswith(
        "/r/politics/comments/hbo4a7/fauci_warns_of_antiscience_bias_being_a_problem/fvbhult/"
    )
    assert fetched.text == "America is stupid, what else is new..."


def test_more_limit_zero_reads_only_the_first_reply(http: HttpClient) -> None:
    routes = {
        ("POST", "/api/v1/access_token"): [TOKEN],
        ("GET", "/comments/1cebxh/"): [reply(THREAD_1CEBXH)],
    }
    with ReplayServer(routes) as server:
        batch = listener(server, http, threads=("1cebxh",), more_limit=0).fetch(None)
        assert all(r.path != "/api/morechildren" for r in server.requests)
    assert len(batch.mentions) == 6


def test_an_edited_post_updates_the_stored_mention(tmp_path: Path, http: HttpClient) -> None:
    engine = make_engine("sqlite:///" + str(tmp_path / "bp.db"))
    init_db(engine)
    repo = Repository(engine)
    repo.sync_source("reddit", "reddit")
    routes = {
        ("POST", "/api/v1/access_token"): [TOKEN],
        ("GET", "/comments/1cebxh/"): [reply(THREAD_1CEBXH)],
    }
    with ReplayServer(routes) as server:
        batch = listener(server, http, threads=("1cebxh",), more_limit=0).fetch(None)
    post = batch.mentions[0]
    # The post as first published: the recorded text up to its first "edit:" paragraph.
    before = replace(post, text=post.text.split("\n\nedit:")[0])
    assert repo.save_mentions("reddit", [before]).inserted == 1
    with Session(engine) as session:
        mention_id = session.scalars(select(m.Mention.id)).one()
        session.add(
            m.Analysis(
                mention_id=mention_id,
                label="negative",
                score=-0.5,
                confidence=0.9,
                language="en",
                model="test",
                analyzed_at=datetime.now(UTC),
            )
        )
        session.commit()

    result = repo.save_mentions("reddit", batch.mentions)
    assert (result.inserted, result.duplicates) == (5, 1)
    assert update_changed(engine, "reddit", batch.mentions) == 1
    assert update_changed(engine, "reddit", batch.mentions) == 0  # idempotent
    with Session(engine) as session:
        rows = session.scalars(select(m.Mention).where(m.Mention.external_id == "t3_1cebxh")).all()
        assert len(rows) == 1 and rows[0].id == mention_id
        assert "edit: hi, wow, I posted this on a whim" in rows[0].text
        # analysed again on the next pass
        assert session.get(m.Analysis, mention_id) is None
    assert len(repo.source_health()) == 1


def test_run_counts_are_stored_and_shown(tmp_path: Path) -> None:
    engine = make_engine("sqlite:///" + str(tmp_path / "bp.db"))
    init_db(engine)
    repo = Repository(engine)
    repo.sync_source("reddit", "reddit")
    record_run_counts(
        engine, "reddit", seen=9, stored=6, skipped={"deleted": 1, "duplicate": 2, "invalid": 0}
    )
    counts = run_counts(engine)["reddit"]
    assert (counts.seen, counts.stored, counts.skipped) == (9, 6, {"deleted": 1, "duplicate": 2})
    assert counts.skipped_text() == "3 (deleted 1, duplicate 2)"
    with pytest.raises(ValueError, match="unknown source 'nope'"):
        record_run_counts(engine, "nope", seen=1, stored=1, skipped={})
    from brandpulse.cli_sources import run_counts_table

    table = run_counts_table(["reddit", "feeds"], run_counts(engine))
    assert "reddit" in table and "3 (deleted 1, duplicate 2)" in table
    assert [line.split() for line in table.splitlines()[3:]] == [
        ["reddit", "9", "6", "3", "(deleted", "1,", "duplicate", "2)"],
        ["feeds", "-", "-", "-"],
    ]


def test_the_intake_rewrites_an_edited_post_instead_of_duplicating_it(
    tmp_path: Path, http: HttpClient
) -> None:
    from brandpulse.intake import Intake

    engine = make_engine("sqlite:///" + str(tmp_path / "bp.db"))
    init_db(engine)
    repo = Repository(engine)
    repo.sync_source("reddit", "reddit")
    routes = {
        ("POST", "/api/v1/access_token"): [TOKEN],
        ("GET", "/comments/1cebxh/"): [reply(THREAD_1CEBXH)],
    }
    with ReplayServer(routes) as server:
        batch = listener(server, http, threads=("1cebxh",), more_limit=0).fetch(None)
    post = batch.mentions[0]
    before = replace(post, text=post.text.split("\n\nedit:")[0])  # as first published
    intake = Intake(repo, [])
    first = intake.admit("reddit", [before], keep_unbranded=True)
    assert (first.stored, first.updated) == (1, 0)
    second = intake.admit("reddit", batch.mentions, keep_unbranded=True)
    assert (second.stored, second.updated, dict(second.skipped)) == (5, 1, {})
    third = intake.admit("reddit", batch.mentions, keep_unbranded=True)
    assert (third.stored, third.updated, third.skipped["duplicate"]) == (0, 0, 6)
    with Session(engine) as session:
        assert session.query(m.Mention).count() == 6
