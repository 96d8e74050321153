"""Active Directory's PKI configuration: the CA's enrollment object, templates and their ACLs, NTAuth, accounts.

Probes (role ``directory``, collected over LDAP by toolkit/collectors/ldap.py). Each probe's data is a list of
entries ``{"dn": str, "attributes": {name: [str, ...]}}``: every requested attribute is present (``[]`` when the
entry has none), values are strings as the DC sends them (integers in decimal, signed 32-bit for flags), binary
values base64. Account probes add ``"groups": [{"dn", "objectSid": base64}]``: every group the account is in,
nested ones included.

* ``enrollment_services``: ``CN=Enrollment Services,<pki>``, one level, ``pKIEnrollmentService``: cn,
  dNSHostName, cACertificate (base64 DER), certificateTemplates, flags.
* ``certificate_templates``: ``CN=Certificate Templates,<pki>``, one level, ``pKICertificateTemplate``: cn, name,
  displayName, msPKI-Template-Schema-Version, msPKI-Certificate-Name-Flag, msPKI-Enrollment-Flag,
  msPKI-Private-Key-Flag, msPKI-RA-Signature, pKIExtendedKeyUsage, msPKI-Certificate-Application-Policy,
  pKIKeyUsage (base64), pKIExpirationPeriod (base64: 8-byte little-endian negative interval in 100 ns),
  nTSecurityDescriptor (base64 self-relative descriptor: owner, group, DACL).
* ``ntauth_certificates``: ``<pki>``, one level, ``cn=NTAuthCertificates``: cn, cACertificate (base64 DER).
  An empty list means the object does not exist.
* ``domain_password_policy``: ``<domain>``, base: maxPwdAge (negative 100 ns interval), objectSid.
* ``ndes_service_account``: ``<domain>``, subtree, ``sAMAccountName={ndes_service_account}``: sAMAccountName,
  userAccountControl, msDS-User-Account-Control-Computed, lockoutTime, pwdLastSet, accountExpires (FILETIMEs),
  servicePrincipalName, memberOf, primaryGroupID, objectSid (base64); plus ``groups``.
* ``connector_account``: the same for ``sAMAccountName={connector_account}`` (the connector's service account,
  or the connector host's computer account ``NAME$`` when it runs as SYSTEM); plus ``groups``.
* ``ndes_http_spn_holders``: ``<domain>``, subtree, ``servicePrincipalName=HTTP/{ndes_fqdn}``: sAMAccountName,
  objectSid (base64).

``<pki>`` is ``CN=Public Key Services,CN=Services,<configurationNamingContext>``.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

import msgspec
from conncheck.catalog.codes import CA_UNAVAILABLE, SCEP_DESERIALIZE, UNKNOWN_ERROR
from conncheck.checks import _pki_references as ref
from conncheck.checks._common import judge_validity
from conncheck.checks.host import HOST_INFO
from conncheck.pki import security_descriptor as sdm
from conncheck.pki.certs import CertificateError, CertInfo, from_b64, validity
from conncheck.pki.enrollment import ENROLLEE_SUPPLIES_SUBJECT, IMPLICIT_SIDS, enrollees, esc1_conditions, may_enroll
from conncheck.plugin import Context, LdapQuery, Plugin, Probe, ProbeUnavailable
from conncheck.results import SEVERITY, Fix, Msg, Outcome, failed, passed, skipped, text_in, unknown, warned
from conncheck.schema import Base64

PLUGIN = Plugin("directory")
DIRECTORY = ("directory",)
CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"
ANY_PURPOSE = "2.5.29.37.0"
MIN_SCEP_VALIDITY_DAYS = 5
DAY_IN_100NS = 86400 * 10_000_000
CT_FLAG_EXPORTABLE_KEY = 0x10  # msPKI-Private-Key-Flag: "Allow private key to be exported"
READ_AND_ENROLL = "Read and Enroll"

# msPKI-Certificate-Name-Flag (MS-CRTD 2.28), userAccountControl and its computed variant (MS-ADTS 2.2.16).
NAME_FLAGS = {
    0x00000001: "ENROLLEE_SUPPLIES_SUBJECT", 0x00010000: "ENROLLEE_SUPPLIES_SUBJECT_ALT_NAME",
    0x00400000: "SUBJECT_ALT_REQUIRE_DOMAIN_DNS", 0x00800000: "SUBJECT_ALT_REQUIRE_SPN",
    0x01000000: "SUBJECT_ALT_REQUIRE_DIRECTORY_GUID", 0x02000000: "SUBJECT_ALT_REQUIRE_UPN",
    0x04000000: "SUBJECT_ALT_REQUIRE_EMAIL", 0x08000000: "SUBJECT_ALT_REQUIRE_DNS",
    0x10000000: "SUBJECT_REQUIRE_DNS_AS_CN", 0x20000000: "SUBJECT_REQUIRE_EMAIL",
    0x40000000: "SUBJECT_REQUIRE_COMMON_NAME", 0x80000000: "SUBJECT_REQUIRE_DIRECTORY_PATH",
}
UF_ACCOUNTDISABLE = 0x2
UF_LOCKOUT = 0x10
UF_DONT_EXPIRE_PASSWD = 0x10000
UF_PASSWORD_EXPIRED = 0x800000
UAC_FLAGS = {UF_ACCOUNTDISABLE: "ACCOUNTDISABLE", UF_LOCKOUT: "LOCKOUT", 0x200: "NORMAL_ACCOUNT",
             0x1000: "WORKSTATION_TRUST_ACCOUNT", UF_DONT_EXPIRE_PASSWD: "DONT_EXPIRE_PASSWORD",
             0x80000: "TRUSTED_FOR_DELEGATION", UF_PASSWORD_EXPIRED: "PASSWORD_EXPIRED"}
NEVER = (0, 0x7FFFFFFFFFFFFFFF)
# pKIKeyUsage, first byte (X.509 bit order).
KU_DIGITAL_SIGNATURE = 0x80
KU_KEY_ENCIPHERMENT = 0x20
MSCEP_VALUE_BY_PURPOSE = {"signature": "SignatureTemplate", "encryption": "EncryptionTemplate",
                          "signature and encryption": "GeneralPurposeTemplate"}

ACCOUNT_ATTRIBUTES = ("sAMAccountName", "userAccountControl", "msDS-User-Account-Control-Computed", "lockoutTime",
                      "pwdLastSet", "accountExpires", "servicePrincipalName", "memberOf", "primaryGroupID",
                      "objectSid")



class Group(msgspec.Struct):
    dn: str
    objectSid: Base64


class Entry(msgspec.Struct):
    """One LDAP entry: every requested attribute present, values as strings (``[]`` when the entry has none)."""

    dn: str
    attributes: dict[str, list[str]]
    REQUIRED: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        have = {name.casefold() for name in self.attributes}
        missing = [name for name in self.REQUIRED if name.casefold() not in have]
        if missing:
            raise ValueError(f"the entry {self.dn} lacks requested attributes: {', '.join(missing)}")


class EnrollmentService(Entry):
    REQUIRED = ("cn", "dNSHostName", "cACertificate", "certificateTemplates", "flags")


TEMPLATE_ATTRIBUTES = ("cn", "name", "displayName", "msPKI-Template-Schema-Version", "msPKI-Certificate-Name-Flag",
                       "msPKI-Enrollment-Flag", "msPKI-Private-Key-Flag", "msPKI-RA-Signature",
                       "pKIExtendedKeyUsage", "msPKI-Certificate-Application-Policy", "pKIKeyUsage",
                       "pKIExpirationPeriod")


class Template(Entry):
    REQUIRED = (*TEMPLATE_ATTRIBUTES, "nTSecurityDescriptor")


class NtAuthObject(Entry):
    REQUIRED = ("cn", "cACertificate")


class DomainPolicy(Entry):
    REQUIRED = ("maxPwdAge", "objectSid")


class Account(Entry):
    """A user or computer account, with every group it is in, nested ones included."""

    groups: list[Group] = []
    REQUIRED = ACCOUNT_ATTRIBUTES


class SpnHolder(Entry):
    REQUIRED = ("sAMAccountName", "objectSid")


ENROLLMENT_SERVICES = PLUGIN.probe(
    "enrollment_services", list[EnrollmentService], roles=DIRECTORY,
    description="CAs published in AD (pKIEnrollmentService)",
    ldap=LdapQuery("CN=Enrollment Services,{pki}", "(objectClass=pKIEnrollmentService)",
                   ("cn", "dNSHostName", "cACertificate", "certificateTemplates", "flags"),
                   scope="level", binary=("cACertificate",)))
CERTIFICATE_TEMPLATES = PLUGIN.probe(
    "certificate_templates", list[Template], roles=DIRECTORY,
    description="Certificate templates with their security descriptors",
    ldap=LdapQuery("CN=Certificate Templates,{pki}", "(objectClass=pKICertificateTemplate)", TEMPLATE_ATTRIBUTES,
                   scope="level", security_descriptor=True, binary=("pKIKeyUsage", "pKIExpirationPeriod")))
NTAUTH_CERTIFICATES = PLUGIN.probe(
    "ntauth_certificates", list[NtAuthObject], roles=DIRECTORY,
    description="CA certificates in NTAuthCertificates (an empty list: the object does not exist)",
    ldap=LdapQuery("{pki}", "(&(objectClass=certificationAuthority)(cn=NTAuthCertificates))",
                   ("cn", "cACertificate"), scope="level", binary=("cACertificate",)))
DOMAIN_PASSWORD_POLICY = PLUGIN.probe(
    "domain_password_policy", list[DomainPolicy], roles=DIRECTORY, description="The domain's maxPwdAge",
    ldap=LdapQuery("{domain}", "(objectClass=*)", ("maxPwdAge", "objectSid"), scope="base", binary=("objectSid",)))
NDES_SERVICE_ACCOUNT = PLUGIN.probe(
    "ndes_service_account", list[Account], roles=DIRECTORY, description="The NDES service account and its groups",
    ldap=LdapQuery("{domain}", "(&(objectClass=user)(sAMAccountName={ndes_service_account}))",
                   ACCOUNT_ATTRIBUTES, binary=("objectSid",), nested_groups=True))
CONNECTOR_ACCOUNT = PLUGIN.probe(
    "connector_account", list[Account], roles=DIRECTORY,
    description="The connector's account (service account, or its computer account) and its groups",
    ldap=LdapQuery("{domain}", "(&(objectClass=user)(sAMAccountName={connector_account}))",
                   ACCOUNT_ATTRIBUTES, binary=("objectSid",), nested_groups=True))
NDES_HTTP_SPN_HOLDERS = PLUGIN.probe(
    "ndes_http_spn_holders", list[SpnHolder], roles=DIRECTORY, description="Accounts holding HTTP/<NDES FQDN>",
    ldap=LdapQuery("{domain}", "(servicePrincipalName=HTTP/{ndes_fqdn})", ("sAMAccountName", "objectSid"),
                   binary=("objectSid",)))


# --- reading entries ----------------------------------------------------------------------------------------


def values(entry: Entry, name: str) -> list[str]:
    for key, found in entry.attributes.items():
        if key.casefold() == name.casefold():
            return found
    return []


def first(entry: Entry, name: str) -> str | None:
    found = values(entry, name)
    return found[0] if found else None


def integer(entry: Entry, name: str) -> int | None:
    """An integer attribute (AD sends decimal text); ProbeMalformed-like ValueError when it is not one."""
    value = first(entry, name)
    if value in (None, ""):
        return None
    if not value.lstrip("-").isdigit() or len(value) > 20:
        raise ValueError(f"{entry.dn}: {name} is {value[:40]!r}, not an integer")
    return int(value)


def flags(entry: Entry, name: str) -> int | None:
    """An integer flags attribute as unsigned 32 bits (AD sends them signed); None when the entry has no value."""
    value = integer(entry, name)
    return None if value is None else value & 0xFFFFFFFF


def flag_names(value: int | None, names: dict[int, str]) -> list[str]:
    if value is None:
        return []
    out = [name for bit, name in names.items() if value & bit]
    rest = value & ~sum(names)
    return [*out, f"0x{rest:X}"] if rest else out


def filetime(value: int) -> datetime:
    return datetime(1601, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=value // 10)


def sid_of(b64: str) -> str:
    return sdm.parse_sid(base64.b64decode(b64))[0]


def cert_of(ctx: Context, probe: Probe[Any], b64: str) -> CertInfo:
    try:
        return from_b64(b64)
    except CertificateError as exc:
        raise ProbeUnavailable(ctx.host, probe.name, f"unreadable cACertificate: {exc}") from None


def ca_config(ctx: Context) -> tuple[str, str] | None:
    """``ca01.contoso.com\\Contoso Issuing CA`` → (host, CA name)."""
    value = ctx.site.ca_config
    if not value or "\\" not in value:
        return None
    host, name = value.split("\\", 1)
    return host.strip(), name.strip()


SANITIZED_CHARACTER = re.compile(r"!([0-9A-Fa-f]{4})")


def ca_name_of(entry: EnrollmentService) -> str:
    """The CA's name from its object's CN, which AD CS sanitizes: each character a CN may not hold (``!`` itself
    among them) written as ``!`` and four hex digits (MS-WCCE 3.1.1.4.1.1): ``Contoso !0026 Co CA`` → ``Contoso & Co
    CA``."""
    return SANITIZED_CHARACTER.sub(lambda m: chr(int(m[1], 16)), first(entry, "cn") or "")


def find_ca(ctx: Context) -> tuple[EnrollmentService | None, Outcome | None]:
    """The site's CA among the Enrollment Services, or the outcome that says why there is none."""
    expected = ca_config(ctx)
    if expected is None:
        return None, unknown(Msg("site.toml [site] ca_config (\"host\\CA name\") is not set: no CA to look for",
                                 "site.toml [site] ca_config (\"sunucu\\CA adı\") ayarlı değil: aranacak CA yok"))
    host, name = expected
    services = ctx.read(ENROLLMENT_SERVICES)
    published = [f"{first(e, 'cn')} on {first(e, 'dNSHostName')}" for e in services]
    for entry in services:
        if ca_name_of(entry).casefold() == name.casefold():
            actual = first(entry, "dNSHostName")
            if (actual or "").casefold() == host.casefold():
                return entry, None
            return None, failed(Msg(f"{name} is published in Enrollment Services for host {actual}, not {host}",
                                    f"{name}, Kayıt Hizmetleri'nde (Enrollment Services) {host} için değil {actual} "
                                    "sunucusu için yayımlanmış"), {"dn": entry.dn, "published": published})
    return None, failed(Msg(f"{name} is not published in Enrollment Services",
                            f"{name}, Kayıt Hizmetleri'nde (Enrollment Services) yayımlanmamış"),
                        {"expected": f"{host}\\{name}", "published": published})


