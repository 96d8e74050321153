"""The ``conncheck.report/1`` JSON contract: stable keys that scripts and ConvertFrom-Json rely on."""

from __future__ import annotations

import json

from conncheck.checklist import Report


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False, default=str) + "\n"
