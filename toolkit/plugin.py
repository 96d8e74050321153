"""The check plugin API.

A plugin is a module registered under the ``conncheck.checks`` entry-point group (conncheck's own checks are
registered the same way) with a module-level ``PLUGIN = Plugin("name")``. It declares:

* **probes**: what to collect, where, and the exact shape of the answer. ``PLUGIN.probe`` takes a name unique across
  plugins, the schema of its data (a msgspec type: Structs, lists, ...), the roles it runs on and how to get it: a
  PowerShell fragment beside the module (Windows hosts; the WinRM collector batches every fragment of a role into
  one script), an LDAP query (directory) or an HTTP request (SCEP endpoints). It returns a typed handle.
* **checks**: pure functions ``(Context) -> Outcome``. A check never opens a connection. It declares the probes it
  reads (``reads=``; another role's probe as ``PROBE.on("ca")``) and reads them through ``ctx.read(PROBE)``, getting
  the schema's type. A probe that is missing, failed, or does not match its schema makes the check UNKNOWN with the
  reason: a check cannot PASS on input it did not get. Reading a probe the check did not declare is refused when the
  plugin registers.

    PLUGIN = Plugin("example")

    class TimeConfig(msgspec.Struct):
        source: str
        last_sync_utc: UtcTime | None

    W32TIME = PLUGIN.probe("w32time_config", TimeConfig, roles=("ndes",), powershell="ps/w32time_config.ps1",
                           description="...")

    @PLUGIN.check("ndes_time_source_set", "NDES syncs its clock from a time source", roles=("ndes",),
                  reads=(W32TIME,), codes=(0x411,), remediation="Configure w32time.")
    def ndes_time_source_set(ctx: Context) -> Outcome:
        config = ctx.read(W32TIME)  # a TimeConfig
        ...
"""

from __future__ import annotations

import dis
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property
from pathlib import Path
from types import CodeType, FunctionType
from typing import Any, Generic, TypeVar, get_origin, overload

import msgspec
from conncheck.facts import Facts, Target
from conncheck.results import Fix, Msg, Outcome
from conncheck.schema import SchemaMismatch, decoder, validate
from conncheck.site import ALL_ROLES, FactsSite

T = TypeVar("T")
DEFAULT_BUDGET_S = 20  # seconds a fragment may run before it is that probe's UNKNOWN (the host's others stand)


class ProbeUnavailable(Exception):
    """A probe a check reads is missing, failed or malformed; the engine turns it into UNKNOWN."""

    def __init__(self, target: str, probe: str, reason: str) -> None:
        super().__init__(f"could not read {probe} on {target}: {reason}")
        self.target = target
        self.probe = probe
        self.reason = reason


MALFORMED_PREFIX = "the data does not have its declared shape: "


class ProbeMalformed(ProbeUnavailable):
    """The probe answered, but not in its declared shape: the checks reading it have verified nothing."""


class UndeclaredRead(Exception):
    """A check read a probe it did not declare (a plugin bug, caught at registration or, failing that, here)."""


