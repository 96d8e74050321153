"""Finding a site in Active Directory (and, asked to, on its Windows hosts) for ``conncheck init``.

What AD holds, read with the LDAP collector's ``run_query`` (entries ``{"dn", "attributes": {name: [str]}}``):

* the CAs: ``pKIEnrollmentService`` objects give each CA's name, host and published templates, hence the config
  string ``host\\CA name``;
* the SCEP/PKCS template candidates: templates published on a CA whose subject is supplied in the request
  (``ENROLLEE_SUPPLIES_SUBJECT``) and that issue Client Authentication (or any-purpose) certificates, with who may
  enroll them (allow ACEs granting the Enroll right, read from ``nTSecurityDescriptor``);
* NDES: user accounts holding ``HTTP/<host>`` service principal names (NDES's service account gets the NDES host's
  HTTP SPN); the account that may enroll a candidate template is NDES's, that template is the SCEP template and the
  SPN's host is NDES;
* the connector: the computers (it runs as SYSTEM) or service accounts that may enroll the other candidates, the
  PKCS templates, directly or through a group (Domain Computers by primary group); domain controllers excluded.

Everything inferred that way is a guess, and says why. ``--probe`` asks the host candidates over WinRM, with the
ordinary collector and five read-only fragments, which roles they hold: the MSCEP registry key (NDES, and the SCEP
template names NDES really uses), the connector's registry key and services (the account it runs as), the active CA
in CertSvc's configuration. What a host answers is found, not guessed.

The functions over entries and probe results are pure; ``read_directory`` runs the queries over an open connection
and ``probe_hosts`` is the one collector call.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from conncheck.pki import security_descriptor as sdm
from conncheck.plugin import LdapQuery

Entry = dict[str, Any]

ENROLLEE_SUPPLIES_SUBJECT = 0x1
CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"
ANY_PURPOSE = "2.5.29.37.0"
SERVER_TRUST_ACCOUNT = 0x2000  # userAccountControl of a domain controller's computer account
DOMAIN_COMPUTERS, DOMAIN_CONTROLLERS = 515, 516
# Groups too broad to narrow to a connector (and an exposure on a subject-supplying template: see the checks).
BROAD = {"S-1-1-0", "S-1-5-11", "S-1-5-32-545"}
BROAD_DOMAIN_RIDS = {513}  # Domain Users
IMPLICIT_SIDS = ("S-1-1-0", "S-1-5-11")  # every authenticated account holds these
MAX_MEMBERS = 10  # more computers than this behind a group: too many to guess from
ACCOUNT = ("sAMAccountName", "objectClass", "objectSid", "primaryGroupID", "userAccountControl", "dNSHostName",
           "servicePrincipalName")

ROOT_DSE = LdapQuery("", "(objectClass=*)", ("defaultNamingContext", "configurationNamingContext"), scope="base")
NETBIOS = LdapQuery("CN=Partitions,{config}", "(&(objectClass=crossRef)(nETBIOSName=*))", ("nETBIOSName", "nCName"),
                    scope="level")
ENROLLMENT_SERVICES = LdapQuery("CN=Enrollment Services,{pki}", "(objectClass=pKIEnrollmentService)",
                                ("cn", "dNSHostName", "certificateTemplates"), scope="level")
TEMPLATES = LdapQuery("CN=Certificate Templates,{pki}", "(objectClass=pKICertificateTemplate)",
                      ("cn", "displayName", "msPKI-Certificate-Name-Flag", "pKIExtendedKeyUsage",
                       "msPKI-Certificate-Application-Policy"), scope="level", security_descriptor=True)
CA_CERTIFICATES = LdapQuery("{pki}", "(|(objectClass=certificationAuthority)(objectClass=pKIEnrollmentService))",
                            ("cn", "cACertificate"), binary=("cACertificate",))
HTTP_SPN_USERS = LdapQuery("{domain}", "(&(objectClass=user)(!(objectClass=computer))(servicePrincipalName=HTTP/*))",
                           ACCOUNT, binary=("objectSid",), nested_groups=True)

# The fragments --probe sends: each read-only, each telling one role (and host_info the host's own name).
ROLE_PROBES = ("host_info", "services", "mscep_registry", "connector_registry", "ca_registry")
CONNECTOR_KEY = "HKLM\\SOFTWARE\\Microsoft\\MicrosoftIntune\\PFXCertificateConnector"
CONNECTOR_SERVICE = "PkiCreateConnectorSvc"  # issues PKCS certificates: the account that enrolls
MSCEP_VALUES = ("SignatureTemplate", "EncryptionTemplate", "GeneralPurposeTemplate")


# --- reading entries ----------------------------------------------------------------------------------------


def values(entry: Entry, name: str) -> list[str]:
    for key, found in (entry.get("attributes") or {}).items():
        if key.lower() == name.lower():
            return [str(v) for v in found]
    return []


def first(entry: Entry, name: str) -> str | None:
    found = values(entry, name)
    return found[0] if found else None


def sid_of(entry: Entry) -> str | None:
    raw = first(entry, "objectSid")
    return sdm.parse_sid(base64.b64decode(raw))[0] if raw else None


def rid(sid: str) -> int | None:
    return int(sid.rsplit("-", 1)[1]) if sid.startswith("S-1-5-21-") else None


def is_broad(sid: str) -> bool:
    return sid in BROAD or rid(sid) in BROAD_DOMAIN_RIDS


def is_dc(entry: Entry) -> bool:
    uac = int(first(entry, "userAccountControl") or 0)
    return bool(uac & SERVER_TRUST_ACCOUNT) or first(entry, "primaryGroupID") == str(DOMAIN_CONTROLLERS)


def is_computer(entry: Entry) -> bool:
    return "computer" in {v.lower() for v in values(entry, "objectClass")}


def is_group(entry: Entry) -> bool:
    return "group" in {v.lower() for v in values(entry, "objectClass")}


def template_name(entry: Entry) -> str:
    return first(entry, "cn") or entry.get("dn", "?")


def enroll_grantees(template: Entry) -> list[str]:
    """The SIDs an ACE of the template grants Enroll to on their own (before any group is expanded), in ACL order."""
    raw = first(template, "nTSecurityDescriptor")
    if not raw:
        return []
    try:
        sd = sdm.parse(base64.b64decode(raw))
    except sdm.SecurityDescriptorError:
        return []
    if sd.dacl is None:
        return ["S-1-1-0"]  # a NULL DACL lets everyone do everything
    out: list[str] = []
    for ace in sd.dacl.aces:
        if ace.sid in out or not ace.allows or ace.inherit_only:
            continue
        decision = sdm.effective_access(sd, {ace.sid}, mask=sdm.DS_CONTROL_ACCESS, object_type=sdm.ENROLL,
                                        generic_mapping=sdm.DS_GENERIC_MAPPING)
        if decision.granted:
            out.append(ace.sid)
    return out


def token_sids(account: Entry) -> set[str]:
    """The SIDs an account's logon token holds: its own, its primary group, its groups (nested), the implicit ones."""
    own = sid_of(account)
    sids = set(IMPLICIT_SIDS) | ({own} if own else set())
    primary = first(account, "primaryGroupID")
    if own and primary:
        sids.add(f"{own.rsplit('-', 1)[0]}-{primary}")
    for group in account.get("groups") or []:
        sids.add(sdm.parse_sid(base64.b64decode(group["objectSid"]))[0])
    return sids


