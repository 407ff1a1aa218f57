"""Secrets never reach stdout, stderr, logs or output files, on any error path.

Secrets sit in the config file and in the environment (``${VAR}`` and
``BRANDPULSE_DATABASE_URL``); every config error and every delivery failure the code can
take is run through the real CLI in a subprocess, with ``-v`` (apprise's debug log prints
whole notification URLs), and everything it printed or wrote is searched for them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from fault_server import FaultServer

FILE_SECRETS = {
    "reddit": "reddit-file-secret-93js",
    "json": "jsonhookpass-file-7h2k",
    "pbul": "o.pushbulletfiletoken51",
    "github": "ghp_githubfiletoken8d7s",
    "broker": "brokerfilepass-5k2m",
    "route": "o.pushbulletroutetok77",
}
ENV_SECRETS = {
    "BP_SMTP_PASSWORD": "smtp-env-pass-k2j9",
    "BP_IFTTT": "iftttenvwebhook-72hd",
    "BP_DB_PASSWORD": "db-env-pass-0x9q",
    "BP_MASTODON_TOKEN": "mastodon-env-token-4kd8",
    "GITHUB_TOKEN": "ghp_githubenvtoken3j5h",
    "BP_YOUTUBE_KEY": "youtube-env-key-8f3k",
    "BP_REDIS_PW": "redis-env-pass-2m9x",
}
ALL_SECRETS = list(FILE_SECRETS.values()) + list(ENV_SECRETS.values())

CONFIG = """
[database]
url = "{db}"

[[brands]]
name = "Slack"
own = true

[[sources]]
name = "alerts"
type = "feed"
url = "{base}/demo/google_alerts_atom.xml"

[[sources]]
name = "reddit"
type = "reddit"
client_id = "abc"
client_secret = "{reddit}"
enabled = false

[[sources]]
name = "toots"
type = "mastodon"
instances = ["{base}"]
access_token = "${{BP_MASTODON_TOKEN}}"
enabled = false

[[sources]]
name = "issues"
type = "github"
token = "{github}"
enabled = false
{github_extra}

[[sources]]
name = "discussions"
type = "github_discussions"
token = "${{GITHUB_TOKEN}}"
repos = ["o/r"]
enabled = false

[[sources]]
name = "videos"
type = "youtube"
api_key = "${{BP_YOUTUBE_KEY}}"
enabled = false

[analysis]
backend = "vader"

[engine]
broker_url = "redis://:{broker}@127.0.0.1:1/0"
redis_url = "{redis_scheme}://:${{BP_REDIS_PW}}@127.0.0.1:1/1"
{engine_extra}

[alerts]
max_age_hours = 1000000
{alerts_extra}

[[alerts.routes]]
name = "phone"
urls = ["pbul://{route}"]
min_urgency = 100

[digest]
output_dir = "{out}"
period_days = 100000
recipients = [
  "json://user:{json}@{host}/500",
  "mailto://bp:${{BP_SMTP_PASSWORD}}@127.0.0.1:1?from=bp@example.com&to=team@example.com",
  {dry_recipients}
]
{digest_extra}

