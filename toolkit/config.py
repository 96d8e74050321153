"""site.toml: the inventory (hosts and roles), the site's expectations, thresholds, and collector sections.

Every section has a schema here (msgspec Structs: which keys exist, their types and ranges), checked when the file
is loaded, before anything connects: a misspelled section or key is refused with "did you mean …" instead of being
silently dropped (a dropped ``[ldap]`` would leave the directory unchecked and the run green), and TOML's ``nan``
and ``inf`` are refused wherever they appear. What a value means (a CA bundle that must exist, ``tls = "none"``
only with ``--insecure``, certificate authentication needing its key) stays with the collector that uses it.

The engine reads ``[site]`` (``conncheck.site.SiteSection``), ``[thresholds]`` and ``[[hosts]]``; ``[winrm]``,
``[ldap]``, ``[scep]`` and ``[audit]`` are validated here and handed to their collectors as tables.
"""

from __future__ import annotations

import difflib
import math
import re
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import msgspec
from conncheck.errors import ConfigError
from conncheck.plugin import Settings
from conncheck.site import FactsSite, Name, SiteSection, facts_site

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

MAX_CONFIG_BYTES = 1024 * 1024

PLAIN = r"^[^\x00-\x1f\x7f]+$"  # no control characters (conncheck.site.Name has the same)
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=4096, pattern=PLAIN)]
Port = Annotated[int, msgspec.Meta(ge=1, le=65535)]
Seconds = Annotated[int, msgspec.Meta(ge=1, le=86400)]
Days = Annotated[int, msgspec.Meta(ge=0, le=36500)]
HostRole = Literal["connector", "ca", "ndes"]


class Thresholds(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``[thresholds]``: the keys of ``conncheck.plugin.Settings``, bounded."""

    expiry_warning_days: Days = Settings.expiry_warning_days
    clock_skew_seconds: Annotated[int, msgspec.Meta(ge=0, le=86400)] = Settings.clock_skew_seconds
    event_lookback_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = Settings.event_lookback_days


class WinRMKeys(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """The keys ``[winrm]`` and each ``[[hosts]]`` share (conncheck.collectors.winrm_options gives the defaults)."""

    transport: Literal["https", "http"] | None = None
    port: Port | None = None
    auth: Literal["negotiate", "kerberos", "ntlm", "credssp", "certificate"] | None = None
    username: Text | None = None
    password_env: Text | None = None
    keyring_service: Text | None = None
    ca_bundle: Text | None = None
    cert_validation: bool | None = None
    certificate_pem: Text | None = None
    certificate_key_pem: Text | None = None
    kerberos_service: Text | None = None
    kerberos_hostname: Text | None = None
    configuration_name: Text | None = None
    operation_timeout: Seconds | None = None
    read_timeout: Seconds | None = None
    connection_timeout: Seconds | None = None
    proxy: Text | None = None
    no_proxy: bool | None = None


class WinRMSection(WinRMKeys, kw_only=True):
    """``[winrm]``."""

    parallel: Annotated[int, msgspec.Meta(ge=1, le=1024)] | None = None
    processes: Annotated[int, msgspec.Meta(ge=1, le=64)] | None = None


class HostSection(WinRMKeys, kw_only=True):
    """One ``[[hosts]]`` table: a Windows server, its roles, and its overrides of ``[winrm]``."""

    name: Name
    roles: Annotated[list[HostRole], msgspec.Meta(min_length=1, max_length=3)]
    address: Text | None = None


class LdapSection(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """``[ldap]`` (conncheck.collectors.ldap gives the defaults and what the values mean)."""

    server: Text | None = None
    address: Text | None = None
    tls: Literal["ldaps", "starttls", "none"] | None = None
    port: Port | None = None
    ca_bundle: Text | None = None
    auth: Literal["simple", "kerberos"] | None = None
    user: Text | None = None
    password_env: Text | None = None
    keyring_service: Text | None = None
    base: Text | None = None
    config_base: Text | None = None
    connect_timeout: Seconds | None = None
    timeout: Seconds | None = None


class ScepSection(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``[scep]`` (and ``conncheck scep``'s options): see conncheck.collectors.scep."""

    urls: Annotated[list[Text], msgspec.Meta(max_length=64)] = []
    external_urls: Annotated[list[Text], msgspec.Meta(max_length=64)] = []
    ca_bundle: Text | None = None
    proxy: Text | None = None
    timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=300)] = 10.0
    max_body_bytes: Annotated[int, msgspec.Meta(ge=1024, le=64 * 1024 * 1024)] = 1024 * 1024
    probe_long_url: bool = False
    addresses: dict[str, Text] = {}


