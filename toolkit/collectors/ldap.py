"""The directory collector: runs every plugin's LDAP queries against one domain controller, read-only.

The wire: a TCP connection to the DC (LDAPS on 636, or 389 upgraded with StartTLS), the server certificate
validated against ``ca_bundle`` (or the system store) and the DC's name; then a simple bind (over TLS only,
unless ``--insecure``) or a Kerberos bind (SASL GSSAPI through pyspnego: SSPI on Windows, GSSAPI elsewhere; bound
to the TLS channel over TLS, sealed on plain 389: see ldap_wire.py). Every exchange (connect and TLS, StartTLS, the
bind, each page of a search) must be complete within ``timeout``, however slowly the DC answers: past it the
connection is cut and what was not read is UNKNOWN with that reason. The rootDSE gives ``defaultNamingContext`` and
``configurationNamingContext``; each query's base resolves ``{domain}``, ``{config}`` and ``{pki}``
(``CN=Public Key Services,CN=Services,<config>``). Searches are paged (500 per page) and ask only for the
query's attributes; ``nTSecurityDescriptor`` is requested with the SD-flags control (1.2.840.113556.1.4.801) at
0x07 (owner, group, DACL: without it a normal user gets no descriptor at all). Nested groups come from the
in-chain matching rule ``(member:1.2.840.113556.1.4.1941:=<dn>)``. The connection is opened read-only
(ldap3 refuses every write before it reaches the wire).

site.toml ``[ldap]``::

    server = "dc01.contoso.com"   # the DC's name, checked against its TLS certificate
    address = "10.0.0.5"          # optional: connect here instead of resolving server
    tls = "ldaps"                 # ldaps (default, 636) | starttls (389) | none (389: Kerberos sealed, or a simple
                                  #   bind with --insecure only)
    port = 636                    # optional
    ca_bundle = "contoso-root.pem"  # optional: PEM of the CA that issued the DC's certificate
    auth = "simple"               # simple | kerberos (SASL GSSAPI: the ticket cache, or the Windows logon session)
    user = "svc-audit@contoso.com"
    password_env = "CONNCHECK_LDAP_PASSWORD"  # or keyring_service = "conncheck-ldap", or a prompt
    base = "DC=contoso,DC=com"    # optional overrides of the rootDSE's naming contexts
    config_base = "CN=Configuration,DC=contoso,DC=com"
    connect_timeout = 10          # seconds for the TCP connect
    timeout = 30                  # seconds for each whole exchange (connect, TLS, a request and all its answer)

Query filters may use these site parameters: ``{ndes_fqdn}`` ([site] ndes_fqdn), ``{ndes_service_account}``
and ``{connector_account}`` (the sAMAccountName part of [site]'s DOMAIN\\user values; without
connector_account, the connector host's computer account ``NAME$``).

Probe data: each query's result is a list of entries ``{"dn": str, "attributes": {name: [str, ...]}}`` with
every requested attribute present (an empty list when the entry has none), binary ones as base64, and with
``nested_groups`` a ``"groups": [{"dn", "objectSid": base64}]`` list.
"""

from __future__ import annotations

import base64
import contextlib
import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from conncheck.accounts import connector_account, split_account
from conncheck.collectors.deadline import Deadline, SocketWatch
from conncheck.config import SiteConfig
from conncheck.credentials import secret
from conncheck.errors import ConfigError
from conncheck.facts import DIRECTORY_ROLE, ProbeResult, Target
from conncheck.plugin import LdapQuery, Probe
from conncheck.registry import Registry

SD_FLAGS_OID = "1.2.840.113556.1.4.801"
IN_CHAIN = "1.2.840.113556.1.4.1941"
PAGE_SIZE = 500


class DirectoryUnavailable(Exception):
    """The DC could not be reached, or refused the TLS handshake or the bind: every probe fails with this."""


@dataclass(frozen=True)
class LdapSettings:
    server: str
    address: str | None
    tls: str
    port: int
    ca_bundle: Path | None
    auth: str
    user: str | None
    password_env: str | None
    keyring_service: str | None
    base: str | None
    config_base: str | None
    connect_timeout: int
    timeout: int


