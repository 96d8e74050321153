"""The facts document: everything collected about a site, as versioned JSON.

Collectors write it, checks read it, nothing in it is interpreted on the way. The wire shape::

    {"schema": "conncheck.facts/1",
     "collected_at": "2026-11-25T09:00:00Z",
     "collector": {"version": "0.1.0", "vantage": "linux:auditbox01"},
     "site": {"name": "contoso", "roles_expected": ["connector", "ca", "ndes"], ...},
     "hosts": {"ca01.contoso.com": {"roles": ["ca"], "probes": {"services": {"ok": true, "data": [...], "ms": 12}}}},
     "directory": {"server": "dc01.contoso.com", "probes": {...}},
     "scep": {"https://ndes.contoso.com/certsrv/mscep/mscep.dll": {"exposure": "internal", "probes": {...}}}}

Every probe is ``{"ok": true, "data": ...}`` or ``{"ok": false, "error": "..."}`` (``ms`` optional). Probe names and
the shape of each probe's ``data`` are documented in ``docs/facts.md``; the plugin that declares a probe owns its shape.
Facts hold no secrets.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from conncheck.errors import InputError

SCHEMA = "conncheck.facts/1"
SCHEMA_FAMILY = "conncheck.facts/"
MAX_FACTS_BYTES = 256 * 1024 * 1024

# Roles a target can play. Windows hosts are reached over WinRM; the directory over LDAP; SCEP endpoints over HTTP.
HOST_ROLES = ("connector", "ca", "ndes")
DIRECTORY_ROLE = "directory"
SCEP_ROLE = "scep"
ALL_ROLES = (*HOST_ROLES, DIRECTORY_ROLE, SCEP_ROLE)


@dataclass(frozen=True)
class ProbeResult:
    """One probe's answer: data when ok, the reason when not."""

    ok: bool
    data: Any = None
    error: str | None = None
    ms: float | None = None

    @classmethod
    def success(cls, data: Any, ms: float | None = None) -> ProbeResult:
        return cls(True, data, None, ms)

    @classmethod
    def failure(cls, error: str, ms: float | None = None) -> ProbeResult:
        return cls(False, None, error, ms)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ok": self.ok}
        if self.ok:
            out["data"] = self.data
        else:
            out["error"] = self.error
        if self.ms is not None:
            out["ms"] = self.ms
        return out


@dataclass
class Target:
    """Something probes ran against: a Windows host, the directory, or one SCEP endpoint."""

    name: str
    roles: tuple[str, ...]
    probes: dict[str, ProbeResult] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Facts:
    collected_at: datetime
    collector: dict[str, Any]
    site: dict[str, Any]
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
        return tuple(self.site.get("roles_expected") or ())

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "schema": SCHEMA,
            "collected_at": format_time(self.collected_at),
            "collector": self.collector,
            "site": self.site,
            "hosts": {
                name: {"roles": list(t.roles), "probes": _probes_json(t), **t.attributes}
                for name, t in self.hosts.items()
            },
        }
        if self.directory is not None:
            doc["directory"] = {
                "server": self.directory.name,
                "probes": _probes_json(self.directory),
                **self.directory.attributes,
            }
        if self.scep:
            doc["scep"] = {url: {"probes": _probes_json(t), **t.attributes} for url, t in self.scep.items()}
        return doc

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=1, sort_keys=False)


def _probes_json(target: Target) -> dict[str, Any]:
    return {name: probe.to_json() for name, probe in target.probes.items()}


def format_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: str) -> datetime:
    """ISO 8601 to an aware UTC datetime; 'Z' and offsets accepted, naive values taken as UTC."""
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _parse_probe(where: str, raw: Any) -> ProbeResult:
    if not isinstance(raw, dict) or not isinstance(raw.get("ok"), bool):
        raise InputError(f"{where}: a probe must be an object with a boolean 'ok'")
    ms = raw.get("ms")
    ms = float(ms) if isinstance(ms, (int, float)) and not isinstance(ms, bool) else None
    if raw["ok"]:
        if "data" not in raw:
            raise InputError(f"{where}: an ok probe must carry 'data'")
        return ProbeResult(True, raw["data"], None, ms)
    error = raw.get("error")
    return ProbeResult(False, None, str(error) if error else "probe failed without a reason", ms)


def _parse_probes(where: str, raw: Any) -> dict[str, ProbeResult]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise InputError(f"{where}.probes must be an object")
    return {str(name): _parse_probe(f"{where}.probes.{name}", value) for name, value in raw.items()}


def _roles(where: str, raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(r, str) for r in raw):
        raise InputError(f"{where}.roles must be a list of role names")
    bad = [r for r in raw if r not in HOST_ROLES]
    if bad:
        raise InputError(f"{where}.roles: unknown role {bad[0]!r} (expected one of {', '.join(HOST_ROLES)})")
    return tuple(raw)


