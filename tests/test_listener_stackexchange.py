"""Stack Exchange listener against a real recorded ``/search/advanced`` reply from 127.0.0.1.

The recording is Stack Overflow's reply of February 2016 to
``/2.2/search/advanced?accepted=true&pagesize=10&q=something missing&site=stackoverflow``
(10 questions, HTML-escaped titles, quota fields), kept by the gaea gem; see
tests/fixtures/stackexchange/README.md. API 2.2 and 2.3 replies have the same shape.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from replay_server import ReplayServer

from domain.records import InvalidRecord, SkipReason, check_mention
from listeners import listener_class
from listeners.base import Backoff, BrandQuery
from listeners.errors import MalformedResponse, RateLimited, UpstreamError
from listeners.http import HttpClient
from listeners.stackexchange import (
    StackExchangeListener,
    StackExchangeSettings,
    question_to_mention,
)

FIXTURES = Path(__file__).parent / "fixtures" / "stackexchange"
BODY = (FIXTURES / "questions.json").read_text(encoding="utf-8")
# /2.2/search?intitle=java of 2018-11-30 with a filter that includes bodies (2 questions)
WITH_BODIES = (FIXTURES / "search_intitle_java_2018.json").read_text(encoding="utf-8")
PATH = "/2.2/search/advanced"
QUERIES = [BrandQuery("Rails", ("rails",))]


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(backoff=Backoff(attempts=3, base_s=0.001, cap_s=0.01)) as client:
        yield client


def make(
    server: ReplayServer, http: HttpClient, queries: list[BrandQuery] = QUERIES, **settings: Any
) -> StackExchangeListener:
    values: dict[str, Any] = {"base_url": server.url + "/2.2", "filter": "default"}
    return StackExchangeListener(
        StackExchangeSettings(**{**values, **settings}), name="se", http=http, queries=queries
    )


def test_maps_the_recorded_questions(http: HttpClient) -> None:
    assert listener_class("stackexchange") is StackExchangeListener
    with ReplayServer({("GET", PATH): [(200, {}, BODY)]}) as server:
        batch = make(server, http).fetch(None)
        (call,) = server.requests  # first run: one page although has_more is true
    assert call.query == {
        "site": "stackoverflow",
        "q": "rails",
        "sort": "creation",
        "order": "desc",
        "pagesize": "50",
        "page": "1",
        "filter": "default",
    }
    assert batch.item_count == 10 and len(batch.mentions) == 10
    assert [m.author for m in batch.mentions] == [
        "alexcoco",
        "Guillermo Guerini",
        "Grant Birchmeier",
        "BerryGJS",
        "evkwan",
        "andyrue",
        "JonathanSimmons",
        "pangpang",
        "Tetsuo",
        "Helban",
    ]
    first = batch.mentions[0]
    assert first.external_id == "stackoverflow:16258911"
    assert first.url == "http://stackoverflow.com/questions/16258911/rails-4-authenticity-token"
    assert first.title == "Rails 4 Authenticity Token"
    assert first.text == ""  # the recorded request used the default filter: no body
    assert first.published_at == datetime(2013, 4, 28, 2, 25, 33, tzinfo=UTC)
    assert (first.engagement, first.comment_count) == (123, 9)
    assert first.extra["tags"] == ["ruby-on-rails", "ruby", "ruby-on-rails-4", "authenticity-token"]
    assert first.extra["view_count"] == 77058 and first.extra["owner_reputation"] == 4081
    # HTML entities in titles are decoded
    titles = {m.external_id: m.title for m in batch.mentions}
    assert titles["stackoverflow:31622385"] == (
        "Upgrading to RSpec 3 and following deprecation notice results in "
        "\"undefined method 'allow'\""
    )
    assert titles["stackoverflow:35187659"] == "Rails ... Can't access object?"
    assert not any("&#39;" in t or "&quot;" in t for t in titles.values())
    # the newest question (BerryGJS, 2016-02-03 21:05:07 UTC) is the cursor
    assert batch.cursor == {
        "streams": {"stackoverflow|Rails|rails": {"since": 1454533507, "ids": [35187659]}}
    }
    assert batch.warnings == []  # 247 of 300 requests left


def test_maps_a_second_recording_with_html_bodies(http: HttpClient) -> None:
    """Another day, query and filter: bodies are HTML, turned into what a reader sees."""
    with ReplayServer({("GET", PATH): [(200, {}, WITH_BODIES)]}) as server:
        batch = make(server, http, [BrandQuery("Java", ("java",))], filter="withbody").fetch(None)
        (call,) = server.requests  # has_more is true, but a first run reads one page
    assert call.query["filter"] == "withbody"
    jmh, firefox = batch.mentions
    assert (jmh.author, firefox.author) == ("Praneeth Vadlakonda", "Satya G")
    assert jmh.title == (
        "A fatal error has been detected by the Java Runtime Environment (SIGBUS (0x7))"
    )
    assert jmh.published_at == datetime(2018, 11, 30, 9, 19, 11, tzinfo=UTC)
    assert firefox.published_at == datetime(2018, 11, 29, 12, 31, 20, tzinfo=UTC)
    assert jmh.text.startswith("We have written JMH custom bench marking to our test cases, ")
    assert "below error.\nA fatal error has been detected by the Java Runtime Environment:\n" in (
        jmh.text
    )  # paragraphs and the blockquote on their own lines, no tags
    assert jmh.text.endswith("can you please provide your valuable suggestion on this, thank you.")
    assert 'I want to set Firefox preference to use "Java Web Launcher" as' in firefox.text
    assert 'prf.setPreference("browser.helperApps.neverAsk.openFile","application/jnlp");' in (
        firefox.text
    )
    assert firefox.text.endswith('"....\\geckodriver.exe");\nWebDriver ff = new FirefoxDriver(prf)')
    assert "<p>" not in jmh.text + firefox.text
    assert (jmh.engagement, jmh.comment_count, jmh.extra["is_answered"]) == (0, 0, False)
    assert batch.cursor == {
        "streams": {"stackoverflow|Java|java": {"since": 1543569551, "ids": [53554542]}}
    }


def test_resumes_from_fromdate_and_keeps_only_newer_questions(http: HttpClient) -> None:
    cursor = {"streams": {"stackoverflow|Rails|rails": {"since": 1454533507, "ids": [35187659]}}}
    with ReplayServer({("GET", PATH): [(200, {}, BODY)]}) as server:
        batch = make(server, http, max_pages=2).fetch(cursor)
        calls = server.requests
    assert [c.query["fromdate"] for c in calls] == ["1454533507"] * 2
    assert [c.query["page"] for c in calls] == ["1", "2"]
    # this server ignores fromdate: the listener still drops the old and the seen ones
    assert batch.mentions == [] and batch.cursor == cursor
    assert len(batch.warnings) == 1 and "more than 100 new questions" in batch.warnings[0]


def test_low_quota_stops_calling_and_keeps_the_other_cursors(http: HttpClient) -> None:
    queries = [BrandQuery("Rails", ("rails", "ruby"))]
    with ReplayServer({("GET", PATH): [(200, {}, BODY)]}) as server:
        listener = make(
            server, http, queries, quota_reserve=250, sites=("stackoverflow", "superuser")
        )
        result = listener.fetch({"streams": {"superuser|Rails|ruby": {"since": 1, "ids": []}}})
        assert len(server.requests) == 1  # 247 left ≤ reserve 250: nothing more this run
    assert len(result.mentions) == 10
    assert result.cursor is not None
    assert set(result.cursor["streams"]) == {"stackoverflow|Rails|rails", "superuser|Rails|ruby"}
    assert result.cursor["streams"]["superuser|Rails|ruby"] == {"since": 1, "ids": []}
    assert len(result.warnings) == 1
    assert "quota nearly spent (247 of 300 requests left today" in result.warnings[0]


def test_key_and_site_parameters(http: HttpClient) -> None:
    with ReplayServer({("GET", PATH): [(200, {}, BODY)]}) as server:
        make(server, http, key="abc((", sites=("superuser",), tagged="rails").fetch(None)
        (call,) = server.requests
    assert (call.query["key"], call.query["site"], call.query["tagged"]) == (
        "abc((",
        "superuser",
        "rails",
    )


def test_429_and_5xx_are_retried_then_reported(http: HttpClient) -> None:
    routes = {("GET", PATH): [(429, {"Retry-After": "0"}, ""), (503, {}, ""), (200, {}, BODY)]}
    with ReplayServer(routes) as server:
        assert len(make(server, http).fetch(None).mentions) == 10
        assert len(server.requests) == 3
    with (
        ReplayServer({("GET", PATH): [(502, {}, "")]}) as server,
        pytest.raises(UpstreamError, match="source 'se'"),
    ):
        make(server, http).fetch(None)
    with ReplayServer({("GET", PATH): [(429, {"Retry-After": "0"}, "")]}) as server:
        with pytest.raises(RateLimited):
            make(server, http).fetch(None)
        assert len(server.requests) == 3


def test_malformed_reply_names_the_source(http: HttpClient) -> None:
    for body in ("<html>maintenance</html>", '{"quota_max": 300}', '{"items": [{"title": "x"}]}'):
        with (
            ReplayServer({("GET", PATH): [(200, {}, body)]}) as server,
            pytest.raises(
                MalformedResponse, match="source 'se': unexpected reply from Stack Exchange"
            ),
        ):
            make(server, http).fetch(None)


def test_a_question_without_title_and_body_is_counted_as_deleted_by_the_intake() -> None:
    """A recorded question with its text removed, as a deleted question would be."""
    item = json.loads(WITH_BODIES)["items"][0]
    assert check_mention(question_to_mention("se", "stackoverflow", item)).text
    blank = {**item, "title": "", "body": ""}
    with pytest.raises(InvalidRecord) as refused:
        check_mention(question_to_mention("se", "stackoverflow", blank))
    assert refused.value.reason is SkipReason.DELETED