def may_enroll(template: Entry, account: Entry) -> bool:
    """Does the account's token hold Enroll on the template (deny ACEs included)?"""
    raw = first(template, "nTSecurityDescriptor")
    if not raw:
        return False
    try:
        sd = sdm.parse(base64.b64decode(raw))
    except sdm.SecurityDescriptorError:
        return False
    return sdm.effective_access(sd, token_sids(account), mask=sdm.DS_CONTROL_ACCESS, object_type=sdm.ENROLL,
                                generic_mapping=sdm.DS_GENERIC_MAPPING).granted


def spn_hosts(account: Entry) -> list[str]:
    """The hosts of an account's ``HTTP/`` SPNs, fully qualified names first."""
    hosts = [spn.split("/", 1)[1].split(":")[0] for spn in values(account, "servicePrincipalName")
             if spn.upper().startswith("HTTP/")]
    return sorted(dict.fromkeys(h.lower() for h in hosts), key=lambda h: ("." not in h, h))


# --- what was found -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A site.toml value and how init knows it: found (AD or the host says so) or guessed (with the reason)."""

    value: Any
    guess: bool
    reason: str
    others: tuple[str, ...] = ()  # other candidates, named in the comment


@dataclass(frozen=True)
class Template:
    name: str
    display_name: str | None
    published_on: tuple[str, ...]  # CA names
    enrollers: tuple[str, ...]  # who may enroll, as "NAME (SID)" labels


