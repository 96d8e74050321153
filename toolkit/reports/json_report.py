"""The ``conncheck.report/1`` JSON contract: stable keys that scripts and ConvertFrom-Json rely on."""

from __future__ import annotations

from conncheck import strict_json
from conncheck.checklist import Report


def render_json(report: Report) -> str:
    return strict_json.dumps(report.to_json(), indent=2) + "\n"
