"""Thread context on the mention page: Reddit thread comments (read by the real listener
from the recorded thread 1cebxh) and Mastodon replies (real statuses from the demo's
recorded public timeline) show their depth and links to the parent and the thread; only
http(s) links become links."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from replay_server import ReplayServer, load_vcr_yaml
from sqlalchemy import update
from sqlalchemy.orm import Session
from test_reddit_threads import MORE_HBO4A7, THREAD_1CEBXH, TOKEN, listener, reply
from test_web import alert_of, client_for, login
from web_data import WebData, make_web_data

from brandpulse.web.thread import ThreadContext, reddit_thread_url, thread_context
from listeners.base import Backoff
from listeners.http import HttpClient
from listeners.mastodon import status_to_mention
from storage import Mention
from storage import models as m

POST = "https://www.reddit.com/r/self/comments/1cebxh/my_wife_passed_away_eight_months_ago_yesterday_i/"
DEMO_PUBLIC = (
    Path(__file__).resolve().parent.parent
    / "brandpulse"
    / "demo_data"
    / "mastodon"
    / "get_timeline_public_default.yml"
)


@pytest.fixture(scope="module")
def reddit_thread() -> dict[str, Mention]:
    """The recorded thread 1cebxh read by the Reddit listener, by external id."""
    routes = {
        ("POST", "/api/v1/access_token"): [TOKEN],
        ("GET", "/comments/1cebxh/"): [reply(THREAD_1CEBXH)],
        ("GET", "/api/morechildren"): [reply(MORE_HBO4A7)],
    }
    with (
        HttpClient(backoff=Backoff(attempts=2, base_s=0.001, cap_s=0.01)) as http,
        ReplayServer(routes) as server,
    ):
        batch = listener(server, http, threads=("1cebxh",), more_limit=1).fetch(None)
    return {x.external_id: x for x in batch.mentions}


def mastodon_replies() -> list[Mention]:
    statuses: list[dict[str, Any]] = [
        s
        for replies in load_vcr_yaml(DEMO_PUBLIC).values()
        for (_, _, body) in replies
        for s in json.loads(body)
    ]
    mentions = [status_to_mention("mastodon", s, instance_host="mastodon.social") for s in statuses]
    return [x for x in mentions if "in_reply_to" in x.extra]


def test_reddit_comments_give_depth_parent_and_thread(reddit_thread: dict[str, Mention]) -> None:
    top = reddit_thread["t1_c9ftsjg"]
    assert thread_context(top.extra, url=top.url) == ThreadContext(
        depth=0, parent_url=POST, thread_url=POST, thread_ref="t3_1cebxh"
    )
    assert thread_context(top.extra, url=top.url).parent_label == "the post it answers"  # type: ignore[union-attr]
    deepest = reddit_thread["t1_c9h8wz5"]
    context = thread_context(deepest.extra, url=deepest.url)
    assert context is not None
    assert (context.depth, context.parent_url) == (3, POST + "c9g6iq2/")
    assert context.parent_label == "the comment it answers"
    assert context.thread_url == POST
    # The submission itself sits in no thread.
    assert thread_context(reddit_thread["t3_1cebxh"].extra, url=POST) is None


def test_mastodon_replies_name_their_parent_status() -> None:
    replies = mastodon_replies()
    assert len(replies) == 2, "the demo's public timeline holds two replies"
    context = thread_context(replies[0].extra, url=replies[0].url)
    assert context is not None
    assert context.parent_ref == replies[0].extra["in_reply_to"] and context.parent_url is None
    assert context.instance == "mastodon.social" and context.depth is None


def test_only_http_links_and_no_context_without_fields() -> None:
    hostile = {"parent_permalink": "javascript:alert(1)", "depth": "2", "thread": "t3_x"}
    context = thread_context(hostile, url="javascript:alert(2)")
    assert context is not None
    assert (context.parent_url, context.thread_url) == (None, None)
    assert context.parent_ref == "javascript:alert(1)", "kept as text only"
    assert context.depth == 2
    assert thread_context({"parent_permalink": "data:text/html,x"}).parent_url is None  # type: ignore[union-attr]
    assert thread_context({"depth": True}) is None, "a bool is no depth"
    assert thread_context(None) is None and thread_context({}) is None
    assert thread_context({"instance": "mastodon.social", "tags": ["x"]}) is None
    # A permalink of another thread does not give this thread's URL.
    assert reddit_thread_url(POST + "c9g6iq2/", "t3_other") is None
    assert reddit_thread_url(POST + "c9g6iq2/", "t3_1cebxh") == POST
    assert reddit_thread_url("https://www.reddit.com/comments/1cebxh/_/c9g6iq2/", None) == (
        "https://www.reddit.com/comments/1cebxh/_/"
    )


def _set_extra(data: WebData, mention_id: int, extra: dict[str, Any], url: str) -> None:
    with Session(data.repo.engine) as session, session.begin():
        session.execute(
            update(m.Mention)
            .where(m.Mention.id == mention_id)
            .values(extra=json.dumps(extra), url=url)
        )


def test_mention_page_shows_the_thread_context(
    tmp_path: Path, reddit_thread: dict[str, Mention]
) -> None:
    data = make_web_data(tmp_path)
    alert = alert_of(data, "Crazy Diamond")
    client = client_for(data)
    login(client, "kim")
    assert 'class="thread"' not in client.get(f"/alerts/{alert}").text, "a review: no thread"

    # The stored review given a real Reddit comment's extra fields and permalink.
    deepest = reddit_thread["t1_c9h8wz5"]
    _set_extra(data, data.ids["Crazy Diamond"], dict(deepest.extra), deepest.url)
    page = client.get(f"/alerts/{alert}").text
    assert "a reply at depth 3" in page
    rel = 'rel="noopener noreferrer nofollow"'
    assert f'href="{POST}c9g6iq2/" {rel}>the comment it answers' in page
    assert f'href="{POST}" {rel}>the whole thread' in page

    # A hostile parent link is shown as escaped text, never as a link.
    _set_extra(
        data,
        data.ids["Crazy Diamond"],
        {"depth": 0, "parent_permalink": "javascript:alert('x')<b>", "thread": "t3_<i>"},
        "javascript:alert(1)",
    )
    page = client.get(f"/alerts/{alert}").text
    assert "a direct reply to the post" in page
    assert 'href="javascript:' not in page
    assert "replying to <code>javascript:alert(&#39;x&#39;)&lt;b&gt;</code>" in page
    assert "thread <code>t3_&lt;i&gt;</code>" in page
