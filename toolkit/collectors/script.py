"""The fact script: one PowerShell script per role (or per host's set of roles), assembled from the plugins' probes.

The script is what the WinRM collector sends as its single pipeline, and what ``conncheck script`` prints for an
operator to run by hand. Windows PowerShell 5.1 syntax; any culture, 32- or 64-bit session. Layout::

    # conncheck fact script ...            (comment header: what it is, how to run it, that it changes nothing)
    # conncheck-version: 0.1.0             (machine-readable markers; the lab's simulated hosts read them)
    # conncheck-roles: ndes
    # conncheck-site: {"name": ...}
    Set-StrictMode -Off                    (a profile's StrictMode must not turn a missing property into an error)
    # conncheck-guard: language mode       (before any .NET call: outside FullLanguage every probe says why, and how
    if (...LanguageMode -ne 'FullLanguage') { '<facts JSON>'; return }     to fix it: ``constrained_document``)
    $ConncheckSite = @{...}                (the facts ``site`` section as a hashtable, for probe parameters)
    <prelude: read-only helpers, the JSON writer, Get-ConncheckProbeResult>
    # conncheck-probe: clock               (the clock first, then every other probe in declaration order: one block
    $ConncheckProbes['clock'] = Get-ConncheckProbeResult -BudgetSeconds 20 {  each, run with its time budget)
        <fragment> }
    ...
    # conncheck-epilogue: clock            (the host's clock again after the last probe: clock.data.utc_end)
    <one compact facts JSON document on stdout, pure ASCII>

How a fragment runs comes from its probe's declaration: a probe whose schema is a list has its output objects
gathered into a JSON array by the runner (a fragment never wraps with ``, @()``), and ``budget_s`` is its time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from conncheck import __version__
from conncheck.facts import HOST_ROLES, SCHEMA
from conncheck.plugin import Probe

PROBE_MARKER = "# conncheck-probe: "
GUARD_MARKER = "# conncheck-guard: language mode"
EPILOGUE_MARKER = "# conncheck-epilogue: clock"
FIRST_PROBE = "clock"
# What the whole script may spend on probes: under the collector's default operation_timeout (120 s), so that a
# slow host still answers with every probe it could read, and the ones it could not say so.
SCRIPT_BUDGET_S = 100
_PLACEHOLDER = re.compile(r"(@@\w+@@)")


@dataclass(frozen=True)
class FactScript:
    roles: tuple[str, ...]
    probes: tuple[str, ...]
    text: str



# The characters PowerShell takes for a single quote: the ASCII one and the typographic U+2018 to U+201B.
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
INT64_MAX = 2**63 - 1


def powershell_literal(value: Any) -> str:
    """``value`` as PowerShell 5.1 source that is a literal and nothing else, whatever the value: the one way the
    fact script writes data (the site's expectations, probe names, roles).

    Strings are single-quoted (nothing inside expands) with each quote character doubled; whole numbers are digits
    within Int64; booleans ``$true``/``$false``; None ``$null``; lists ``@(...)`` (one element as ``@(,x)``, so that a
    nested list is not flattened); dicts ``[ordered]@{'key' = ...}`` with string keys, distinct ignoring case as
    PowerShell compares them. Anything else is refused: a float (``nan`` and ``inf`` would be read as command names),
    bytes, an object, a NUL character, a lone surrogate.
    """
    if value is None:
        return "$null"
    if isinstance(value, bool):
        return "$true" if value else "$false"
    if isinstance(value, int):
        if not -INT64_MAX <= value <= INT64_MAX:
            raise ValueError(f"{value} does not fit PowerShell's Int64")
        return str(value)
    if isinstance(value, str):
        if "\x00" in value:  # parsers stop at a NUL (tree-sitter does): the rest of the script would be lost
            raise ValueError("a NUL character has no place in a script")
        if not value.isascii():
            value.encode("utf-8")  # a lone surrogate (UnicodeEncodeError, a ValueError) cannot reach the host
        return "'" + "".join(c * 2 if c in SINGLE_QUOTES else c for c in value) + "'"
    if isinstance(value, (list, tuple)):
        items = [powershell_literal(v) for v in value]
        return f"@(,{items[0]})" if len(items) == 1 else "@(" + ", ".join(items) + ")"
    if isinstance(value, dict):
        seen: set[str] = set()
        for key in value:
            if not isinstance(key, str):
                raise TypeError(f"hashtable keys must be strings, not {type(key).__name__}")
            if key.upper() in seen:
                raise ValueError(f"key {key!r} twice (PowerShell compares hashtable keys ignoring case)")
            seen.add(key.upper())
        entries = "; ".join(f"{powershell_literal(k)} = {powershell_literal(v)}" for k, v in value.items())
        return "[ordered]@{" + entries + "}"
    raise TypeError(f"no PowerShell literal for a {type(value).__name__}")


def _prelude() -> str:
    return resources.files("conncheck").joinpath("data/fact_script_prelude.ps1").read_text(encoding="utf-8")


def probes_for(registry_probes: Iterable[Probe], roles: Iterable[str]) -> list[Probe]:
    """Every PowerShell probe that runs on any of ``roles``, in declaration order, each once."""
    wanted = set(roles)
    return [p for p in registry_probes if p.powershell is not None and wanted & set(p.roles)]


def _indent(text: str) -> str:
    return "\n".join(("    " + line) if line.strip() else "" for line in text.strip("\n").splitlines())


CONSTRAINED_REASON = (
    "the fact script needs FullLanguage and this session runs in @@mode@@ (a JEA endpoint, or AppLocker/WDAC "
    "application control): connect to a session configuration with LanguageMode = 'FullLanguage' (see "
    "examples/jea/conncheck.pssc), or run the script by hand from a folder the host's application control trusts: "
    "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\\collect.ps1"
)


def constrained_document(probes: list[Probe], roles: tuple[str, ...], site: dict[str, Any]) -> tuple[str, str]:
    """What the script prints outside FullLanguage: every probe ``ok: false`` with the reason and the fix.

    Returns (one failed probe's JSON, the document's JSON with ``@@failed@@`` for each probe). ``@@host@@``,
    ``@@mode@@`` and ``@@time@@`` stand for what only the host knows; the guard splices them in.
    """
    failed = json.dumps({"ok": False, "error": CONSTRAINED_REASON, "ms": 0}, separators=(",", ":"))
    document = {
        "schema": SCHEMA,
        "collected_at": "@@time@@",
        "collector": {"version": __version__, "vantage": "fact script on @@host@@"},
        "site": site,
        "hosts": {"@@host@@": {"roles": list(roles), "probes": {p.name: "@@failed@@" for p in probes}}},
    }
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=True)
    return failed, text.replace('"@@failed@@"', "@@failed@@")


def _concatenation(template: str) -> str:
    """A JSON template as a PowerShell expression: single-quoted literals joined with $Conncheck<Placeholder>."""
    pieces = []
    for part in _PLACEHOLDER.split(template):
        if _PLACEHOLDER.fullmatch(part):
            pieces.append("$Conncheck" + part.strip("@").title())
        elif part:
            pieces.append(powershell_literal(part))
    return " + ".join(pieces)


def _guard(failed: str, document: str) -> list[str]:
    """The language-mode guard: only cmdlets, property reads and the types ConstrainedLanguage allows."""
    return [
        GUARD_MARKER,
        "if ([string]$ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {",
        "    $ConncheckMode = [string]$ExecutionContext.SessionState.LanguageMode",
        "    $ConncheckHost = [string]$env:COMPUTERNAME",
        "    try {",
        "        $ConncheckComputer = Get-CimInstance -ClassName Win32_ComputerSystem",
        "        if ($ConncheckComputer.PartOfDomain) {",
        "            $ConncheckHost = [string]$ConncheckComputer.DNSHostName + '.' + [string]$ConncheckComputer.Domain",
        "        }",
        "    } catch {",
        "        $ConncheckHost = [string]$env:COMPUTERNAME",
        "    }",
        "    $ConncheckHost = $ConncheckHost.ToLowerInvariant() -creplace '[^a-z0-9.-]', ''",
        "    $ConncheckTime = [datetime]::UtcNow.ToString('s') + 'Z'",
        "    $ConncheckFailed = " + _concatenation(failed),
        "    " + _concatenation(document),
        "    return",
        "}",
    ]


def _ordered(probes: list[Probe]) -> list[Probe]:
    """The clock first (its reading is not delayed by the other probes), then declaration order."""
    return sorted(probes, key=lambda p: p.name != FIRST_PROBE)


def build(probes: list[Probe], roles: tuple[str, ...], site: dict[str, Any] | None = None,
          budget_s: int = SCRIPT_BUDGET_S) -> FactScript:
    """The fact script for ``roles`` running ``probes`` (see the module docstring for its layout).

    ``budget_s`` bounds what the probes may spend together; keep it under the collector's operation timeout.
    """
    bad = [r for r in roles if r not in HOST_ROLES]
    if bad or not roles:
        raise ValueError(f"fact scripts exist for the roles {', '.join(HOST_ROLES)}, not {bad or 'none'}")
    site = dict(site or {})
    site_json = json.dumps(site, separators=(",", ":"), ensure_ascii=True)
    probes = _ordered(probes)
    lines = [
        f"# conncheck fact script for the role(s): {', '.join(roles)}",
        "# Run it on the host itself, as an administrator, in 64-bit Windows PowerShell 5.1:",
        "#     powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\\collect.ps1 > facts.json",
        "# then evaluate the output anywhere: conncheck evaluate facts.json",
        "# Read-only: it reads certificates, registry values, services, files and event logs; it changes nothing.",
        "# Its output is one JSON document in pure ASCII: any shell's redirection keeps it intact.",
        f"# conncheck-version: {__version__}",
        f"# conncheck-roles: {','.join(roles)}",
        f"# conncheck-site: {site_json}",
        "Set-StrictMode -Off",
        *_guard(*constrained_document(probes, roles, site)),
        "$ErrorActionPreference = 'Stop'",
        "$ProgressPreference = 'SilentlyContinue'",
        f"$ConncheckSite = {powershell_literal(site)}",
        f"$ConncheckScriptBudgetMs = {int(budget_s) * 1000}",
        _prelude().rstrip("\n"),
        "",
    ]
    for probe in probes:
        flags = f"-BudgetSeconds {probe.budget_s}" + (" -List" if probe.returns_list else "")
        lines += [
            f"{PROBE_MARKER}{probe.name}",
            f"$ConncheckProbes[{powershell_literal(probe.name)}] = Get-ConncheckProbeResult {flags} {{",
            _indent(probe.powershell_text()),
            "}",
            "",
        ]
    if any(p.name == FIRST_PROBE for p in probes):
        lines += [
            EPILOGUE_MARKER,
            "if ($ConncheckProbes['clock']['ok']) {",
            "    $ConncheckProbes['clock']['data']['utc_end'] = [DateTime]::UtcNow",
            "}",
            "",
        ]
    lines += [
        "$ConncheckDocument = [ordered]@{",
        f"    schema = {powershell_literal(SCHEMA)}",
        "    collected_at = [DateTime]::UtcNow",
        f"    collector = [ordered]@{{ version = {powershell_literal(__version__)}; "
        "vantage = 'fact script on ' + $ConncheckFqdn }",
        "    site = $ConncheckSite",
        "    hosts = [ordered]@{ $ConncheckFqdn = [ordered]@{ "
        f"roles = {powershell_literal(list(roles))}; probes = $ConncheckProbes }} }}",
        "}",
        "ConvertTo-ConncheckJson $ConncheckDocument",
        "",
    ]
    return FactScript(tuple(roles), tuple(p.name for p in probes), "\n".join(lines))


def for_roles(roles: Iterable[str], site: dict[str, Any] | None = None) -> FactScript:
    """The fact script for a host with ``roles``, from every registered plugin (third-party ones included)."""
    from conncheck.registry import default_registry

    ordered = tuple(r for r in HOST_ROLES if r in set(roles))
    return build(probes_for(default_registry().probes.values(), ordered), ordered, site)