def _extras(raw: dict[str, Any], known: set[str]) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k not in known}


def from_json(doc: Any, source: str = "facts") -> Facts:
    """Validate a decoded facts document; raise InputError with one clear line when it is not one."""
    if not isinstance(doc, dict):
        raise InputError(f"{source}: not a conncheck facts document (top level is not a JSON object)")
    schema = doc.get("schema")
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_FAMILY):
        raise InputError(f"{source}: not a conncheck facts document (no 'schema': {SCHEMA!r})")
    if schema != SCHEMA:
        match = re.fullmatch(r"conncheck\.facts/(\d+)", schema)
        if match and int(match.group(1)) > 1:
            raise InputError(
                f"{source}: written in {schema}, newer than this conncheck reads ({SCHEMA}); upgrade conncheck"
            )
        raise InputError(f"{source}: unsupported facts schema {schema!r} (this conncheck reads {SCHEMA})")
    try:
        collected_at = parse_time(str(doc.get("collected_at", "")))
    except ValueError:
        raise InputError(f"{source}: 'collected_at' must be an ISO 8601 time") from None
    collector = doc.get("collector") or {}
    site = doc.get("site") or {}
    if not isinstance(collector, dict) or not isinstance(site, dict):
        raise InputError(f"{source}: 'collector' and 'site' must be objects")
    raw_hosts = doc.get("hosts") or {}
    if not isinstance(raw_hosts, dict):
        raise InputError(f"{source}: 'hosts' must be an object keyed by host name")
    hosts: dict[str, Target] = {}
    for name, raw in raw_hosts.items():
        where = f"{source}: hosts.{name}"
        if not isinstance(raw, dict):
            raise InputError(f"{where} must be an object")
        hosts[name] = Target(
            name,
            _roles(where, raw.get("roles")),
            _parse_probes(where, raw.get("probes")),
            _extras(raw, {"roles", "probes"}),
        )
    directory = None
    raw_dir = doc.get("directory")
    if raw_dir is not None:
        if not isinstance(raw_dir, dict) or not isinstance(raw_dir.get("server"), str):
            raise InputError(f"{source}: 'directory' must be an object with a 'server' name")
        directory = Target(
            raw_dir["server"],
            (DIRECTORY_ROLE,),
            _parse_probes(f"{source}: directory", raw_dir.get("probes")),
            _extras(raw_dir, {"server", "probes"}),
        )
    scep: dict[str, Target] = {}
    raw_scep = doc.get("scep") or {}
    if not isinstance(raw_scep, dict):
        raise InputError(f"{source}: 'scep' must be an object keyed by endpoint URL")
    for url, raw in raw_scep.items():
        if not isinstance(raw, dict):
            raise InputError(f"{source}: scep.{url} must be an object")
        scep[url] = Target(
            url, (SCEP_ROLE,), _parse_probes(f"{source}: scep.{url}", raw.get("probes")), _extras(raw, {"probes"})
        )
    return Facts(collected_at, collector, site, hosts, directory, scep)


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
    doc = decode(raw, str(path))
    return from_json(doc, str(path))


def decode(raw: bytes | str, source: str) -> Any:
    """JSON text of a facts document to Python values; one InputError line when it is not JSON."""
    try:
        if isinstance(raw, bytes):
            # PowerShell 5.1's `>` writes UTF-16 LE with a BOM; Out-File -Encoding utf8 writes a UTF-8 BOM.
            raw = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8-sig")
        return json.loads(raw)
    except UnicodeDecodeError:
        raise InputError(f"{source}: not text (expected a facts JSON document)") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None


def merge(documents: list[Facts]) -> Facts:
    """Several documents of one site (one per host, say) into one. Later documents win on the same probe."""
    if not documents:
        raise InputError("no facts documents to evaluate")
    first = documents[0]
    merged = Facts(
        collected_at=max(d.collected_at for d in documents),
        collector=dict(first.collector),
        site={},
        hosts={},
    )
    for doc in documents:
        site = dict(doc.site)
        expected = set(merged.site.get("roles_expected") or ()) | set(site.get("roles_expected") or ())
        merged.site.update(site)
        if expected:
            merged.site["roles_expected"] = sorted(expected)
        for name, target in doc.hosts.items():
            into = merged.hosts.setdefault(name, Target(name, ()))
            into.roles = tuple(dict.fromkeys(into.roles + target.roles))
            into.probes.update(target.probes)
            into.attributes.update(target.attributes)
        if doc.directory is not None:
            if merged.directory is None:
                merged.directory = Target(doc.directory.name, doc.directory.roles)
            merged.directory.probes.update(doc.directory.probes)
            merged.directory.attributes.update(doc.directory.attributes)
        for url, target in doc.scep.items():
            into = merged.scep.setdefault(url, Target(url, target.roles))
            into.probes.update(target.probes)
            into.attributes.update(target.attributes)
    return merged
