"""Brand matching lives in :mod:`domain.terms`; re-exported here for existing imports."""

from domain.terms import BrandMatcher, BrandTerms, term_pattern, term_spans

__all__ = ["BrandMatcher", "BrandTerms", "term_pattern", "term_spans"]