def find_template(ctx: Context, name: str) -> Template | None:
    for entry in ctx.read(CERTIFICATE_TEMPLATES):
        names = {(first(entry, "cn") or "").casefold(), (first(entry, "name") or "").casefold()}
        if name.casefold() in names:
            return entry
    return None


NO_SCEP = Msg("no SCEP template in site.toml [site] scep_template: SCEP not used here",
              "site.toml [site] scep_template içinde SCEP şablonu yok: SCEP burada kullanılmıyor")
NO_PKCS = Msg("no PKCS templates in site.toml [site] pkcs_templates: PKCS not used here",
              "site.toml [site] pkcs_templates içinde PKCS şablonu yok: PKCS burada kullanılmıyor")


def scep_template(ctx: Context) -> tuple[Template | None, Outcome | None]:
    name = ctx.site.scep_template
    if name is None:
        return None, skipped(NO_SCEP)
    found = find_template(ctx, name)
    if found is None:
        return None, unknown(Msg(f"template {name} is not in the directory (see scep_template_exists)",
                                 f"{name} şablonu dizinde yok (bkz. scep_template_exists)"))
    return found, None


def template_evidence(entry: Template) -> dict[str, Any]:
    return {"template": first(entry, "name") or first(entry, "cn"), "dn": entry.dn}


def template_descriptor(template: Template) -> sdm.SecurityDescriptor:
    """The template's security descriptor; ValueError when the DC did not return it or it is unreadable."""
    sd_b64 = first(template, "nTSecurityDescriptor")
    if not sd_b64:
        raise ValueError("the template's nTSecurityDescriptor was not returned (SD-flags control refused?)")
    return sdm.parse(base64.b64decode(sd_b64))


