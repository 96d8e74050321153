"""Every shipped PowerShell fragment and every assembled fact script: valid syntax (tree-sitter PowerShell grammar),
read-only (no state-changing cmdlet, program verb or .NET call) and safe on Windows PowerShell 5.1 in any culture
(tests/ps_lint.py); and the assembled script's layout: StrictMode off and the language-mode guard before any .NET
call, the clock first and again in the epilogue, each probe run with its declared budget and list flag."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conncheck.catalog import load as load_catalog
from conncheck.collectors import script as fact_script
from conncheck.facts import HOST_ROLES, SCHEMA
from conncheck.lab.hosts import guard_output
from conncheck.plugin import Probe
from conncheck.registry import default_registry

from tests.conftest import REPO
from tests.ps_lint import lint, lint_ps51, parse, syntax_errors

SHIPPED = sorted([*REPO.glob("checks/ps/*.ps1"), *REPO.glob("toolkit/data/*.ps1"),
                  *REPO.glob("examples/plugin/*/ps/*.ps1")])
ROLE_SETS = [(r,) for r in HOST_ROLES] + [HOST_ROLES]
SITE = {"name": "contoso", "ca_config": "ca01.contoso.com\\Contoso Issuing CA", "digicert": False,
        "pkcs_templates": ["IntunePKCS", "O'Brien's template"]}
# The types ConstrainedLanguage lets a script use (about_Language_Modes, "Allowed Types"), as the guard spells them.
CONSTRAINED_TYPES = {"string", "datetime", "cultureinfo", "int", "bool", "hashtable", "ordered", "array", "void"}


def _declared(roles: tuple[str, ...]) -> list[str]:
    return [p.name for p in default_registry().probes.values() if p.powershell and set(p.roles) & set(roles)]


def test_every_declared_fragment_exists() -> None:
    missing = [p.name for p in default_registry().probes.values() if p.fragment and not p.fragment.is_file()]
    assert not missing


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_fragment_is_valid_read_only_powershell_51(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not syntax_errors(text)
    assert [str(f) for f in lint(text)] == []
    assert [str(f) for f in lint_ps51(text)] == []
    assert text.isascii(), "fragments stay ASCII: the script must survive any code page it is saved in"


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda r: "+".join(r))
def test_assembled_fact_script_is_valid_read_only_powershell_51(roles: tuple[str, ...]) -> None:
    built = fact_script.for_roles(roles, SITE)
    assert not syntax_errors(built.text)
    assert [str(f) for f in lint(built.text)] == []
    assert [str(f) for f in lint_ps51(built.text, whole_script=True)] == []
    # every probe of the role once (third-party ones too), the clock first, then declaration order
    declared = _declared(roles)
    assert list(built.probes) == ["clock", *[n for n in declared if n != "clock"]]
    for name in declared:
        assert len(re.findall(rf"^# conncheck-probe: {name}\n\$ConncheckProbes\['{name}'\] = "
                              r"Get-ConncheckProbeResult -BudgetSeconds \d+( -List)? \{$", built.text, re.M)) == 1


def test_strict_mode_and_the_language_guard_come_before_any_dotnet_call() -> None:
    text = fact_script.for_roles(("ndes",), SITE).text
    code = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert code[0] == "Set-StrictMode -Off"
    assert code[1] == "if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {"
    guard_end = code.index("}")
    before = "\n".join(code[:guard_end])
    assert "$ErrorActionPreference" not in before and "ConvertTo-Conncheck" not in before
    # Inside the guard only the types ConstrainedLanguage allows, and no helper of the prelude (not defined yet).
    tree = parse(before)
    stack = [tree.root_node]
    types = set()
    while stack:
        node = stack.pop()
        if node.type == "type_literal":
            types.add(node.text.decode().strip("[]").lower())
        stack.extend(node.children)
    assert types <= CONSTRAINED_TYPES, types - CONSTRAINED_TYPES
    assert "Get-Conncheck" not in before


def _guard_document(text: str, host: str = "ndes01.contoso.com") -> dict:
    """The guard's document as PowerShell would build it (single-quoted literals joined with variables)."""
    printed = guard_output(text, {"ConncheckHost": host, "ConncheckMode": "ConstrainedLanguage",
                                  "ConncheckTime": "2026-11-25T09:00:00Z"})
    assert printed is not None and printed.isascii()
    return json.loads(printed)


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda r: "+".join(r))
def test_outside_full_language_every_probe_says_why_and_how_to_fix_it(roles: tuple[str, ...]) -> None:
    built = fact_script.for_roles(roles, SITE)
    doc = _guard_document(built.text)
    assert doc["schema"] == SCHEMA and doc["site"] == SITE and doc["collected_at"] == "2026-11-25T09:00:00Z"
    (host,) = doc["hosts"].values()
    assert host["roles"] == list(roles) and list(host["probes"]) == list(built.probes)
    for probe in host["probes"].values():
        assert probe["ok"] is False
        assert "runs in ConstrainedLanguage" in probe["error"]
        assert "LanguageMode = 'FullLanguage'" in probe["error"] and "-NoProfile" in probe["error"]