@dataclass(frozen=True)
class HostCandidate:
    name: str
    roles: tuple[str, ...]  # the roles AD suggests
    reason: str
    confirmed: tuple[str, ...] | None = None  # the roles the host itself showed (--probe); None: not asked
    probe_error: str | None = None


@dataclass(frozen=True)
class Discovery:
    domain: str  # NetBIOS name (DOMAIN\\user)
    domain_dn: str
    cas: tuple[str, ...]  # every CA config string in Enrollment Services
    templates: tuple[Template, ...]  # every SCEP/PKCS candidate
    ca_config: Value | None = None
    scep_template: Value | None = None
    pkcs_templates: Value | None = None
    ndes_fqdn: Value | None = None
    ndes_service_account: Value | None = None
    connector_account: Value | None = None
    hosts: tuple[HostCandidate, ...] = ()
    todos: tuple[str, ...] = ()


@dataclass
class Directory:
    """What ``read_directory`` read: the entries ``discover`` reasons over."""

    domain_dn: str
    netbios: str
    enrollment_services: list[Entry]
    templates: list[Entry]
    http_spn_users: list[Entry]
    principals: dict[str, Entry] = field(default_factory=dict)  # SID → the account or group holding it
    members: dict[str, list[Entry]] = field(default_factory=dict)  # group SID → its computers (capped)
    ca_certificates: list[bytes] = field(default_factory=list)  # DER, every CA certificate AD publishes


def _label(sid: str, d: Directory) -> str:
    entry = d.principals.get(sid)
    name = first(entry, "sAMAccountName") if entry else None
    return f"{name} ({sid})" if name else sdm.sid_label(sid)


def _account_name(d: Directory, entry: Entry) -> str:
    return f"{d.netbios}\\{first(entry, 'sAMAccountName')}"


def candidate_templates(d: Directory) -> list[Entry]:
    """Published templates that take the subject from the request and issue Client Authentication certificates."""
    published = {t.casefold() for ca in d.enrollment_services for t in values(ca, "certificateTemplates")}
    out = []
    for entry in d.templates:
        name_flags = int(first(entry, "msPKI-Certificate-Name-Flag") or 0) & 0xFFFFFFFF
        usages = set(values(entry, "msPKI-Certificate-Application-Policy") or values(entry, "pKIExtendedKeyUsage"))
        if (template_name(entry).casefold() in published and name_flags & ENROLLEE_SUPPLIES_SUBJECT
                and usages & {CLIENT_AUTH, ANY_PURPOSE}):
            out.append(entry)
    return out


def _template(entry: Entry, d: Directory) -> Template:
    name = template_name(entry)
    cas = tuple(first(ca, "cn") or "?" for ca in d.enrollment_services
                if name.casefold() in {t.casefold() for t in values(ca, "certificateTemplates")})
    return Template(name, first(entry, "displayName"), cas, tuple(_label(s, d) for s in enroll_grantees(entry)))


def _ndes(d: Directory, candidates: list[Entry]) -> tuple[Entry | None, Entry | None, str]:
    """NDES's service account and the SCEP template: an HTTP/ SPN holder that may enroll a candidate template."""
    pairs = [(acct, t) for acct in d.http_spn_users for t in candidates if may_enroll(t, acct)]
    accounts = {id(a): a for a, _ in pairs}
    if len(accounts) != 1:
        return None, None, f"{len(accounts)} accounts hold an HTTP/ SPN and may enroll a candidate template"
    account = pairs[0][0]
    templates = [t for a, t in pairs]
    if len(templates) == 1:
        return account, templates[0], ""
    # NDES's account enrolls for its SCEP template; one that only NDES's account may enroll is the likely one.
    only = [t for t in templates if not any(_other_enrollers(t, d, account))]
    return account, (only[0] if len(only) == 1 else None), f"{account.get('dn')} may enroll {len(templates)} templates"