@dataclass(frozen=True)
class LdapQuery:
    """A search the LDAP collector runs. ``base`` may use {config}, {domain}, {pki} (Public Key Services).

    ``filter`` may use site parameters (``{ndes_fqdn}``, ``{ndes_service_account}``, ``{connector_account}``: see
    conncheck/collectors/ldap.py), escaped for LDAP; a parameter the site lacks fails the probe. ``scope`` is base,
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


@dataclass(frozen=True, eq=False)
class Probe(Generic[T]):
    """A declared probe and the typed handle checks read it through (``ctx.read(PROBE)`` gives a ``T``)."""

    name: str
    schema: Any
    roles: tuple[str, ...]
    description: str
    plugin: str
    module: str
    powershell: str | None = None
    ldap: LdapQuery | None = None
    http: HttpRequest | None = None
    budget_s: int = DEFAULT_BUDGET_S

    @cached_property
    def decoder(self) -> msgspec.json.Decoder[T]:
        """The strict decoder of the schema, built at the first read: resolving a schema's annotations is most of
        what loading the plugins would cost (``conncheck explain`` decodes nothing). tests/test_schema_contract.py
        builds every built-in one; a plugin's schema msgspec cannot decode makes its checks UNKNOWN."""
        try:
            return decoder(self.schema)
        except TypeError as exc:
            raise SchemaMismatch(self.name, f": msgspec cannot decode its schema ({exc})") from None

    @property
    def returns_list(self) -> bool:
        """A list schema: the fragment's output objects are the data, gathered into one JSON array by the runner
        (PowerShell would unroll a one-element list into a scalar)."""
        return get_origin(self.schema) is list

    def on(self, role: str) -> PeerRead[T]:
        """This probe as read on the site's ``role`` host(s) by a check running elsewhere."""
        _check_roles(self.name, (role,))
        return PeerRead(self, role)

    @property
    def fragment(self) -> Path | None:
        """The PowerShell fragment's file, beside the declaring module."""
        if self.powershell is None:
            return None
        return Path(sys.modules[self.module].__file__ or ".").resolve().parent / self.powershell

    def powershell_text(self) -> str:
        if self.fragment is None:
            raise ValueError(f"probe {self.name} has no PowerShell fragment")
        return self.fragment.read_text(encoding="utf-8")


@dataclass(frozen=True)
class PeerRead(Generic[T]):
    probe: Probe[T]
    role: str


Read = Probe[Any] | PeerRead[Any]


@dataclass(frozen=True)
class Settings:
    """Thresholds and expectations checks judge against (site.toml [thresholds], CLI flags)."""

    expiry_warning_days: int = 30
    clock_skew_seconds: int = 300
    event_lookback_days: int = 7


class ReadCache:
    """Each target's probes decoded into their schemas once per evaluation, however many checks read them."""

    def __init__(self) -> None:
        self._values: dict[tuple[int, str], Any] = {}
        self._roles: dict[tuple[int, str], list[Target]] = {}

    def targets_with_role(self, facts: Facts, role: str) -> list[Target]:
        """The facts' targets with ``role``, listed once per evaluation (every check's peers ask)."""
        key = (id(facts), role)
        if key not in self._roles:
            self._roles[key] = facts.targets_with_role(role)
        return self._roles[key]

    def read(self, target: Target, probe: Probe[T]) -> T:
        key = (id(target), probe.name)
        if key not in self._values:
            self._values[key] = self._decode(target, probe)
        value = self._values[key]
        if isinstance(value, ProbeUnavailable):
            raise value
        return value

    @staticmethod
    def _decode(target: Target, probe: Probe[Any]) -> Any:
        result = target.probes.get(probe.name)
        if result is None:
            return ProbeUnavailable(target.name, probe.name, "not collected")
        if not result.ok or result.raw is None:
            return ProbeUnavailable(target.name, probe.name, result.error or "probe failed")
        try:
            return validate(probe.name, result.raw, probe.decoder)
        except SchemaMismatch as exc:
            return ProbeMalformed(target.name, probe.name, f"{MALFORMED_PREFIX}{exc}")


