"""Render the competitor report of the sample database and screenshot it in Chromium.

    python docs/make_report_screenshot.py   # docs/competitor-report.png and the sample PDF

The sample database (tests/report_sample.py) holds real Amazon review snippets assigned to
three brands by a fixed rule. Needs Debian's ``chromium`` (/usr/bin/chromium).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import report_sample  # noqa: E402

from brandpulse.config import load_config  # noqa: E402
from brandpulse.report import produce_report  # noqa: E402
from storage import Repository, init_db, make_engine  # noqa: E402


def _trim(path: Path) -> None:
    """Cut the blank space below the page and store the PNG with a 256-colour palette."""
    from PIL import Image, ImageOps

    image = Image.open(path).convert("RGB")
    box = ImageOps.invert(image.convert("L")).getbbox()
    if box:
        image = image.crop((0, 0, image.width, min(image.height, box[3] + 24)))
    image.quantize(colors=256).save(path, optimize=True)


def main() -> None:
    docs = ROOT / "docs"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine = make_engine(f"sqlite:///{folder / 'sample.db'}")
        init_db(engine)
        repo = Repository(engine)
        report_sample.sample(repo)
        repo.record_failure("initech-play", "HTTP 429 Too Many Requests from play.google.com")
        cfg = load_config(report_sample.write_config(folder, str(engine.url)), env={})
        now = report_sample.NOW
        run = produce_report(
            cfg,
            repo,
            since=now - timedelta(days=28),
            until=now,
            formats=("html", "pdf"),
            output_dir=folder / "out",
            now=now,
        )
        html = folder / "out" / "competitors.html"
        (docs / "competitor-report-sample.pdf").write_bytes(run.docs.pdf or b"")
        subprocess.run(
            [
                "chromium",
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--screenshot={docs / 'competitor-report.png'}",
                "--window-size=1200,6000",
                html.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
    _trim(docs / "competitor-report.png")
    print(f"wrote {docs / 'competitor-report.png'}")  # noqa: T201


if __name__ == "__main__":
    main()
