"""Write the report's files atomically, with timestamped copies under ``archive/``."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection
from datetime import datetime
from pathlib import Path

from digest.report.render import ReportDocuments, chart_filename

#: Every format ``write_report_files`` knows.
FORMATS = ("html", "pdf", "png", "txt", "json")


def _atomic_write(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report_files(
    docs: ReportDocuments,
    *,
    output_dir: Path,
    formats: Collection[str],
    now: datetime,
    stem: str = "competitors",
    archive: bool = True,
) -> list[Path]:
    """Write ``<stem>.html|txt|json|pdf`` and, for ``png``, one ``<stem>-<chart>.png`` per
    chart; documents are also copied to ``archive/<stem>-<UTC time>.<ext>``. A reader
    never sees half a file. Returns the paths written (not the archive copies)."""
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown report format(s) {sorted(unknown)}; choose from {FORMATS}")
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    written: list[Path] = []
    contents: list[tuple[str, bytes]] = []
    if "html" in formats:
        contents.append(("html", docs.html.encode("utf-8")))
    if "txt" in formats:
        contents.append(("txt", docs.text.encode("utf-8")))
    if "json" in formats:
        contents.append(("json", docs.json.encode("utf-8")))
    if "pdf" in formats:
        if docs.pdf is None:
            raise ValueError("the PDF was not rendered: pass pdf=True to render_report")
        contents.append(("pdf", docs.pdf))
    for ext, content in contents:
        latest = output_dir / f"{stem}.{ext}"
        _atomic_write(latest, content)
        if archive:
            _atomic_write(output_dir / "archive" / f"{stem}-{stamp}.{ext}", content)
        written.append(latest)
    if "png" in formats:
        for chart in docs.charts:
            path = output_dir / chart_filename(chart).replace("competitors", stem, 1)
            _atomic_write(path, chart.png)
            written.append(path)
    return written
