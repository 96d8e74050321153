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