# --- accounts and permissions -------------------------------------------------------------------------------


def account(ctx: Context, probe: Probe[list[Account]], label: str | None) -> tuple[Account | None, Outcome | None]:
    found = ctx.read(probe)
    label = label or probe.name.replace("_", " ")
    if not found:
        return None, failed(Msg(f"account {label} was not found in the directory",
                                f"{label} hesabı dizinde bulunamadı"), {"account": label})
    if len(found) > 1:
        return None, unknown(Msg(f"{len(found)} accounts match {label}", f"{label} ile eşleşen {len(found)} hesap var"),
                             {"dns": [e.dn for e in found]})
    return found[0], None


def token_sids(entry: Account) -> tuple[set[str], dict[str, str]]:
    """The SIDs an account's logon token holds: its own, its groups' (nested), its primary group, implicit ones."""
    names: dict[str, str] = {}
    own = sid_of(first(entry, "objectSid") or "")
    names[own] = first(entry, "sAMAccountName") or entry.dn
    sids = {own, *IMPLICIT_SIDS}
    primary = integer(entry, "primaryGroupID")
    if primary is not None:
        sids.add(f"{own.rsplit('-', 1)[0]}-{primary}")
    for group in entry.groups:
        sid = sid_of(group.objectSid)
        sids.add(sid)
        names[sid] = group.dn.split(",")[0].removeprefix("CN=")
    return sids, names


def groups_not_collected(acct: Account) -> list[str]:
    """The groups memberOf names (the account's direct ones) that ``groups`` lacks: its token is not fully known."""
    collected = {group.dn.casefold() for group in acct.groups}
    return [dn for dn in values(acct, "memberOf") if dn.casefold() not in collected]


def read_and_enroll(template: Template, acct: Account) -> tuple[bool | None, dict[str, Any]]:
    """Does the account hold Read (ReadProperty) and the Enroll extended right on the template? None when it does
    by the groups collected, but a Deny on a group memberOf names and ``groups`` lacks could take either away."""
    sd = template_descriptor(template)
    sids, names = token_sids(acct)

    def granted(token: set[str]) -> tuple[sdm.AccessDecision, sdm.AccessDecision]:
        read = sdm.effective_access(sd, token, mask=sdm.DS_READ_PROPERTY, generic_mapping=sdm.DS_GENERIC_MAPPING)
        return read, may_enroll(sd, token)

    read, enroll = granted(sids)
    evidence = {"account": first(acct, "sAMAccountName"), **template_evidence(template),
                "read": read.evidence(names), "enroll": enroll.evidence(names)}
    ok = read.granted and enroll.granted
    unseen = groups_not_collected(acct)
    if ok and unseen:
        evidence["groups_not_collected"] = unseen
        denied_others = {ace.sid.upper() for ace in (sd.dacl.aces if sd.dacl else ()) if ace.denies} - sids
        if not all(decision.granted for decision in granted(sids | denied_others)):
            return None, evidence
    return ok, evidence


COLLECT_GROUPS = Fix("Collect the directory with conncheck's LDAP collector (it lists every group of the account, "
                     "nested ones included), or list each of the account's groups with its objectSid in the facts' "
                     "groups.",
                     "Dizini conncheck'in LDAP toplayıcısıyla toplayın (hesabın iç içe olanlar dahil her grubunu "
                     "listeler) ya da hesabın her grubunu objectSid değeriyle olguların groups listesine ekleyin.")


def judge_read_and_enroll(template: Template, acct: Account, who: Msg) -> Outcome:
    ok, evidence = read_and_enroll(template, acct)
    name, holder = evidence["template"], evidence["account"]
    if ok is None:
        unseen = ", ".join(evidence["groups_not_collected"])
        return unknown(Msg(f"{who.en} {holder} holds Read and Enroll on {name} through the groups collected, but "
                           f"memberOf names groups the facts do not list ({unseen}): a Deny on one of them would take "
                           "them away",
                           f"{who.tr} {holder}, toplanan gruplar üzerinden {name} üzerinde Okuma (Read) ve Kayıt "
                           f"(Enroll) izinlerine sahip; ancak memberOf, olgularda listelenmeyen grupları adlandırıyor "
                           f"({unseen}): bunlardan birine verilen bir Reddet (Deny) girdisi bu izinleri kaldırır"),
                       evidence, fix=COLLECT_GROUPS)
    if ok:
        return passed(Msg(f"{who.en} {holder} holds Read and Enroll on {name}",
                          f"{who.tr} {holder}, {name} üzerinde Okuma (Read) ve Kayıt (Enroll) izinlerine sahip"),
                      evidence)
    missing = [right for right in ("read", "enroll") if not evidence[right]["granted"]]
    en = " and ".join(right.capitalize() for right in missing)
    tr = " ve ".join({"read": "Okuma (Read)", "enroll": "Kayıt (Enroll)"}[right] for right in missing)
    return failed(Msg(f"{who.en} {holder} lacks {en} on template {name}",
                      f"{who.tr} {holder}, {name} şablonunda {tr} iznine sahip değil"), evidence)


# --- 0x400: the CA in Enrollment Services ---------------------------------------------------------------------


@PLUGIN.check("ca_published_in_enrollment_services", "The CA is published in AD Enrollment Services",
              roles=DIRECTORY, reads=(ENROLLMENT_SERVICES,), codes=(CA_UNAVAILABLE,),
              remediation="Publish the CA's enrollment object in AD (an Enterprise CA does it when installed; "
                          "certutil -dspublish -f <CA cert> <CA host> repairs it), and check that ca_config in "
                          "site.toml names the CA exactly (\"host\\CA name\").",
              title_tr="CA, AD'de Kayıt Hizmetleri'nde (Enrollment Services) yayımlanmış",
              remediation_tr="CA'nın kayıt nesnesini AD'de yayımlayın (bir Kuruluş CA'sı (Enterprise CA) bunu "
                             "kurulurken yapar; certutil -dspublish -f <CA sertifikası> <CA sunucusu> onarır) ve "
                             "site.toml'daki ca_config değerinin CA'yı tam olarak adlandırdığını denetleyin "
                             "(\"sunucu\\CA adı\").",
              references=(ref.PKCS_CONFIGURE, ref.SCEP_CONFIGURE))
def ca_published_in_enrollment_services(ctx: Context) -> Outcome:
    entry, problem = find_ca(ctx)
    if problem:
        return problem
    assert entry is not None
    cn, host = first(entry, "cn"), first(entry, "dNSHostName")
    return passed(Msg(f"{cn} is published in Enrollment Services on {host}",
                      f"{cn}, {host} üzerinde Kayıt Hizmetleri'nde (Enrollment Services) yayımlanmış"),
                  {"dn": entry.dn, "templates": values(entry, "certificateTemplates")})


@PLUGIN.check("ca_certificate_in_directory_valid", "The CA certificate published in AD is valid",
              roles=DIRECTORY, reads=(ENROLLMENT_SERVICES,), codes=(CA_UNAVAILABLE,),
              remediation="Renew the CA certificate and publish the new one (certutil -dspublish), then let "
                          "clients pick it up.",
              title_tr="AD'de yayımlanmış CA sertifikası geçerli",
              remediation_tr="CA sertifikasını yenileyin ve yenisini yayımlayın (certutil -dspublish), ardından "
                             "istemcilerin onu almasını bekleyin.",
              references=(ref.CA_RENEWAL,))
def ca_certificate_in_directory_valid(ctx: Context) -> Outcome:
    entry, problem = find_ca(ctx)
    if problem:
        return unknown(Msg(f"no CA object to read the certificate from: {problem.finding}",
                           f"sertifikanın okunacağı CA nesnesi yok: {text_in(problem.finding, 'tr')}"))
    assert entry is not None
    certs = values(entry, "cACertificate")
    if not certs:
        cn = first(entry, "cn")
        return failed(Msg(f"the Enrollment Services object of {cn} has no cACertificate",
                          f"{cn} için Kayıt Hizmetleri (Enrollment Services) nesnesinde cACertificate yok"),
                      {"dn": entry.dn})
    cert = max((cert_of(ctx, ENROLLMENT_SERVICES, c) for c in certs), key=lambda c: c.not_after)
    return judge_validity(cert, ctx.now, ctx.settings.expiry_warning_days,
                          Msg("the CA certificate in AD", "AD'deki CA sertifikasının"))