[http]
retries = 1
backoff_seconds = 0
"""


def render(tmp_path: Path, base: str, **overrides: str) -> Path:
    values = {
        "db": f"sqlite:///{tmp_path / 'bp.db'}",
        "base": base,
        "host": base.removeprefix("http://"),
        "out": str(tmp_path / "out"),
        "reddit": FILE_SECRETS["reddit"],
        "json": FILE_SECRETS["json"],
        "github": FILE_SECRETS["github"],
        "broker": FILE_SECRETS["broker"],
        "route": FILE_SECRETS["route"],
        "github_extra": "",
        "redis_scheme": "redis",
        "engine_extra": "",
        "alerts_extra": "",
        "digest_extra": "",
        "dry_recipients": "",
        **overrides,
    }
    path = tmp_path / "brandpulse.toml"
    path.write_text(CONFIG.format(**values))
    return path


@pytest.fixture(scope="module")
def faults() -> Iterator[FaultServer]:
    with FaultServer() as server:
        yield server


def run_cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> str:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("BRANDPULSE_")}
    environment.update(PYTHONPATH=str(REPO_ROOT), **ENV_SECRETS, **(env or {}))
    result = subprocess.run(
        [sys.executable, "-c", "from brandpulse.cli import main; main()", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def leaks(tmp_path: Path, printed: str) -> list[str]:
    """Every secret found in what was printed or in any text file written under tmp_path
    (digests, archives, logs), except the config file itself."""
    found = [s for s in ALL_SECRETS if s in printed]
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".txt", ".log", ".json", ".csv"):
            content = path.read_text(errors="replace")
            found += [f"{s} in {path.name}" for s in ALL_SECRETS if s in content]
    return found


CONFIG_ERRORS = {
    # each: extra config text → what the one-line error must name
    "unknown alert brand": ({"alerts_extra": 'brands = ["Nope"]'}, "alerts.brands"),
    "duplicate source name": (
        {"digest_extra": '[[crawls]]\nname = "alerts"\nspider = "article"\nurls = ["http://x"]'},
        "must be unique",
    ),
    "unknown key": ({"digest_extra": "recipent = 1"}, "digest.recipent: unknown key"),
    "bad schedule": ({"digest_extra": 'schedule = "every ${BP_IFTTT}"'}, "digest.schedule"),
    "wrong type next to secrets": (
        {"digest_extra": 'title = ["${BP_IFTTT}"]'},
        "digest.title",
    ),
    "unsupported database with password": (
        {"db": "mysql://root:${BP_DB_PASSWORD}@127.0.0.1/bp"},
        "database.url",
    ),
    # keys added after issue 11: GitHub, YouTube, the Celery engine, routes, spikes, SLA
    "github source, unknown key next to its token": (
        {"github_extra": 'tokn = "${GITHUB_TOKEN}"'},
        "sources[3] (name='issues').tokn: unknown key",
    ),
    "github source, number out of range next to its token": (
        {"github_extra": "per_page = 1000"},
        "sources[3] (name='issues').per_page",
    ),
    "celery engine on SQLite, broker with password": (
        {"engine_extra": 'kind = "celery"'},
        "engine",
    ),
    "engine key out of range next to the broker password": (
        {"engine_extra": 'queue = ""'},
        "engine.queue",
    ),
    "redis_url that is not Redis, with a password": (
        {"redis_scheme": "http"},
        "engine.redis_url",
    ),
    "unparseable recipient holding a secret": (
        {"dry_recipients": '"${BP_IFTTT}-not-a-url",'},
        "digest.recipients: entry 2",
    ),
    "route URL apprise cannot parse, holding a secret": (
        {"alerts_extra": '[[alerts.routes]]\nname = "x"\nurls = ["${BP_IFTTT}"]'},
        "alerts.routes[0] (name='x').urls",
    ),
    "SLA clock out of range": ({"alerts_extra": "sla_hours = 1e300"}, "alerts.sla_hours"),
    "spike window out of range": (
        {"digest_extra": "[spikes]\nwindow_hours = inf"},
        "spikes.window_hours",
    ),
}


def invoke(*args: str) -> str:
    """The CLI in this process (config and database errors happen before any log)."""
    from typer.testing import CliRunner

    from brandpulse.cli import app

    result = CliRunner().invoke(app, list(args))
    return f"exit {result.exit_code}\n{result.stdout}\n{result.stderr}"


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in [k for k in os.environ if k.startswith("BRANDPULSE_")]:
        monkeypatch.delenv(key)
    for key, value in ENV_SECRETS.items():
        monkeypatch.setenv(key, value)


@pytest.mark.parametrize("case", sorted(CONFIG_ERRORS))
@pytest.mark.usefixtures("secret_env")
def test_config_errors_name_the_key_and_echo_no_secret(
    tmp_path: Path, faults: FaultServer, case: str
) -> None:
    overrides, expected = CONFIG_ERRORS[case]
    config = render(tmp_path, faults.url, **overrides)
    for command in (["config", "check"], ["run", "--once", "-v"], ["sources"]):
        printed = invoke(*command, "--config", str(config))
        assert printed.startswith("exit 2"), printed
        assert expected in printed, printed
        assert leaks(tmp_path, printed) == [], printed


@pytest.mark.usefixtures("secret_env")
def test_database_errors_echo_no_password(
    tmp_path: Path, faults: FaultServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = render(tmp_path, faults.url)
    unreachable = f"postgresql://bp:{ENV_SECRETS['BP_DB_PASSWORD']}@127.0.0.1:1/bp"
    monkeypatch.setenv("BRANDPULSE_DATABASE_URL", unreachable)
    for command in (["run", "--once", "-v"], ["sources"], ["export"], ["report"]):
        printed = invoke(*command, "--config", str(config))
        assert printed.startswith("exit 1"), printed
        assert leaks(tmp_path, printed) == [], printed


def test_delivery_failures_and_debug_logs_echo_no_secret(
    tmp_path: Path, faults: FaultServer
) -> None:
    """A webhook answering 500, an SMTP server that is down, and (dry run) apprise
    schemes whose token is the host: nothing of them is printed, logged or written."""
    config = render(tmp_path, faults.url)
    printed = run_cli(tmp_path, "run", "--once", "-v", "--config", str(config))
    assert printed.startswith("exit 4"), printed  # every delivery failed
    assert "json://#" in printed and "mailto://#" in printed, "targets named by hash"
    assert "apprise" in printed, "-v shows apprise's debug log (redacted)"
    printed += invoke("sources", "--config", str(config))
    (tmp_path / "dry").mkdir()
    dry = render(
        tmp_path / "dry",
        faults.url,
        dry_recipients=f'"pbul://{FILE_SECRETS["pbul"]}", "ifttt://${{BP_IFTTT}}@event",',
        digest_extra="dry_run = true",
    )
    printed += run_cli(tmp_path / "dry", "run", "--once", "-v", "--config", str(dry))
    assert "pbul://#" in printed, printed
    (tmp_path / "cron.log").write_text(printed)  # as a cron redirect would keep it
    assert leaks(tmp_path, printed) == []


#: Passwords holding a raw ``/``, ``@`` or ``?`` (not percent-encoded): URL parsers (urllib,
#: SQLAlchemy, libpq, redis-py) cut them short and took a piece for the host, which then
#: appeared in "failed to resolve host 'Wv4raw@127.0.0.1'" and in ``bp:***@Wv4raw@...``.
RAW_PASSWORD_PIECES = ["Pq7raw", "Zx9raw", "Wv4raw"]
RAW_PASSWORD = "Pq7raw/Zx9raw@Wv4raw"


@pytest.mark.parametrize(
    ("where", "overrides", "env", "key"),
    [
        (
            "database.url in the file",
            {"db": f"postgresql://bp:{RAW_PASSWORD}@127.0.0.1:1/bp"},
            {},
            "database.url",
        ),
        (
            "database.url from ${ENV}",
            {"db": "postgresql://bp:${BP_RAW_PW}@127.0.0.1:1/bp"},
            {"BP_RAW_PW": RAW_PASSWORD},
            "database.url",
        ),
        (
            "BRANDPULSE_DATABASE_URL",
            {},
            {"BRANDPULSE_DATABASE_URL": f"postgresql://bp:{RAW_PASSWORD}@127.0.0.1:1/bp"},
            "database.url",
        ),
        ("broker_url in the file", {"broker": "Pq7raw/Zx9raw?Wv4raw"}, {}, "engine.broker_url"),
        ("redis_url from ${ENV}", {}, {"BP_REDIS_PW": RAW_PASSWORD}, "engine.redis_url"),
    ],
)
@pytest.mark.usefixtures("secret_env")
def test_a_password_with_a_raw_slash_or_at_is_refused_and_never_shown(
    tmp_path: Path,
    faults: FaultServer,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    overrides: dict[str, str],
    env: dict[str, str],
    key: str,
) -> None:
    """One line naming the key (percent-encode it), exit 2, and no piece of the password
    in anything printed, for every command that loads the config."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config = render(tmp_path, faults.url, **overrides)
    for command in (["check-config"], ["run", "--once", "-v"], ["sources"], ["status"]):
        printed = invoke(*command, "--config", str(config))
        assert printed.startswith("exit 2"), (where, printed)
        assert f"{key}: the user or password holds a raw" in printed, (where, printed)
        assert [p for p in RAW_PASSWORD_PIECES if p in printed] == [], (where, printed)
        assert leaks(tmp_path, printed) == [], printed
