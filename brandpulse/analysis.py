"""Choose the sentiment backend from config and analyze stored mentions."""

from __future__ import annotations

import logging

from brandpulse.config import AnalysisConfig
from sentiment import Analyzer, detect_languages
from sentiment.language import RECORDED_CONFIDENCE, TRUSTED_CONFIDENCE, language_or_fallback
from storage import Repository
from storage.repo import AnalysisInput

logger = logging.getLogger(__name__)

#: Characters of a mention given to the classifier (title + text); long articles are cut.
MAX_ANALYZED_CHARS = 1_000


def make_analyzer(config: AnalysisConfig) -> Analyzer:
    """Build the configured backend (see ``[analysis]`` in the README)."""
    from sentiment.router import build_analyzer

    options = {"model_dir": config.model_dir} if config.model_dir else {}
    return build_analyzer(config.backend, **options)


def analyze_pending(repo: Repository, analyzer: Analyzer, *, batch_size: int = 64) -> int:
    """Classify every mention without an analysis; returns how many were analyzed.

    Each batch is committed on its own, so a crash loses at most one batch of work and
    a re-run continues with what is left. Languages are identified once per text: the
    backend gets a code only where identification is trusted for routing (probability
    ≥ ``TRUSTED_CONFIDENCE``, else the source's declared language, else ``und``), and
    the stored language uses the lower ``RECORDED_CONFIDENCE`` bar.
    """
    done = 0
    while True:
        pending = repo.pending_analysis(limit=batch_size)
        if not pending:
            return done
        texts = [
            (f"{p.title}. {p.text}" if p.title and not p.text.startswith(p.title) else p.text)[
                :MAX_ANALYZED_CHARS
            ]
            for p in pending
        ]
        guesses = detect_languages(texts)
        routed = [
            language_or_fallback(g, p.language, min_confidence=TRUSTED_CONFIDENCE)
            for g, p in zip(guesses, pending, strict=True)
        ]
        recorded = [
            language_or_fallback(g, p.language, min_confidence=RECORDED_CONFIDENCE)
            for g, p in zip(guesses, pending, strict=True)
        ]
        results = analyzer.analyze(texts, languages=routed)
        repo.save_analyses(
            [
                AnalysisInput(
                    mention_id=p.mention_id,
                    label=r.label,
                    score=r.score,
                    confidence=r.confidence,
                    language=language,
                    model=r.model,
                    language_confidence=g.confidence,
                )
                for p, r, g, language in zip(pending, results, guesses, recorded, strict=True)
            ]
        )
        done += len(pending)
        logger.info("analyzed %d mentions (%d so far)", len(pending), done)