@PLUGIN.check("pkcs_templates_published_on_ca", "The PKCS templates are published on the CA",
              roles=DIRECTORY, reads=(ENROLLMENT_SERVICES,), codes=(CA_UNAVAILABLE,),
              remediation="On the CA: Certificate Templates > New > Certificate Template to Issue, and pick the "
                          "PKCS template (or certutil -SetCATemplates +<name>).",
              title_tr="PKCS şablonları CA'da yayımlanmış",
              remediation_tr="CA'da: Sertifika Şablonları (Certificate Templates) > Yeni > Verilecek Sertifika "
                             "Şablonu (New > Certificate Template to Issue) ile PKCS şablonunu seçin (ya da certutil "
                             "-SetCATemplates +<ad>).",
              references=(ref.PKCS_CONFIGURE,))
def pkcs_templates_published_on_ca(ctx: Context) -> Outcome:
    wanted = ctx.site.pkcs_templates
    if not wanted:
        return skipped(NO_PKCS)
    entry, problem = find_ca(ctx)
    if problem:
        return unknown(Msg(f"no CA object to read the published templates from: {problem.finding}",
                           f"yayımlanmış şablonların okunacağı CA nesnesi yok: {text_in(problem.finding, 'tr')}"))
    assert entry is not None
    published = {t.casefold() for t in values(entry, "certificateTemplates")}
    missing = ", ".join(t for t in wanted if str(t).casefold() not in published)
    cn = first(entry, "cn")
    evidence = {"ca": cn, "published": values(entry, "certificateTemplates"), "expected": wanted}
    if missing:
        return failed(Msg(f"not published on {cn}: {missing}", f"{cn} üzerinde yayımlanmamış: {missing}"), evidence)
    return passed(Msg(f"published on {cn}: {', '.join(wanted)}", f"{cn} üzerinde yayımlanmış: {', '.join(wanted)}"),
                  evidence)


@PLUGIN.check("pkcs_template_enroll_for_connector", "The connector's account may enroll for the PKCS templates",
              roles=DIRECTORY, reads=(CERTIFICATE_TEMPLATES, CONNECTOR_ACCOUNT), codes=(CA_UNAVAILABLE,),
              remediation="On each PKCS template's Security tab, give the connector's account (the computer "
                          "account when the connector runs as SYSTEM) Read and Enroll, and remove any Deny.",
              title_tr="Bağlayıcının hesabı PKCS şablonlarına kaydolabiliyor",
              remediation_tr="Her PKCS şablonunun Güvenlik (Security) sekmesinde bağlayıcının hesabına (bağlayıcı "
                             "SYSTEM olarak çalışıyorsa bilgisayar hesabına) Okuma (Read) ve Kayıt (Enroll) "
                             "izinlerini verin ve her Reddet (Deny) girdisini kaldırın.",
              references=(ref.PKCS_CONFIGURE, ref.CONNECTOR_PREREQUISITES))
def pkcs_template_enroll_for_connector(ctx: Context) -> Outcome:
    templates, problem = pkcs_templates(ctx)
    if problem:
        return problem
    acct, problem = account(ctx, CONNECTOR_ACCOUNT, ctx.site.connector_account)
    if problem:
        return problem
    assert acct is not None
    verdicts = [judge_read_and_enroll(t, acct, CONNECTOR_WHO) for t in templates]
    verdict = min(verdicts, key=lambda v: SEVERITY.index(v.status))
    shown = [v for v in verdicts if v.status is verdict.status]
    return Outcome(verdict.status, Msg("; ".join(text_in(v.finding, "en") for v in shown),
                                       "; ".join(text_in(v.finding, "tr") for v in shown)),
                   {"templates": [dict(v.evidence) for v in verdicts]}, verdict.fix)


CONNECTOR_WHO = Msg("the connector's account", "bağlayıcının hesabı")
NDES_WHO = Msg("the NDES service account", "NDES hizmet hesabı")


def pkcs_templates(ctx: Context) -> tuple[list[Template], Outcome | None]:
    """The site's PKCS templates as the directory has them, or the outcome saying why not."""
    wanted = ctx.site.pkcs_templates
    if not wanted:
        return [], skipped(NO_PKCS)
    found = []
    for name in wanted:
        template = find_template(ctx, str(name))
        if template is None:
            return [], failed(Msg(f"PKCS template {name} does not exist in the directory",
                                  f"PKCS şablonu {name} dizinde yok"), {"template": name})
        found.append(template)
    return found, None


@PLUGIN.check("pkcs_template_key_exportable", "The PKCS templates allow the private key to be exported",
              roles=DIRECTORY, reads=(CERTIFICATE_TEMPLATES,), codes=(CA_UNAVAILABLE,),
              remediation="On each PKCS template: Request Handling > select \"Allow private key to be exported\" "
                          "(the connector makes the key and exports it as a PFX for the device).",
              title_tr="PKCS şablonları özel anahtarın dışarı aktarılmasına izin veriyor",
              remediation_tr="Her PKCS şablonunda: İstek İşleme (Request Handling) > \"Özel anahtarın dışarı "
                             "aktarılmasına izin ver\" (Allow private key to be exported) seçeneğini işaretleyin "
                             "(anahtarı bağlayıcı oluşturur ve aygıt için PFX olarak dışarı aktarır).",
              references=(ref.PKCS_CONFIGURE,))
def pkcs_template_key_exportable(ctx: Context) -> Outcome:
    templates, problem = pkcs_templates(ctx)
    if problem:
        return problem
    evidence: dict[str, Any] = {}
    unknown_flags, locked = [], []
    for template in templates:
        name = str(first(template, "name") or first(template, "cn"))
        value = flags(template, "msPKI-Private-Key-Flag")
        evidence[name] = None if value is None else f"0x{value:08X}"
        if value is None:
            unknown_flags.append(name)
        elif not value & CT_FLAG_EXPORTABLE_KEY:
            locked.append(name)
    if locked:
        names = ", ".join(locked)
        return failed(Msg(f"the private key is not exportable on {names}: the connector cannot build the PFX",
                          f"{names} şablonunda özel anahtar dışarı aktarılamıyor: bağlayıcı PFX'i oluşturamaz"),
                      evidence)
    if unknown_flags:
        names = ", ".join(unknown_flags)
        return unknown(Msg(f"the DC returned no msPKI-Private-Key-Flag for {names}",
                           f"DC, {names} için msPKI-Private-Key-Flag döndürmedi"), evidence)
    return passed(Msg("every PKCS template allows the private key to be exported",
                      "her PKCS şablonu özel anahtarın dışarı aktarılmasına izin veriyor"), evidence)


# --- who may enroll: the templates' exposure (ESC1) ------------------------------------------------------------


