"""``[analysis]``: which sentiment backend labels every mention, and its batch size.

Its own module (``brandpulse.config`` re-uses it as ``Config.analysis``); unknown keys are
errors like in every other section.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain import defaults

__all__ = ["AnalysisBackend", "AnalysisConfig"]

AnalysisBackend = Literal["cascade", "auto", "vader", "multilingual", "accurate", "transformers"]


class AnalysisConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    backend: AnalysisBackend = Field(
        default="cascade",
        description="cascade (multilingual, plus the accurate e5 model for unsure texts and "
        "negatives), auto (VADER for clear English positives), vader, multilingual, accurate.",
    )
    model_dir: str | None = Field(
        default=None, description='Local model folder for backend = "transformers".'
    )
    batch_size: int = Field(
        default=defaults.ANALYSIS_BATCH_SIZE,
        ge=1,
        le=10_000,
        description="Texts per classification batch.",
    )
