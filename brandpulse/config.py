"""The configuration: its pydantic models, and :func:`load_config` to read and validate it.

Every key is a ``Field`` with a ``description``: the README's configuration reference is
generated from these models (``brandpulse config reference``). Reading the file,
``${VAR}`` interpolation and the error messages live in :mod:`brandpulse.config_load`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from brandpulse import config_delivery as cd  # routes, [delivery], digest time zone
from brandpulse.config_analysis import AnalysisConfig as AnalysisConfig  # re-exported
from brandpulse.config_checks import (
    check_apprise_urls,
    check_cron,
    check_database_url,
    check_spider,
    check_start_url,
)
from brandpulse.config_engine import ENGINE, EngineConfig
from brandpulse.config_groups import COMPETITORS_OF, check_brands
from brandpulse.config_inbox import COMPETITOR_SLA_HOURS, MIN_CONFIDENCE, SLA_HOURS, SPIKES
from brandpulse.config_inbox import SpikesConfig as SpikesConfig  # re-exported
from brandpulse.config_ops import (
    DEFAULT_MAX_BODY_BYTES,
    MAX_AGE_HOURS,
    MAX_DAYS,
    MAX_INTERVAL_MINUTES,
    MetricsConfig,
    RetentionConfig,
)
from brandpulse.config_report import ReportConfig
from brandpulse.settings import DEFAULT_DATABASE_URL, DEFAULT_OUTPUT_DIR
from domain import defaults
from domain.errors import ConfigError as ConfigError  # re-exported: brandpulse.config.ConfigError
from domain.kinds import kinds_of
from domain.languages import language_code
from listeners import ListenerSettings, listener_class
from listeners.matching import BrandTerms


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class DatabaseConfig(_Model):
    url: Annotated[str, AfterValidator(check_database_url)] = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL. SQLite runs in WAL mode with a 10 s busy timeout (keep "
        "it on a local disk); postgresql://user@host/db uses psycopg 3. "
        "BRANDPULSE_DATABASE_URL overrides it. The schema is created and migrated (Alembic) "
        "automatically by the commands that write; read-only commands (export, sources, "
        "report, training-data) never create it. Only sqlite and postgresql are supported; "
        "a relative SQLite path is relative to the config file's folder.",
    )


class BrandConfig(_Model):
    name: str = Field(min_length=1, description="Display name, unique.")
    own: bool = Field(
        default=False,
        description="true for your brand(s), false for a competitor; alerts go to own brands "
        "by default.",
    )
    terms: list[str] = Field(
        default_factory=list, description="Phrases that mean the brand; empty: the name."
    )
    exclude: list[str] = Field(
        default_factory=list,
        description='Phrases that cancel a match when they cover it ("apple pie").',
    )
    case_sensitive: bool = Field(
        default=False, description='Match case exactly (good for generic words: "Discord").'
    )
    whole_word: bool = Field(
        default=True,
        description='Require word boundaries ("Slack" does not match "slacking"); set false for '
        "scripts without spaces.",
    )
    languages: list[Annotated[str, AfterValidator(language_code)]] = Field(
        default_factory=list,
        description="Keep only mentions in these ISO 639-1 languages; empty keeps all.",
    )
    competitors_of: list[str] = Field(default_factory=list, description=COMPETITORS_OF)

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

    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)

    name: str = Field(min_length=1, description="Unique name, used in health, exports and errors.")
    type: str = Field(
        description=f"Which listener: {', '.join(kinds_of('listener'))} (each type's own keys "
        "are listed below)."
    )
    enabled: bool = Field(default=True, description="false keeps it configured but idle.")
    brand: str | None = Field(
        default=None,
        description="Fix every item to this brand (review sources); otherwise brands are "
        "matched by their terms and items matching no brand are dropped.",
    )
    interval_minutes: int = Field(
        default=defaults.SOURCE_INTERVAL_MINUTES,
        ge=1,
        le=MAX_INTERVAL_MINUTES,
        description="Daemon polling interval in minutes; a source with no success for twice this "
        "is flagged SILENT.",
    )

    def options(self) -> dict[str, Any]:
        """The type-specific keys (everything not declared above)."""
        return dict(self.model_extra or {})


class CrawlConfig(_Model):
    """A Scrapy crawl run on a schedule (see the spiders table in the README)."""

    name: str = Field(
        min_length=1,
        description="Source name; reviews are deduplicated on (name, review id): keep it stable.",
    )
    spider: Annotated[str, AfterValidator(check_spider)] = Field(
        description="One of "
        + ", ".join(f"{k.name} ({k.display_name})" for k in kinds_of("spider").values())
        + "; what each reads: README, Crawls."
    )
    urls: list[Annotated[str, AfterValidator(check_start_url)]] = Field(
        min_length=1,
        description="Start URLs (http or https); sort them newest first (?sort=recency) so "
        "re-crawls stop early.",
    )
    brand: str | None = Field(
        default=None,
        description="The brand the reviews belong to; articles are matched by brand terms.",
    )
    enabled: bool = Field(default=True, description="false keeps it idle.")
    follow: str | None = Field(
        default=None,
        description="article only: regex of links to follow from listing pages, one level deep.",
    )
    max_pages: int = Field(
        default=defaults.CRAWL_MAX_PAGES,
        ge=1,
        le=100_000,
        description="Pages followed per start URL.",
    )
    interval_minutes: int = Field(
        default=defaults.CRAWL_INTERVAL_MINUTES,
        ge=1,
        le=MAX_INTERVAL_MINUTES,
        description="Daemon crawl interval in minutes; silence longer than twice this is flagged.",
    )
    timeout_seconds: float = Field(
        default=defaults.CRAWL_TIMEOUT_S,
        gt=0,
        le=86_400,
        description="Seconds one crawl subprocess may run (at most a day).",
    )
    download_delay: float = Field(
        default=defaults.CRAWL_DOWNLOAD_DELAY_S,
        ge=0,
        le=3600,
        description="Average seconds between requests to one site (±50 % jitter).",
    )
    user_agent: str | None = Field(
        default=None,
        description="User-Agent of the crawl; default: "
        f"{defaults.CRAWL_USER_AGENT!r}. Add a contact URL or e-mail so site owners can "
        "reach you.",
    )

    def scrapy_settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = {
            "BRANDPULSE_MAX_PAGES": self.max_pages,
            "DOWNLOAD_DELAY": self.download_delay,
        }
        if self.user_agent:
            settings["USER_AGENT"] = self.user_agent
        return settings


AlertLabel = Literal["negative", "neutral", "positive"]


def _negative_only() -> list[AlertLabel]:
    return ["negative"]


class AlertConfig(cd.AlertRoutes):
    brands: list[str] = Field(
        default_factory=list,
        description="Brands whose negatives raise alerts; empty: your own brands (own = true).",
    )
    labels: list[AlertLabel] = Field(
        default_factory=_negative_only, description="Labels that raise an alert."
    )
    max_age_hours: float = Field(
        default=72.0,
        gt=0,
        le=MAX_AGE_HOURS,
        description="Hours: older posts are alerted no more (also for a new recipient).",
    )
    min_confidence: float = MIN_CONFIDENCE
    sla_hours: float = SLA_HOURS
    competitor_sla_hours: float | None = COMPETITOR_SLA_HOURS


class DigestConfig(cd.DigestDeliveryKeys):
    output_dir: Path = Field(
        default=DEFAULT_OUTPUT_DIR,
        description="Where digest.* and competitors.* (and archive/ copies) are written.",
    )
    recipients: list[str] = Field(
        default_factory=list,
        description="apprise URLs: mailto://, slack://, discord://, json://, workflows:// "
        "(Teams), ... Put secrets in ${ENV} variables. Blank entries (an unset ${VAR:-}) are "
        "ignored. Only a secret-free key (scheme://#hash of the whole URL) is stored or shown.",
    )
    dry_run: bool = Field(default=False, description="Render and write files, send nothing.")
    schedule: Annotated[str, AfterValidator(check_cron)] = Field(
        default="0 8 * * mon-fri",
        description="Cron expression (in `timezone`) for the daemon's digest and competitor "
        "summary, checked when the config is loaded; `run --once` sends the digest on every run.",
    )
    period_days: int = Field(
        default=7,
        ge=1,
        le=MAX_DAYS,
        description="Days: window of the competitor summary and the thank-you list.",
    )
    thank_you_count: int = Field(default=5, ge=0, le=999, description="Positive mentions to thank.")
    title: str = Field(default="BrandPulse digest", description="Subject line prefix.")

    @field_validator("recipients")
    @classmethod
    def _drop_blank(cls, urls: list[str]) -> list[str]:
        # "${ALERT_URL:-}" with the variable unset means "no recipient", not an error;
        # a URL apprise cannot parse is an error now, not a delivery failing for ever.
        return check_apprise_urls(urls)


class HttpConfig(_Model):
    user_agent: str | None = Field(
        default=None,
        description=f"Sent with every request; default: {defaults.HTTP_USER_AGENT!r}.",
    )
    timeout_seconds: float = Field(
        default=defaults.HTTP_TIMEOUT_S,
        gt=0,
        le=3600,
        description="Overall deadline of one request in seconds: connecting, waiting and "
        "reading the whole body (a server trickling bytes is cut off at this limit).",
    )
    retries: int = Field(
        default=defaults.HTTP_RETRIES,
        ge=1,
        le=10,
        description="Tries per request on 429, 5xx and network errors (exponential backoff "
        "with jitter; Retry-After honoured up to 30 s).",
    )
    backoff_seconds: float = Field(
        default=defaults.HTTP_BACKOFF_S,
        ge=0,
        le=3600,
        description="Seconds before the first retry.",
    )
    max_body_bytes: int = Field(
        default=DEFAULT_MAX_BODY_BYTES,
        ge=1024,
        le=1024**3,
        description="Largest response body read, bytes (after decompression); a larger one "
        "fails the request while streaming, so it is never held in memory.",
    )
    source_deadline_seconds: float = Field(
        default=600.0,
        gt=0,
        le=86_400,
        description="Overall seconds one source may take in a cycle, all its requests and "
        "retry waits together.",
    )


class Config(cd.DeliverySection):
    path: Path | None = Field(
        default=None, exclude=True, description="The file this config was read from."
    )
    database: DatabaseConfig = Field(
        default_factory=DatabaseConfig, description="Where mentions, analyses and health live."
    )
    brands: list[BrandConfig] = Field(
        min_length=1, description="One table per brand, at least one: yours and competitors."
    )
    sources: list[SourceConfig] = Field(
        default_factory=list,
        description="One table per source (listener). Keys every source has come first; "
        "each type's own keys follow.",
    )
    crawls: list[CrawlConfig] = Field(
        default_factory=list,
        description="One table per Scrapy crawl of review sites, shops or articles.",
    )
    analysis: AnalysisConfig = Field(
        default_factory=AnalysisConfig, description="Sentiment analysis of every mention."
    )
    alerts: AlertConfig = Field(
        default_factory=AlertConfig, description="Which mentions raise an alert."
    )
    digest: DigestConfig = Field(
        default_factory=DigestConfig,
        description="The alert digest and the competitor summary: files and recipients.",
    )
    report: ReportConfig = Field(
        default_factory=ReportConfig,
        description="The weekly competitor report that the daemon (`brandpulse run`) writes "
        "into `digest.output_dir` and sends; from cron, run `brandpulse report competitors "
        "--since 7d --send` instead.",
    )
    http: HttpConfig = Field(
        default_factory=HttpConfig, description="How listeners make HTTP requests."
    )
    metrics: MetricsConfig = Field(
        default_factory=MetricsConfig, description="Prometheus metrics of the daemon."
    )
    retention: RetentionConfig = Field(
        default_factory=RetentionConfig,
        description="How long archived digests and stored mentions are kept; applied every cycle.",
    )
    spikes: SpikesConfig = Field(default_factory=SpikesConfig, description=SPIKES)
    engine: EngineConfig = Field(default_factory=EngineConfig, description=ENGINE)

    @field_validator("brands")
    @classmethod
    def _unique_brands(cls, brands: list[BrandConfig]) -> list[BrandConfig]:
        return check_brands(brands)  # unique names, competitors_of names own brands

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


# Reading the file lives in its own module; these names stay importable from here.
from brandpulse.config_load import (  # noqa: E402
    interpolate as interpolate,
)
from brandpulse.config_load import (  # noqa: E402
    load_config as load_config,
)
from brandpulse.config_load import (  # noqa: E402
    resolve_config_path as resolve_config_path,
)
