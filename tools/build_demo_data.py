"""Copy the demo's recordings into ``brandpulse/demo_data/`` (run once; the output is committed).

Every payload is a real recording or a real labeled post; this script only selects and
trims (drops list elements, never edits one). Run from the repository root with the shared
data next to it::

    python tools/build_demo_data.py ../shared/data

The README in ``brandpulse/demo_data/`` records where each file comes from and what was cut.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "brandpulse" / "demo_data"
FIXTURES = ROOT / "tests" / "fixtures"

# Reddit: the children of a listing that are kept (every brand-mentioning one, plus the
# first few, so the demo also shows posts that name no brand being counted and left out).
KEEP_FIRST = 12
BRANDISH = re.compile(
    r"\b(Apple|iPhone|Samsung|Google|Twitter|Slack|Discord|Microsoft|Teams|Mastodon)\b"
)

# Real labeled posts served as feeds: (split, 0-based line) of xlm-t Arabic, (file, row) of
# the Bulgarian movie reviews. Chosen because they name the demo's brands.
ARABIC = [
    ("train", 354), ("val", 285), ("train", 1119), ("val", 120), ("train", 120),
    ("train", 1301), ("train", 65), ("train", 234), ("train", 1214), ("val", 243),
    ("train", 1778), ("train", 1632), ("train", 1008),
]  # fmt: skip
BULGARIAN = [("train", 1435), ("train", 4817), ("train", 2241)]
LABELS_3 = {"0": "negative", "1": "neutral", "2": "positive"}
LABELS_2 = {"0": "negative", "1": "positive"}


# Left out although they name a brand: an explicit story whose only brand word is incidental.
SKIP = {"t3_jcet7"}


def trim_listing(body: str) -> str:
    """A Reddit Listing with only the kept children (first KEEP_FIRST and brand mentions,
    less SKIP)."""
    doc = json.loads(body)
    children = doc["data"]["children"]

    def text(c: dict) -> str:
        d = c["data"]
        return " ".join(str(d.get(k) or "") for k in ("title", "selftext", "body"))

    doc["data"]["children"] = [
        c
        for i, c in enumerate(children)
        if (i < KEEP_FIRST or BRANDISH.search(text(c))) and c["data"]["name"] not in SKIP
    ]
    return json.dumps(doc, ensure_ascii=False)


def reddit(shared: Path) -> None:
    out = OUT / "reddit"
    out.mkdir(parents=True, exist_ok=True)
    cassettes = shared / "sources" / "reddit-praw-cassettes"
    streams = json.loads((cassettes / "TestSubredditStreams.test_comments.json").read_text())
    submissions = json.loads((cassettes / "TestSubredditStreams.test_submissions.json").read_text())
    controversial = json.loads(
        (cassettes / "TestSubredditListings.test_controversial.json").read_text()
    )
    picks = [
        streams["interactions"][0],  # the OAuth token POST (placeholder token)
        streams["interactions"][14],  # /r/all/comments/: a page of 100 comments
        submissions["interactions"][1],  # /r/all/new: 100 submissions
        controversial["interactions"][1],  # /r/askreddit/controversial: 100 submissions
    ]
    for interaction in picks[1:]:
        body = interaction["response"]["body"]
        body["string"] = trim_listing(body["string"])
    (out / "praw_cassette_demo.json").write_text(
        json.dumps({"interactions": picks, "recorded_with": "betamax"}, ensure_ascii=False),
        encoding="utf-8",
    )


def copy_fixtures() -> None:
    for sub, names in {
        "hackernews": ["hn/search_comment_apple.json"],
        "mastodon": [
            "mastodon/get_timeline_public_default.yml",
            "mastodon/get_timeline_hashtag_default.yml",
        ],
        "appstore": [
            "appstore/customerreviews_jp_1404176564.json",
            "appstore/customerreviews_us_284815942.json",
        ],
        "googleplay": ["googleplay/batchexecute_reviews_com.twitter.android.txt"],
        "bluesky": ["bluesky/f_search.yml"],
        "github": ["github/search-issues.normalized-fixture.json"],
        "stackexchange": ["stackexchange/questions.json"],
        "youtube": ["youtube/test_comment_api_response.json"],
        "amazon": ["pages/recorded/amazon_com_dp_B09BG96KFJ_reviews.html"],
    }.items():
        (OUT / sub).mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copyfile(FIXTURES / name, OUT / sub / Path(name).name)


def labeled(shared: Path) -> None:
    out = OUT / "labeled"
    out.mkdir(parents=True, exist_ok=True)
    base = shared / "sentiment"
    posts, labels = [], {}
    for split, line in ARABIC:
        text = (base / "xlm-t" / "arabic" / f"{split}_text.txt").read_text("utf-8").split("\n")
        lab = (base / "xlm-t" / "arabic" / f"{split}_labels.txt").read_text().split("\n")
        ref = f"xlm-t/arabic/{split}_text.txt:{line + 1}"  # 1-based line
        posts.append({"ref": ref, "text": text[line]})
        labels[ref] = LABELS_3[lab[line].strip()]
    (out / "arabic_tweets.json").write_text(json.dumps(posts, ensure_ascii=False, indent=1))
    (out / "arabic_tweets.labels.json").write_text(json.dumps(labels, indent=1))
    posts, labels = [], {}
    for split, row in BULGARIAN:
        rows = list(csv.reader((base / "bulgarian" / f"{split}.csv").open(encoding="utf-8")))
        label, text = rows[row + 1][0], rows[row + 1][-1]  # row 0 is the header
        ref = f"bulgarian/{split}.csv:{row + 1}"  # 1-based data row after the header
        posts.append({"ref": ref, "text": text})
        labels[ref] = LABELS_2[label]
    (out / "bulgarian_reviews.json").write_text(json.dumps(posts, ensure_ascii=False, indent=1))
    (out / "bulgarian_reviews.labels.json").write_text(json.dumps(labels, indent=1))


def main() -> None:
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data").resolve()
    reddit(shared)
    copy_fixtures()
    labeled(shared)
    print(f"wrote {OUT}")  # noqa: T201


if __name__ == "__main__":
    main()
