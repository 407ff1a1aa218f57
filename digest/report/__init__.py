"""The competitor report as documents: HTML (self-contained or for e-mail), text, JSON,
PDF and PNG charts, and its delivery through apprise with attachments.

``render`` turns a :class:`digest.competitors.CompetitorBenchmark` and its charts into
documents; ``files`` writes them; ``send`` delivers them.
"""

from digest.report.files import write_report_files
from digest.report.render import (
    ReportDocuments,
    period_text,
    render_html,
    render_json,
    render_pdf,
    render_report,
    render_text,
)
from digest.report.send import send_report

__all__ = [
    "ReportDocuments",
    "period_text",
    "render_html",
    "render_json",
    "render_pdf",
    "render_report",
    "render_text",
    "send_report",
    "write_report_files",
]