class AuditSection(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``[audit]``: the history store of this site's audits (a file path or a postgresql:// URL)."""

    db: Text | None = None


class SiteFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The whole of site.toml."""

    site: SiteSection | None = None
    thresholds: Thresholds | None = None
    hosts: list[HostSection] = []
    winrm: WinRMSection | None = None
    ldap: LdapSection | None = None
    scep: ScepSection | None = None
    audit: AuditSection | None = None


SECRET_KEYS = {"password", "passwd", "pwd", "secret", "bind_password"}


@dataclass(frozen=True)
class HostEntry:
    name: str
    roles: tuple[str, ...]
    options: dict[str, Any] = field(default_factory=dict)  # per-host overrides of [winrm]


@dataclass(frozen=True)
class SiteConfig:
    path: Path | None
    site: dict[str, Any]
    settings: Settings
    hosts: tuple[HostEntry, ...]
    sections: dict[str, dict[str, Any]]  # [winrm], [ldap], [scep], [audit]: validated tables for the collectors

    @property
    def name(self) -> str:
        return str(self.site.get("name") or "site")

    def roles_expected(self) -> list[str]:
        roles = {r for h in self.hosts for r in h.roles}
        if self.sections.get("ldap"):
            roles.add("directory")
        if self.sections.get("scep", {}).get("urls"):
            roles.add("scep")
        return sorted(roles)

    def files_read(self) -> list[Path]:
        """site.toml and the files it names (CA bundles, client certificates): what no output may overwrite."""
        base = self.path.parent if self.path else Path()
        named = [
            value
            for section in (*self.sections.values(), *(h.options for h in self.hosts))
            for key, value in section.items()
            if key in ("ca_bundle", "certificate_pem", "certificate_key_pem") and isinstance(value, str)
        ]
        return [*([self.path] if self.path else []), *(base / Path(v).expanduser() for v in named)]

    def facts_site(self) -> FactsSite:
        """The ``site`` section written into facts: expectations, so facts evaluate alone later.

        It also carries the event look-back window, which the fact script's events probe reads.
        """
        return facts_site({
            **self.site,
            "name": self.name,
            "roles_expected": self.roles_expected(),
            "event_lookback_days": self.settings.event_lookback_days,
        })


def parse(doc: dict[str, Any], where: str = "site.toml", path: Path | None = None) -> SiteConfig:
    """Validate a decoded site.toml against ``SiteFile``; every problem is one ConfigError line."""
    try:
        checked = _validated(doc, where)
    except RecursionError:
        raise ConfigError(f"{where}: nested too deeply for a site.toml") from None
    seen: set[str] = set()
    hosts = []
    for entry, raw in zip(checked.hosts, doc.get("hosts", []), strict=True):
        if entry.name.lower() in seen:
            raise ConfigError(f"{where}: host {entry.name} is listed twice")
        seen.add(entry.name.lower())
        hosts.append(HostEntry(entry.name, tuple(dict.fromkeys(entry.roles)),
                               {k: v for k, v in raw.items() if k not in ("name", "roles")}))
    thresholds = checked.thresholds or Thresholds()
    return SiteConfig(
        path=path,
        site=dict(doc.get("site", {})),
        settings=Settings(**{f.name: getattr(thresholds, f.name) for f in fields(Settings)}),
        hosts=tuple(hosts),
        sections={key: dict(doc[key]) for key in ("winrm", "ldap", "scep", "audit") if key in doc},
    )


def load(path: Path) -> SiteConfig:
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes; is this really site.toml?")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (see examples/site.toml for a sample)") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected a site.toml file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        raise ConfigError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        doc = tomllib.loads(text)
    except ValueError as exc:  # TOMLDecodeError, or an integer longer than Python converts (4300 digits)
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except RecursionError:
        raise ConfigError(f"{path}: not valid TOML (arrays or tables nested too deeply)") from None
    return parse(doc, str(path), path)


# -- validation and its messages -----------------------------------------------------------------------------------


def section(raw: Any, name: str, where: str) -> Any:
    """One table checked alone (``conncheck scep`` checks its options as a ``[scep]`` table): the same rules and
    messages as in a whole site.toml."""
    return getattr(_validated({name: raw}, where), name)


def _validated(doc: dict[str, Any], where: str) -> SiteFile:
    """``doc`` as a ``SiteFile``; every problem is one ConfigError line naming the place and what it must be."""
    _refuse_unknown_keys(doc, where)
    _refuse_non_finite(doc, where)
    try:
        checked = msgspec.convert(doc, SiteFile, strict=True)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{where}: {_explain(str(exc), doc)}") from None
    if checked.scep is not None:
        for key in ("urls", "external_urls"):
            for url in getattr(checked.scep, key):
                _check_url(url, f"[scep] {key}", where)
    proxies = [("[scep] proxy", checked.scep.proxy if checked.scep else None),
               ("[winrm] proxy", checked.winrm.proxy if checked.winrm else None),
               *((f"[[hosts]] {h.name} proxy", h.proxy) for h in checked.hosts)]
    for place, proxy in proxies:
        if proxy is not None and "@" in proxy.partition("://")[2].partition("/")[0]:
            raise ConfigError(f"{where}: {place}: {redacted_url(proxy)} carries credentials; site.toml is no place "
                              "for a password (give an authenticating proxy in HTTPS_PROXY in the environment)")
    return checked


def redacted_url(url: str) -> str:
    """``url`` with the password of its ``user:password@`` part replaced by ``***`` (for messages)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    userinfo, at, host = netloc.rpartition("@")
    if not at:
        return url
    user, colon, _ = userinfo.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{host}{slash}{path}"


def _check_url(url: str, place: str, where: str) -> None:
    """An http(s) URL with a host, a port that is a number, and no credentials: SCEP needs none, and a password
    in a URL would be copied into every report, facts file and history row that names the endpoint."""
    shown = redacted_url(url)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number from 0 to 65535)
    except ValueError as exc:
        raise ConfigError(f"{where}: {place}: {shown!r} is not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: {place}: {shown!r} is not an http:// or https:// URL")
    if "@" in parts.netloc:
        raise ConfigError(f"{where}: {place}: {shown} carries credentials; SCEP needs none (remove the "
                          "user:password@ part: it would be copied into every report)")