def settings_from(config: SiteConfig, *, insecure: bool) -> LdapSettings:
    """Validate ``[ldap]``; every problem is one ConfigError line."""
    where = f"{config.path or 'site.toml'}: [ldap]"
    raw = config.sections.get("ldap")
    if not raw:
        raise ConfigError(f"{where} is missing: name the domain controller (server = \"dc01.contoso.com\")")
    # Keys and types were checked when site.toml was loaded (conncheck.config.LdapSection); meanings are checked here.
    if not raw.get("server"):
        raise ConfigError(f"{where} needs server = \"<the DC's DNS name>\"")
    tls, auth = raw.get("tls", "ldaps"), raw.get("auth", "simple")
    if auth == "simple" and not raw.get("user"):
        raise ConfigError(f"{where} auth = \"simple\" needs user = \"<account>@<domain>\"")
    if tls == "none" and auth == "simple" and not insecure:
        raise ConfigError(f"{where} tls = \"none\" would send the password in cleartext; use ldaps or starttls "
                          "(or --insecure on a lab network)")
    ca_bundle = None
    if raw.get("ca_bundle"):
        ca_bundle = Path(raw["ca_bundle"])
        if not ca_bundle.is_absolute() and config.path is not None:
            ca_bundle = config.path.parent / ca_bundle
        if not ca_bundle.is_file():
            raise ConfigError(f"{where} ca_bundle {ca_bundle}: no such file")
    return LdapSettings(
        server=raw["server"], address=raw.get("address"), tls=tls,
        port=raw.get("port", 636 if tls == "ldaps" else 389), ca_bundle=ca_bundle, auth=auth,
        user=raw.get("user"), password_env=raw.get("password_env"), keyring_service=raw.get("keyring_service"),
        base=raw.get("base"), config_base=raw.get("config_base"),
        connect_timeout=raw.get("connect_timeout", 10), timeout=raw.get("timeout", 30),
    )


def filter_parameters(config: SiteConfig) -> dict[str, str]:
    """The site values query filters may name (unescaped)."""
    site = config.site
    params: dict[str, str] = {}
    if site.get("ndes_fqdn"):
        params["ndes_fqdn"] = site["ndes_fqdn"]
    if site.get("ndes_service_account"):
        params["ndes_service_account"] = split_account(site["ndes_service_account"])[1]
    connectors = [h.name for h in config.hosts if "connector" in h.roles]
    system_on = connectors[0] if connectors and not site.get("connector_account") else None
    account = connector_account(site.get("connector_account"), None, system_on)
    if account:
        params["connector_account"] = split_account(account)[1]
    return params


def bind_password(s: LdapSettings, *, interactive: bool) -> str | None:
    """The simple bind's password (environment, keyring or prompt); None for Kerberos, which uses the ticket."""
    if s.auth != "simple":
        return None
    assert s.user is not None
    return secret(purpose=f"LDAP bind to {s.server}", username=s.user, env_var=s.password_env,
                  keyring_service=s.keyring_service, interactive=interactive)


def _connect(s: LdapSettings, password: str | None, watch: SocketWatch) -> Any:
    """An open, bound, read-only connection; every step within ``s.timeout`` (``watch`` cuts the ones that are not)."""
    import ldap3
    from conncheck.collectors import kerberos
    from conncheck.collectors.ldap_wire import KerberosBindFailed, KerberosConnection, WatchedTls
    from ldap3.core.exceptions import LDAPException

    tls = None
    if s.tls != "none":
        tls = WatchedTls(watch, validate=ssl.CERT_REQUIRED, version=ssl.PROTOCOL_TLS_CLIENT,
                         ca_certs_file=str(s.ca_bundle) if s.ca_bundle else None, valid_names=[s.server], sni=s.server)
    server = ldap3.Server(s.address or s.server, port=s.port, use_ssl=s.tls == "ldaps", tls=tls,
                          get_info=ldap3.NONE, connect_timeout=min(s.connect_timeout, s.timeout))
    common: dict[str, Any] = {"read_only": True, "receive_timeout": s.timeout, "raise_exceptions": False,
                              "auto_referrals": False}
    if s.auth == "kerberos":
        conn = KerberosConnection(server, service_host=s.server, **common)
    else:
        conn = ldap3.Connection(server, authentication=ldap3.SIMPLE, user=s.user, password=password, **common)
    try:
        with within(s, watch):
            conn.open()
        watch.add(conn.socket)
        if s.tls == "starttls":
            with within(s, watch):
                started = conn.start_tls()
            if not started:
                raise DirectoryUnavailable(f"StartTLS refused by {s.server}: "
                                           f"{conn.result.get('message') or conn.result}")
        with within(s, watch):
            bound = conn.bind()
        if not bound:
            raise DirectoryUnavailable(_bind_refused(s, conn.result or {}))
    except DirectoryUnavailable:
        raise
    except (LDAPException, OSError, KerberosBindFailed) as exc:
        raise DirectoryUnavailable(watch.reason or f"cannot connect to {s.server}:{s.port} ({s.tls}): "
                                   f"{_reason(exc)}") from None
    except Exception as exc:
        if not kerberos.is_kerberos_error(exc):
            raise
        raise DirectoryUnavailable(f"Kerberos (SASL GSSAPI) bind to {s.server} failed: "
                                   f"{kerberos.reason(exc, 'ldap', s.server, 'server (the DC name)')}") from None
    return conn


