"""Load and validate the config file (TOML). Secrets come from the environment.

Any string value may contain ``${VAR}`` (error when unset), ``${VAR:-default}``, or
refer to a secret file: when ``VAR`` is unset but ``VAR_FILE`` names a file, its
contents (stripped) are used. Validation errors name the file, the key and what was
expected.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from brandpulse.settings import (
    CONFIG_ENV,
    DATABASE_URL_ENV,
    DEFAULT_CONFIG_PATH,
    DEFAULT_DATABASE_URL,
    DEFAULT_OUTPUT_DIR,
)
from domain import defaults
from domain.errors import ConfigError as ConfigError  # re-exported: brandpulse.config.ConfigError
from listeners import ListenerSettings, listener_class
from listeners.matching import BrandTerms

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Model):
    url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite:///path.db (default, WAL mode) or "
        "postgresql://user@host/db. Overridden by BRANDPULSE_DATABASE_URL.",
    )


class BrandConfig(_Model):
    name: str = Field(min_length=1, description="Display name.")
    own: bool = Field(default=False, description="True for your brand, false for a competitor.")
    terms: list[str] = Field(
        default_factory=list, description="Phrases that mean the brand; default: the name."
    )
    exclude: list[str] = Field(
        default_factory=list, description='Phrases that cancel a match ("apple pie").'
    )
    case_sensitive: bool = Field(default=False, description="Match terms case-sensitively.")
    whole_word: bool = Field(default=True, description="Require word boundaries.")
    languages: list[str] = Field(
        default_factory=list, description="Keep only these ISO 639-1 languages; empty keeps all."
    )

    def terms_record(self) -> BrandTerms:
        return BrandTerms(
            name=self.name,
            terms=tuple(self.terms or [self.name]),
            exclude=tuple(self.exclude),
            case_sensitive=self.case_sensitive,
            whole_word=self.whole_word,
            languages=tuple(self.languages),
        )


class SourceConfig(BaseModel):
    """Keys every source has; the rest are validated by the listener's own Settings."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = Field(min_length=1, description="Unique name, used in health and exports.")
    type: str = Field(description="Listener type: feed, reddit, mastodon, hackernews, ...")
    enabled: bool = Field(default=True, description="Set false to keep it configured but idle.")
    brand: str | None = Field(
        default=None,
        description="Fix every item to this brand (review sources); otherwise match terms.",
    )
    interval_minutes: int = Field(
        default=defaults.SOURCE_INTERVAL_MINUTES,
        ge=1,
        description="How often the daemon polls it; health flags silence longer than twice this.",
    )

    def options(self) -> dict[str, Any]:
        """The type-specific keys (everything not declared above)."""
        return dict(self.model_extra or {})


class CrawlConfig(_Model):
    """A Scrapy crawl run on a schedule (see the spiders table in the README)."""

    name: str = Field(min_length=1, description="Source name; reviews dedupe on (name, id).")
    spider: Literal["reviews", "trustpilot", "amazon", "article"] = Field(
        description="Which spider crawls the URLs."
    )
    urls: list[str] = Field(min_length=1, description="Start URLs, newest-first sorting.")
    brand: str | None = Field(
        default=None, description="Brand the reviews belong to; articles match by terms."
    )
    enabled: bool = Field(default=True, description="Set false to keep it idle.")
    follow: str | None = Field(
        default=None, description="Article spider: regex of links to follow from listings."
    )
    max_pages: int = Field(
        default=defaults.CRAWL_MAX_PAGES, ge=1, description="Pages followed per start URL."
    )
    interval_minutes: int = Field(
        default=defaults.CRAWL_INTERVAL_MINUTES, ge=1, description="Daemon crawl interval."
    )
    timeout_seconds: float = Field(
        default=defaults.CRAWL_TIMEOUT_S, gt=0, description="Limit for one crawl."
    )
    download_delay: float = Field(
        default=defaults.CRAWL_DOWNLOAD_DELAY_S,
        ge=0,
        description="Average seconds between requests to one site.",
    )
    user_agent: str | None = Field(
        default=None, description="Override the crawler's identifying User-Agent."
    )

    def scrapy_settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = {
            "BRANDPULSE_MAX_PAGES": self.max_pages,
            "DOWNLOAD_DELAY": self.download_delay,
        }
        if self.user_agent:
            settings["USER_AGENT"] = self.user_agent
        return settings