def _other_enrollers(template: Entry, d: Directory, ndes: Entry) -> list[str]:
    own = token_sids(ndes)
    return [s for s in enroll_grantees(template) if s not in own]


def _connector_principals(templates: list[Entry], d: Directory, ndes: Entry | None) -> tuple[list[Entry], list[str]]:
    """Computers (and service accounts) that may enroll the PKCS templates, DCs and NDES's account left out."""
    ndes_sid = sid_of(ndes) if ndes else None
    found: dict[str, Entry] = {}
    broad: list[str] = []
    for template in templates:
        for sid in enroll_grantees(template):
            entry = d.principals.get(sid)
            if sid == ndes_sid or (entry is not None and is_dc(entry)):
                continue
            if entry is not None and is_group(entry) and sid in d.members:
                if len(d.members[sid]) > MAX_MEMBERS:
                    broad.append(f"{_label(sid, d)}: more than {MAX_MEMBERS} computers")
                for member in d.members[sid][:MAX_MEMBERS]:
                    if not is_dc(member):
                        found.setdefault(sid_of(member) or member["dn"], member)
            elif entry is not None and not is_group(entry):
                found.setdefault(sid, entry)
            elif is_broad(sid):
                broad.append(_label(sid, d))
    return list(found.values()), broad


def discover(d: Directory) -> Discovery:
    """What ``d`` says about the site: found values, guesses with their reasons, and what could not be found."""
    todos: list[str] = []
    candidates = candidate_templates(d)
    cas = [f"{first(ca, 'dNSHostName')}\\{first(ca, 'cn')}" for ca in d.enrollment_services]
    ndes, scep, why_not_ndes = _ndes(d, candidates)
    found = Discovery(d.netbios, d.domain_dn, tuple(cas), tuple(_template(t, d) for t in candidates))
    hosts: dict[str, HostCandidate] = {}
    for ca in d.enrollment_services:
        host = (first(ca, "dNSHostName") or "").lower()
        if host:
            hosts[host] = HostCandidate(host, ("ca",), f"the host of {first(ca, 'cn')} in Enrollment Services")

    if ndes is not None:
        account = _account_name(d, ndes)
        names = spn_hosts(ndes)
        found = replace(found, ndes_service_account=Value(
            account, True, f"holds the HTTP/ SPN{'s' if len(names) > 1 else ''} {', '.join(names)} and may enroll "
            f"{template_name(scep) if scep else 'a candidate template'}"))
        fqdn = next((h for h in names if "." in h), None)
        if fqdn:
            found = replace(found, ndes_fqdn=Value(fqdn, True, f"the host of {account}'s HTTP/ SPN",
                                                   tuple(h for h in names if h != fqdn and "." in h)))
            hosts[fqdn] = HostCandidate(fqdn, (*hosts[fqdn].roles, "ndes") if fqdn in hosts else ("ndes",),
                                        f"{account}'s HTTP/ SPN names it")
    else:
        todos.append(f"NDES: no NDES service account found ({why_not_ndes}); set ndes_fqdn and ndes_service_account")
    if scep is not None:
        found = replace(found, scep_template=Value(template_name(scep), True, f"a candidate template NDES's account "
                                                   f"{_account_name(d, ndes) if ndes else ''} may enroll"))
    elif candidates:
        todos.append("SCEP template: more than one candidate, or none NDES's account may enroll: "
                     f"pick from {', '.join(template_name(t) for t in candidates)}")

    pkcs = [t for t in candidates if t is not scep]
    if pkcs:
        found = replace(found, pkcs_templates=Value(
            [template_name(t) for t in pkcs], True,
            "published, subject supplied in the request, Client Authentication, not NDES's SCEP template"))
    connectors, broad = _connector_principals(pkcs, d, ndes)
    computers = [e for e in connectors if is_computer(e)]
    users = [e for e in connectors if not is_computer(e)]
    if len(computers) == 1 and not users:
        computer = computers[0]
        host = (first(computer, "dNSHostName") or "").lower()
        via = ", ".join(template_name(t) for t in pkcs)
        found = replace(found, connector_account=Value(
            _account_name(d, computer), True, f"the only computer besides the DCs that may enroll {via}; the "
            "connector then runs as SYSTEM (its computer account enrolls)"))
        if host:
            hosts.setdefault(host, HostCandidate(host, ("connector",), f"its computer account may enroll {via}"))
    elif len(users) == 1:
        found = replace(found, connector_account=Value(
            _account_name(d, users[0]), True, "the only service account that may enroll the PKCS templates",
            tuple(_account_name(d, c) for c in computers)))
    else:
        named = ", ".join(_account_name(d, e) for e in connectors) or "none"
        todos.append(f"connector: cannot tell its account from who may enroll the PKCS templates ({named}"
                     f"{'; too broad: ' + '; '.join(broad) if broad else ''}); set connector_account")
    for host in sorted(h for h in {first(e, "dNSHostName") for e in computers if len(computers) > 1} if h):
        hosts.setdefault(host.lower(), HostCandidate(host.lower(), ("connector",), "may enroll a PKCS template"))

    if len(cas) == 1:
        found = replace(found, ca_config=Value(cas[0], False, "the only CA in Enrollment Services"))
    elif cas:
        wanted = {t.casefold() for t in ([template_name(scep)] if scep else []) + [template_name(t) for t in pkcs]}
        scored = sorted(d.enrollment_services, key=lambda ca: -len(wanted & {
            t.casefold() for t in values(ca, "certificateTemplates")}))
        best = f"{first(scored[0], 'dNSHostName')}\\{first(scored[0], 'cn')}"
        found = replace(found, ca_config=Value(best, True, "publishes the most of the SCEP/PKCS templates",
                                               tuple(c for c in cas if c != best)))
    else:
        todos.append("CA: no CA in Enrollment Services; is AD CS an Enterprise CA here? set ca_config")
    if not candidates:
        todos.append("templates: no published template supplies the subject in the request and issues Client "
                     "Authentication; set scep_template and pkcs_templates")
    return replace(found, hosts=tuple(hosts.values()), todos=tuple(todos))


