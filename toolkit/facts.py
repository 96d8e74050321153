"""The facts document: everything collected about a site, as versioned JSON.

Collectors write it, checks read it, nothing in it is interpreted on the way. The wire shape::

    {"schema": "conncheck.facts/1",
     "collected_at": "2026-11-25T09:00:00Z",
     "collector": {"version": "0.2.0", "vantage": "linux:auditbox01"},
     "site": {"name": "contoso", "roles_expected": ["connector", "ca", "ndes"], ...},
     "hosts": {"ca01.contoso.com": {"roles": ["ca"], "probes": {"services": {"ok": true, "data": [...], "ms": 12}}}},
     "directory": {"server": "dc01.contoso.com", "probes": {...}},
     "scep": {"https://ndes.contoso.com/certsrv/mscep/mscep.dll": {"exposure": "internal", "probes": {...}}}}

Every probe is ``{"ok": true, "data": ...}`` or ``{"ok": false, "error": "..."}`` (``ms`` optional). The document's
frame is decoded strictly here (msgspec); each probe's ``data`` is kept as the raw JSON it arrived as and decoded
into its probe's schema when a check reads it (``conncheck.plugin.Context.read``): a document loads within about
its own size in memory, and a malformed probe makes only the checks reading it UNKNOWN. Facts hold no secrets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

import msgspec
from conncheck.errors import InputError
from conncheck.schema import UtcTime
from conncheck.site import ALL_ROLES, DIRECTORY_ROLE, HOST_ROLES, SCEP_ROLE, FactsSite, merged

__all__ = [
    "ALL_ROLES", "DIRECTORY_ROLE", "HOST_ROLES", "SCEP_ROLE", "Facts", "ProbeResult", "Target", "format_time",
    "load", "merge", "parse", "parse_time",
]

SCHEMA = "conncheck.facts/1"
SCHEMA_FAMILY = "conncheck.facts/"
MAX_FACTS_BYTES = 256 * 1024 * 1024
# The evaluation's "now" is collected_at: a time outside these bounds is a typo or an attack, not a collection.
EARLIEST = datetime(1990, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)

HostRole = Literal["connector", "ca", "ndes"]
T = TypeVar("T")


# --- the wire frame -------------------------------------------------------------------------------------------


class _ProbeDoc(msgspec.Struct, omit_defaults=True):
    ok: bool
    data: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    error: str | None = None
    ms: float | None = None


# Nested parts stay raw until their turn, so that a mismatch is reported with the host's and probe's names.
Probes = dict[str, msgspec.Raw]


class _HostDoc(msgspec.Struct, omit_defaults=True):
    roles: list[HostRole]
    probes: Probes = {}
    reported_name: str | None = None


class _DirectoryDoc(msgspec.Struct, omit_defaults=True):
    server: str
    probes: Probes = {}
    tls: str | None = None
    auth: str | None = None


class _ScepDoc(msgspec.Struct, omit_defaults=True):
    probes: Probes = {}
    exposure: Literal["internal", "external"] | None = None


class _Collector(msgspec.Struct, omit_defaults=True):
    version: str = ""
    vantage: str = ""


class _SchemaOnly(msgspec.Struct):
    schema: Any = None


class _FactsDoc(msgspec.Struct, omit_defaults=True):
    schema: str
    collected_at: UtcTime
    collector: _Collector = msgspec.field(default_factory=_Collector)
    site: FactsSite = msgspec.field(default_factory=FactsSite)
    hosts: dict[str, msgspec.Raw] = {}
    directory: msgspec.Raw | msgspec.UnsetType = msgspec.UNSET
    scep: dict[str, msgspec.Raw] = {}


# --- what the engine works with -------------------------------------------------------------------------------


class ProbeResult:
    """One probe's answer: its data when ok (the raw JSON it arrived as, or the value a collector built), the reason
    when not."""

    __slots__ = ("_raw", "_value", "error", "ms", "ok")

    def __init__(
        self, ok: bool, raw: msgspec.Raw | None = None, error: str | None = None, ms: float | None = None,
        *, value: Any = msgspec.UNSET,
    ) -> None:
        self.ok = ok
        self._raw = raw
        self._value = value
        self.error = error
        self.ms = ms

    @classmethod
    def success(cls, data: Any, ms: float | None = None) -> ProbeResult:
        """A probe that answered ``data`` (JSON-able values or msgspec Structs: a probe's schema type)."""
        return cls(True, None, None, ms, value=data)

    @classmethod
    def failure(cls, error: str, ms: float | None = None) -> ProbeResult:
        return cls(False, None, error, ms)

    @property
    def raw(self) -> msgspec.Raw | None:
        """The data as JSON, as checks decode it into the probe's schema."""
        if self._raw is None and self.ok:
            return msgspec.Raw(msgspec.json.encode(self._value))
        return self._raw

    @property
    def data(self) -> Any:
        """The data as plain values (untyped; checks read typed data through ``Context.read``). A value a collector
        or the samples built is returned as it is (the samples edit it to break one precondition)."""
        if self._value is not msgspec.UNSET:
            return self._value
        return None if self._raw is None else msgspec.json.decode(self._raw)

    def __repr__(self) -> str:
        return f"ProbeResult(ok={self.ok}, error={self.error!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ProbeResult):
            return NotImplemented
        return (self.ok, self.error, self.ms, self.data) == (other.ok, other.error, other.ms, other.data)

    __hash__ = None  # type: ignore[assignment]

    def to_json(self) -> dict[str, Any]:
        """The probe as its facts entry, in plain values."""
        out: dict[str, Any] = {"ok": self.ok}
        if self.ok:
            out["data"] = msgspec.to_builtins(self.data)
        else:
            out["error"] = self.error
        if self.ms is not None:
            out["ms"] = self.ms
        return out

    def _doc(self) -> _ProbeDoc:
        if self.ok:
            return _ProbeDoc(True, self.raw or msgspec.Raw(b"null"), None, self.ms)
        return _ProbeDoc(False, msgspec.UNSET, self.error, self.ms)


@dataclass
class Target:
    """Something probes ran against: a Windows host, the directory, or one SCEP endpoint."""

    name: str
    roles: tuple[str, ...]
    probes: dict[str, ProbeResult] = field(default_factory=dict)
    # reported_name (hosts), tls and auth (the directory), exposure (SCEP endpoints)
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class Facts:
    collected_at: datetime
    collector: dict[str, str]
    site: FactsSite
    hosts: dict[str, Target]
    directory: Target | None = None
    scep: dict[str, Target] = field(default_factory=dict)

    def targets(self) -> list[Target]:
        """Every target in a stable order: hosts, then the directory, then SCEP endpoints."""
        out = list(self.hosts.values())
        if self.directory is not None:
            out.append(self.directory)
        out.extend(self.scep.values())
        return out

    def targets_with_role(self, role: str) -> list[Target]:
        return [t for t in self.targets() if role in t.roles]

    @property
    def roles_expected(self) -> tuple[str, ...]:
        return tuple(self.site.roles_expected)

    def _doc(self) -> _FactsDoc:
        return _FactsDoc(
            schema=SCHEMA,
            collected_at=self.collected_at.astimezone(timezone.utc).replace(microsecond=0),
            collector=_Collector(self.collector.get("version", ""), self.collector.get("vantage", "")),
            site=self.site,
            hosts={
                name: _raw(_HostDoc(
                    cast(list[HostRole], [r for r in t.roles if r in HOST_ROLES]),
                    _probes_out(t),
                    t.attributes.get("reported_name"),
                ))
                for name, t in self.hosts.items()
            },
            directory=msgspec.UNSET if self.directory is None else _raw(_DirectoryDoc(
                self.directory.name, _probes_out(self.directory),
                self.directory.attributes.get("tls"), self.directory.attributes.get("auth"),
            )),
            scep={
                url: _raw(_ScepDoc(
                    _probes_out(t), cast(Literal["internal", "external"] | None, t.attributes.get("exposure"))
                ))
                for url, t in self.scep.items()
            },
        )

    def dumps(self) -> str:
        """The document as JSON text (one key per line, as before: diff-friendly)."""
        return msgspec.json.format(msgspec.json.encode(self._doc()), indent=1).decode()

    def to_json(self) -> Any:
        """The document as plain JSON values."""
        return msgspec.json.decode(msgspec.json.encode(self._doc()))


def _raw(value: Any) -> msgspec.Raw:
    return msgspec.Raw(msgspec.json.encode(value))


def _probes_out(target: Target) -> Probes:
    return {name: _raw(result._doc()) for name, result in target.probes.items()}


def format_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> datetime:
    """ISO 8601 to an aware UTC datetime; 'Z' and offsets accepted, naive values taken as UTC."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$\.?(?P<path>[^`]*)`)?$", re.S)


def _frame_error(exc: msgspec.ValidationError, where: str = "") -> str:
    """msgspec's 'Expected `array`, got `int` - at `$.roles`' as 'hosts.h.roles: expected array, got int'."""
    match = _AT.match(str(exc))
    assert match is not None
    message = match.group("message").replace("`", "")
    message = message[:1].lower() + message[1:]
    path = match.group("path") or ""
    if where and path and not path.startswith("["):
        path = "." + path
    place = where + path
    return f"{place}: {message}" if place else message


def _check_schema(raw: bytes, source: str) -> None:
    try:
        schema = msgspec.json.decode(raw, type=_SchemaOnly).schema
    except msgspec.ValidationError:
        schema = None
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_FAMILY):
        raise InputError(f"{source}: not a conncheck facts document (no 'schema': {SCHEMA!r})")
    if schema != SCHEMA:
        match = re.fullmatch(r"conncheck\.facts/(\d{1,6})", schema)
        if match and int(match.group(1)) > 1:
            raise InputError(
                f"{source}: written in {schema}, newer than this conncheck reads ({SCHEMA}); upgrade conncheck"
            )
        raise InputError(f"{source}: unsupported facts schema {schema[:60]!r} (this conncheck reads {SCHEMA})")