def within(s: LdapSettings, watch: SocketWatch) -> Deadline:
    """One LDAP exchange (connect and TLS, StartTLS, the bind, one page of a search) must be over in ``timeout``."""
    return Deadline(watch, s.timeout, f"no complete answer from {s.server}:{s.port} ({s.tls}) within {s.timeout} s "
                                      "(timeout)")


def _bind_refused(s: LdapSettings, result: dict[str, Any]) -> str:
    """The DC's refusal, with what to change when it is the DC's strong-authentication rule."""
    who = s.user if s.auth == "simple" else "the Kerberos ticket"
    detail = f"{result.get('description', '')} {result.get('message') or ''}".strip().rstrip(".") or "refused"
    line = f"LDAP bind as {who} refused by {s.server}: {detail}"
    if result.get("description") == "strongerAuthRequired":
        if s.auth == "simple":
            return (f"{line}. The DC takes simple binds only over TLS (LDAP signing / strong authentication "
                    "required): use tls = \"ldaps\" or \"starttls\"")
        if s.tls != "none":
            return (f"{line}. This DC takes Kerberos binds only sealed and refuses sealing inside TLS (as Samba's "
                    "'ldap server require strong auth = yes' does): use tls = \"none\" with auth = \"kerberos\" "
                    "(Kerberos then seals the traffic)")
    return line


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "doesn't match any name" in text:
        return "the DC's TLS certificate does not name this server (TLS name mismatch)"
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return "the DC's TLS certificate is not trusted by the CA bundle (certificate verify failed)"
    return f"{type(exc).__name__}: {text}"


@dataclass(frozen=True)
class Bases:
    domain: str
    config: str

    @property
    def pki(self) -> str:
        return f"CN=Public Key Services,CN=Services,{self.config}"


class Searcher(Protocol):
    """What the queries need of a connection: one search (one page) at a time, and ldap3's response to it."""

    @property
    def conn(self) -> Any: ...

    def search(self, base: str, flt: str, scope: Any, attributes: list[str], **kwargs: Any) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Session:
    """A bound connection, its settings, and the watch that cuts it when an exchange outlasts ``timeout``."""

    conn: Any
    settings: LdapSettings
    watch: SocketWatch

    def search(self, base: str, flt: str, scope: Any, attributes: list[str], **kwargs: Any) -> dict[str, Any]:
        """One search request (one page), within the deadline; ldap3's result dict."""
        with within(self.settings, self.watch):
            self.conn.search(base, flt, search_scope=scope, attributes=attributes, **kwargs)
        if self.watch.expired:
            raise DirectoryUnavailable(str(self.watch.reason))
        return dict(self.conn.result or {})


def _root_dse(session: Session) -> Bases:
    import ldap3

    s = session.settings
    result = session.search("", "(objectClass=*)", ldap3.BASE, ["defaultNamingContext", "configurationNamingContext"])
    response = session.conn.response
    attrs = response[0]["attributes"] if result.get("result") == 0 and response else {}
    domain = s.base or _first(attrs.get("defaultNamingContext"))
    config = s.config_base or _first(attrs.get("configurationNamingContext"))
    if not domain or not config:
        raise DirectoryUnavailable(f"the rootDSE of {s.server} names no naming contexts: {result}")
    return Bases(domain, config)


def _first(value: Any) -> str | None:
    if isinstance(value, list):
        return str(value[0]) if value else None
    return str(value) if value else None


def _values(raw: dict[str, list[bytes]], name: str, binary: bool) -> list[str]:
    for key, values in raw.items():
        if key.lower() == name.lower():
            if binary:
                return [base64.b64encode(v).decode("ascii") for v in values]
            return [v.decode("utf-8", errors="replace") for v in values]
    return []


def _search(session: Searcher, base: str, flt: str, scope: str, attributes: list[str],
            controls: list[Any]) -> list[Any]:
    """Every entry, page by page; a failed search raises with the server's reason."""
    import ldap3

    scopes = {"base": ldap3.BASE, "level": ldap3.LEVEL, "subtree": ldap3.SUBTREE}
    entries: list[Any] = []
    cookie = None
    while True:
        result = session.search(base, flt, scopes[scope], attributes or [ldap3.NO_ATTRIBUTES], controls=controls,
                                paged_size=PAGE_SIZE, paged_cookie=cookie)
        if result.get("result") not in (0, None):
            if result.get("description") == "noSuchObject":
                return []
            raise RuntimeError(f"search of {base} failed: {result.get('description')} {result.get('message', '')}")
        entries.extend(e for e in session.conn.response or [] if e.get("type") == "searchResEntry")
        cookie = (result.get("controls", {}).get("1.2.840.113556.1.4.319", {}).get("value", {}).get("cookie"))
        if not cookie:
            return entries