# --- what the hosts say (--probe) ---------------------------------------------------------------------------


def _data(target: Any, probe: str) -> Any:
    result = target.probes.get(probe)
    return result.data if result is not None and result.ok else None


def host_roles(target: Any) -> tuple[str, ...]:
    """The roles a host showed: NDES (the MSCEP key), the connector (its registry key), a CA (an active CA)."""
    roles = []
    if isinstance(_data(target, "connector_registry"), dict) and _data(target, "connector_registry").get(
            CONNECTOR_KEY) is not None:
        roles.append("connector")
    ca = _data(target, "ca_registry")
    if isinstance(ca, dict) and ca.get("active"):
        roles.append("ca")
    if isinstance(_data(target, "mscep_registry"), dict):
        roles.append("ndes")
    return tuple(roles)


def _connector_account(target: Any, d: Discovery) -> str | None:
    services = _data(target, "services")
    if not isinstance(services, list):
        return None
    account = next((str(s.get("account") or "") for s in services
                    if isinstance(s, dict) and s.get("name") == CONNECTOR_SERVICE), "")
    if account.lower() in ("localsystem", "nt authority\\system", ".\\localsystem"):
        return f"{d.domain}\\{target.name.split('.')[0].upper()}$"
    return account or None


def confirm(d: Discovery, probed: dict[str, Any]) -> Discovery:
    """The discovery with what each probed host showed: its roles, and the values only the host knows."""
    hosts = []
    for candidate in d.hosts:
        target = probed.get(candidate.name)
        if target is None:
            hosts.append(candidate)
            continue
        errors = [p.error for p in target.probes.values() if not p.ok]
        if errors and len(errors) == len(target.probes):
            hosts.append(replace(candidate, probe_error=errors[0]))
            continue
        hosts.append(replace(candidate, confirmed=host_roles(target)))
        roles = hosts[-1].confirmed or ()
        if "ndes" in roles:
            d = _confirm_ndes(d, candidate.name, _data(target, "mscep_registry"))
        if "connector" in roles:
            account = _connector_account(target, d)
            if account:
                d = replace(d, connector_account=Value(account, False, f"{CONNECTOR_SERVICE} runs as it on "
                                                       f"{candidate.name}"))
        ca = _data(target, "ca_registry")
        if "ca" in roles and isinstance(ca, dict):
            d = replace(d, ca_config=Value(f"{candidate.name}\\{ca['active']}", False,
                                           f"the active CA in CertSvc's configuration on {candidate.name}"))
    return replace(d, hosts=tuple(hosts))


