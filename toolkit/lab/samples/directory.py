"""Generated directory facts: what the LDAP collector reads from a healthy AD CS domain, for demos and tests.

``healthy_directory(ca_der, now=...)`` returns the directory ``Target`` (role ``directory``) with every probe of
checks/directory.py, shaped exactly as toolkit/collectors/ldap.py writes it: the CA's Enrollment Services object
carrying ``ca_der``, the SCEP and PKCS templates (published on the CA, security descriptors granting Read to
Authenticated Users and Enroll to a group the NDES account is in through a nested group, and to the connector's
account), NTAuthCertificates holding the CA certificate, the NDES service account (enabled, password set 10 days
before ``now``, ``HTTP/<ndes_fqdn>`` SPN on it alone) and the connector's account. Every name has a parameter
whose default matches the Contoso site of toolkit/lab/samples/__init__.py; pass the same values as the site's
``[site]`` section.
Break one precondition by editing the returned probe data (``target.probes[name].data``).
"""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from typing import Any

from conncheck.facts import DIRECTORY_ROLE, ProbeResult, Target
from conncheck.pki import security_descriptor as sdm

DOMAIN_SID = "S-1-5-21-1004336348-1177238915-682003330"
CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"
FULL_CONTROL = 0x000F01FF
READ = sdm.READ_CONTROL | sdm.DS_LIST | sdm.DS_READ_PROPERTY | sdm.DS_LIST_OBJECT
EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def filetime(when: datetime) -> str:
    return str(int((when - EPOCH).total_seconds() * 10_000_000))


def entry(dn: str, **attributes: Any) -> dict[str, Any]:
    """One LDAP entry as the collector writes it: every value a string in a list."""
    attrs = {name.replace("_", "-"): [str(v) for v in (value if isinstance(value, list) else [value])]
             for name, value in attributes.items()}
    return {"dn": dn, "attributes": attrs}


def template_sd(domain_sid: str, enroll_sids: list[str], deny_sids: tuple[str, ...] = ()) -> str:
    """A template's descriptor: Domain Admins full control, Authenticated Users read, Enroll for ``enroll_sids``."""
    admins = f"{domain_sid}-512"
    aces = [sdm.Ace(sdm.ACCESS_DENIED_OBJECT, 0, sdm.DS_CONTROL_ACCESS, sid, sdm.ENROLL) for sid in deny_sids]
    aces += [sdm.Ace(sdm.ACCESS_ALLOWED, 0, FULL_CONTROL, admins), sdm.Ace(sdm.ACCESS_ALLOWED, 0, READ, "S-1-5-11")]
    aces += [sdm.Ace(sdm.ACCESS_ALLOWED_OBJECT, 0, sdm.DS_CONTROL_ACCESS, sid, sdm.ENROLL) for sid in enroll_sids]
    return _b64(sdm.encode(sdm.SecurityDescriptor(sdm.SE_SELF_RELATIVE, admins, admins, sdm.Acl(2, tuple(aces)))))


def template(pki: str, name: str, sd_b64: str, *, schema: int = 2, name_flag: int = 1, days: float = 365,
             ekus: tuple[str, ...] = (CLIENT_AUTH,)) -> dict[str, Any]:
    period = int(-days * 86400 * 10_000_000).to_bytes(8, "little", signed=True)
    found = entry(
        f"CN={name},CN=Certificate Templates,{pki}", cn=name, name=name, displayName=name,
        msPKI_Template_Schema_Version=schema, msPKI_Certificate_Name_Flag=name_flag, msPKI_Enrollment_Flag=0,
        msPKI_Private_Key_Flag=16, msPKI_RA_Signature=0, pKIExtendedKeyUsage=list(ekus),
        msPKI_Certificate_Application_Policy=list(ekus), pKIKeyUsage=_b64(b"\xa0\x00"),
        pKIExpirationPeriod=_b64(period),
    )
    found["attributes"]["nTSecurityDescriptor"] = [sd_b64]
    return found


