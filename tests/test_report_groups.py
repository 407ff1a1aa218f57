"""An agency's competitor report: one comparison per own brand against its own competitors
(``competitors_of``), instead of every client drawn as "(you)" in one table."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import report_sample
from report_sample import NOW

from brandpulse.config import Config
from brandpulse.config_groups import report_groups
from brandpulse.report import build_report
from digest.charts import render_charts
from digest.report import render_report
from storage import Repository

DPI = 30


def _config(repo: Repository, brands: list[dict[str, Any]]) -> Config:
    url = repo.engine.url.render_as_string(hide_password=False)
    return Config.model_validate({"brands": brands, "database": {"url": url}})


AGENCY: list[dict[str, Any]] = [
    {"name": "Acme", "own": True},
    {"name": "Globex", "own": True},
    {"name": "Initech", "competitors_of": ["Acme"]},
]


def test_competitors_of_names_own_brands_only() -> None:
    with pytest.raises(ValueError, match="'Umbrella', which is not one of your own brands"):
        Config.model_validate(
            {
                "brands": [
                    {"name": "Acme", "own": True},
                    {"name": "B", "competitors_of": ["Umbrella"]},
                ]
            }
        )
    with pytest.raises(ValueError, match="'Acme' is own = true: competitors_of is for competitors"):
        Config.model_validate(
            {"brands": [{"name": "Acme", "own": True, "competitors_of": ["Acme"]}]}
        )


def test_groups_follow_the_config_and_a_free_competitor_joins_every_comparison() -> None:
    cfg = Config.model_validate(
        {
            "brands": [
                {"name": "Slack", "own": True},
                {"name": "Teams", "competitors_of": ["Slack"]},
                {"name": "Apple", "own": True},
                {"name": "Samsung", "competitors_of": ["Apple"]},
                {"name": "Google"},  # no competitors_of: a rival of every client
            ]
        }
    )
    assert report_groups(cfg.brands) == [
        ("Slack", ["Slack", "Teams", "Google"]),
        ("Apple", ["Apple", "Samsung", "Google"]),
    ]
    # Nobody sets competitors_of: one comparison, as before (also for several own brands).
    plain = Config.model_validate(
        {"brands": [{"name": "Slack", "own": True}, {"name": "Apple", "own": True}, {"name": "X"}]}
    )
    assert report_groups(plain.brands) == []


def test_single_brand_report_has_no_comparisons(repo: Repository) -> None:
    report_sample.golden(repo)
    cfg = _config(repo, [{"name": "Acme", "own": True}, {"name": "Globex"}, {"name": "Initech"}])
    report = build_report(cfg, repo, since=NOW - timedelta(days=7), until=NOW, now=NOW)
    assert report.comparisons == () and report.sections == (report,)
    assert "comparisons" not in report.to_dict()


def test_one_comparison_per_own_brand_with_its_own_share_of_voice(repo: Repository) -> None:
    """The golden figures of tests/report_sample.py (Acme 7, Globex 4, Initech 1 mentions in
    the last 7 days), split for an agency whose clients are Acme and Globex."""
    report_sample.golden(repo)
    cfg = _config(repo, AGENCY)
    report = build_report(cfg, repo, since=NOW - timedelta(days=7), until=NOW, now=NOW)
    acme_cmp, globex_cmp = report.comparisons
    assert (acme_cmp.own_brand, globex_cmp.own_brand) == ("Acme", "Globex")
    assert [(b.brand, b.is_own) for b in acme_cmp.brands] == [("Acme", True), ("Initech", False)]
    # Globex is a competitor in the database (report_sample registers it so) but the own
    # brand of its comparison here: exactly one "(you)" per comparison.
    assert [(b.brand, b.is_own) for b in globex_cmp.brands] == [("Globex", True)]
    assert acme_cmp.total_mentions == 8 and globex_cmp.total_mentions == 4
    acme, initech = acme_cmp.brands
    assert acme.share_of_voice == pytest.approx(7 / 8)
    assert initech.share_of_voice == pytest.approx(1 / 8)
    assert globex_cmp.brands[0].share_of_voice == pytest.approx(1.0)
    assert acme.average_rating == pytest.approx(10 / 3) and acme.reviews == 3
    assert acme.net_sentiment == pytest.approx(0.0)
    assert set(acme_cmp.trend.volume) == {"Acme", "Initech"}
    # The whole report keeps the figures over every brand (the header's "stands on").
    assert report.total_mentions == 12

    charts = render_charts(report, dpi=DPI)
    names = {c.name for c in charts}
    assert {"c1-share_of_voice", "c1-stars", "c2-share_of_voice", "c2-volume"} <= names
    assert not any(n == "share_of_voice" for n in names)
    docs = render_report(report, charts)
    html = docs.html
    assert html.count('<h2 class="cmp">') == 2
    assert 'Acme <span class="vs">vs Initech</span>' in html
    assert 'Globex <span class="vs">vs no competitor</span>' in html
    assert html.count("Acme (you)") >= 1 and html.count("Globex (you)") >= 1
    assert "Initech (you)" not in html
    assert "this comparison&#39;s brands" in html or "this comparison's brands" in html
    for chart in charts:
        assert f'alt="{chart.title}"' in html
    # At a glance: each own brand's row, its share within its comparison.
    assert '<a href="#cmp-2"><strong>Globex</strong></a></td><td>4</td><td>100.0 %</td>' in html
    text = docs.text
    assert "2 comparisons" in text
    assert (
        "Acme                        7 mention(s),  87.5% share, net +0.00, 3.33 stars" in text
        and "Acme vs Initech (8 mention(s))" in text
    )
    assert "Globex vs no competitor (4 mention(s))" in text
    data = json.loads(docs.json)
    assert [c["own_brand"] for c in data["comparisons"]] == ["Acme", "Globex"]
    first = data["comparisons"][0]
    assert [b["brand"] for b in first["brands"]] == ["Acme", "Initech"]
    assert first["brands"][0]["share_of_voice"] == pytest.approx(0.875)
    assert "Acme 88 % share" in docs.subject and "Globex 100 % share" in docs.subject


def test_brand_filter_keeps_the_comparisons_that_hold_it(repo: Repository) -> None:
    report_sample.golden(repo)
    cfg = _config(repo, AGENCY)
    report = build_report(
        cfg, repo, since=NOW - timedelta(days=7), until=NOW, now=NOW, brands=["Globex"]
    )
    (only,) = report.comparisons
    assert only.own_brand == "Globex"