def test_the_epilogue_reads_the_clock_after_the_last_probe() -> None:
    text = fact_script.for_roles(("connector",), SITE).text
    last_probe = text.rindex("# conncheck-probe: ")
    epilogue = text.index("# conncheck-epilogue: clock")
    assert last_probe < epilogue < text.index("ConvertTo-ConncheckJson $ConncheckDocument")
    assert "$ConncheckProbes['clock']['data']['utc_end'] = [DateTime]::UtcNow" in text[epilogue:]


def test_the_script_budget_is_set_below_the_operation_timeout() -> None:
    probes = fact_script.probes_for(default_registry().probes.values(), ("ca",))
    assert "$ConncheckScriptBudgetMs = 100000\n" in fact_script.build(probes, ("ca",), SITE).text
    assert "$ConncheckScriptBudgetMs = 45000\n" in fact_script.build(probes, ("ca",), SITE, budget_s=45).text


def _probe(tmp_path: Path, text: str) -> Probe:
    path = tmp_path / "p.ps1"
    path.write_text(text, encoding="utf-8")
    return Probe("p", ("ndes",), "test", path)


def test_list_probes_are_declared_as_lists() -> None:
    """A list schema makes a list probe; the runner, not the fragment, keeps its data an array."""
    lists = {"services", "certs_my", "certs_root", "installed_software", "windows_features", "app_pools",
             "iis_iusrs_members"}
    probes = {p.name: p for p in default_registry().probes.values() if p.powershell}
    assert {n for n, p in probes.items() if p.returns_list} == lists
    script = fact_script.for_roles(("connector", "ca", "ndes")).text
    for name, probe in probes.items():
        flags = f"-BudgetSeconds {probe.budget_s}" + (" -List" if name in lists else "")
        assert f"$ConncheckProbes['{name}'] = Get-ConncheckProbeResult {flags} {{" in script
    assert not any(", @(" in p.powershell_text() for p in probes.values())


def test_event_filter_covers_every_catalogued_connector_event() -> None:
    text = (REPO / "checks" / "ps" / "events.ps1").read_text(encoding="utf-8")
    ranges = [(int(a), int(b)) for a, b in re.findall(r"EventID >= (\d+) and EventID <= (\d+)", text)]
    assert ranges
    ids = {event.id for event in load_catalog().events}
    assert ids and all(any(low <= i <= high for low, high in ranges) for i in ids)
    prelude = (REPO / "toolkit" / "data" / "fact_script_prelude.ps1").read_text(encoding="utf-8")
    reader = prelude[prelude.index("function Read-ConncheckEventLog"):prelude.index("# --- native programs")]
    assert "Read-ConncheckEventLog" in text and "-FilterXPath $Filter" in reader
    assert ".FormatDescription(" not in text + reader


def test_site_values_are_quoted_literally() -> None:
    built = fact_script.for_roles(("connector",), {"name": "x'; Remove-Item C:\\ -Recurse; '", "ca_config": "$(evil)"})
    assert "'x''; Remove-Item C:\\ -Recurse; '''" in built.text
    assert "'$(evil)'" in built.text
    assert not lint(built.text)
    assert _guard_document(built.text)["site"]["name"] == "x'; Remove-Item C:\\ -Recurse; '"


@pytest.mark.parametrize("bad", [
    "Set-ItemProperty -Path HKLM:\\X -Name A -Value 1",
    "Remove-TypeData System.Array",
    "Stop-Service CertSvc",
    "rm C:\\temp\\x",
    "'x' | Out-File C:\\x.txt",
    "& certutil.exe -setreg CA\\CRLPeriod Weeks",
    "& (Join-Path $env:SystemRoot 'System32\\certutil.exe') -crl",
    "certutil -f -ping",
    "netsh http add sslcert ipport=0.0.0.0:443",
    "& sc.exe config CertSvc start= disabled",
    "Get-ConncheckNativeResult 'certutil.exe' @('-setreg', 'CA\\CRLPeriod', 'Weeks')",
    "Get-ConncheckNativeResult 'netsh.exe' @('http', 'delete', 'sslcert')",
    "Get-ConncheckNativeResult 'format.com' @('C:')",
    "$key.SetValue('A', 1)",
    "$base.OpenSubKey('SOFTWARE\\X', $true)",
    "$store.Open('ReadWrite')",
    "[System.IO.File]::WriteAllText('C:\\x', 'y')",
    "& format.com C:",
])
def test_lint_catches_state_changes(bad: str) -> None:
    assert lint(bad)


@pytest.mark.parametrize("good", [
    "& certutil.exe -ping",
    "& (Join-Path $env:SystemRoot 'System32\\netsh.exe') http show sslcert",
    "Get-ConncheckNativeResult 'certutil.exe' @('-ping')",
    "Get-ConncheckNativeResult 'netsh.exe' @('http', 'show', 'sslcert')",
    "Get-CimInstance -ClassName Win32_Service",
    "$x = New-Object System.Collections.ArrayList",
    "$key.OpenSubKey('SOFTWARE\\X', $false)",
    "Set-StrictMode -Off",
])
def test_lint_accepts_read_only_code(good: str) -> None:
    assert not lint(good)