def judge_enrollees(template: Template, acct: Account, who: Msg, fix_account: str) -> Outcome:
    """Only ``acct`` (itself, or a group it is in) may enroll: a broad group that may is FAIL when the template is an
    ESC1 path (WARN otherwise), any other principal WARN; tier-0 principals are listed, not judged."""
    sd = template_descriptor(template)
    sids, names = token_sids(acct)
    own = sid_of(first(acct, "objectSid") or "")
    conditions = esc1_conditions(flags(template, "msPKI-Certificate-Name-Flag") or 0,
                                 flags(template, "msPKI-Enrollment-Flag") or 0,
                                 integer(template, "msPKI-RA-Signature") or 0,
                                 values(template, "msPKI-Certificate-Application-Policy")
                                 or values(template, "pKIExtendedKeyUsage"))
    found = enrollees(sd)
    kinds = {e.sid: e.kind if e.kind != "other" or e.sid not in sids else "intended" for e in found}
    label = {e.sid: sdm.sid_label(e.sid, names) for e in found}
    broad = [label[sid] for sid, kind in kinds.items() if kind == "broad"]
    others = [label[sid] for sid, kind in kinds.items() if kind == "other"]
    via_groups = [label[sid] for sid, kind in kinds.items() if kind == "intended" and sid != own]
    name = str(first(template, "name") or first(template, "cn"))
    evidence = {**template_evidence(template), "enrollees": {label[sid]: kind for sid, kind in kinds.items()},
                "esc1_conditions": {"supplies_subject": conditions.supplies_subject,
                                    "authenticating_ekus": list(conditions.authenticating_ekus),
                                    "manager_approval": conditions.manager_approval,
                                    "authorized_signatures": conditions.authorized_signatures}}
    extra = ", ".join(broad + others)
    fix = Fix(f"Template {name} > Security: remove Enroll (and Full Control) from {extra}; keep Read and Enroll for "
              f"{fix_account} alone (certtmpl.msc).",
              f"{name} şablonu > Güvenlik (Security): {extra} için Kayıt (Enroll) (ve Tam Denetim (Full Control)) "
              f"iznini kaldırın; Okuma (Read) ve Kayıt (Enroll) yalnızca {fix_account} hesabında kalsın "
              "(certtmpl.msc).")
    if broad and conditions.open:
        return failed(Msg(f"{', '.join(broad)} may enroll for {name}, whose requester supplies the subject of a "
                          "client-authentication certificate: anyone in them can get a certificate in any name "
                          f"(ESC1); only {who.en} should enroll",
                          f"{', '.join(broad)}, istekte bulunanın istemci kimlik doğrulama sertifikasının konusunu "
                          f"kendisinin verdiği {name} şablonuna kaydolabiliyor: bu gruplardaki herkes herhangi bir ad "
                          f"adına sertifika alabilir (ESC1); yalnızca {who.tr} kaydolabilmeli"), evidence, fix=fix)
    if extra:
        return warned(Msg(f"besides {who.en}, {extra} may enroll for {name}; only {who.en} should",
                          f"{name} şablonuna {who.tr} dışında {extra} da kaydolabiliyor; yalnızca {who.tr} "
                          "kaydolabilmeli"), evidence, fix=fix)
    groups = ", ".join(via_groups)
    note_en = f" (through {groups}: they must hold no one else)" if via_groups else ""
    note_tr = f" ({groups} üzerinden: bu gruplarda başka kimse olmamalı)" if via_groups else ""
    return passed(Msg(f"only {who.en} (and tier-0 administrators) may enroll for {name}{note_en}",
                      f"{name} şablonuna yalnızca {who.tr} (ve katman 0 yöneticileri) kaydolabiliyor{note_tr}"),
                  evidence)


@PLUGIN.check("scep_template_enrollable_by_ndes_only", "Only the NDES service account may enroll for the SCEP template",
              roles=DIRECTORY, reads=(CERTIFICATE_TEMPLATES, NDES_SERVICE_ACCOUNT),
              remediation="Template > Security: remove Enroll from every group and account but the NDES service "
                          "account (Domain Users, Authenticated Users, Domain Computers, Everyone...), keeping Read "
                          "and Enroll for the NDES service account: the requester supplies the subject.",
              title_tr="SCEP şablonuna yalnızca NDES hizmet hesabı kaydolabiliyor",
              remediation_tr="Şablon > Güvenlik (Security): NDES hizmet hesabı dışındaki her grup ve hesaptan (Domain "
                             "Users, Authenticated Users, Domain Computers, Everyone...) Kayıt (Enroll) iznini "
                             "kaldırın; NDES hizmet hesabında Okuma (Read) ve Kayıt (Enroll) kalsın: konuyu istekte "
                             "bulunan verir.",
              references=(ref.SCEP_CONFIGURE, ref.TEMPLATES))
def scep_template_enrollable_by_ndes_only(ctx: Context) -> Outcome:
    template, problem = scep_template(ctx)
    if problem:
        return problem
    assert template is not None
    acct, problem = ndes_account(ctx)
    if problem:
        return problem
    assert acct is not None
    return judge_enrollees(template, acct, NDES_WHO,
                           ctx.site.ndes_service_account or str(first(acct, "sAMAccountName")))


@PLUGIN.check("pkcs_templates_enrollable_by_connector_only",
              "Only the connector's account may enroll for the PKCS templates",
              roles=DIRECTORY, reads=(CERTIFICATE_TEMPLATES, CONNECTOR_ACCOUNT),
              remediation="On each PKCS template's Security tab remove Enroll from every group and account but the "
                          "connector's account (Microsoft: remove Domain Users), keeping Read and Enroll for the "
                          "connector's account (the computer account when it runs as SYSTEM).",
              title_tr="PKCS şablonlarına yalnızca bağlayıcının hesabı kaydolabiliyor",
              remediation_tr="Her PKCS şablonunun Güvenlik (Security) sekmesinde bağlayıcının hesabı dışındaki her "
                             "grup ve hesaptan Kayıt (Enroll) iznini kaldırın (Microsoft: Domain Users grubunu "
                             "kaldırın); bağlayıcının hesabında (SYSTEM olarak çalışıyorsa bilgisayar hesabında) "
                             "Okuma (Read) ve Kayıt (Enroll) kalsın.",
              references=(ref.PKCS_CONFIGURE, ref.CONNECTOR_PREREQUISITES))
def pkcs_templates_enrollable_by_connector_only(ctx: Context) -> Outcome:
    templates, problem = pkcs_templates(ctx)
    if problem:
        return problem
    acct, problem = account(ctx, CONNECTOR_ACCOUNT, ctx.site.connector_account)
    if problem:
        return problem
    assert acct is not None
    fix_account = ctx.site.connector_account or str(first(acct, "sAMAccountName"))
    verdicts = [judge_enrollees(t, acct, CONNECTOR_WHO, fix_account) for t in templates]
    worst_first = sorted(verdicts, key=lambda v: SEVERITY.index(v.status))
    verdict = worst_first[0]
    if len(verdicts) == 1:
        return verdict
    shown = [v for v in verdicts if v.status is verdict.status]
    return Outcome(verdict.status, Msg("; ".join(text_in(v.finding, "en") for v in shown),
                                       "; ".join(text_in(v.finding, "tr") for v in shown)),
                   {"templates": [dict(v.evidence) for v in verdicts]}, verdict.fix)


# --- the SCEP template ---------------------------------------------------------------------------------------


@PLUGIN.check("scep_template_exists", "The SCEP template exists in AD", roles=DIRECTORY,
              reads=(CERTIFICATE_TEMPLATES,), codes=(SCEP_DESERIALIZE,),
              remediation="Create the SCEP template (duplicate the User template), or correct scep_template in "
                          "site.toml and the MSCEP registry values to its name (not its display name).",
              title_tr="SCEP şablonu AD'de var",
              remediation_tr="SCEP şablonunu oluşturun (User (Kullanıcı) şablonunu çoğaltın) ya da site.toml'daki "
                             "scep_template değerini ve MSCEP kayıt defteri değerlerini şablonun adına (görünen "
                             "adına değil) düzeltin.",
              references=(ref.SCEP_CONFIGURE,))
def scep_template_exists(ctx: Context) -> Outcome:
    name = ctx.site.scep_template
    if name is None:
        return skipped(NO_SCEP)
    found = find_template(ctx, name)
    if found is None:
        names = [first(e, "name") or first(e, "cn") for e in ctx.read(CERTIFICATE_TEMPLATES)]
        return failed(Msg(f"no certificate template named {name}", f"{name} adında bir sertifika şablonu yok"),
                      {"templates": names})
    return passed(Msg(f"template {name} exists", f"{name} şablonu var"),
                  {**template_evidence(found), "display_name": first(found, "displayName")})


@PLUGIN.check("scep_template_published_on_ca", "The SCEP template is published on the CA", roles=DIRECTORY,
              reads=(ENROLLMENT_SERVICES,), codes=(SCEP_DESERIALIZE,),
              remediation="On the CA: Certificate Templates > New > Certificate Template to Issue, pick the SCEP "
                          "template, then restart the NDES server.",
              title_tr="SCEP şablonu CA'da yayımlanmış",
              remediation_tr="CA'da: Sertifika Şablonları (Certificate Templates) > Yeni > Verilecek Sertifika "
                             "Şablonu (New > Certificate Template to Issue) ile SCEP şablonunu seçin, ardından "
                             "NDES sunucusunu yeniden başlatın.",
              references=(ref.SCEP_CONFIGURE, ref.NDES_EVENT_31))
