"""The four renderers: table, json (the conncheck.report/1 contract), junit (valid XML), markdown."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conncheck.catalog import load
from conncheck.checklist import Report, build_report
from conncheck.reports import RENDERERS
from conncheck.results import Result, Status
from defusedxml import ElementTree

from tests.engine_fixtures import NOW_DT

CODE_ROWS = [
    "0x00000400", "0x00000401", "0x00000402", "0x00000403", "0x00000404", "0x00000405",
    "0x00000408", "0x00000409", "0x00000410", "0x00000411", "0x0FFFFFFF",
]  # fmt: skip

RESULTS = [
    Result(
        "cert_present",
        "Connector certificate present",
        "conn01",
        Status.PASS,
        "found",
        {"thumbprint": "AB"},
        None,
        (0x404,),
    ),
    Result(
        "cert_not_expired",
        "Connector certificate valid",
        "conn01",
        Status.WARN,
        "expires in 12 days",
        {"days_left": 12.0, "dates": ["2026-01-01", "2026-03-13"]},
        "Renew it.",
        (0x405,),
    ),
    Result(
        "ca_manage_right",
        "Connector may manage certificates",
        "ca01",
        Status.FAIL,
        'CONTOSO\\svc | lacks <Issue & Manage> "0x2"',
        {"mask": 0x300, "trustee": "CONTOSO\\svc"},
        "Grant Issue and Manage Certificates.",
        (0x402,),
    ),
    Result(
        "store_readable",
        "Store read",
        "conn01",
        Status.UNKNOWN,
        "could not read certs_my on conn01: denied",
        {"probe": "certs_my"},
        "Make sure conncheck can collect this input.",
        (0x403, 0x404),
    ),
    Result(
        "digicert_ra",
        "DigiCert RA certificate",
        "-",
        Status.SKIP,
        "not applicable: no DigiCert CA",
        {},
        None,
        (0x401,),
    ),
    Result(
        "dotnet_472", ".NET Framework ≥ 4.7.2 (İ ş ğ)", "ndes01", Status.PASS, "Release 528040", {}, None, ()
    ),
]


def report(lang: str = "en", strict: bool = False) -> Report:
    return build_report("contoso", RESULTS, load(), generated_at=NOW_DT, collected_at=NOW_DT, lang=lang,
                        strict=strict)  # fmt: skip


def test_every_format_is_rendered() -> None:
    assert set(RENDERERS) == {"table", "json", "junit", "markdown", "html"}
    for name, render in RENDERERS.items():
        out = render(report())
        assert out.endswith("\n"), name
        assert "contoso" in out, name


# ---- json: the contract of issue 2

REPORT_KEYS = {"schema", "site", "generated_at", "summary", "exit_code", "checklist"}
ROW_KEYS = {"code", "name", "status", "checks"}
CHECK_KEYS = {"id", "title", "host", "status", "finding", "evidence", "remediation"}
# Added by this implementation on top of the contract (additions are allowed; removals and renames are not).
REPORT_EXTRAS = {"collected_at"}
ROW_EXTRAS = {"message"}


def parsed() -> dict[str, Any]:
    return json.loads(RENDERERS["json"](report()))


def test_json_contract_keys_exactly() -> None:
    doc = parsed()
    assert set(doc) == REPORT_KEYS | REPORT_EXTRAS
    assert doc["schema"] == "conncheck.report/1"
    assert doc["site"] == "contoso"
    assert doc["generated_at"] == "2026-03-01T12:00:00Z"
    assert doc["exit_code"] == 1
    assert doc["summary"] == {"PASS": 2, "WARN": 1, "FAIL": 1, "UNKNOWN": 1, "SKIP": 1}
    for row in doc["checklist"]:
        assert set(row) == ROW_KEYS | ROW_EXTRAS
        for check in row["checks"]:
            assert set(check) == CHECK_KEYS


def test_json_rows_codes_names_and_prerequisites() -> None:
    rows = parsed()["checklist"]
    assert [r["code"] for r in rows] == [*CODE_ROWS, None]
    assert rows[0]["name"] == "PKCS_Issue_CA_Unavailable"
    assert rows[-1]["name"] == "Prerequisites"
    by_code = {r["code"]: r for r in rows}
    assert by_code["0x00000402"]["status"] == "FAIL"
    assert by_code["0x00000404"]["status"] == "UNKNOWN"
    assert by_code["0x00000405"]["status"] == "WARN"
    assert by_code["0x00000401"]["status"] == "SKIP"
    assert by_code["0x00000400"] == {**by_code["0x00000400"], "status": "SKIP", "checks": []}
    fail = by_code["0x00000402"]["checks"][0]
    assert fail == {
        "id": "ca_manage_right",
        "title": "Connector may manage certificates",
        "host": "ca01",
        "status": "FAIL",
        "finding": 'CONTOSO\\svc | lacks <Issue & Manage> "0x2"',
        "evidence": {"mask": 0x300, "trustee": "CONTOSO\\svc"},
        "remediation": "Grant Issue and Manage Certificates.",
    }
    assert by_code[None]["checks"][0]["remediation"] is None


def _keys_case_insensitively_unique(value: Any) -> bool:
    if isinstance(value, dict):
        lowered = [k.lower() for k in value]
        unique = len(lowered) == len(set(lowered))
        return unique and all(_keys_case_insensitively_unique(v) for v in value.values())
    if isinstance(value, list):
        return all(_keys_case_insensitively_unique(v) for v in value)
    return True


def test_json_reads_in_powershell() -> None:
    # ConvertFrom-Json treats keys case-insensitively: two keys differing only in case break it.
    text = RENDERERS["json"](report())
    assert _keys_case_insensitively_unique(json.loads(text))
    # ASCII, \u escapes: a pipe or redirect in any console code page (cp1252, cp857) reads the same (issue 14)
    assert text.isascii() and "\\u0130 \\u015f \\u011f" in text
    assert "İ ş ğ" in json.dumps(json.loads(text), ensure_ascii=False)


def test_json_turkish_keeps_keys_and_status_words() -> None:
    doc = json.loads(RENDERERS["json"](report("tr")))
    assert set(doc) == REPORT_KEYS | REPORT_EXTRAS
    assert {r["status"] for r in doc["checklist"]} <= {s.value for s in Status}
    assert doc["checklist"][-1]["name"] == "Prerequisites"


# ---- junit


def test_junit_is_xml_with_one_testcase_per_result() -> None:
    root = ElementTree.fromstring(RENDERERS["junit"](report()).encode("utf-8"))
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == sum(len(r.results) for r in report().rows)
    assert len(root.findall("./testsuite")) == 12
    names = {c.get("name") for c in cases}
    assert {f"{r.check_id} @ {r.host}" for r in RESULTS} <= names


def test_junit_maps_statuses() -> None:
    root = ElementTree.fromstring(RENDERERS["junit"](report()).encode("utf-8"))
    failures = root.findall(".//testcase/failure")
    errors = root.findall(".//testcase/error")
    skipped = root.findall(".//testcase/skipped")
    assert [f.get("message") for f in failures] == [RESULTS[2].finding]  # special characters survive escaping
    assert "Grant Issue and Manage Certificates." in (failures[0].text or "")
    assert len(errors) == 2  # store_readable stands behind 0x403 and 0x404: one testcase in each row
    assert len(skipped) == 1
    suite = next(s for s in root.findall("testsuite") if s.get("name", "").startswith("0x00000402"))
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("1", "1", "0")


# ---- table and markdown


def test_table_lists_every_row_and_the_details() -> None:
    out = RENDERERS["table"](report())
    for code in CODE_ROWS:
        assert code in out
    assert "Prerequisites" in out
    assert "[FAIL] ca_manage_right @ ca01" in out
    assert "Fix: Grant Issue and Manage Certificates." in out
    assert "cert_present" not in out  # PASS results stay in the counts, not in the details
    assert out.index("[FAIL]") < out.index("[UNKNOWN]") < out.index("[WARN]")
    assert "Exit code: 1" in out


def test_table_in_turkish() -> None:
    out = RENDERERS["table"](report("tr"))
    assert "Kod" in out and "Durum" in out and "BAŞARISIZ" in out and "Çözüm" in out


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_markdown_is_a_github_table_with_escaped_cells(lang: str) -> None:
    out = RENDERERS["markdown"](report(lang))
    lines = out.splitlines()
    assert lines[0] == "# conncheck: contoso"
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 2 + 12  # header, separator, one line per row
    assert all(line.count("|") - line.count("\\|") == table[0].count("|") for line in table)
    assert "svc \\| lacks" in out


def test_strict_changes_the_exit_code_in_every_format() -> None:
    warn_only = [r for r in RESULTS if r.status in (Status.PASS, Status.WARN)]
    lenient = build_report("s", warn_only, load(), generated_at=NOW_DT, collected_at=NOW_DT)
    strict = build_report("s", warn_only, load(), generated_at=NOW_DT, collected_at=NOW_DT, strict=True)
    assert json.loads(RENDERERS["json"](lenient))["exit_code"] == 0
    assert json.loads(RENDERERS["json"](strict))["exit_code"] == 1


def test_table_folds_a_host_that_could_not_be_read_into_one_line() -> None:
    """An unreachable host makes every check on it UNKNOWN for one reason: the console says so once."""
    from conncheck import catalog
    from conncheck.checklist import build_report
    from conncheck.evaluate import evaluate
    from conncheck.facts import ProbeResult
    from conncheck.lab import samples
    from conncheck.registry import default_registry
    from conncheck.reports.table import render_table

    site = samples.healthy_site()
    target = site.facts.hosts[samples.CA_HOST]
    target.probes = {name: ProbeResult.failure("DNS: cannot resolve ca01.contoso.com") for name in target.probes}
    results = evaluate(site.facts, default_registry())
    report = build_report("s", results, catalog.load(), generated_at=site.now, collected_at=site.now)
    text = render_table(report)
    unknown_on_ca = [r for r in results if r.host == samples.CA_HOST and r.status.value == "UNKNOWN"]
    assert len(unknown_on_ca) >= 3
    assert f"{len(unknown_on_ca)} checks @ {samples.CA_HOST}: DNS: cannot resolve ca01.contoso.com" in text
    assert f"certsvc_running @ {samples.CA_HOST}" not in text  # folded, not listed one by one
