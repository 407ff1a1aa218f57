"""Evaluation code on the committed fixture subset, and on the shared data when present."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from sentiment.base import LABELS, Sentiment
from sentiment.datasets import (
    load_bulgarian,
    sentiment_root,
    text_fingerprint,
    validation_sets,
)
from sentiment.evaluate import format_report, run_evaluation, score_predictions

FIXTURES = Path(__file__).parent / "fixtures" / "sentiment"


def _shared_data() -> Path | None:
    env = os.environ.get("BRANDPULSE_SHARED_DATA")
    candidate = Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"
    return candidate if (sentiment_root(candidate) / "xlm-t").is_dir() else None


class OracleAnalyzer:
    """Returns the gold label for known texts (and ``negative`` otherwise): a perfect backend."""

    name = "oracle"
    version = "1"

    def __init__(self, gold: dict[str, int]) -> None:
        self._gold = gold

    def analyze(
        self, texts: Sequence[str], *, languages: Sequence[str] | None = None
    ) -> list[Sentiment]:
        return [Sentiment(LABELS[self._gold.get(t, 0)], 0.0, 1.0, "und", "oracle@1") for t in texts]


class ConstantAnalyzer:
    name = "constant"
    version = "1"

    def __init__(self, label: str) -> None:
        self._label = label

    def analyze(
        self, texts: Sequence[str], *, languages: Sequence[str] | None = None
    ) -> list[Sentiment]:
        return [Sentiment(self._label, 0.0, 1.0, "und", "constant@1") for _ in texts]  # type: ignore[arg-type]


def test_fixture_sets_load_with_expected_shapes() -> None:
    sets = {s.name: s for s in validation_sets(FIXTURES)}
    assert set(sets) == {"xlm-t/arabic", "xlm-t/english", "xlm-t/hindi", "bulgarian", "tweeteval"}
    assert len(sets["xlm-t/arabic"]) == 15 and sorted(set(sets["xlm-t/arabic"].labels)) == [0, 1, 2]
    assert sets["tweeteval"].metric == "macro_recall"
    bg = sets["bulgarian"]
    assert bg.n_classes == 2 and sorted(set(bg.labels)) == [0, 2] and len(bg) == 16


def test_perfect_and_constant_backends_score_as_expected() -> None:
    gold = {t: y for s in validation_sets(FIXTURES) for t, y in zip(s.texts, s.labels, strict=True)}
    report = run_evaluation(
        FIXTURES, [OracleAnalyzer(gold), ConstantAnalyzer("negative")], include_vader_baseline=True
    )
    assert report.backends == ["oracle@1", "constant@1", report.backends[2]]
    assert report.backends[2].startswith("vader@")
    for r in report.results:
        if r.backend == "oracle@1":
            assert (r.value, r.neg_precision, r.neg_recall) == (100.0, 100.0, 100.0)
            assert r.texts_per_second > 0
    const = report.get("constant", "xlm-t/arabic")
    # Always "negative" on a balanced 3-class set: F1 of neg = 2*(1/3)/(1/3+1) = 0.5, others 0.
    assert const.value == pytest.approx(100 * 0.5 / 3, abs=0.01)
    assert const.neg_recall == 100.0 and const.neg_precision == pytest.approx(33.33, abs=0.01)
    # TweetEval is scored by macro-recall: constant negative recalls 1 of 3 classes fully.
    assert report.get("constant", "tweeteval").value == pytest.approx(33.33, abs=0.01)
    assert report.means["oracle@1"] == 100.0
    text = format_report(report)
    assert "oracle@1" in text and "tweeteval" in text and "macro_recall" in text


def test_bulgarian_counts_neutral_as_positive() -> None:
    bg = load_bulgarian(FIXTURES, "val")
    assert bg is not None
    neutral_for_positives = [0 if y == 0 else 1 for y in bg.labels]
    value, neg_p, neg_r = score_predictions(bg, neutral_for_positives)
    assert (value, neg_p, neg_r) == (1.0, 1.0, 1.0)
    all_neutral = [1] * len(bg)
    value, _, neg_r = score_predictions(bg, all_neutral)
    assert neg_r == 0.0 and value == pytest.approx(0.5 * (2 * 0.5 / 1.5))


def test_limit_truncates_each_set() -> None:
    report = run_evaluation(FIXTURES, [ConstantAnalyzer("neutral")], limit=4)
    assert {r.n for r in report.results} == {4}


@pytest.mark.shared_data
def test_default_backend_on_shared_validation_sets() -> None:
    data = _shared_data()
    if data is None:
        pytest.skip("shared data absent (set BRANDPULSE_SHARED_DATA or place ../shared/data)")
    from sentiment.multilingual import MultilingualAnalyzer

    report = run_evaluation(data, [MultilingualAnalyzer()], include_vader_baseline=False)
    by_set = {r.dataset: r for r in report.results}
    assert len(by_set) == 10
    # Regression floors a little under the measured figures of the committed head.
    assert report.means[report.backends[0]] >= 61.0
    assert by_set["bulgarian"].neg_recall >= 60.0
    assert by_set["xlm-t/arabic"].neg_recall >= 60.0


def test_module_cli_writes_table_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from sentiment.evaluate import main

    out_json = tmp_path / "report.json"
    assert main(["--data", str(FIXTURES), "--backend", "vader", "--json", str(out_json)]) == 0
    printed = capsys.readouterr().out
    assert "vader@" in printed and "bulgarian" in printed
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert len(data["results"]) == 5 and set(data["means"]) == {
        r["backend"] for r in data["results"]
    }


def test_texts_a_model_was_trained_on_are_left_out_for_every_backend() -> None:
    tweeteval = {s.name: s for s in validation_sets(FIXTURES)}["tweeteval"]
    trained_on = frozenset(text_fingerprint(t) for t in tweeteval.texts[:3])
    model = ConstantAnalyzer("negative")
    model.seen_validation = {"tweeteval": trained_on}  # type: ignore[attr-defined]
    report = run_evaluation(FIXTURES, [model])
    for backend in ("constant", "vader"):
        result = report.get(backend, "tweeteval")
        assert (result.n, result.left_out) == (len(tweeteval) - 3, 3)
        assert report.get(backend, "xlm-t/arabic").left_out == 0
    assert "tweeteval: 3 texts that an evaluated model was trained on are left out" in (
        format_report(report)
    )