def _part(raw: msgspec.Raw, kind: type[T], where: str, source: str) -> T:
    """One nested part of the document, decoded strictly; InputError naming where it sits."""
    try:
        return msgspec.json.decode(raw, type=kind, strict=True)
    except msgspec.ValidationError as exc:
        raise InputError(f"{source}: {_frame_error(exc, where)}") from None


def _probes(probes: Probes, where: str, source: str) -> dict[str, ProbeResult]:
    out = {}
    for name, raw in probes.items():
        doc = _part(raw, _ProbeDoc, f"{where}.probes.{name}", source)
        if doc.ok:
            if doc.data is msgspec.UNSET:
                raise InputError(f"{source}: {where}.probes.{name}: an ok probe must carry 'data'")
            out[name] = ProbeResult(True, cast(msgspec.Raw, doc.data), None, doc.ms)
        else:
            out[name] = ProbeResult(False, None, doc.error or "probe failed without a reason", doc.ms)
    return out


def _utc(value: datetime, source: str) -> datetime:
    try:
        utc = value.astimezone(timezone.utc)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc <= LATEST:
        raise InputError(
            f"{source}: collected_at {value.isoformat()} is outside {EARLIEST.year}–{LATEST.year - 1}"
        )
    return utc


def parse(raw: bytes | str, source: str = "facts") -> Facts:
    """Decode and validate a facts document; raise InputError with one clear line when it is not one."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    try:
        _check_schema(raw, source)
        doc = msgspec.json.decode(raw, type=_FactsDoc, strict=True)
    except msgspec.ValidationError as exc:
        raise InputError(f"{source}: {_frame_error(exc)}") from None
    except msgspec.DecodeError as exc:
        detail = str(exc).removeprefix("JSON is malformed: ")
        if "utf-8" in detail.lower() or not _looks_like_text(raw[:512]):
            raise InputError(f"{source}: not text (expected a facts JSON document)") from None
        raise InputError(f"{source}: not valid JSON ({detail})") from None
    except RecursionError:
        raise InputError(f"{source}: nested too deeply to be a facts document") from None
    hosts = {}
    for name, raw_host in doc.hosts.items():
        host = _part(raw_host, _HostDoc, f"hosts.{name}", source)
        hosts[name] = Target(name, tuple(host.roles), _probes(host.probes, f"hosts.{name}", source),
                             {"reported_name": host.reported_name} if host.reported_name else {})
    directory = None
    if isinstance(doc.directory, msgspec.Raw) and bytes(doc.directory).strip() != b"null":
        found = _part(doc.directory, _DirectoryDoc, "directory", source)
        connection = {"tls": found.tls, "auth": found.auth}
        directory = Target(found.server, (DIRECTORY_ROLE,), _probes(found.probes, "directory", source),
                           {k: v for k, v in connection.items() if v})
    scep = {}
    for url, raw_endpoint in doc.scep.items():
        endpoint = _part(raw_endpoint, _ScepDoc, f"scep.{url}", source)
        scep[url] = Target(url, (SCEP_ROLE,), _probes(endpoint.probes, f"scep.{url}", source),
                           {"exposure": endpoint.exposure} if endpoint.exposure else {})
    collector = {"version": doc.collector.version, "vantage": doc.collector.vantage}
    return Facts(_utc(doc.collected_at, source), collector, doc.site, hosts, directory, scep)


def from_json(doc: Any, source: str = "facts") -> Facts:
    """A facts document given as plain JSON values (tests, the lab)."""
    return parse(msgspec.json.encode(doc), source)


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8", errors="ignore" if len(head) == 512 else "strict")
    except UnicodeDecodeError:
        return False
    return not any(ord(c) < 9 or 13 < ord(c) < 32 for c in text)


def _text(raw: bytes, source: str) -> bytes:
    """UTF-8 JSON bytes from what Windows writes: PowerShell 5.1's `>` is UTF-16 LE with a BOM, Out-File -Encoding
    utf8 has a UTF-8 BOM. UTF-8 itself is checked by the decoder, without a second copy of the document."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return raw.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise InputError(f"{source}: not text (expected a facts JSON document)") from None
    return raw[3:] if raw[:3] == b"\xef\xbb\xbf" else raw


