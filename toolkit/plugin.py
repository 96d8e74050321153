"""The check plugin API.

A plugin is a module (in ``checks/`` or any package registered under the ``conncheck.checks`` entry-point group)
with a module-level ``PLUGIN = Plugin("name")``. It declares:

* **probes**: what to collect, and where. A probe has a name unique across plugins, the roles it runs on and how
  to get it: a PowerShell fragment file (for Windows hosts; the WinRM collector batches every fragment of a role
  into one script), an LDAP query (directory) or an HTTP request (SCEP endpoints).
* **checks**: pure functions ``(Context) -> Outcome``. A check never opens a connection; it reads probe data
  through ``ctx.data(name)``. When the probe is missing or errored, ``ctx.data`` raises ``ProbeUnavailable`` and
  the engine records UNKNOWN with the reason: a check cannot PASS on input it did not get.

    PLUGIN = Plugin("example")
    PLUGIN.probe("w32time_config", roles=("ndes",), powershell="ps/w32time_config.ps1", description="...")

    @PLUGIN.check("ndes_time_source_set", "NDES syncs its clock from a time source",
                  roles=("ndes",), probes=("w32time_config",), codes=(0x411,), remediation="Configure w32time.")
    def ndes_time_source_set(ctx: Context) -> Outcome:
        cfg = ctx.data("w32time_config")
        ...
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from conncheck.facts import ALL_ROLES, Facts, Target
from conncheck.results import Outcome


class ProbeUnavailable(Exception):
    """Raised by Context.data when a probe is missing or failed; the engine turns it into UNKNOWN."""

    def __init__(self, target: str, probe: str, reason: str) -> None:
        super().__init__(f"could not read {probe} on {target}: {reason}")
        self.target = target
        self.probe = probe
        self.reason = reason


@dataclass(frozen=True)
class LdapQuery:
    """A search the LDAP collector runs. ``base`` may use {config}, {domain}, {pki} (Public Key Services).

    ``filter`` may use site parameters (``{ndes_fqdn}``, ``{ndes_service_account}``, ``{connector_account}``: see
    toolkit/collectors/ldap.py), escaped for LDAP; a parameter the site lacks fails the probe. ``scope`` is base,
    level or subtree. ``security_descriptor`` adds ``nTSecurityDescriptor`` (owner, group, DACL). ``binary`` names
    attributes carried as base64. ``nested_groups`` adds every group each entry belongs to, nested ones included.
    """

    base: str
    filter: str
    attributes: tuple[str, ...]
    scope: str = "subtree"
    security_descriptor: bool = False
    binary: tuple[str, ...] = ()
    nested_groups: bool = False


@dataclass(frozen=True)
class HttpRequest:
    """A request the SCEP collector sends to each endpoint; ``query`` is appended to the endpoint URL.

    ``pad_query_to`` pads the query with filler up to that many characters (the long-URL probe). ``opt_in`` names a
    collector option that must be on for the request to be sent (for probes that leave a trace on the server); when
    it is off the collector records ``{"sent": false, "reason": ...}``. ``tls_handshake`` sends the request over a
    TLS connection of the collector's own that records the handshake: the server's certificate chain and whether it
    asked for a client certificate.
    """

    query: str = ""
    method: str = "GET"
    pad_query_to: int = 0
    opt_in: str | None = None
    tls_handshake: bool = False


@dataclass(frozen=True)
class Probe:
    name: str
    roles: tuple[str, ...]
    description: str
    powershell: Path | None = None
    ldap: LdapQuery | None = None
    http: HttpRequest | None = None
    plugin: str = ""

    def powershell_text(self) -> str:
        if self.powershell is None:
            raise ValueError(f"probe {self.name} has no PowerShell fragment")
        return self.powershell.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Settings:
    """Thresholds and expectations checks judge against (site.toml [thresholds], CLI flags)."""

    expiry_warning_days: int = 30
    clock_skew_seconds: int = 300
    event_lookback_days: int = 7


@dataclass
class Context:
    """What a check sees: one target's probes, the rest of the site, the thresholds, and 'now'.

    ``now`` is the time the facts were collected, so the same facts always give the same result.
    """

    target: Target
    facts: Facts
    settings: Settings

    @property
    def host(self) -> str:
        return self.target.name

    @property
    def now(self) -> datetime:
        return self.facts.collected_at

    @property
    def site(self) -> dict[str, Any]:
        return self.facts.site

    def data(self, probe: str) -> Any:
        """The probe's data, or ProbeUnavailable (so the check becomes UNKNOWN) when it is missing or failed."""
        result = self.target.probes.get(probe)
        if result is None:
            raise ProbeUnavailable(self.target.name, probe, "not collected")
        if not result.ok:
            raise ProbeUnavailable(self.target.name, probe, result.error or "probe failed")
        return result.data

    def has(self, probe: str) -> bool:
        result = self.target.probes.get(probe)
        return result is not None and result.ok

    def peers(self, role: str) -> list[Context]:
        """Contexts for the site's other targets with ``role`` (the CA host, as seen from the connector, say)."""
        return [Context(t, self.facts, self.settings) for t in self.facts.targets_with_role(role)]

    def peer(self, role: str) -> Context:
        """The single target with ``role``; ProbeUnavailable when the facts have none."""
        found = self.peers(role)
        if not found:
            raise ProbeUnavailable(self.target.name, f"<{role} host>", f"no {role} host in these facts")
        return found[0]


