"""The domain core: rules every layer shares, written once.

Nothing here imports another BrandPulse package; every other package may import this one.

* :mod:`domain.errors` — the one exception tree (``BrandPulseError`` and its families);
* :mod:`domain.kinds` — source kinds: what each type of source carries (ratings, customer
  voice or press), where a business answers it, its display name;
* :mod:`domain.rating` — the one rule combining a review's stars with its text label.
"""

from domain.errors import (
    BrandPulseError,
    ConfigError,
    DeliveryError,
    SourceError,
    StorageError,
)

__all__ = [
    "BrandPulseError",
    "ConfigError",
    "DeliveryError",
    "SourceError",
    "StorageError",
]