class Context:
    """What a check sees: one target's probes, the rest of the site, the thresholds, and 'now'.

    ``now`` is the time the facts were collected, so the same facts always give the same result.
    """

    __slots__ = ("_cache", "_role", "check", "facts", "settings", "target")

    def __init__(
        self, target: Target, facts: Facts, settings: Settings, check: Check, cache: ReadCache,
        role: str | None = None,
    ) -> None:
        self.target = target
        self.facts = facts
        self.settings = settings
        self.check = check
        self._cache = cache
        self._role = role  # set on a peer's context: the role it was reached through

    @property
    def host(self) -> str:
        return self.target.name

    @property
    def now(self) -> datetime:
        return self.facts.collected_at

    @property
    def site(self) -> FactsSite:
        return self.facts.site

    def read(self, probe: Probe[T]) -> T:
        """The probe's data as its schema's type; ProbeUnavailable (so the check is UNKNOWN) when it is missing,
        failed or malformed."""
        declared = self.check.reads if self._role is None else self.check.peer_probes(self._role)
        if probe not in declared:
            where = "" if self._role is None else f" on the {self._role} host"
            raise UndeclaredRead(f"check {self.check.id} read probe {probe.name}{where} without declaring it")
        return self._cache.read(self.target, probe)

    def has(self, probe: Probe[Any]) -> bool:
        """Whether the probe was collected, answered and has its declared shape."""
        try:
            self.read(probe)
        except ProbeUnavailable:
            return False
        return True

    def peers(self, role: str) -> list[Context]:
        """Contexts for the site's targets with ``role`` (the CA host, as seen from the connector, say)."""
        return [Context(t, self.facts, self.settings, self.check, self._cache, role)
                for t in self._cache.targets_with_role(self.facts, role)]

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
    title: Msg
    roles: tuple[str, ...]
    reads: tuple[Probe[Any], ...]
    peer_reads: tuple[PeerRead[Any], ...]
    codes: tuple[int, ...]
    events: tuple[int, ...]
    remediation: Fix
    func: CheckFunc
    plugin: str = ""
    references: tuple[str, ...] = ()

    @property
    def probes(self) -> tuple[str, ...]:
        """Names of every probe the check reads (its own and its peers')."""
        return tuple(dict.fromkeys([p.name for p in self.reads] + [r.probe.name for r in self.peer_reads]))

    @property
    def involved_roles(self) -> tuple[str, ...]:
        """The roles it runs on and the roles whose probes it reads."""
        return tuple(dict.fromkeys([*self.roles, *(r.role for r in self.peer_reads)]))

    def peer_probes(self, role: str) -> tuple[Probe[Any], ...]:
        return tuple(r.probe for r in self.peer_reads if r.role == role)

    def title_in(self, lang: str) -> str:
        return self.title.in_lang(lang)

    def remediation_in(self, lang: str) -> str:
        return self.remediation.in_lang(lang)


@dataclass
class Plugin:
    name: str
    module: str = ""
    probes: dict[str, Probe[Any]] = field(default_factory=dict)
    checks: dict[str, Check] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.module:
            # The declaring module, as collections.namedtuple finds it: fragments sit beside it.
            self.module = sys._getframe(2).f_globals.get("__name__", "")

    @overload
    def probe(
        self, name: str, schema: type[T], *, roles: tuple[str, ...], description: str, powershell: str | None = ...,
        ldap: LdapQuery | None = ..., http: HttpRequest | None = ..., budget_s: int = ...,
    ) -> Probe[T]: ...

    @overload
    def probe(
        self, name: str, schema: object, *, roles: tuple[str, ...], description: str, powershell: str | None = ...,
        ldap: LdapQuery | None = ..., http: HttpRequest | None = ..., budget_s: int = ...,
    ) -> Probe[Any]: ...

    def probe(
        self,
        name: str,
        schema: Any,
        *,
        roles: tuple[str, ...],
        description: str,
        powershell: str | None = None,
        ldap: LdapQuery | None = None,
        http: HttpRequest | None = None,
        budget_s: int = DEFAULT_BUDGET_S,
    ) -> Probe[Any]:
        """Declare a probe; ``schema`` is the msgspec type of its data, ``powershell`` a path beside the module,
        ``budget_s`` the seconds its fragment may take on the host."""
        _check_roles(name, roles)
        if name in self.probes:
            raise ValueError(f"plugin {self.name}: probe {name} declared twice")
        declared: Probe[Any] = Probe(name, schema, roles, description, self.name, self.module, powershell, ldap, http,
                                     budget_s)
        self.probes[name] = declared
        return declared

    def check(
        self,
        id: str,
        title: str,
        *,
        roles: tuple[str, ...],
        reads: tuple[Read, ...],
        remediation: str,
        codes: tuple[int, ...] = (),
        events: tuple[int, ...] = (),
        title_tr: str | None = None,
        remediation_tr: str | None = None,
        references: tuple[str, ...] = (),
    ) -> Callable[[CheckFunc], CheckFunc]:
        """Register a check function. ``codes`` empty means a general prerequisite; ``references`` are the pages
        (Microsoft's documentation) its rule follows."""
        _check_roles(id, roles)
        own = tuple(r for r in reads if isinstance(r, Probe))
        peers = tuple(r for r in reads if isinstance(r, PeerRead))

        def register(func: CheckFunc) -> CheckFunc:
            if id in self.checks:
                raise ValueError(f"plugin {self.name}: check {id} declared twice")
            undeclared = referenced_probes(func) - {*own, *(p.probe for p in peers)}
            if undeclared:
                names = ", ".join(sorted(p.name for p in undeclared))
                raise ValueError(f"plugin {self.name}: check {id} reads {names} without declaring it in reads=")
            self.checks[id] = Check(
                id, Msg(title, title_tr), roles, own, peers, codes, events, Fix(remediation, remediation_tr), func,
                self.name, references,
            )
            return func

        return register

    def iter_checks(self) -> Iterator[Check]:
        return iter(self.checks.values())