def _confirm_ndes(d: Discovery, host: str, mscep: dict[str, Any]) -> Discovery:
    d = replace(d, ndes_fqdn=Value(host, False, f"{host} holds NDES's MSCEP registry key"))
    names = list(dict.fromkeys(str(mscep[v]) for v in MSCEP_VALUES if mscep.get(v)))
    if len(names) == 1:
        d = replace(d, scep_template=Value(names[0], False, f"NDES's MSCEP registry values on {host} name it"))
    if d.pkcs_templates is not None and names:
        rest = [t for t in d.pkcs_templates.value if t.casefold() not in {n.casefold() for n in names}]
        d = replace(d, pkcs_templates=replace(d.pkcs_templates, value=rest) if rest else None)
    return d


# --- reading the directory and asking the hosts -------------------------------------------------------------


def _escaped_sid(sid: str) -> str:
    return "".join(f"\\{b:02x}" for b in sdm.sid_to_bytes(sid))


def _literal(text: str) -> str:
    """A filter text run_query formats: its braces doubled, so a DN holding one stays as it is."""
    return text.replace("{", "{{").replace("}", "}}")


def read_directory(run: Callable[[LdapQuery], list[Entry]]) -> tuple[Directory, list[Entry]]:
    """Every read ``discover`` needs, through ``run`` (one query → its entries); also the CA certificate entries."""
    from ldap3.utils.conv import escape_filter_chars

    roots = run(ROOT_DSE)
    domain_dn = first(roots[0], "defaultNamingContext") if roots else None
    if not domain_dn:
        raise LookupError("the rootDSE names no defaultNamingContext")
    netbios = next((first(e, "nETBIOSName") for e in run(NETBIOS)
                    if (first(e, "nCName") or "").casefold() == domain_dn.casefold()), None)
    d = Directory(domain_dn, netbios or domain_dn.split(",")[0].removeprefix("DC=").upper(),
                  run(ENROLLMENT_SERVICES), run(TEMPLATES), run(HTTP_SPN_USERS))
    sids = sorted({s for t in candidate_templates(d) for s in enroll_grantees(t) if s.startswith("S-1-5-21-")})
    if sids:
        wanted = "".join(f"(objectSid={_escaped_sid(s)})" for s in sids)
        query = LdapQuery("{domain}", f"(|{wanted})", ACCOUNT, binary=("objectSid",))
        for entry in run(query):
            sid = sid_of(entry)
            if sid:
                d.principals[sid] = entry
    for sid, entry in d.principals.items():
        if not is_group(entry) or is_broad(sid):
            continue
        if rid(sid) == DOMAIN_COMPUTERS:
            flt = f"(&(objectClass=computer)(primaryGroupID={DOMAIN_COMPUTERS}))"
        else:
            flt = f"(&(objectClass=computer)(memberOf:1.2.840.113556.1.4.1941:={escape_filter_chars(entry['dn'])}))"
        d.members[sid] = run(LdapQuery("{domain}", _literal(flt), ACCOUNT, binary=("objectSid",)))
    return d, run(CA_CERTIFICATES)


def probe_hosts(names: list[str], winrm: dict[str, Any], per_host: dict[str, dict[str, Any]],
                progress: Any = None) -> dict[str, Any]:
    """Ask each host which roles it holds: the WinRM collector with ``ROLE_PROBES`` only, read-only.

    ``winrm`` is a site.toml ``[winrm]`` section; ``per_host`` the ``[[hosts]]`` options (address, port, ...) by
    lower-case name.
    """
    from conncheck.collectors.site import CollectOptions, collect_site
    from conncheck.config import parse
    from conncheck.registry import Registry, default_registry

    every = default_registry().probes
    registry = Registry(probes={name: every[name] for name in ROLE_PROBES})
    hosts = [{**per_host.get(n.lower(), {}), "name": n, "roles": ["connector", "ca", "ndes"]} for n in names]
    config = parse({"site": {"name": "init"}, "winrm": winrm, "hosts": hosts}, "conncheck init --probe")
    facts = collect_site(config, registry, CollectOptions(progress=progress))
    return dict(facts.hosts)
