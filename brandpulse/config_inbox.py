"""The inbox's settings: ``[spikes]`` (spike detection against an hour-of-week baseline,
see ``digest.spikes``) and the ``[alerts]`` keys of the inbox (confidence floor, SLA
clocks), declared here and used by ``brandpulse.config`` (``Config.spikes`` and
``AlertConfig``); unknown keys are errors like in every other section.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

#: Upper bounds: beyond them a value is a typo, and date arithmetic would overflow (a
#: traceback in the middle of a run). Hours: about 100 years.
MAX_HOURS = 24 * 366 * 100
MAX_WINDOW_HOURS = 24 * 7
MAX_WEEKS = 520
MAX_COUNT = 1_000_000_000

__all__ = ["COMPETITOR_SLA_HOURS", "MIN_CONFIDENCE", "SLA_HOURS", "SPIKES", "SpikesConfig"]


class SpikesConfig(BaseModel):
    """Spike detection against an hour-of-week baseline (see ``digest.spikes``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    enabled: bool = Field(default=True, description="Look for spikes every cycle.")
    window_hours: float = Field(
        default=3.0,
        gt=0,
        le=MAX_WINDOW_HOURS,
        description="Recent window compared with the baseline, in hours (at most a week).",
    )
    weeks: int = Field(
        default=4,
        ge=1,
        le=MAX_WEEKS,
        description="Previous weeks forming the hour-of-week baseline (at most 520).",
    )
    min_weeks: int = Field(
        default=2,
        ge=1,
        le=MAX_WEEKS,
        description="Weeks of history needed before any spike is reported.",
    )
    min_volume: int = Field(
        default=8,
        ge=1,
        le=MAX_COUNT,
        description="Mentions in the window below this are never a spike.",
    )
    min_negative: int = Field(
        default=4,
        ge=1,
        le=MAX_COUNT,
        description="Negatives in the window needed for a negative-share spike.",
    )
    ratio: float = Field(
        default=2.0,
        ge=1,
        le=MAX_COUNT,
        description="The window must hold this multiple of the baseline.",
    )
    z: float = Field(
        default=4.0,
        gt=0,
        le=MAX_COUNT,
        description="How far above the baseline, in standard deviations (see the README's "
        "spike figures: higher means fewer false alarms and fewer small spikes found).",
    )
    share_rise: float = Field(
        default=0.25, gt=0, le=1, description="Minimum rise of the negative share (0-1)."
    )
    cooldown_hours: float = Field(
        default=24.0,
        ge=0,
        le=MAX_HOURS,
        description="The same brand, source and kind is reported at most once per this many hours.",
    )


#: ``Config.spikes``'s description.
SPIKES = (
    "Spikes of volume and negative share per brand and source, against the same hours of "
    "the week before."
)

# ``[alerts]`` keys of the inbox (fields of ``brandpulse.config.AlertConfig``).
MIN_CONFIDENCE: Any = Field(
    default=0.5,
    ge=0,
    le=1,
    description="Model confidence below which a negative is not an immediate alert but "
    "goes to the inbox's worth-a-look list (state watch) and the digest section "
    '"Worth a look". Human corrections and 1-2 star reviews are never held back.',
)
SLA_HOURS: Any = Field(
    default=24.0,
    gt=0,
    le=MAX_HOURS,
    description="Hours an alert on your own brand may stay open or assigned before it "
    "is overdue (the SLA clock starts when the alert is raised).",
)
COMPETITOR_SLA_HOURS: Any = Field(
    default=None,
    gt=0,
    le=MAX_HOURS,
    description="SLA hours for alerts on brands in alerts.brands that are not your own; "
    "unset means no clock.",
)
