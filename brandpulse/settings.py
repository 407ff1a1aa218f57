"""Where BrandPulse looks for its config and database, declared once."""

from __future__ import annotations

from pathlib import Path

CONFIG_ENV = "BRANDPULSE_CONFIG"
DATABASE_URL_ENV = "BRANDPULSE_DATABASE_URL"
DEFAULT_CONFIG_PATH = Path("brandpulse.toml")
DEFAULT_DATABASE_URL = "sqlite:///var/brandpulse.db"
DEFAULT_OUTPUT_DIR = Path("var/digests")