def account_entry(dn: str, sam: str, sid: str, *, uac: int, pwd_last_set: datetime, primary_group: int,
                  spns: list[str], groups: list[tuple[str, str]]) -> dict[str, Any]:
    found = entry(dn, sAMAccountName=sam, userAccountControl=uac, msDS_User_Account_Control_Computed=0,
                  lockoutTime=[], pwdLastSet=filetime(pwd_last_set), accountExpires=str(0x7FFFFFFFFFFFFFFF),
                  servicePrincipalName=spns, memberOf=[groups[0][0]] if groups else [], primaryGroupID=primary_group,
                  objectSid=_b64(sdm.sid_to_bytes(sid)))
    found["groups"] = [{"dn": g, "objectSid": _b64(sdm.sid_to_bytes(s))} for g, s in groups]
    return found


def healthy_directory(
    ca_der: bytes,
    *,
    now: datetime,
    server: str = "dc01.contoso.com",
    base: str = "DC=contoso,DC=com",
    domain_sid: str = DOMAIN_SID,
    ca_host: str = "ca01.contoso.com",
    ca_name: str = "Contoso Issuing CA",
    scep_template: str = "IntuneSCEP",
    pkcs_templates: tuple[str, ...] = ("IntunePKCS",),
    ndes_fqdn: str = "ndes01.contoso.com",
    ndes_account: str = "svc-ndes",
    connector_account: str = "svc-intunecc",
    connector_account_sid: str | None = None,
) -> Target:
    """The directory Target of a healthy site whose CA certificate is ``ca_der`` (see the module docstring)."""
    pki = f"CN=Public Key Services,CN=Services,CN=Configuration,{base}"
    users = f"CN=Users,{base}"
    ndes_sid, service_group_sid, enrollers_sid = (f"{domain_sid}-{rid}" for rid in (1105, 1106, 1107))
    connector_sid = connector_account_sid or f"{domain_sid}-1112"
    ca_b64 = _b64(ca_der)
    templates = [template(pki, scep_template, template_sd(domain_sid, [enrollers_sid]))]
    templates += [template(pki, name, template_sd(domain_sid, [connector_sid])) for name in pkcs_templates]
    ndes = account_entry(
        f"CN={ndes_account},{users}", ndes_account, ndes_sid, uac=0x200, pwd_last_set=now - timedelta(days=10),
        primary_group=513, spns=[f"HTTP/{ndes_fqdn}", f"HTTP/{ndes_fqdn.split('.')[0]}"],
        groups=[(f"CN=PKI Service Accounts,{users}", service_group_sid), (f"CN=NDES Enrollers,{users}", enrollers_sid)],
    )
    connector = account_entry(
        f"CN={connector_account.rstrip('$')},{users}", connector_account, connector_sid, uac=0x10200,
        pwd_last_set=now - timedelta(days=30), primary_group=513, spns=[], groups=[],
    )
    probes: dict[str, Any] = {
        "enrollment_services": [entry(
            f"CN={ca_name},CN=Enrollment Services,{pki}", cn=ca_name, dNSHostName=ca_host, cACertificate=ca_b64,
            certificateTemplates=[scep_template, *pkcs_templates], flags=10)],
        "certificate_templates": templates,
        "ntauth_certificates": [entry(f"CN=NTAuthCertificates,{pki}", cn="NTAuthCertificates",
                                      cACertificate=ca_b64)],
        "domain_password_policy": [entry(base, maxPwdAge=str(-42 * 86400 * 10_000_000),
                                         objectSid=_b64(sdm.sid_to_bytes(domain_sid)))],
        "ndes_service_account": [ndes],
        "connector_account": [connector],
        "ndes_http_spn_holders": [entry(ndes["dn"], sAMAccountName=ndes_account,
                                        objectSid=_b64(sdm.sid_to_bytes(ndes_sid)))],
    }
    return Target(server, (DIRECTORY_ROLE,), {k: ProbeResult.success(v, 3.0) for k, v in probes.items()},
                  {"tls": "ldaps", "auth": "simple"})
