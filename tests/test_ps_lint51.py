"""The Windows PowerShell 5.1 lint (tests/ps_lint.py ``lint_ps51``): each rule catches a seeded offending fragment,
names what is wrong, and lets the 5.1-safe way of writing the same thing through."""

from __future__ import annotations

import pytest

from tests.ps_lint import lint_ps51

# rule -> (offending fragments, a phrase of the finding, the 5.1-safe spelling)
RULES: dict[str, tuple[list[str], str, str]] = {
    "PowerShell 7 syntax": (
        ["$a = $b ?? 'c'", "$x ??= 1", "$a?.Name", "$a?[0]", "$a = $b ? 1 : 2", "Get-Thing && Get-Other",
         "Get-Thing || Get-Other", "function f { process { 1 } clean { 2 } }"],
        "PowerShell 7",
        "if ($null -eq $b) { $a = 'c' } else { $a = $b }",
    ),
    "cmdlets and parameters newer than 5.1": (
        ["Get-Error", "$j | ConvertFrom-Json -AsHashtable", "$j | ConvertFrom-Json -Depth 5",
         "1..3 | ForEach-Object -Parallel { $_ }", "Join-Path 'a' 'b' 'c' -AdditionalChildPath 'd'",
         "Get-Content x -AsByteStream", "Get-Date -AsUTC", "'a' | Test-Json", "$s = 'a' -replace 'b', { $_.Value }",
         "if ($IsWindows) { 1 }"],
        "PowerShell",
        "$j | ConvertFrom-Json",
    ),
    "2>&1 on a native command": (
        ["$o = & certutil.exe -ping 2>&1", "& (Join-Path $x 'System32\\netsh.exe') http show sslcert 2>&1",
         "$o = w32tm /query /source 2>$null", "& $exe -ping *>&1"],
        "Get-ConncheckNativeResult",
        "$o = Get-ConncheckNativeResult 'certutil.exe' @('-ping')",
    ),
    "formatting without a culture": (
        ["$t.ToString('yyyy-MM-ddTHH:mm:ssZ')", "$n.ToString('N2')", "'{0:N1} s' -f $seconds",
         "Get-Date -Format 'yyyy-MM-dd'", "Get-Date -UFormat '%Y'"],
        "culture",
        "$t.ToString('yyyy-MM-dd', [cultureinfo]::InvariantCulture); $t.ToString('s'); $t.ToString('o')",
    ),
    ".Keys on a dictionary": (
        ["foreach ($k in $values.Keys) { $k }", "$h.Values | ForEach-Object { $_ }"],
        "shadowed",
        "foreach ($entry in $values.GetEnumerator()) { $entry.Key }; $values.get_Keys()",
    ),
    "matching a native tool's text": (
        ["$ping = & certutil.exe -ping; if ($ping -match 'interface is alive') { 1 }",
         "$r = Get-ConncheckNativeResult 'certutil.exe' @('-ping'); $r['stdout'] -like '*alive*'",
         "& netsh.exe http show sslcert | Select-String 'IP:port'",
         "$t = & netsh.exe http show sslcert; $t | Where-Object { $_ -match 'Certificate Hash' }",
         "$t = & netsh.exe http show sslcert; Select-String -InputObject $t -Pattern 'Hash'"],
        "localized",
        "$r = Get-ConncheckNativeResult 'certutil.exe' @('-ping'); $r['exit_code'] -eq 0",
    ),
    "writing besides the data": (
        ["Write-Output $x", "Write-Host 'reading the store'", "echo $x", "Write-Warning 'slow'",
         "$x | Format-Table", "[Console]::WriteLine('x')", "$Host.UI.WriteLine('x')"],
        "JSON document",
        "[ordered]@{ x = 1 }",
    ),
    "paths a 32-bit session redirects": (
        ["Join-Path $env:ProgramFiles 'Microsoft Intune'", "Join-Path ${env:ProgramFiles(x86)} 'x'",
         "Join-Path $env:SystemRoot 'System32\\inetsrv'", "\"$env:windir\\System32\\certutil.exe\""],
        "32-bit session",
        "Get-ConncheckSystemPath 'inetsrv\\config\\applicationHost.config'; Get-ConncheckProgramFiles",
    ),
}
CASES = [(rule, bad) for rule, (bads, _, _) in RULES.items() for bad in bads]


@pytest.mark.parametrize(("rule", "bad"), CASES, ids=[f"{r}: {b}"[:70] for r, b in CASES])
def test_rule_catches_its_seeded_fragment(rule: str, bad: str) -> None:
    phrase = RULES[rule][1]
    findings = [str(f) for f in lint_ps51(bad)]
    assert any(phrase in f for f in findings), findings


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_accepts_the_51_safe_spelling(rule: str) -> None:
    assert [str(f) for f in lint_ps51(RULES[rule][2])] == []


def test_the_native_helper_itself_may_merge_stderr() -> None:
    helper = "function Get-ConncheckNativeResult { param($p, $a)\n foreach ($l in (& $p @a 2>&1)) { $l } }"
    assert lint_ps51(helper) == []
    assert lint_ps51("function Get-Other { & $p 2>&1 }")


def test_a_bare_expression_is_a_fragments_data() -> None:
    assert lint_ps51("$x = 1\n[ordered]@{ x = $x }\n'one more'") == []


WHOLE = """Set-StrictMode -Off
if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    '{"schema":"conncheck.facts/1"}'
    return
}
$ConncheckProbes = [ordered]@{}
function ConvertTo-ConncheckJson { param($Value) '{}' }
{extra}ConvertTo-ConncheckJson $ConncheckDocument
"""


@pytest.mark.parametrize("extra", ["'stray'\n", "Get-Date\n", "$ConncheckProbes.Count\n",
                                   "ConvertTo-ConncheckJson $ConncheckDocument\n",
                                   "if ($true) { 'stray' }\n"])
def test_a_whole_script_writes_one_document(extra: str) -> None:
    assert lint_ps51(WHOLE.replace("{extra}", ""), whole_script=True) == []
    findings = [str(f) for f in lint_ps51(WHOLE.replace("{extra}", extra), whole_script=True)]
    assert any("output stream" in f or "once" in f for f in findings), findings


def test_the_guard_must_print_one_document_then_return() -> None:
    no_return = WHOLE.replace("    return\n", "").replace("{extra}", "")
    assert any("guard" in str(f) for f in lint_ps51(no_return, whole_script=True))
    two = WHOLE.replace("    return\n", "    'again'\n    return\n").replace("{extra}", "")
    assert any("guard" in str(f) for f in lint_ps51(two, whole_script=True))
