"""Choose the sentiment backend from config and analyze stored mentions."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence

from brandpulse.config import AnalysisConfig
from domain import defaults
from domain.rating import RATING_MODEL, is_rating_only, label_from_rating, rating_score
from domain.text import model_text
from sentiment import Analyzer, Sentiment, detect_languages
from sentiment.language import RECORDED_CONFIDENCE, TRUSTED_CONFIDENCE, language_or_fallback
from sentiment.targets import (
    Polarity,
    TargetPlan,
    TargetSentiment,
    find_spans,
    plan_targets,
    resolve_targets,
    segments_to_classify,
)
from storage import Repository
from storage.records import BrandSentiment, PendingText
from storage.repo import AnalysisInput

logger = logging.getLogger(__name__)

#: Characters of a mention given to the classifier (title + text); long articles are cut.
MAX_ANALYZED_CHARS = 1_000


def make_analyzer(config: AnalysisConfig) -> Analyzer:
    """Build the configured backend (see ``[analysis]`` in the README)."""
    from sentiment.router import build_analyzer

    options = {"model_dir": config.model_dir} if config.model_dir else {}
    return build_analyzer(config.backend, **options)


def plan_brand_targets(
    text: str,
    brands: Sequence[str],
    brand_terms: Mapping[str, Sequence[str]] | None = None,
    *,
    case_sensitive: Collection[str] = (),
) -> dict[str, TargetPlan] | None:
    """Per-brand plans for a text linked to two or more brands (None for fewer).

    A brand's terms come from ``brand_terms`` (the config's ``terms``), else its name; the
    brands in ``case_sensitive`` (config ``case_sensitive = true``) match case exactly.
    """
    if len(brands) < 2:
        return None
    terms = {b: tuple((brand_terms or {}).get(b, ())) or (b,) for b in brands}
    return plan_targets(text, find_spans(text, terms, case_sensitive=case_sensitive))


def classify_with_targets(
    analyzer: Analyzer,
    texts: Sequence[str],
    plans: Sequence[Mapping[str, TargetPlan] | None],
    *,
    languages: Sequence[str] | None = None,
) -> tuple[list[Sentiment], list[dict[str, TargetSentiment] | None]]:
    """Classify texts and every brand segment of their plans in one analyzer call.

    Segments take their text's language. Returns the texts' results and, per text with a
    plan, each brand's :class:`~sentiment.targets.TargetSentiment`.
    """
    batch = list(texts)
    batch_languages = list(languages) if languages is not None else None
    segment_index: list[dict[str, int]] = []
    for i, plan in enumerate(plans):
        index: dict[str, int] = {}
        for key, segment in segments_to_classify(plan or {}).items():
            index[key] = len(batch)
            batch.append(segment)
            if batch_languages is not None and languages is not None:
                batch_languages.append(languages[i])
        segment_index.append(index)
    results = analyzer.analyze(batch, languages=batch_languages) if batch else []
    mention_results = results[: len(texts)]
    targets: list[dict[str, TargetSentiment] | None] = []
    for plan, index, mention in zip(plans, segment_index, mention_results, strict=True):
        if plan is None:
            targets.append(None)
            continue
        classified = {key: Polarity(results[i].label, results[i].score) for key, i in index.items()}
        targets.append(
            resolve_targets(plan, classified, mention=Polarity(mention.label, mention.score))
        )
    return mention_results, targets


def _brand_rows(targets: Mapping[str, TargetSentiment] | None) -> tuple[BrandSentiment, ...]:
    """Storage rows; a ``mention`` result stores no label (the mention's label applies)."""
    if not targets:
        return ()
    return tuple(
        BrandSentiment(t.brand, t.method)
        if t.method == "mention"
        else BrandSentiment(t.brand, t.method, t.label, t.score)
        for t in targets.values()
    )


def analyze_pending(
    repo: Repository,
    analyzer: Analyzer,
    *,
    batch_size: int = defaults.ANALYSIS_BATCH_SIZE,
    brand_terms: Mapping[str, Sequence[str]] | None = None,
    case_sensitive: Collection[str] = (),
) -> int:
    """Classify every mention without an analysis; returns how many were analyzed.

    Each batch is committed on its own, so a crash loses at most one batch of work and
    a re-run continues with what is left. Languages are identified once per text: the
    backend gets a code only where identification is trusted for routing (probability
    ≥ ``TRUSTED_CONFIDENCE``, else the source's declared language, else ``und``), and
    the stored language uses the lower ``RECORDED_CONFIDENCE`` bar.

    Mentions linked to two or more brands also get per-brand sentiment (see
    ``sentiment.targets``): each brand's segment is classified in the same analyzer call
    as the batch's mentions and stored in the same transaction. ``brand_terms`` (brand
    name → search terms) locates the brands in the text; a brand's name is used without it;
    ``case_sensitive`` names the brands whose terms match case exactly.

    A rating-only review (stars, no title, no text) is not given to the analyzer: its
    label is the one its stars state (``domain.rating.label_from_rating``), stored with
    the model ``stars@1``, so counts, alerts and the report agree with the rating.
    """
    done = 0
    # The pending ids are selected once; each batch then reads only its own rows (the
    # pending query is not re-run over the whole table per batch).
    pending_ids = repo.pending_analysis_ids()
    for start in range(0, len(pending_ids), batch_size):
        batch = repo.pending_texts(pending_ids[start : start + batch_size])
        if not batch:
            continue
        rows = analyses_for(batch, analyzer, brand_terms=brand_terms, case_sensitive=case_sensitive)
        repo.save_analyses(rows)
        done += len(batch)
        starred = sum(r.model == RATING_MODEL for r in rows)
        logger.info("analyzed %d mentions (%d rating-only; %d so far)", len(batch), starred, done)
    return done


def analyses_for(
    batch: Sequence[PendingText],
    analyzer: Analyzer,
    *,
    brand_terms: Mapping[str, Sequence[str]] | None = None,
    case_sensitive: Collection[str] = (),
) -> list[AnalysisInput]:
    """The analyses of one batch of pending mentions (see :func:`analyze_pending`):
    rating-only reviews labelled by their stars, the rest classified. Used by the single
    process and by cluster workers (:mod:`brandpulse.distributed.tasks`)."""
    # stars and no words: the rating is the label (domain.rating), no model reads ""
    starred = [p for p in batch if is_rating_only(title=p.title, text=p.text, rating=p.rating)]
    starred_ids = {p.mention_id for p in starred}
    pending = [p for p in batch if p.mention_id not in starred_ids]
    rows = [_rating_only_analysis(p) for p in starred]
    if pending:
        rows += _text_analyses(
            analyzer, pending, brand_terms=brand_terms, case_sensitive=case_sensitive
        )
    return rows


def _rating_only_analysis(pending: PendingText) -> AnalysisInput:
    """The analysis of a rating-only review: the label its stars state
    (:func:`domain.rating.label_from_rating`), certain, recorded as :data:`RATING_MODEL`."""
    rating = float(pending.rating or 0.0)
    return AnalysisInput(
        mention_id=pending.mention_id,
        label=label_from_rating(rating),
        score=rating_score(rating),
        confidence=1.0,
        language=pending.language or "und",
        model=RATING_MODEL,
    )


def _text_analyses(
    analyzer: Analyzer,
    pending: Sequence[PendingText],
    *,
    brand_terms: Mapping[str, Sequence[str]] | None,
    case_sensitive: Collection[str],
) -> list[AnalysisInput]:
    """Classify the texts of ``pending`` (language identified once per text, per-brand
    sentiment for multi-brand mentions; see :func:`analyze_pending`)."""
    texts = [model_text(p.title, p.text)[:MAX_ANALYZED_CHARS] for p in pending]
    guesses = detect_languages(texts)
    routed = [
        language_or_fallback(g, p.language, min_confidence=TRUSTED_CONFIDENCE)
        for g, p in zip(guesses, pending, strict=True)
    ]
    recorded = [
        language_or_fallback(g, p.language, min_confidence=RECORDED_CONFIDENCE)
        for g, p in zip(guesses, pending, strict=True)
    ]
    plans = [
        plan_brand_targets(text, p.brands, brand_terms, case_sensitive=case_sensitive)
        for text, p in zip(texts, pending, strict=True)
    ]
    results, targets = classify_with_targets(analyzer, texts, plans, languages=routed)
    return [
        AnalysisInput(
            mention_id=p.mention_id,
            label=r.label,
            score=r.score,
            confidence=r.confidence,
            language=language,
            model=r.model,
            language_confidence=g.confidence,
            brands=_brand_rows(t),
        )
        for p, r, g, language, t in zip(pending, results, guesses, recorded, targets, strict=True)
    ]