def scep_template_published_on_ca(ctx: Context) -> Outcome:
    name = ctx.site.scep_template
    if name is None:
        return skipped(NO_SCEP)
    entry, problem = find_ca(ctx)
    if problem:
        return unknown(Msg(f"no CA object to read the published templates from: {problem.finding}",
                           f"yayımlanmış şablonların okunacağı CA nesnesi yok: {text_in(problem.finding, 'tr')}"))
    assert entry is not None
    published = values(entry, "certificateTemplates")
    cn = first(entry, "cn")
    if name.casefold() not in {t.casefold() for t in published}:
        return failed(Msg(f"{name} is not published on {cn}", f"{name}, {cn} üzerinde yayımlanmamış"),
                      {"published": published})
    return passed(Msg(f"{name} is published on {cn}", f"{name}, {cn} üzerinde yayımlanmış"), {"published": published})


def template_purpose(entry: Template) -> str | None:
    """signature / encryption / signature and encryption, from pKIKeyUsage."""
    raw = first(entry, "pKIKeyUsage")
    if not raw:
        return None
    usage = base64.b64decode(raw)
    sign = bool(usage and usage[0] & KU_DIGITAL_SIGNATURE)
    encrypt = bool(usage and usage[0] & KU_KEY_ENCIPHERMENT)
    if sign and encrypt:
        return "signature and encryption"
    return "signature" if sign else "encryption" if encrypt else None


@PLUGIN.check("scep_template_schema_version", "The SCEP template is a version 2 or later template",
              roles=DIRECTORY, reads=(CERTIFICATE_TEMPLATES,),
              remediation="Duplicate the template (a duplicate is version 2 or later) and point NDES at it.",
              title_tr="SCEP şablonu sürüm 2 veya üstü bir şablon",
              remediation_tr="Şablonu çoğaltın (çoğaltılan şablon sürüm 2 veya üstüdür) ve NDES'i yeni şablona "
                             "yönlendirin.",
              references=(ref.SCEP_CONFIGURE,))
def scep_template_schema_version(ctx: Context) -> Outcome:
    template, problem = scep_template(ctx)
    if problem:
        return problem
    assert template is not None
    version = integer(template, "msPKI-Template-Schema-Version")
    evidence = {**template_evidence(template), "schema_version": version}
    if version is None or version < 2:
        return failed(Msg(f"template schema version is {version or 1}, need 2 or later",
                          f"şablon şema sürümü {version or 1}; 2 veya üstü gerekiyor"), evidence)
    return passed(Msg(f"template schema version {version}", f"şablon şema sürümü {version}"), evidence)


@PLUGIN.check("scep_template_subject_from_request", "The SCEP template takes the subject from the request",
              roles=DIRECTORY, reads=(CERTIFICATE_TEMPLATES,),
              remediation="Template > Subject Name: select \"Supply in the request\".",
              title_tr="SCEP şablonu konu adını istekten alıyor",
              remediation_tr="Şablon > Konu Adı (Subject Name): \"İstekte sağla\" (Supply in the request) seçeneğini "
                             "işaretleyin.",
              references=(ref.SCEP_CONFIGURE,))
def scep_template_subject_from_request(ctx: Context) -> Outcome:
    template, problem = scep_template(ctx)
    if problem:
        return problem
    assert template is not None
    value = flags(template, "msPKI-Certificate-Name-Flag")
    evidence = {**template_evidence(template), "name_flags": flag_names(value, NAME_FLAGS)}
    if value is None:
        return unknown(Msg("the template has no msPKI-Certificate-Name-Flag",
                           "şablonda msPKI-Certificate-Name-Flag yok"), evidence)
    if not value & ENROLLEE_SUPPLIES_SUBJECT:
        return failed(Msg("the template builds the subject from AD, not from the request",
                          "şablon konu adını istekten değil AD'den oluşturuyor"), evidence)
    return passed(Msg("the subject is supplied in the request (ENROLLEE_SUPPLIES_SUBJECT)",
                      "konu adı istekte sağlanıyor (ENROLLEE_SUPPLIES_SUBJECT)"), evidence)


@PLUGIN.check("scep_template_client_auth", "The SCEP template issues Client Authentication certificates",
              roles=DIRECTORY, reads=(CERTIFICATE_TEMPLATES,),
              remediation="Template > Extensions > Application Policies: add Client Authentication.",
              title_tr="SCEP şablonu İstemci Kimlik Doğrulaması (Client Authentication) sertifikaları veriyor",
              remediation_tr="Şablon > Uzantılar (Extensions) > Uygulama İlkeleri (Application Policies): İstemci "
                             "Kimlik Doğrulaması (Client Authentication) ekleyin.",
              references=(ref.SCEP_CONFIGURE,))
def scep_template_client_auth(ctx: Context) -> Outcome:
    template, problem = scep_template(ctx)
    if problem:
        return problem
    assert template is not None
    ekus = values(template, "pKIExtendedKeyUsage")
    policies = values(template, "msPKI-Certificate-Application-Policy")
    evidence = {**template_evidence(template), "eku": ekus, "application_policies": policies}
    # A v2+ template's application policies are what the CA issues; pKIExtendedKeyUsage mirrors them.
    effective = policies or ekus
    if CLIENT_AUTH in effective or ANY_PURPOSE in effective:
        return passed(Msg("Client Authentication is among the template's application policies",
                          "İstemci Kimlik Doğrulaması (Client Authentication) şablonun uygulama ilkeleri arasında"),
                      evidence)
    return failed(Msg("Client Authentication is not among the template's application policies",
                      "İstemci Kimlik Doğrulaması (Client Authentication) şablonun uygulama ilkeleri arasında değil"),
                  evidence)


@PLUGIN.check("scep_template_validity", "The SCEP template's validity is at least 5 days", roles=DIRECTORY,
              reads=(CERTIFICATE_TEMPLATES,),
              remediation="Template > General: set the validity period to 5 days or more (Intune rejects less).",
              title_tr="SCEP şablonunun geçerlilik süresi en az 5 gün",
              remediation_tr="Şablon > Genel (General): geçerlilik süresini 5 gün veya daha uzun yapın (Intune daha "
                             "kısasını reddeder).",
              references=(ref.SCEP_CONFIGURE,))
def scep_template_validity(ctx: Context) -> Outcome:
    template, problem = scep_template(ctx)
    if problem:
        return problem
    assert template is not None
    raw = first(template, "pKIExpirationPeriod")
    if not raw:
        return unknown(Msg("the template has no pKIExpirationPeriod", "şablonda pKIExpirationPeriod yok"),
                       template_evidence(template))
    interval = -int.from_bytes(base64.b64decode(raw), "little", signed=True)
    # Judged on the exact interval; shown in days rounded down, so that just under 5 never reads as 5.
    days = interval * 100 // DAY_IN_100NS / 100
    evidence = {**template_evidence(template), "validity_days": days}
    if interval < MIN_SCEP_VALIDITY_DAYS * DAY_IN_100NS:
        return failed(Msg(f"validity is {days} days, under {MIN_SCEP_VALIDITY_DAYS}",
                          f"geçerlilik süresi {days} gün, {MIN_SCEP_VALIDITY_DAYS} günün altında"), evidence)
    return passed(Msg(f"validity is {days} days", f"geçerlilik süresi {days} gün"), evidence)


@PLUGIN.check("scep_template_enroll_for_ndes_account", "The NDES service account may enroll for the SCEP template",
              roles=DIRECTORY, reads=(CERTIFICATE_TEMPLATES, NDES_SERVICE_ACCOUNT),
              remediation="Template > Security: give the NDES service account (or a group it is in) Read and "
                          "Enroll, and remove any Deny that reaches it.",
              title_tr="NDES hizmet hesabı SCEP şablonuna kaydolabiliyor",
              remediation_tr="Şablon > Güvenlik (Security): NDES hizmet hesabına (ya da üyesi olduğu bir gruba) "
                             "Okuma (Read) ve Kayıt (Enroll) izinlerini verin ve hesaba ulaşan her Reddet (Deny) "
                             "girdisini kaldırın.",
              references=(ref.SCEP_CONFIGURE, ref.CONNECTOR_PREREQUISITES))
def scep_template_enroll_for_ndes_account(ctx: Context) -> Outcome:
    template, problem = scep_template(ctx)
    if problem:
        return problem
    assert template is not None
    acct, problem = account(ctx, NDES_SERVICE_ACCOUNT, ctx.site.ndes_service_account)
    if problem:
        return problem
    assert acct is not None
    return judge_read_and_enroll(template, acct, NDES_WHO)