class AnalysisConfig(_Model):
    backend: Literal["auto", "vader", "multilingual", "transformers"] = Field(
        default="auto",
        description="auto = VADER for clear English, the multilingual model for the rest.",
    )
    model_dir: str | None = Field(
        default=None, description="Local Hugging Face model folder (backend = transformers)."
    )
    batch_size: int = Field(
        default=defaults.ANALYSIS_BATCH_SIZE, ge=1, description="Texts per classification batch."
    )


AlertLabel = Literal["negative", "neutral", "positive"]


def _negative_only() -> list[AlertLabel]:
    return ["negative"]


class AlertConfig(_Model):
    brands: list[str] = Field(
        default_factory=list, description="Brands to alert on; default: your own brands."
    )
    labels: list[AlertLabel] = Field(
        default_factory=_negative_only, description="Labels that raise an alert."
    )
    max_age_hours: float = Field(
        default=72.0, gt=0, description="Older posts are reported in digests, not alerted."
    )


class DigestConfig(_Model):
    output_dir: Path = Field(
        default=DEFAULT_OUTPUT_DIR, description="Folder for HTML/text digests and reports."
    )
    recipients: list[str] = Field(
        default_factory=list,
        description="apprise URLs (mailto://, slack://, json://, ...); secrets via ${ENV}.",
    )
    dry_run: bool = Field(
        default=False, description="Render and write files but send nothing to recipients."
    )
    schedule: str = Field(
        default="0 8 * * mon-fri", description="Cron expression for the daemon's digest."
    )
    period_days: int = Field(default=7, ge=1, description="Window of the competitor summary.")
    thank_you_count: int = Field(default=5, ge=0, description="Positive posts to thank.")
    title: str = Field(default="BrandPulse digest", description="Subject line prefix.")

    @field_validator("recipients")
    @classmethod
    def _drop_blank(cls, urls: list[str]) -> list[str]:
        # "${ALERT_URL:-}" with the variable unset means "no recipient", not an error.
        return [u.strip() for u in urls if u.strip()]


class HttpConfig(_Model):
    user_agent: str | None = Field(default=None, description="User-Agent for every request.")
    timeout_seconds: float = Field(
        default=defaults.HTTP_TIMEOUT_S, gt=0, description="Per-request timeout."
    )
    retries: int = Field(
        default=defaults.HTTP_RETRIES, ge=1, le=10, description="Tries per request (429/5xx)."
    )
    backoff_seconds: float = Field(
        default=defaults.HTTP_BACKOFF_S, ge=0, description="First retry delay."
    )


class Config(_Model):
    path: Path | None = Field(default=None, exclude=True)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    brands: list[BrandConfig] = Field(min_length=1)
    sources: list[SourceConfig] = Field(default_factory=list)
    crawls: list[CrawlConfig] = Field(default_factory=list)
    analysis: AnalysisConfig = Field(default_factory=AnalysisConfig)
    alerts: AlertConfig = Field(default_factory=AlertConfig)
    digest: DigestConfig = Field(default_factory=DigestConfig)
    http: HttpConfig = Field(default_factory=HttpConfig)

    @field_validator("brands")
    @classmethod
    def _unique_brands(cls, brands: list[BrandConfig]) -> list[BrandConfig]:
        names = [b.name for b in brands]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"brand names must be unique, repeated: {', '.join(dupes)}")
        return brands

    @model_validator(mode="after")
    def _cross_checks(self) -> Config:
        names = [s.name for s in self.sources] + [c.name for c in self.crawls]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source and crawl names must be unique, repeated: {', '.join(dupes)}")
        known = {b.name for b in self.brands}
        fixed_brands = [(s.name, s.brand) for s in self.sources] + [
            (c.name, c.brand) for c in self.crawls
        ]
        for name, brand in fixed_brands:
            if brand is not None and brand not in known:
                raise ValueError(
                    f"source {name!r} has brand {brand!r}, which is not one of "
                    f"the [[brands]]: {', '.join(sorted(known))}"
                )
        for brand in self.alerts.brands:
            if brand not in known:
                raise ValueError(f"alerts.brands names unknown brand {brand!r}")
        return self

    @property
    def alert_brands(self) -> list[str]:
        return self.alerts.brands or [b.name for b in self.brands if b.own]

    def source_settings(self, source: SourceConfig) -> ListenerSettings:
        """Validate a source's type-specific keys with its listener's Settings model."""
        settings_cls = listener_class(source.type).Settings  # type: ignore[attr-defined]
        result: ListenerSettings = settings_cls.model_validate(source.options())
        return result