def run_query(session: Searcher, query: LdapQuery, bases: Bases, params: dict[str, str]) -> list[dict[str, Any]]:
    from ldap3.protocol.microsoft import security_descriptor_control
    from ldap3.utils.conv import escape_filter_chars

    base = query.base.format(domain=bases.domain, config=bases.config, pki=bases.pki)
    try:
        flt = query.filter.format(**{k: escape_filter_chars(v) for k, v in params.items()})
    except KeyError as exc:
        raise LookupError(f"site.toml [site] does not set {exc.args[0]}, which this query needs") from None
    attributes = list(query.attributes)
    binary = {a.lower() for a in query.binary}
    controls = []
    if query.security_descriptor:
        attributes.append("nTSecurityDescriptor")
        binary.add("ntsecuritydescriptor")
        controls = security_descriptor_control(sdflags=0x07)
    out = []
    for entry in _search(session, base, flt, query.scope, attributes, controls):
        raw = entry.get("raw_attributes", {})
        item: dict[str, Any] = {
            "dn": entry["dn"],
            "attributes": {a: _values(raw, a, a.lower() in binary) for a in attributes},
        }
        if query.nested_groups:
            item["groups"] = nested_groups(session, bases, entry["dn"])
        out.append(item)
    return out


def nested_groups(session: Searcher, bases: Bases, dn: str) -> list[dict[str, str]]:
    """Every group ``dn`` is a member of, directly or through other groups (LDAP_MATCHING_RULE_IN_CHAIN)."""
    from ldap3.utils.conv import escape_filter_chars

    flt = f"(&(objectClass=group)(member:{IN_CHAIN}:={escape_filter_chars(dn)}))"
    groups = _search(session, bases.domain, flt, "subtree", ["objectSid"], [])
    return [{"dn": g["dn"], "objectSid": _values(g.get("raw_attributes", {}), "objectSid", True)[0]}
            for g in groups if _values(g.get("raw_attributes", {}), "objectSid", True)]


def _ldap_probes(registry: Registry) -> list[Probe]:
    return [p for p in registry.probes_for_role(DIRECTORY_ROLE) if p.ldap is not None]


def collect_directory(
    config: SiteConfig,
    registry: Registry,
    *,
    insecure: bool = False,
    interactive: bool = True,
    settings: LdapSettings | None = None,
    password: str | None = None,
) -> Target:
    """The directory Target (name = the DC, role ``directory``): every plugin's LDAP probe, run read-only.

    A bad ``[ldap]`` section raises ConfigError; a DC that cannot be reached or refuses the bind makes every
    probe a failure with the reason (UNKNOWN later), never an exception. ``settings`` and ``password``, when the
    caller resolved them already (collect_site does, before any connection opens), are used as given.
    """
    s = settings or settings_from(config, insecure=insecure)
    if password is None:
        password = bind_password(s, interactive=interactive)
    probes = _ldap_probes(registry)
    target = Target(s.server, (DIRECTORY_ROLE,), attributes={"tls": s.tls, "auth": s.auth})
    started = time.perf_counter()
    watch = SocketWatch()
    try:
        session = Session(_connect(s, password, watch), s, watch)
    except DirectoryUnavailable as exc:
        ms = round((time.perf_counter() - started) * 1000, 1)
        target.probes = {p.name: ProbeResult.failure(str(exc), ms) for p in probes}
        watch.close()
        return target
    params = filter_parameters(config)
    try:
        bases = _root_dse(session)
        for probe in probes:
            assert probe.ldap is not None
            t0 = time.perf_counter()
            try:
                data = run_query(session, probe.ldap, bases, params)
                target.probes[probe.name] = ProbeResult.success(data, round((time.perf_counter() - t0) * 1000, 1))
            except DirectoryUnavailable:
                raise
            except Exception as exc:  # one query's failure is that probe's UNKNOWN, not the run's end
                reason = str(exc) if isinstance(exc, (LookupError, RuntimeError)) else f"{type(exc).__name__}: {exc}"
                target.probes[probe.name] = ProbeResult.failure(reason, round((time.perf_counter() - t0) * 1000, 1))
    except DirectoryUnavailable as exc:
        # The DC stopped answering (or answered too slowly): what was read stands, the rest carries the reason.
        target.probes = {p.name: target.probes.get(p.name) or ProbeResult.failure(str(exc)) for p in probes}
    finally:
        _unbind(session)
        watch.close()
    return target


def _unbind(session: Session) -> None:
    """Say goodbye if the connection still stands; a cut or dropped one has nothing left to close politely."""
    from ldap3.core.exceptions import LDAPException

    with contextlib.suppress(LDAPException, OSError), within(session.settings, session.watch):
        session.conn.unbind()