def load(path: Path) -> Facts:
    """Read and validate a facts file; every failure is an InputError with one line."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if path.is_dir():
        raise InputError(f"{path}: is a directory, expected a facts JSON file")
    if size == 0:
        raise InputError(f"{path}: empty file, expected a facts JSON document")
    if size > MAX_FACTS_BYTES:
        raise InputError(f"{path}: {size} bytes is larger than the {MAX_FACTS_BYTES} byte limit for facts")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    return parse(_text(raw, str(path)), str(path))


def merge(documents: list[Facts]) -> Facts:
    """Several documents of one site (one per host, say) into one. Later documents win on the same probe."""
    if not documents:
        raise InputError("no facts documents to evaluate")
    first = documents[0]
    merged_facts = Facts(
        collected_at=max(d.collected_at for d in documents),
        collector=dict(first.collector),
        site=first.site,
        hosts={},
    )
    for doc in documents:
        merged_facts.site = merged(merged_facts.site, doc.site)
        for name, target in doc.hosts.items():
            into = merged_facts.hosts.setdefault(name, Target(name, ()))
            into.roles = tuple(dict.fromkeys(into.roles + target.roles))
            into.probes.update(target.probes)
            into.attributes.update(target.attributes)
        if doc.directory is not None:
            if merged_facts.directory is None:
                merged_facts.directory = Target(doc.directory.name, doc.directory.roles)
            merged_facts.directory.probes.update(doc.directory.probes)
            merged_facts.directory.attributes.update(doc.directory.attributes)
        for url, target in doc.scep.items():
            into = merged_facts.scep.setdefault(url, Target(url, target.roles))
            into.probes.update(target.probes)
            into.attributes.update(target.attributes)
    return merged_facts