# --- the NDES service account (0x0FFFFFFF) -------------------------------------------------------------------


def ndes_account(ctx: Context) -> tuple[Account | None, Outcome | None]:
    if ctx.site.ndes_service_account is None:
        return None, skipped(Msg("no NDES service account in site.toml [site] ndes_service_account",
                                 "site.toml [site] ndes_service_account içinde NDES hizmet hesabı yok"))
    return account(ctx, NDES_SERVICE_ACCOUNT, ctx.site.ndes_service_account)


def account_evidence(acct: Account) -> dict[str, Any]:
    return {"account": first(acct, "sAMAccountName"), "dn": acct.dn,
            "user_account_control": flag_names(flags(acct, "userAccountControl"), UAC_FLAGS)}


@PLUGIN.check("ndes_account_enabled", "The NDES service account is enabled and not expired", roles=DIRECTORY,
              reads=(NDES_SERVICE_ACCOUNT,), codes=(UNKNOWN_ERROR,),
              remediation="Enable the NDES service account (Enable-ADAccount) and clear its expiry date.",
              title_tr="NDES hizmet hesabı etkin ve süresi dolmamış",
              remediation_tr="NDES hizmet hesabını etkinleştirin (Enable-ADAccount) ve hesabın son kullanma tarihini "
                             "kaldırın.",
              references=(ref.DEVICE_TO_NDES, ref.NDES_ACCOUNT))
def ndes_account_enabled(ctx: Context) -> Outcome:
    acct, problem = ndes_account(ctx)
    if problem:
        return problem
    assert acct is not None
    evidence = account_evidence(acct)
    who = evidence["account"]
    uac = flags(acct, "userAccountControl")
    if uac is None:
        return unknown(Msg(f"the DC returned no userAccountControl for {who}",
                           f"DC, {who} için userAccountControl döndürmedi"), evidence)
    if uac & UF_ACCOUNTDISABLE:
        return failed(Msg(f"{who} is disabled", f"{who} devre dışı"), evidence)
    expires = integer(acct, "accountExpires")
    if expires is None:
        # AD gives every account an accountExpires when it is created (never: 0x7FFFFFFFFFFFFFFF); none came back.
        return unknown(Msg(f"the DC returned no accountExpires for {who}: whether the account has expired is not "
                           "known", f"DC, {who} için accountExpires döndürmedi: hesabın süresinin dolup dolmadığı "
                           "bilinmiyor"), evidence,
                       fix=Fix("Let the account conncheck binds with read accountExpires on the NDES service "
                               "account (it belongs to the Account Restrictions property set), then collect again.",
                               "conncheck'in bağlandığı hesabın NDES hizmet hesabındaki accountExpires özniteliğini "
                               "okumasına izin verin (Account Restrictions özellik kümesindedir), ardından yeniden "
                               "toplayın."))
    if expires not in NEVER:
        when = evidence["account_expires"] = filetime(expires).strftime("%Y-%m-%dT%H:%M:%SZ")
        if filetime(expires) <= ctx.now:
            return failed(Msg(f"{who} expired on {when}", f"{who} hesabının süresi {when} tarihinde doldu"), evidence)
    return passed(Msg(f"{who} is enabled", f"{who} etkin"), evidence)


@PLUGIN.check("ndes_account_not_locked_out", "The NDES service account is not locked out", roles=DIRECTORY,
              reads=(NDES_SERVICE_ACCOUNT,), codes=(UNKNOWN_ERROR,),
              remediation="Unlock the account (Unlock-ADAccount) and find what keeps using an old password.",
              title_tr="NDES hizmet hesabı kilitli değil",
              remediation_tr="Hesabın kilidini açın (Unlock-ADAccount) ve hâlâ eski bir parolayı kullanan kaynağı "
                             "bulun.",
              references=(ref.DEVICE_TO_NDES,))
def ndes_account_not_locked_out(ctx: Context) -> Outcome:
    acct, problem = ndes_account(ctx)
    if problem:
        return problem
    assert acct is not None
    evidence = account_evidence(acct)
    who = evidence["account"]
    computed = flags(acct, "msDS-User-Account-Control-Computed")
    lockout_time = integer(acct, "lockoutTime")
    if computed is None and lockout_time is None:
        return unknown(Msg(f"the DC returned neither msDS-User-Account-Control-Computed nor lockoutTime for {who}",
                           f"DC, {who} için ne msDS-User-Account-Control-Computed ne de lockoutTime döndürdü"),
                       evidence)
    lockout = lockout_time or 0
    evidence["lockout_time"] = filetime(lockout).strftime("%Y-%m-%dT%H:%M:%SZ") if lockout else None
    # The computed flag accounts for the lockout duration; lockoutTime alone stays set until the next logon.
    locked = bool(computed & UF_LOCKOUT) if computed is not None else lockout > 0
    if locked:
        return failed(Msg(f"{who} is locked out", f"{who} kilitli"), evidence)
    return passed(Msg(f"{who} is not locked out", f"{who} kilitli değil"), evidence)


@PLUGIN.check("ndes_account_password_not_expired", "The NDES service account's password has not expired",
              roles=DIRECTORY, reads=(NDES_SERVICE_ACCOUNT, DOMAIN_PASSWORD_POLICY), codes=(UNKNOWN_ERROR,),
              remediation="Set a new password on the NDES service account and in the SCEP app pool identity, "
                          "or exempt the account from expiry by a password policy fit for service accounts.",
              title_tr="NDES hizmet hesabının parolasının süresi dolmamış",
              remediation_tr="NDES hizmet hesabına yeni bir parola atayın ve aynı parolayı SCEP uygulama havuzunun "
                             "kimliğine de girin ya da hesabı, hizmet hesaplarına uygun bir parola ilkesiyle parola "
                             "süre sonundan muaf tutun.",
              references=(ref.DEVICE_TO_NDES, ref.NDES_ACCOUNT))