_TABLES: dict[str, type[msgspec.Struct]] = {
    "site": SiteSection, "thresholds": Thresholds, "winrm": WinRMSection, "ldap": LdapSection,
    "scep": ScepSection, "audit": AuditSection,
}  # fmt: skip


def _refuse_unknown_keys(doc: dict[str, Any], where: str) -> None:
    for section, table in doc.items():
        if section not in SiteFile.__struct_fields__:
            raise ConfigError(f"{where}: no section [{_shown(section)}]"
                              f"{_suggest(section, SiteFile.__struct_fields__, '[')}"
                              f" (sections: {', '.join(SiteFile.__struct_fields__)})")
        if section == "hosts" and isinstance(table, list):
            for i, entry in enumerate(table, 1):
                if isinstance(entry, dict):
                    _known_keys(entry, HostSection, _host_place(entry, i), where)
        elif section in _TABLES and isinstance(table, dict):
            _known_keys(table, _TABLES[section], f"[{section}]", where)


def _known_keys(table: dict[str, Any], schema: type[msgspec.Struct], place: str, where: str) -> None:
    known = schema.__struct_fields__
    for key in table:
        if key in known:
            continue
        if key.lower() in SECRET_KEYS:
            raise ConfigError(f"{where}: {place} {key}: secrets do not belong in site.toml; use password_env "
                              "(an environment variable) or keyring_service")
        raise ConfigError(f"{where}: {place} has no key {key!r}{_suggest(key, known)} (known: {', '.join(known)})")


def _shown(name: object) -> str:
    """A name from the file as a message shows it: on one line, control characters escaped."""
    text = str(name)
    return text if text.isprintable() else repr(text)


def _host_place(entry: dict[str, Any], number: int) -> str:
    name = entry.get("name")
    return f"[[hosts]] {_shown(name) if isinstance(name, str) and name else f'#{number}'}"


def _suggest(word: str, known: tuple[str, ...], bracket: str = "") -> str:
    close = difflib.get_close_matches(word.lower(), known, n=1, cutoff=0.6)
    if not close:
        return ""
    shown = f"[{close[0]}]" if bracket else repr(close[0])
    return f"; did you mean {shown}?"


