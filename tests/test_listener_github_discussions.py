"""GitHub Discussions listener (GraphQL) against real recorded GitHub GraphQL replies.

Both were recorded by PyGithub's test suite on 2024-09-17 against api.github.com (token
replaced by ``private_token_removed`` by PyGithub); see tests/fixtures/github/README.md:

- ``Repository.testGetDiscussions.page1-reply.json``: the first page of
  ``repository(PyGithub/PyGithub) { discussions(first: 30) }`` (``totalCount`` 65,
  ``hasNextPage`` true, 30 discussions with author, number, repository and title; one
  by a deleted account, ``"author": null``). No recorded reply of the discussion
  *search* (``search(type: DISCUSSION)``) was found in public repositories; a search
  returns the same ``Discussion`` nodes in the same connection shape
  (``nodes`` + ``pageInfo``), so this page is served as the reply to the search;
- ``RepositoryDiscussion.setUp.node-reply.json``: ``node(id: "D_kwDOADYVqs4AaHoG")``,
  one whole ``Discussion`` (#2993 by heitorPB, Q&A, answered, 2 comments, a Markdown
  body with ``\\r\\n`` line ends).

Every expected value below was read from the recordings.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from replay_server import ReplayServer

from domain.kinds import SOURCE_KINDS
from listeners import listener_class
from listeners.base import Backoff, BrandQuery
from listeners.errors import AccessDenied, MalformedResponse, RateLimited, SourceDisabled
from listeners.github_discussions import (
    GitHubDiscussionsListener,
    GitHubDiscussionsSettings,
    discussion_connection,
    discussion_query,
    discussion_to_mention,
)
from listeners.http import HttpClient

FIXTURES = Path(__file__).parent / "fixtures" / "github"
PAGE = (FIXTURES / "Repository.testGetDiscussions.page1-reply.json").read_text(encoding="utf-8")
NODE = (FIXTURES / "RepositoryDiscussion.setUp.node-reply.json").read_text(encoding="utf-8")
#: the rate-limit headers of the recorded page reply
HEADERS = {
    "Content-Type": "application/json; charset=utf-8",
    "X-RateLimit-Limit": "5000",
    "X-RateLimit-Remaining": "4987",
    "X-RateLimit-Reset": "1726582607",
    "X-RateLimit-Resource": "graphql",
}
TOKEN = "github_pat_TESTTOKEN0123456789"
QUERIES = [BrandQuery("PyGithub", ("PyGithub", "pull request"))]


@pytest.fixture
def http() -> Iterator[HttpClient]:
    with HttpClient(backoff=Backoff(attempts=2, base_s=0.001, cap_s=0.01)) as client:
        yield client


def make(server: ReplayServer, http: HttpClient, **settings: Any) -> GitHubDiscussionsListener:
    values: dict[str, Any] = {"graphql_url": server.url + "/graphql", "token": TOKEN}
    return GitHubDiscussionsListener(
        GitHubDiscussionsSettings(**{**values, **settings}),
        name="gh-discussions",
        http=http,
        queries=QUERIES,
    )


def test_registered_as_a_source_kind() -> None:
    assert listener_class("github_discussions") is GitHubDiscussionsListener
    assert SOURCE_KINDS["github_discussions"].display_name == "GitHub Discussions"


def test_searches_through_graphql_and_maps_the_recorded_page(http: HttpClient) -> None:
    with ReplayServer({("POST", "/graphql"): [(200, HEADERS, PAGE)]}) as server:
        batch = make(server, http, repos=("PyGithub/PyGithub",)).fetch(None)
        (call,) = server.requests  # first run: one page although hasNextPage is true
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in call.target
    sent = json.loads(call.body)
    assert "search(query: $q, type: DISCUSSION" in sent["query"]
    assert sent["variables"] == {
        "q": 'PyGithub OR "pull request" repo:PyGithub/PyGithub sort:updated-desc',
        "first": 50,
    }
    assert batch.item_count == 30 and len(batch.mentions) == 30
    first = batch.mentions[0]
    assert (first.author, first.title) == (
        "gmishkin",
        "Automaticlly look for access tokens in standard places",
    )
    # the page asked for no url or id: the URL is built from repository and number
    assert first.url == first.external_id == "https://github.com/PyGithub/PyGithub/discussions/3044"
    assert first.extra["repo"] == "PyGithub/PyGithub" and first.extra["number"] == 3044
    by_number = {m.extra["number"]: m for m in batch.mentions}
    assert by_number[2619].author == ""  # "author": null, a deleted account
    assert by_number[2619].title == "How do I create a new branch with PyGithub?"
    assert by_number[2889].title == (
        'How to set the "prevent_self_review" param when creating/updating GitHub environment?'
    )
    assert batch.mentions[-1].title == "Prioritising pull requests"
    assert batch.cursor == {"streams": {}}  # no updatedAt in this page: nothing to resume


def test_the_recorded_discussion_node() -> None:
    node = json.loads(NODE)["data"]["node"]
    mention = discussion_to_mention("gh-discussions", node)
    assert mention.external_id == "D_kwDOADYVqs4AaHoG"
    assert mention.url == "https://github.com/PyGithub/PyGithub/discussions/2993"
    assert mention.title == "How to get a list of custom repository properties?"
    assert mention.author == "heitorPB"
    assert mention.text == (
        "What is the equivalent of `https://api.github.com/repos/OWNER/REPO/properties/values`?"
        " I'm interested in getting/setting custom properties for my repos. I can do that with"
        " `curl`, but couldn't find a way to do it via this project.\n\nDocs here: [Get all "
        "custom property values for a repository](https://docs.github.com/en/rest/repos/"
        "custom-properties?apiVersion=2022-11-28#get-all-custom-property-values-for-a-"
        "repository)."
    )
    assert mention.published_at == datetime(2024, 6, 21, 13, 11, 38, tzinfo=UTC)
    assert (mention.engagement, mention.comment_count) == (0, 2)
    assert mention.extra == {
        "kind": "discussion",
        "repo": "PyGithub/PyGithub",
        "number": 2993,
        "category": "Q&A",
        "answered": True,
        "updated_at": "2024-08-29T16:01:00Z",
    }


def test_connection_and_query_helpers() -> None:
    connection = discussion_connection(json.loads(PAGE))
    assert connection["totalCount"] == 65 and len(connection["nodes"]) == 30
    assert connection["pageInfo"]["hasNextPage"] is True
    with pytest.raises(KeyError):
        discussion_connection(json.loads(NODE))  # a single node is not a connection
    settings = GitHubDiscussionsSettings(token=TOKEN, qualifiers="is:unanswered")
    assert discussion_query(("Acme Cloud", "acme"), settings, "2024-08-29T16:01:00Z") == (
        '"Acme Cloud" OR acme is:unanswered updated:>=2024-08-29T16:01:00Z sort:updated-desc'
    )


def test_no_token_is_disabled_without_a_request(http: HttpClient) -> None:
    with ReplayServer({("POST", "/graphql"): [(200, HEADERS, PAGE)]}) as server:
        with pytest.raises(SourceDisabled, match="GITHUB_TOKEN"):
            make(server, http, token="").fetch(None)
        assert server.requests == []


def test_limits_and_refusals_never_show_the_token(
    http: HttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    spent = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1726582607"}
    cases: list[tuple[list[tuple[int, dict[str, str], str]], type[Exception]]] = [
        ([(403, spent, "")], RateLimited),
        ([(429, {}, ""), (429, {}, "")], RateLimited),
        ([(401, {}, "")], AccessDenied),
        ([(403, {}, "")], AccessDenied),
        ([(200, {}, "<html>not GraphQL</html>")], MalformedResponse),
    ]
    errors = []
    for replies, error in cases:
        with (
            ReplayServer({("POST", "/graphql"): list(replies)}) as server,
            pytest.raises(error, match="source 'gh-discussions'") as caught,
        ):
            make(server, http).fetch(None)
        errors.append(str(caught.value))
    assert all(TOKEN not in text for text in [*errors, caplog.text])
    assert TOKEN not in repr(GitHubDiscussionsSettings(token=TOKEN))


def test_a_spent_limit_stops_paging_and_keeps_the_cursor(http: HttpClient) -> None:
    """The recorded page with the limit reported spent: what was read is kept, the next
    brand's search waits for the next run."""
    spent = {**HEADERS, "X-RateLimit-Remaining": "0"}
    queries = [*QUERIES, BrandQuery("Other", ("other",))]
    with ReplayServer({("POST", "/graphql"): [(200, spent, PAGE)]}) as server:
        listener = GitHubDiscussionsListener(
            GitHubDiscussionsSettings(graphql_url=server.url + "/graphql", token=TOKEN),
            name="gh-discussions",
            http=http,
            queries=queries,
        )
        batch = listener.fetch(None)
        assert len(server.requests) == 1
    assert len(batch.mentions) == 30
    assert any("rate limit spent" in w for w in batch.warnings)
