"""Config loading: valid files, ${ENV} secrets, and errors that name the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from brandpulse.config import Config, ConfigError, CrawlConfig, SourceConfig, load_config
from domain import kinds
from domain.kinds import SourceKind, Voice, kinds_of

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "brandpulse.toml"

MINIMAL = """
[[brands]]
name = "Acme"
own = true
terms = ["Acme", "acme.com"]
exclude = ["acme anvil"]

[[brands]]
name = "Globex"

[[sources]]
name = "news"
type = "feed"
url = "${FEED_URL:-http://127.0.0.1:9/feed.xml}"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "brandpulse.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_is_valid() -> None:
    config = load_config(EXAMPLE, env={})
    assert any(b.own for b in config.brands)
    assert config.sources, "the example should show sources"


def test_minimal_config_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), env={})
    # relative paths are relative to the config file's folder, not the working directory
    assert config.database.url == f"sqlite:///{tmp_path.resolve()}/var/brandpulse.db"
    assert config.digest.output_dir == tmp_path.resolve() / "var" / "digests"
    assert config.alert_brands == ["Acme"]
    assert config.alerts.labels == ["negative"]
    settings = config.source_settings(config.sources[0])
    assert settings.url == "http://127.0.0.1:9/feed.xml"  # type: ignore[attr-defined]
    assert config.brands[1].terms_record().terms == ("Globex",)


def test_env_interpolation_database_override_and_secret_file(tmp_path: Path) -> None:
    secret = tmp_path / "token"
    secret.write_text("s3cret\n")
    text = MINIMAL + '\n[digest]\nrecipients = ["json://example.invalid/${TOKEN}"]\n'
    config = load_config(
        write(tmp_path, text),
        env={
            "FEED_URL": "http://feeds.example/x.xml",
            "TOKEN_FILE": str(secret),
            "BRANDPULSE_DATABASE_URL": "postgresql://u@db/bp",
        },
    )
    assert config.source_settings(config.sources[0]).url == "http://feeds.example/x.xml"  # type: ignore[attr-defined]
    assert config.digest.recipients == ["json://example.invalid/s3cret"]
    assert config.database.url == "postgresql://u@db/bp"


def test_config_path_falls_back_to_env_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, MINIMAL)
    monkeypatch.setenv("BRANDPULSE_CONFIG", str(path))
    assert load_config().path == path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MINIMAL.replace("own = true", 'own = "yes please"'), "brands[0] (name='Acme').own"),
        (MINIMAL + "\n[alerts]\nmax_age_hour = 3\n", "alerts.max_age_hour: unknown key"),
        (
            MINIMAL.replace('type = "feed"', 'type = "carrier-pigeon"'),
            "sources[0] (name='news').type: unknown source type 'carrier-pigeon'",
        ),
        (MINIMAL.replace("url = ", "urll = "), "sources[0] (name='news').url: Field required"),
        (
            MINIMAL.replace("${FEED_URL:-http://127.0.0.1:9/feed.xml}", "${FEED_URL}"),
            "environment variable FEED_URL is not set",
        ),
        ("[[brands]]\nname = 'A'\n[[brands]]\nname = 'A'\n", "brand names must be unique"),
        (
            MINIMAL + '\n[[sources]]\nname = "r"\ntype = "feed"\nurl = "x"\nbrand = "Nope"\n',
            "brand 'Nope', which is not one of the [[brands]]",
        ),
        ("[[brands]\nname = 'A'\n", "not valid TOML"),
        (
            MINIMAL + '\n[[crawls]]\nname = "c"\nspider = "ebay"\nurls = ["https://x.test/"]\n',
            "crawls[0] (name='c').spider: unknown spider 'ebay'; choose from amazon, article,",
        ),
        (
            MINIMAL
            + '\n[[crawls]]\nname = "c"\nspider = "article"\n'
            + 'urls = ["https://x.test/", "x.test/news?key=tok-31415"]\n',
            "crawls[0] (name='c').urls[1]: not an http(s) URL with a host",
        ),
        ("", "brands: Field required"),
    ],
)
def test_invalid_config_names_file_and_key(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    message = str(info.value)
    assert str(path) in message
    assert expected in message


def test_missing_config_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"config file not found.*--config"):
        load_config(tmp_path / "nope.toml", env={})


def test_a_non_http_start_url_is_refused_without_repeating_it(tmp_path: Path) -> None:
    text = MINIMAL + '[[crawls]]\nname = "c"\nspider = "reviews"\nurls = ["x.test/?k=tok-2718"]\n'
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), env={})
    assert "urls[0]: not an http(s) URL" in str(info.value)
    assert "tok-2718" not in str(info.value)


def test_source_and_spider_choices_come_from_the_one_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding a source is one module and one registry line: the config names every
    registered type and spider, and accepts a spider registered with one line."""
    type_help = SourceConfig.model_fields["type"].description or ""
    assert all(f"{name}," in type_help or f"{name} (" in type_help for name in kinds_of("listener"))
    spider_help = CrawlConfig.model_fields["spider"].description or ""
    assert all(f"{name} (" in spider_help for name in kinds_of("spider"))
    toy = SourceKind("crawl:toy", "Toy pages", Voice.REVIEW, "spider", "toy_spider:ToySpider")
    monkeypatch.setitem(kinds.SOURCE_KINDS, toy.type, toy)
    text = MINIMAL + '[[crawls]]\nname = "t"\nspider = "toy"\nurls = ["https://x.test/r"]\n'
    config: Config = load_config(write(tmp_path, text), env={})
    assert config.crawls[0].spider == "toy"