def resolve_config_path(path: Path | None) -> Path:
    """``--config`` first, then ``$BRANDPULSE_CONFIG``, then ``./brandpulse.toml``."""
    if path is not None:
        return path
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else DEFAULT_CONFIG_PATH


def interpolate(value: Any, *, where: str, env: Mapping[str, str]) -> Any:
    """Replace ``${VAR}`` / ``${VAR:-default}`` in every string of ``value`` (recursive)."""
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            var, default = match.group(1), match.group(2)
            if var in env:
                return env[var]
            secret_file = env.get(f"{var}_FILE")
            if secret_file:
                try:
                    return Path(secret_file).read_text(encoding="utf-8").strip()
                except OSError as exc:
                    raise ConfigError(
                        f"{where}: cannot read {var}_FILE={secret_file}: {exc}"
                    ) from exc
            if default is not None:
                return default
            raise ConfigError(
                f"{where}: environment variable {var} is not set "
                f"(set it, set {var}_FILE to a secret file, or write ${{{var}:-default}})"
            )

        return _VAR.sub(replace, value)
    if isinstance(value, list):
        return [interpolate(v, where=f"{where}[{i}]", env=env) for i, v in enumerate(value)]
    if isinstance(value, dict):
        return {k: interpolate(v, where=f"{where}.{k}", env=env) for k, v in value.items()}
    return value


def _format_location(loc: tuple[int | str, ...], data: Mapping[str, Any]) -> str:
    out = ""
    node: Any = data
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            if isinstance(node, list) and part < len(node):
                node = node[part]
                if isinstance(node, dict) and "name" in node:
                    out += f" (name={node['name']!r})"
            continue
        out += f".{part}" if out else str(part)
        node = node.get(part) if isinstance(node, dict) else None
    return out or "(top level)"


def _validation_message(
    file: str, exc: ValidationError, data: Mapping[str, Any], *, prefix: str = ""
) -> str:
    lines = [f"{file}: invalid configuration:"]
    for error in exc.errors():
        loc = prefix + _format_location(tuple(error["loc"]), data)
        detail = error["msg"]
        if error["type"] == "extra_forbidden":
            detail = "unknown key (check the spelling; see the configuration reference in README)"
        elif "input" in error and error["type"] not in ("missing",):
            detail += f" (got {error['input']!r})"
        lines.append(f"  {loc}: {detail}")
    return "\n".join(lines)


def load_config(path: Path | None = None, *, env: Mapping[str, str] | None = None) -> Config:
    """Read, interpolate and validate the config; apply BRANDPULSE_DATABASE_URL.

    Raises:
        ConfigError: with the file, the key and what was expected.
    """
    env = os.environ if env is None else env
    file = resolve_config_path(path)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{file}: config file not found (pass --config FILE or set {CONFIG_ENV}; "
            "examples/brandpulse.toml is a starting point)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc}") from exc
    data = interpolate(raw, where=str(file), env=env)
    if env.get(DATABASE_URL_ENV):
        data.setdefault("database", {})["url"] = env[DATABASE_URL_ENV]
    try:
        config = Config.model_validate({**data, "path": file})
    except ValidationError as exc:
        raise ConfigError(_validation_message(str(file), exc, data)) from None
    for index, source in enumerate(config.sources):
        where = f"sources[{index}] (name={source.name!r})"
        try:
            config.source_settings(source)
        except KeyError as exc:
            raise ConfigError(
                f"{file}: invalid configuration:\n  {where}.type: {exc.args[0]}"
            ) from None
        except ValidationError as exc:
            raise ConfigError(
                _validation_message(str(file), exc, source.options(), prefix=f"{where}.")
            ) from None
    return config
