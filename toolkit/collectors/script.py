"""The fact script: one PowerShell script per role (or per host's set of roles), assembled from the plugins' probes.

The script is what the WinRM collector sends as its single pipeline, and what ``conncheck script`` prints for an
operator to run by hand. Windows PowerShell 5.1 syntax. Layout::

    # conncheck fact script ...            (comment header: what it is, how to run it, that it changes nothing)
    # conncheck-version: 0.1.0             (machine-readable markers; the lab's simulated hosts read them)
    # conncheck-roles: ndes
    # conncheck-site: {"name": ...}
    $ConncheckSite = @{...}                (the facts ``site`` section as a hashtable, for probe parameters)
    <prelude: read-only helpers, the JSON writer, Get-ConncheckProbeResult>
    # conncheck-probe: mscep_registry      (one block per probe, each in its own try/catch with its timing)
    $ConncheckProbes['mscep_registry'] = Get-ConncheckProbeResult { <fragment> }
    ...
    <one compact facts JSON document on stdout>
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from conncheck import __version__
from conncheck.facts import HOST_ROLES, SCHEMA
from conncheck.plugin import Probe

PROBE_MARKER = "# conncheck-probe: "


@dataclass(frozen=True)
class FactScript:
    roles: tuple[str, ...]
    probes: tuple[str, ...]
    text: str


def powershell_literal(value: Any) -> str:
    """A Python value as a PowerShell 5.1 literal (strings single-quoted, lists @(), dicts [ordered]@{})."""
    if value is None:
        return "$null"
    if isinstance(value, bool):
        return "$true" if value else "$false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "@(" + ", ".join(powershell_literal(v) for v in value) + ")"
    if isinstance(value, dict):
        items = "; ".join(f"{powershell_literal(str(k))} = {powershell_literal(v)}" for k, v in value.items())
        return "[ordered]@{" + items + "}"
    # Single-quoted strings expand nothing; a quote is doubled. PowerShell also treats the typographic single
    # quotes as quotes, so they are doubled too.
    text = str(value)
    for quote in ("'", "\u2018", "\u2019", "\u201a", "\u201b"):
        text = text.replace(quote, quote * 2)
    return "'" + text + "'"


def _prelude() -> str:
    return resources.files("conncheck").joinpath("data/fact_script_prelude.ps1").read_text(encoding="utf-8")


def probes_for(registry_probes: Iterable[Probe], roles: Iterable[str]) -> list[Probe]:
    """Every PowerShell probe that runs on any of ``roles``, in declaration order, each once."""
    wanted = set(roles)
    return [p for p in registry_probes if p.powershell is not None and wanted & set(p.roles)]


def _indent(text: str) -> str:
    return "\n".join(("    " + line) if line.strip() else "" for line in text.strip("\n").splitlines())


def build(probes: list[Probe], roles: tuple[str, ...], site: dict[str, Any] | None = None) -> FactScript:
    """The fact script for ``roles`` running ``probes`` (see the module docstring for its layout)."""
    bad = [r for r in roles if r not in HOST_ROLES]
    if bad or not roles:
        raise ValueError(f"fact scripts exist for the roles {', '.join(HOST_ROLES)}, not {bad or 'none'}")
    site = dict(site or {})
    site_json = json.dumps(site, separators=(",", ":"), ensure_ascii=True)
    lines = [
        f"# conncheck fact script for the role(s): {', '.join(roles)}",
        "# Run it on the host itself, as an administrator, in Windows PowerShell 5.1:",
        "#     powershell -ExecutionPolicy Bypass -File .\\collect.ps1 > facts.json",
        "# then evaluate the output anywhere: conncheck evaluate facts.json",
        "# Read-only: it reads certificates, registry values, services, files and event logs; it changes nothing.",
        f"# conncheck-version: {__version__}",
        f"# conncheck-roles: {','.join(roles)}",
        f"# conncheck-site: {site_json}",
        "$ErrorActionPreference = 'Stop'",
        "$ProgressPreference = 'SilentlyContinue'",
        f"$ConncheckSite = {powershell_literal(site)}",
        _prelude().rstrip("\n"),
        "",
    ]
    for probe in probes:
        lines += [
            f"{PROBE_MARKER}{probe.name}",
            f"$ConncheckProbes[{powershell_literal(probe.name)}] = Get-ConncheckProbeResult {{",
            _indent(probe.powershell_text()),
            "}",
            "",
        ]
    collected = ("[DateTime]::UtcNow.ToString(\"yyyy-MM-dd'T'HH:mm:ss'Z'\", "
                 "[Globalization.CultureInfo]::InvariantCulture)")
    lines += [
        "$ConncheckDocument = [ordered]@{",
        f"    schema = {powershell_literal(SCHEMA)}",
        f"    collected_at = {collected}",
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