def _refuse_non_finite(value: Any, where: str, path: str = "") -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where}: {_place(path, None)} = {value}: nan and inf are not accepted")
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_non_finite(item, where, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _refuse_non_finite(item, where, f"{path}[{i}]")


_AT = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>.*)`)?$", re.S)
_TOKEN = re.compile(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")


def _explain(error: str, doc: Any) -> str:
    match = _AT.match(error)
    message, path = (match.group("message"), match.group("path") or "") if match else (error, "")
    place = _place(path, doc)
    missing = re.match(r"Object missing required field `(.+)`", message)
    if missing:
        return f"{place} needs {missing.group(1)!r}".strip()
    kind, value, found = _at_path(path, doc, msgspec.inspect.type_info(SiteFile))
    if kind is None:
        return f"{place}: {message}".lstrip(": ")
    got = f", got {value!r}" if found else ""
    each = " (every value)" if path.endswith("[...]") else ""
    return f"{place}{each} must be {_describe(kind)}{got}".strip()


def _place(path: str, doc: Any) -> str:
    """``.hosts[0].roles[1]`` → ``[[hosts]] ndes01 roles[1]``; ``.scep.max_body_bytes`` → ``[scep] max_body_bytes``."""
    tokens = [(name, index) for name, index in _TOKEN.findall(path)]
    if not tokens:
        return ""
    section = tokens[0][0]
    rest = tokens[1:]
    if section == "hosts" and rest and rest[0][1].isdigit():
        i = int(rest[0][1])
        hosts = doc.get("hosts") if isinstance(doc, dict) else None
        entry = hosts[i] if isinstance(hosts, list) and i < len(hosts) and isinstance(hosts[i], dict) else {}
        head = _host_place(entry, i + 1)
        rest = rest[1:]
    else:
        head = f"[[{section}]]" if section == "hosts" else f"[{_shown(section)}]"
    tail = "".join(f".{_shown(name)}" if name else f"[{index}]" for name, index in rest if index != "...")
    return f"{head} {tail.lstrip('.')}".strip()


def _at_path(path: str, doc: Any, kind: Any) -> tuple[Any, Any, bool]:
    """The schema type and the document's value at ``path`` (the value only where the path names one)."""
    value, found = doc, True
    for name, index in _TOKEN.findall(path):
        kind = _unwrap(kind)
        if name and isinstance(kind, msgspec.inspect.StructType):
            kind = next((f.type for f in kind.fields if f.encode_name == name), None)
        elif index and isinstance(kind, (msgspec.inspect.ListType, msgspec.inspect.DictType)):
            kind = kind.item_type if isinstance(kind, msgspec.inspect.ListType) else kind.value_type
        else:
            return None, None, False
        if found and index == "...":
            found = False
        elif found:
            key: Any = name or int(index)
            try:
                value = value[key]
            except (KeyError, IndexError, TypeError):
                found = False
    return kind, value, found


def _unwrap(kind: Any) -> Any:
    if isinstance(kind, msgspec.inspect.UnionType):
        real = [t for t in kind.types if not isinstance(t, msgspec.inspect.NoneType)]
        return real[0] if len(real) == 1 else kind
    return kind


def _describe(kind: Any, many: bool = False) -> str:
    """What a value of this schema type must be, in the words of the error message ("a whole number ≥ 1 ...")."""
    inspect = msgspec.inspect
    kind = _unwrap(kind)
    if isinstance(kind, inspect.LiteralType):
        return ("values among " if many else "one of ") + ", ".join(str(v) for v in kind.values)
    if isinstance(kind, inspect.BoolType):
        return "true or false"
    if isinstance(kind, (inspect.IntType, inspect.FloatType)):
        noun = "whole number" if isinstance(kind, inspect.IntType) else "number"
        bounds = [f"{op} {v:g}" for op, v in ((">", kind.gt), ("≥", kind.ge), ("<", kind.lt), ("≤", kind.le))
                  if v is not None]
        return f"{noun}s" if many else f"a {noun} {' and '.join(bounds)}".strip()
    if isinstance(kind, inspect.StrType):
        size = f" of {kind.min_length or 0} to {kind.max_length} characters" if kind.max_length else ""
        shape = {None: "", PLAIN: " without control characters"}.get(kind.pattern, f" matching {kind.pattern}")
        return f"strings{shape}" if many else f"a string{size}{shape}"
    if isinstance(kind, inspect.ListType):
        count = f" ({kind.min_length or 0} to {kind.max_length} items)" if kind.max_length else ""
        return f"an array{count} of {_describe(kind.item_type, many=True)}"
    if isinstance(kind, (inspect.DictType, inspect.StructType)):
        return "tables" if many else "a table"
    if isinstance(kind, inspect.UnionType):
        return " or ".join(_describe(t, many) for t in kind.types if not isinstance(t, inspect.NoneType))
    return "something else"
