"""The CLI end to end: typer's CliRunner for breadth, real subprocesses of the installed script for the wiring.

Facts come from conncheck.lab.samples (real certificates, dates relative to now), written to files as a user would have.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conncheck import __version__
from conncheck.cli.main import app
from conncheck.errors import InputError
from conncheck.lab import samples
from defusedxml import ElementTree
from typer.testing import CliRunner

CODE_ROWS = [
    "0x00000400", "0x00000401", "0x00000402", "0x00000403", "0x00000404", "0x00000405",
    "0x00000408", "0x00000409", "0x00000410", "0x00000411", "0x0FFFFFFF",
]  # fmt: skip


@pytest.fixture(scope="module")
def site_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """healthy.json, demo.json, one file per broken variant, and the healthy site split into one file per host."""
    out = tmp_path_factory.mktemp("facts")
    files = {}
    healthy = samples.healthy_site()
    files["healthy"] = out / "healthy.json"
    files["healthy"].write_text(healthy.facts.dumps(), encoding="utf-8")
    files["demo"] = out / "demo.json"
    files["demo"].write_text(samples.demo_site().dumps(), encoding="utf-8")
    for variant in samples.VARIANTS:
        files[variant.name] = out / f"{variant.name}.json"
        files[variant.name].write_text(samples.variant_site(variant.name).facts.dumps(), encoding="utf-8")
    whole = healthy.facts.to_json()
    for host, body in whole["hosts"].items():
        part = {**whole, "hosts": {host: body}}
        files[f"part:{host}"] = out / f"{host}.json"
        files[f"part:{host}"].write_text(json.dumps(part), encoding="utf-8")
    return files


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout


# ---- evaluate


@pytest.mark.parametrize("fmt", ["table", "json", "junit", "markdown"])
def test_evaluate_healthy_site_in_every_format(site_files: dict[str, Path], fmt: str) -> None:
    code, out = run("evaluate", str(site_files["healthy"]), "--format", fmt)
    assert code == 0, out
    if fmt == "json":
        doc = json.loads(out)
        assert doc["schema"] == "conncheck.report/1"
        assert [r["code"] for r in doc["checklist"]] == [*CODE_ROWS, None]
        assert doc["exit_code"] == 0
    elif fmt == "junit":
        assert ElementTree.fromstring(out.encode("utf-8")).tag == "testsuites"
    else:
        for row in CODE_ROWS:
            assert row in out
        assert "Prerequisites" in out


def test_evaluate_default_format_is_the_table(site_files: dict[str, Path]) -> None:
    _, out = run("evaluate", str(site_files["healthy"]))
    assert out.splitlines()[0].startswith("Site: contoso (example)")
    assert "Code" in out and "Status" in out


def test_exit_1_when_something_fails(site_files: dict[str, Path]) -> None:
    code, out = run("evaluate", str(site_files["ndes-clock-skew"]), "-f", "json")
    assert code == 1
    assert json.loads(out)["exit_code"] == 1


def test_exit_3_when_unknown_and_nothing_fails(site_files: dict[str, Path]) -> None:
    code, out = run("evaluate", str(site_files["unreadable-store"]), "-f", "json")
    assert code == 3
    assert json.loads(out)["summary"]["FAIL"] == 0


def test_strict_makes_warn_exit_1(site_files: dict[str, Path]) -> None:
    # The demo's connector certificate expires in 12 days: 0x405 alone is WARN.
    code, out = run("evaluate", str(site_files["demo"]), "--codes", "0x405", "-f", "json")
    assert code == 0
    assert [r["status"] for r in json.loads(out)["checklist"]] == ["WARN"]
    code, _ = run("evaluate", str(site_files["demo"]), "--codes", "0x405", "--strict")
    assert code == 1


def test_codes_filter_accepts_every_spelling(site_files: dict[str, Path]) -> None:
    code, out = run("evaluate", str(site_files["healthy"]), "--codes", "1027,0x00000405,0x0FFFFFFFF", "-f", "json")
    assert code == 0
    assert [r["code"] for r in json.loads(out)["checklist"]] == ["0x00000403", "0x00000405", "0x0FFFFFFF"]


def test_host_filter(site_files: dict[str, Path]) -> None:
    _, out = run("evaluate", str(site_files["healthy"]), "--host", samples.NDES_HOST, "-f", "json")
    hosts = {c["host"] for row in json.loads(out)["checklist"] for c in row["checks"]}
    assert hosts == {samples.NDES_HOST}


def test_several_documents_merge_into_one_site(site_files: dict[str, Path]) -> None:
    parts = [str(p) for name, p in site_files.items() if name.startswith("part:")]
    assert len(parts) == 3
    _, merged = run("evaluate", *parts, "-f", "json")
    _, whole = run("evaluate", str(site_files["healthy"]), "-f", "json")
    for doc in (json.loads(merged), json.loads(whole)):
        doc.pop("generated_at")
    assert json.loads(merged)["checklist"] == json.loads(whole)["checklist"]


def test_lang_tr(site_files: dict[str, Path]) -> None:
    code, out = run("evaluate", str(site_files["ndes-clock-skew"]), "--lang", "tr")
    assert code == 1
    assert "Durum" in out and "BAŞARISIZ" in out and "Çıkış kodu: 1" in out


def test_output_file(site_files: dict[str, Path], tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out = run("evaluate", str(site_files["healthy"]), "-f", "json", "-o", str(target))
    assert code == 0 and out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["schema"] == "conncheck.report/1"


def test_output_never_overwrites_an_input(site_files: dict[str, Path]) -> None:
    before = site_files["healthy"].read_bytes()
    with pytest.raises(InputError, match="refusing to overwrite"):
        run("evaluate", str(site_files["healthy"]), "-o", str(site_files["healthy"]))
    assert site_files["healthy"].read_bytes() == before


def test_demo_says_it_is_example_data() -> None:
    result = CliRunner().invoke(app, ["demo"])
    assert result.exit_code == 1  # the demo site has faults
    assert "EXAMPLE" in result.stderr
    assert "EXAMPLE DATA" in result.stdout
    for row in CODE_ROWS:
        assert row in result.stdout


# ---- explain and list-checks


@pytest.mark.parametrize(
    ("spelled", "header", "note"),
    [
        ("0x403", "0x00000403 CertThumbprint_NotFound", "0x403 is 0x00000403 written another way"),
        ("0x00000403", "0x00000403 CertThumbprint_NotFound", None),
        ("1027", "0x00000403 CertThumbprint_NotFound", "1027 is decimal for 0x00000403"),
        ("0x0FFFFFFFF", "0x0FFFFFFF Unknown_Error", "published table's spelling of 0x0FFFFFFF"),
        ("0x0FFFFFFF", "0x0FFFFFFF Unknown_Error", None),
        ("0xC0000", "0x00000000 Success", "published table's spelling of 0x00000000"),
        ("0x00000000", "0x00000000 Success", None),
        ("0x402", "0x00000402 RevokeCert_AccessDenied", "written another way"),
        ("0xFFFFFFFF", "0x0FFFFFFF Unknown_Error", "0xFFFFFFFF equals 0x0FFFFFFFF, the published table's spelling"),
        ("0xc0000", "0x00000000 Success", "published table's spelling of 0x00000000"),
    ],
)
def test_explain_every_spelling(spelled: str, header: str, note: str | None) -> None:
    code, out = run("explain", spelled)
    assert code == 0
    assert f"Diagnostic code: {header}" in out
    if note is None:
        assert "Note:" not in out
    else:
        assert note in out
    assert "Meaning:" in out and "What to do:" in out


def test_explain_code_lists_events_and_the_checks_behind_it() -> None:
    from conncheck.registry import default_registry

    behind = [c.id for c in default_registry().checks.values() if 0x402 in c.codes]
    _, out = run("explain", "0x402")
    assert "20202 RevokeCert_Failure" in out
    assert behind, "no built-in check stands behind 0x402"
    for check_id in behind:
        assert check_id in out


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ("20502", ["CRPVerifyMetric_Failure", "0x00000408 CRPSCEPCert_NotFound", "0x00000410"]),
        ("10010", ["StartedConnectorService", "Nothing to do"]),
        ("1001", ["PkcsRequestFailure", "Microsoft-Intune-CertificateConnectors/Admin", "20102 PkcsCertIssue_Failure"]),
        ("4005", ["ScepVerifyFailure", "/Operational"]),
    ],
)
def test_explain_events_of_both_generations(event: str, expected: list[str]) -> None:
    code, out = run("explain", event)
    assert code == 0
    for text in expected:
        assert text in out


def test_explain_a_number_that_is_both_event_and_code() -> None:
    _, out = run("explain", "1032")
    assert "1032 is both event ID 1032 and the decimal spelling of code 0x00000408" in out
    assert "PkcsDigiCertRequest" in out and "CRPSCEPCert_NotFound" in out


def test_explain_in_turkish() -> None:
    _, out = run("explain", "0x0FFFFFFFF", "--lang", "tr")
    assert "Tanılama kodu: 0x0FFFFFFF Unknown_Error" in out
    assert "yayımlanan tablonun" in out and "Yapılacaklar:" in out


@pytest.mark.parametrize("bad", ["0x412", "0x406", "99999", "abc", "0x", ""])
def test_explain_unknown_is_an_input_error(bad: str) -> None:
    with pytest.raises(InputError) as info:
        run("explain", bad)
    assert "\n" not in str(info.value)


def test_list_checks_table_and_json() -> None:
    from conncheck.registry import default_registry

    registry = default_registry()
    code, table = run("list-checks")
    assert code == 0
    assert table.split()[:5] == ["id", "title", "codes", "roles", "probes"]
    for check_id in registry.checks:
        assert check_id in table
    code, out = run("list-checks", "--format", "json")
    doc = json.loads(out)
    assert [c["id"] for c in doc] == list(registry.checks)
    assert {"id", "title", "codes", "roles", "probes"} <= set(doc[0])
    covered = {code for c in doc for code in c["codes"]}
    assert set(CODE_ROWS) <= covered, f"codes without a check: {set(CODE_ROWS) - covered}"


def test_version() -> None:
    code, out = run("--version")
    assert (code, out.strip()) == (0, f"conncheck {__version__}")


# ---- the installed script, as a real process


def script() -> str:
    here = Path(sys.executable).parent
    for candidate in (here / "conncheck", here / "conncheck.exe"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("conncheck")
    if found is None:
        pytest.fail("the conncheck console script is not installed next to this Python (pip install -e .)")
    return found


def proc(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CONNCHECK_DEBUG"}
    return subprocess.run([script(), *args], capture_output=True, text=True, encoding="utf-8", env=env, timeout=120)


def test_script_version_and_help() -> None:
    done = proc("--version")
    assert (done.returncode, done.stdout.strip(), done.stderr) == (0, f"conncheck {__version__}", "")
    done = proc("--help")
    assert done.returncode == 0
    for command in ("evaluate", "explain", "list-checks", "demo"):
        assert command in done.stdout


@pytest.mark.parametrize(("variant", "exit_code"), [("healthy", 0), ("ndes-clock-skew", 1), ("unreadable-store", 3)])
def test_script_evaluate_exit_codes(site_files: dict[str, Path], variant: str, exit_code: int) -> None:
    done = proc("evaluate", str(site_files[variant]), "--format", "json")
    assert done.returncode == exit_code, done.stderr
    assert json.loads(done.stdout)["exit_code"] == exit_code


def test_script_explain_and_list_checks() -> None:
    done = proc("explain", "0xC0000")
    assert done.returncode == 0 and "0x00000000 Success" in done.stdout
    done = proc("list-checks", "--format", "json")
    assert done.returncode == 0 and json.loads(done.stdout)


def bad_inputs(tmp: Path) -> dict[str, tuple[list[str], str]]:
    (tmp / "notjson.json").write_text("{ hosts: nope", encoding="utf-8")
    (tmp / "wrong.json").write_text(json.dumps({"schema": "conncheck.report/1"}), encoding="utf-8")
    future = {"schema": "conncheck.facts/7", "collected_at": "2026-01-01T00:00:00Z", "hosts": {}}
    (tmp / "future.json").write_text(json.dumps(future), encoding="utf-8")
    (tmp / "empty.json").write_bytes(b"")
    (tmp / "valid.json").write_text(json.dumps({**future, "schema": "conncheck.facts/1"}), encoding="utf-8")
    return {
        "not json": (["evaluate", str(tmp / "notjson.json")], "not valid JSON"),
        "wrong schema": (["evaluate", str(tmp / "wrong.json")], "not a conncheck facts document"),
        "future schema": (["evaluate", str(tmp / "future.json")], "upgrade conncheck"),
        "missing file": (["evaluate", str(tmp / "absent.json")], "no such file"),
        "empty file": (["evaluate", str(tmp / "empty.json")], "empty file"),
        "directory": (["evaluate", str(tmp)], "is a directory"),
        "bad code": (["evaluate", str(tmp / "valid.json"), "--codes", "0x999"], "not a diagnostic code"),
        "unknown code": (["explain", "0x412"], "neither a diagnostic code"),
        "not a number": (["explain", "zero"], "not a code or event ID"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "not json", "wrong schema", "future schema", "missing file", "empty file", "directory", "bad code",
        "unknown code", "not a number",
    ],
)  # fmt: skip
def test_script_bad_input_is_one_line_on_stderr_exit_2(tmp_path: Path, case: str) -> None:
    args, expected = bad_inputs(tmp_path)[case]
    done = proc(*args)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("conncheck: error: ") and expected in lines[0]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "args", [["evaluate"], ["evaluate", "x.json", "--format", "yaml"], ["explain"], ["no-such-command"]]
)
def test_script_usage_errors_exit_2_without_traceback(args: list[str]) -> None:
    done = proc(*args)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.strip()


def test_script_reads_utf16_facts_from_powershell(site_files: dict[str, Path], tmp_path: Path) -> None:
    text = site_files["healthy"].read_text(encoding="utf-8")
    ps = tmp_path / "ps51.json"
    ps.write_bytes(b"\xff\xfe" + text.replace("\n", "\r\n").encode("utf-16-le"))
    done = proc("evaluate", str(ps), "-f", "json")
    assert done.returncode == 0, done.stderr
