"""The daemon's schedule and the lock shared with cron runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from brandpulse.config import load_config
from brandpulse.pipeline import Pipeline
from brandpulse.scheduler import (
    MISFIRE_GRACE_S,
    AlreadyRunning,
    build_scheduler,
    lock_path,
    single_instance,
)
from sentiment import VaderAnalyzer

CONFIG = """
[database]
url = "sqlite:///{db}"
[[brands]]
name = "Acme"
own = true
[[sources]]
name = "a"
type = "feed"
url = "http://127.0.0.1:9/a.xml"
interval_minutes = 5
[[sources]]
name = "b"
type = "feed"
url = "http://127.0.0.1:9/b.xml"
enabled = false
[digest]
output_dir = "{out}"
schedule = "30 7 * * mon-fri"
"""


def test_jobs_per_enabled_source_and_digest(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(CONFIG.format(db=tmp_path / "db.sqlite", out=tmp_path / "out"))
    config = load_config(path, env={})
    scheduler = build_scheduler(config, Pipeline(config, analyzer=VaderAnalyzer()))
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"poll:a", "digest", "competitor-report", "deliveries"}
    assert jobs["poll:a"].trigger.interval.total_seconds() == 300
    assert jobs["poll:a"].misfire_grace_time == MISFIRE_GRACE_S
    assert "day_of_week='mon-fri'" in str(jobs["digest"].trigger)
    assert "hour='7'" in str(jobs["digest"].trigger)
    assert lock_path(config) == tmp_path / "out" / ".brandpulse.lock"


def test_second_process_cannot_take_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    probe = (
        "import sys; from pathlib import Path; "
        "from brandpulse.scheduler import single_instance, AlreadyRunning\n"
        "try:\n"
        f"    with single_instance(Path({str(lock)!r})): sys.exit(0)\n"
        "except AlreadyRunning as e:\n"
        "    print(e); sys.exit(3)\n"
    )
    with single_instance(lock):
        held = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        with pytest.raises(AlreadyRunning), single_instance(lock):
            pass
    assert held.returncode == 3 and "another BrandPulse process holds" in held.stdout
    free = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert free.returncode == 0