def referenced_probes(func: Callable[..., Any]) -> set[Probe[Any]]:
    """Every probe handle a check function names, through the helpers of its own package that it calls."""
    found: set[Probe[Any]] = set()
    seen: set[CodeType] = set()
    module = str(getattr(func, "__module__", ""))
    package = module.rpartition(".")[0] or module  # conncheck.checks for the built-ins, a plugin's own package

    def visit(code: CodeType, names: dict[str, Any]) -> None:
        if code in seen:
            return
        seen.add(code)
        # co_names also holds attribute names: only the names the bytecode loads as globals count (scanned only
        # when some name could matter, which is rare enough to keep plugin loading cheap).
        candidates = [n for n in code.co_names if isinstance(names.get(n), (Probe, PeerRead, FunctionType))]
        loaded = _globals_loaded(code) if candidates else frozenset()
        for name in candidates:
            value = names[name]
            if name not in loaded:
                continue
            if isinstance(value, Probe):
                found.add(value)
            elif isinstance(value, PeerRead):
                found.add(value.probe)
            elif _within(str(value.__module__), package):
                visit(value.__code__, value.__globals__)
        for const in code.co_consts:
            if isinstance(const, CodeType):
                visit(const, names)

    if isinstance(func, FunctionType):
        visit(func.__code__, func.__globals__)
    return found


_LOAD_GLOBAL, _LOAD_NAME, _EXTENDED_ARG = dis.opmap["LOAD_GLOBAL"], dis.opmap["LOAD_NAME"], dis.EXTENDED_ARG
_GLOBAL_ARG_SHIFT = 1 if sys.version_info >= (3, 11) else 0  # 3.11 packs a "push NULL" flag in the low bit


@cache
def _globals_loaded(code: CodeType) -> frozenset[str]:
    """The global names a code object loads (co_names also holds attribute names, which are not reads). Reads the
    bytecode directly: dis.get_instructions would cost most of the plugins' load time."""
    names = set()
    raw, extended = code.co_code, 0
    for i in range(0, len(raw), 2):
        op, arg = raw[i], raw[i + 1] | extended
        extended = arg << 8 if op == _EXTENDED_ARG else 0
        if op == _LOAD_GLOBAL:
            names.add(code.co_names[arg >> _GLOBAL_ARG_SHIFT])
        elif op == _LOAD_NAME:
            names.add(code.co_names[arg])
    return frozenset(names)


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _check_roles(name: str, roles: tuple[str, ...]) -> None:
    if not roles or any(r not in ALL_ROLES for r in roles):
        raise ValueError(f"{name}: roles must be among {', '.join(ALL_ROLES)}, got {roles!r}")