CheckFunc = Callable[[Context], Outcome]


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    roles: tuple[str, ...]
    probes: tuple[str, ...]
    codes: tuple[int, ...]
    events: tuple[int, ...]
    remediation: str
    func: CheckFunc
    plugin: str = ""
    title_tr: str | None = None
    remediation_tr: str | None = None

    def title_in(self, lang: str) -> str:
        return self.title_tr if lang == "tr" and self.title_tr else self.title

    def remediation_in(self, lang: str) -> str:
        return self.remediation_tr if lang == "tr" and self.remediation_tr else self.remediation


@dataclass
class Plugin:
    name: str
    probes: dict[str, Probe] = field(default_factory=dict)
    checks: dict[str, Check] = field(default_factory=dict)

    def probe(
        self,
        name: str,
        *,
        roles: tuple[str, ...],
        description: str,
        powershell: str | None = None,
        ldap: LdapQuery | None = None,
        http: HttpRequest | None = None,
    ) -> Probe:
        """Declare a probe. ``powershell`` is a path relative to the calling module's file."""
        _check_roles(name, roles)
        if name in self.probes:
            raise ValueError(f"plugin {self.name}: probe {name} declared twice")
        script = None
        if powershell is not None:
            # The fragment sits beside the declaring module (a frame lookup: inspect.stack() reads every source file).
            script = Path(sys._getframe(1).f_globals["__file__"]).resolve().parent / powershell
        declared = Probe(name, roles, description, script, ldap, http, self.name)
        self.probes[name] = declared
        return declared

    def check(
        self,
        id: str,
        title: str,
        *,
        roles: tuple[str, ...],
        probes: tuple[str, ...],
        remediation: str,
        codes: tuple[int, ...] = (),
        events: tuple[int, ...] = (),
        title_tr: str | None = None,
        remediation_tr: str | None = None,
    ) -> Callable[[CheckFunc], CheckFunc]:
        """Register a check function. ``codes`` empty means a general prerequisite."""
        _check_roles(id, roles)

        def register(func: CheckFunc) -> CheckFunc:
            if id in self.checks:
                raise ValueError(f"plugin {self.name}: check {id} declared twice")
            self.checks[id] = Check(
                id, title, roles, probes, codes, events, remediation, func, self.name, title_tr, remediation_tr
            )
            return func

        return register

    def iter_checks(self) -> Iterator[Check]:
        return iter(self.checks.values())


def _check_roles(name: str, roles: tuple[str, ...]) -> None:
    if not roles or any(r not in ALL_ROLES for r in roles):
        raise ValueError(f"{name}: roles must be among {', '.join(ALL_ROLES)}, got {roles!r}")
