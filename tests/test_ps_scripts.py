"""Every shipped PowerShell fragment and every assembled fact script: valid syntax (tree-sitter PowerShell grammar)
and read-only (no state-changing cmdlet, program verb or .NET call)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conncheck.collectors import script as fact_script
from conncheck.facts import HOST_ROLES
from conncheck.registry import default_registry

from tests.conftest import REPO
from tests.ps_lint import lint, syntax_errors

SHIPPED = sorted([*REPO.glob("checks/ps/*.ps1"), *REPO.glob("toolkit/data/*.ps1")])
ROLE_SETS = [(r,) for r in HOST_ROLES] + [HOST_ROLES]
SITE = {"name": "contoso", "ca_config": "ca01.contoso.com\\Contoso Issuing CA", "digicert": False,
        "pkcs_templates": ["IntunePKCS", "O'Brien's template"]}


def test_every_declared_fragment_exists() -> None:
    missing = [p.name for p in default_registry().probes.values() if p.fragment and not p.fragment.is_file()]
    assert not missing


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_fragment_is_valid_read_only_powershell(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert not syntax_errors(text)
    assert [str(f) for f in lint(text)] == []


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda r: "+".join(r))
def test_assembled_fact_script_is_valid_read_only_powershell(roles: tuple[str, ...]) -> None:
    built = fact_script.for_roles(roles, SITE)
    assert not syntax_errors(built.text)
    assert [str(f) for f in lint(built.text)] == []
    # one marker and one try/catch wrapper per probe, every probe of the role included (third-party ones too)
    expected = [p.name for p in default_registry().probes.values() if p.powershell and set(p.roles) & set(roles)]
    assert list(built.probes) == expected
    for name in expected:
        block = f"# conncheck-probe: {name}\n$ConncheckProbes['{name}'] = Get-ConncheckProbeResult {{"
        assert built.text.count(block) == 1


def test_site_values_are_quoted_literally() -> None:
    built = fact_script.for_roles(("connector",), {"name": "x'; Remove-Item C:\\ -Recurse; '", "ca_config": "$(evil)"})
    assert "'x''; Remove-Item C:\\ -Recurse; '''" in built.text
    assert "'$(evil)'" in built.text
    assert not lint(built.text)


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
    "$key.SetValue('A', 1)",
    "$base.OpenSubKey('SOFTWARE\\X', $true)",
    "$store.Open('ReadWrite')",
    "[System.IO.File]::WriteAllText('C:\\x', 'y')",
    "$a = $b ?? 'c'",
    "1..3 | ForEach-Object -Parallel { $_ }",
    "& format.com C:",
])
def test_lint_catches_state_changes_and_ps7_syntax(bad: str) -> None:
    assert lint(bad)


@pytest.mark.parametrize("good", [
    "& certutil.exe -ping",
    "& (Join-Path $env:SystemRoot 'System32\\netsh.exe') http show sslcert",
    "Get-CimInstance -ClassName Win32_Service",
    "$x = New-Object System.Collections.ArrayList",
    "$key.OpenSubKey('SOFTWARE\\X', $false)",
])
def test_lint_accepts_read_only_code(good: str) -> None:
    assert not lint(good)
