"""JUnit XML for CI systems: one testsuite per checklist row, one testcase per check result."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

from conncheck.checklist import Report
from conncheck.reports.labels import word
from conncheck.reports.rows import row_name
from conncheck.results import Status


def render_junit(report: Report) -> str:
    lang = report.lang
    suites = ET.Element("testsuites", name=f"conncheck {report.site}")
    for row in report.rows:
        suite = ET.SubElement(suites, "testsuite", name=f"{row.code_hex or '-'} {row_name(row, lang)}")
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for r in row.results:
            counts["tests"] += 1
            case = ET.SubElement(
                suite, "testcase", classname=f"{row.name}.{r.check_id}", name=f"{r.check_id} @ {r.host}"
            )
            body = r.finding
            if r.evidence:
                shown = json.dumps(r.evidence, default=str, ensure_ascii=False)
                body += f"\n{word('evidence', lang).lower()}: {shown}"
            if r.remediation:
                body += f"\n{word('fix', lang).lower()}: " + r.remediation
            if r.status is Status.FAIL:
                counts["failures"] += 1
                ET.SubElement(case, "failure", message=r.finding, type="FAIL").text = body
            elif r.status is Status.UNKNOWN:
                counts["errors"] += 1
                ET.SubElement(case, "error", message=r.finding, type="UNKNOWN").text = body
            elif r.status is Status.SKIP:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=r.finding)
            else:
                ET.SubElement(case, "system-out").text = f"{r.status.value}: {body}"
        for key, value in counts.items():
            suite.set(key, str(value))
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
