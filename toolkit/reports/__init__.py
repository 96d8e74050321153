"""Renderers: a Report in, text out. ``RENDERERS`` maps each ``--format`` name to its function."""

from __future__ import annotations

from collections.abc import Callable

from conncheck.checklist import Report
from conncheck.reports.json_report import render_json
from conncheck.reports.junit import render_junit
from conncheck.reports.markdown import render_markdown
from conncheck.reports.table import render_table

Renderer = Callable[[Report], str]


def _html(report: Report) -> str:
    from conncheck.reports.html import render_report_html  # the page module imports the audit report's pieces

    return render_report_html(report)


RENDERERS: dict[str, Renderer] = {
    "table": render_table,
    "json": render_json,
    "junit": render_junit,
    "markdown": render_markdown,
    "html": _html,
}