def ndes_account_password_not_expired(ctx: Context) -> Outcome:
    acct, problem = ndes_account(ctx)
    if problem:
        return problem
    assert acct is not None
    evidence = account_evidence(acct)
    who = evidence["account"]
    last_set = integer(acct, "pwdLastSet")
    computed = flags(acct, "msDS-User-Account-Control-Computed")
    uac = flags(acct, "userAccountControl")
    if computed is None or uac is None:
        return unknown(Msg(f"the DC returned no userAccountControl or msDS-User-Account-Control-Computed for {who}",
                           f"DC, {who} için userAccountControl ya da msDS-User-Account-Control-Computed döndürmedi"),
                       evidence)
    # MS-SAMR 3.1.5.14.4: "password never expires" wins over pwdLastSet 0 (the change is then never required).
    if last_set == 0 and not uac & UF_DONT_EXPIRE_PASSWD:
        return failed(Msg(f"{who} must change its password at next logon (pwdLastSet 0)",
                          f"{who} bir sonraki oturum açışta parolasını değiştirmek zorunda (pwdLastSet 0)"), evidence)
    if computed & UF_PASSWORD_EXPIRED:
        return failed(Msg(f"{who}: the DC reports the password expired",
                          f"{who}: DC parolanın süresinin dolduğunu bildiriyor"), evidence)
    if uac & UF_DONT_EXPIRE_PASSWD:
        return passed(Msg(f"{who}'s password never expires", f"{who} hesabının parolasının süresi dolmaz"), evidence)
    policy = ctx.read(DOMAIN_PASSWORD_POLICY)
    max_age = integer(policy[0], "maxPwdAge") if policy else None
    if last_set is None or max_age is None:
        return unknown(Msg("pwdLastSet or the domain's maxPwdAge was not read",
                           "pwdLastSet ya da etki alanının maxPwdAge değeri okunamadı"), evidence)
    if max_age in (0, -0x8000000000000000):
        return passed(Msg("the domain's passwords never expire (maxPwdAge)",
                          "etki alanının parolalarının süresi dolmaz (maxPwdAge)"), evidence)
    expires = filetime(last_set) + timedelta(microseconds=abs(max_age) // 10)
    when = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    evidence.update(password_last_set=filetime(last_set).strftime("%Y-%m-%dT%H:%M:%SZ"), password_expires=when)
    if expires <= ctx.now:
        return failed(Msg(f"{who}'s password expired on {when}", f"{who} hesabının parolasının süresi {when} "
                          "tarihinde doldu"), evidence)
    days = (expires - ctx.now).total_seconds() / 86400
    if validity(filetime(last_set), expires, ctx.now, ctx.settings.expiry_warning_days) == "expiring":
        return warned(Msg(f"{who}'s password expires in {days:.1f} days",
                          f"{who} hesabının parolasının süresi {days:.1f} gün içinde doluyor"), evidence)
    return passed(Msg(f"{who}'s password is valid until {when}", f"{who} hesabının parolası {when} tarihine kadar "
                      "geçerli"), evidence)


@PLUGIN.check("ndes_http_spn_registered",
              "HTTP/<NDES FQDN> is registered where needed (an alias or load-balanced name), and nowhere twice",
              roles=DIRECTORY, reads=(NDES_SERVICE_ACCOUNT, NDES_HTTP_SPN_HOLDERS, HOST_INFO.on("ndes")),
              codes=(UNKNOWN_ERROR,),
              remediation="Keep HTTP/<NDES FQDN> on one account only: remove it from every other (setspn -D). NDES "
                          "reached by its own host name needs no SPN (the computer account's HOST/ SPN covers it); "
                          "an alias or load-balanced name needs setspn -S HTTP/<NDES FQDN> "
                          "<DOMAIN>\\<NDES service account> and IIS kernel-mode authentication turned off.",
              title_tr="HTTP/<NDES FQDN> gereken yerde (takma ad ya da yük dengeli ad) kayıtlı ve iki kez kayıtlı "
                       "değil",
              remediation_tr="HTTP/<NDES FQDN> yalnızca bir hesapta kalsın: diğer her hesaptan kaldırın (setspn -D). "
                             "Kendi sunucu adıyla ulaşılan NDES'e SPN gerekmez (bilgisayar hesabının HOST/ SPN'si "
                             "yeter); takma ad ya da yük dengeli ad için setspn -S HTTP/<NDES FQDN> "
                             "<ETKİ_ALANI>\\<NDES hizmet hesabı> çalıştırın ve IIS çekirdek kipi kimlik doğrulamasını "
                             "kapatın.",
              references=(ref.NDES_ACCOUNT, ref.SCEP_CONFIGURE))
def ndes_http_spn_registered(ctx: Context) -> Outcome:
    fqdn = ctx.site.ndes_fqdn
    if fqdn is None:
        return skipped(Msg("no NDES FQDN in site.toml [site] ndes_fqdn",
                           "site.toml [site] ndes_fqdn içinde NDES FQDN yok"))
    acct, problem = ndes_account(ctx)
    if problem:
        return problem
    assert acct is not None
    spn = f"HTTP/{fqdn}"
    holders = ctx.read(NDES_HTTP_SPN_HOLDERS)
    names = ", ".join(first(h, "sAMAccountName") or h.dn for h in holders)
    who = str(first(acct, "sAMAccountName"))
    evidence: dict[str, Any] = {"spn": spn, "holders": [first(h, "sAMAccountName") or h.dn for h in holders],
                                "account": who, "account_spns": values(acct, "servicePrincipalName")}
    if len(holders) > 1:
        return failed(Msg(f"{spn} is registered on {len(holders)} accounts (duplicate SPN: Kerberos to NDES fails): "
                          f"{names}", f"{spn} {len(holders)} hesapta kayıtlı (yinelenen SPN: NDES'e Kerberos kimlik "
                          f"doğrulaması başarısız olur): {names}"), evidence,
                      fix=Fix(f"Keep {spn} on {who} only: setspn -D {spn} <account> for each other holder ({names}).",
                              f"{spn} yalnızca {who} hesabında kalsın: diğer her hesap ({names}) için setspn -D {spn} "
                              "<hesap> çalıştırın."))
    if holders and holders[0].dn.casefold() == acct.dn.casefold():
        return passed(Msg(f"{spn} is registered on {who} only", f"{spn} yalnızca {who} hesabında kayıtlı"), evidence)
    ndes_hosts = ctx.peers("ndes")
    own_names = {str(h.read(HOST_INFO).fqdn).casefold() for h in ndes_hosts}
    evidence["ndes_host_names"] = sorted(own_names)
    if holders:
        return warned(Msg(f"{spn} is registered on {names}, not on the NDES service account {who}: Kerberos to NDES "
                          "works only while IIS kernel-mode authentication is on",
                          f"{spn}, NDES hizmet hesabı {who} yerine {names} hesabında kayıtlı: NDES'e Kerberos kimlik "
                          "doğrulaması yalnızca IIS çekirdek kipi kimlik doğrulaması açıkken çalışır"), evidence)
    if fqdn.casefold() in own_names:
        return passed(Msg(f"no account holds {spn}, and none needs to: NDES answers on its own host name, which the "
                          "computer account's HOST/ SPN covers",
                          f"{spn} hiçbir hesapta kayıtlı değil, gerekmiyor da: NDES kendi sunucu adıyla yanıt veriyor "
                          "ve bilgisayar hesabının HOST/ SPN'si bunu karşılıyor"), evidence)
    if ndes_hosts:
        host_names = ", ".join(sorted(own_names))
        return warned(Msg(f"{fqdn} is not the NDES server's own name ({host_names}): an alias or load-balanced name "
                          f"needs {spn} on the NDES service account {who}",
                          f"{fqdn}, NDES sunucusunun kendi adı ({host_names}) değil: takma ad ya da yük dengeli ad "
                          f"için {spn} NDES hizmet hesabı {who} üzerinde kayıtlı olmalı"), evidence)
    return warned(Msg(f"no account holds {spn}: needed only if {fqdn} is an alias or load-balanced name, which these "
                      "facts cannot tell (no NDES host)",
                      f"{spn} hiçbir hesapta kayıtlı değil: yalnızca {fqdn} bir takma ad ya da yük dengeli ad ise "
                      "gerekir; bu olgular bunu söyleyemiyor (NDES sunucusu yok)"), evidence)


# --- NTAuth (0x0FFFFFFF) ------------------------------------------------------------------------------------


@PLUGIN.check("ca_certificate_in_ntauth", "The CA certificate is in NTAuthCertificates", roles=DIRECTORY,
              reads=(ENROLLMENT_SERVICES, NTAUTH_CERTIFICATES), codes=(UNKNOWN_ERROR,),
              remediation="certutil -dspublish -f <CA certificate> NTAuthCA (as an Enterprise Admin).",
              title_tr="CA sertifikası NTAuthCertificates içinde",
              remediation_tr="certutil -dspublish -f <CA sertifikası> NTAuthCA (Enterprise Admins grubunun bir üyesi "
                             "olarak).",
              references=(ref.NTAUTH,))
def ca_certificate_in_ntauth(ctx: Context) -> Outcome:
    entry, problem = find_ca(ctx)
    if problem:
        return unknown(Msg(f"no CA object to take the certificate from: {problem.finding}",
                           f"sertifikanın alınacağı CA nesnesi yok: {text_in(problem.finding, 'tr')}"))
    assert entry is not None
    ca_thumbprints = {cert_of(ctx, ENROLLMENT_SERVICES, c).thumbprint for c in values(entry, "cACertificate")}
    ntauth = ctx.read(NTAUTH_CERTIFICATES)
    if not ntauth:
        return failed(Msg("there is no NTAuthCertificates object in Public Key Services",
                          "Public Key Services altında NTAuthCertificates nesnesi yok"))
    present = {cert_of(ctx, NTAUTH_CERTIFICATES, c).thumbprint for e in ntauth for c in values(e, "cACertificate")}
    evidence = {"ca_thumbprints": sorted(ca_thumbprints), "ntauth_thumbprints": sorted(present)}
    if not ca_thumbprints:
        return unknown(Msg("the CA object carries no certificate to look for", "CA nesnesinde aranacak sertifika yok"),
                       evidence)
    if ca_thumbprints & present:
        return passed(Msg("the CA certificate is in NTAuthCertificates", "CA sertifikası NTAuthCertificates içinde"),
                      evidence)
    return failed(Msg("the CA certificate is not in NTAuthCertificates",
                      "CA sertifikası NTAuthCertificates içinde değil"), evidence)
