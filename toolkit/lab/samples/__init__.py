"""Example sites made of real certificates: the demo, the example snapshots and the lab's simulated hosts.

Everything here is generated: a small Contoso PKI (root CA, issuing CA, the Intune connector certificate, the NDES
RA pair and TLS certificate) signed with ``cryptography``, and the probe data a healthy connector host, CA and NDES
server would report. ``variants()`` breaks one precondition each. Dates are relative to ``now`` so the examples never
age: evaluate them with the ``collected_at`` they carry.
"""

from __future__ import annotations

import base64
import copy
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

from conncheck import __version__
from conncheck.facts import Facts, ProbeResult, Target, format_time
from conncheck.lab.samples import connector as connector_samples
from conncheck.lab.samples.directory import healthy_directory
from conncheck.lab.samples.scep import healthy_endpoint
from conncheck.pki.certs import OID_CERT_TEMPLATE_NAME, OID_CERTIFICATE_REQUEST_AGENT
from conncheck.pki.security_descriptor import sid_to_bytes
from conncheck.site import FactsSite, facts_site
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DOMAIN = "contoso.com"
NETBIOS = "CONTOSO"
CA_HOST = "ca01.contoso.com"
CA_NAME = "Contoso Issuing CA"
CONNECTOR_HOST = "conn01.contoso.com"
NDES_HOST = "ndes01.contoso.com"
CONNECTOR_ACCOUNT = f"{NETBIOS}\\svc-intunecc"
NDES_ACCOUNT = f"{NETBIOS}\\svc-ndes"
SCEP_TEMPLATE = "IntuneSCEP"
PKCS_TEMPLATE = "IntunePKCS"
CONNECTOR_VERSION = "6.2510.3.2002"  # the current release (conncheck.catalog releases.json)
OUT_OF_SUPPORT_VERSION = "6.2406.0.2002"  # superseded on 2026-02-18: out of support after 2026-08-18
INTUNE_CONNECTOR_CA = "Microsoft Intune ImportPFX Connector CA"
DOMAIN_SID = "S-1-5-21-1004336348-1177238915-682003330"
CONNECTOR_ACCOUNT_SID = f"{DOMAIN_SID}-1112"
NDES_ACCOUNT_SID = f"{DOMAIN_SID}-1105"
CONNECTOR_REGISTRY = "HKLM\\SOFTWARE\\Microsoft\\MicrosoftIntune\\PFXCertificateConnector"
CONNECTOR_CONFIG_FILE = "C:\\Program Files\\Microsoft Intune\\PFXCertificateConnector\\PkiCreateConnectorSvc.exe.config"


@cache
def _key(name: str) -> rsa.RSAPrivateKey:
    """One RSA key per role name, made once per process (key generation is the slow part)."""
    del name
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def b64(self) -> str:
        return base64.b64encode(self.der).decode("ascii")

    @property
    def thumbprint(self) -> str:
        return self.cert.fingerprint(hashes.SHA1()).hex().upper()

    def entry(self, store: str, has_private_key: bool, key: dict[str, Any] | None = None) -> dict[str, Any]:
        """This certificate as a certificate-store probe reports it, with its private key's report: ``key``, else a
        key that opens for SYSTEM and Administrators (a CA's key is never opened; no private key: null)."""
        if not has_private_key:
            key = None
        elif self.cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            key = {"opens": None, "error": "not opened: the key of a CA certificate", "provider": None,
                   "security_b64": None, "trustees": None, "acl_error": None}
        elif key is None:
            key = private_key()
        return {"der_b64": self.b64, "has_private_key": has_private_key, "store": store, "key": key}


def _bmp_string(value: str) -> bytes:
    encoded = value.encode("utf-16-be")
    return bytes([0x1E, len(encoded)]) + encoded


def issue(
    name: str,
    cn: str,
    issuer: Issued | None,
    now: datetime,
    *,
    days_before: float = 30,
    days_after: float = 365,
    ca: bool = False,
    ekus: tuple[x509.ObjectIdentifier, ...] = (),
    digital_signature: bool = True,
    key_encipherment: bool = False,
    template: str | None = None,
    dns_names: tuple[str, ...] = (),
) -> Issued:
    """Sign a certificate for ``cn`` (self-signed when ``issuer`` is None) valid around ``now``."""
    key = _key(name)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=days_before))
        .not_valid_after(now + timedelta(days=days_after))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=digital_signature,
                content_commitment=False,
                key_encipherment=key_encipherment,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if ekus:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(ekus)), critical=False)
    if template:
        builder = builder.add_extension(
            x509.UnrecognizedExtension(x509.ObjectIdentifier(OID_CERT_TEMPLATE_NAME), _bmp_string(template)),
            critical=False,
        )
    if dns_names:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(d) for d in dns_names]), critical=False
        )
    signer = issuer.key if issuer else key
    return Issued(builder.sign(signer, hashes.SHA256()), key)


CRA = x509.ObjectIdentifier(OID_CERTIFICATE_REQUEST_AGENT)
NDES_RA_CN = "NDES01-MSCEP-RA"


def connector_cert(intune_ca: Issued, now: datetime, *, days_before: float, days_after: float) -> Issued:
    """The certificate Intune issues the connector when it registers (Client Authentication)."""
    return issue(
        "connector",
        "conn01-pfx-connector",
        intune_ca,
        now,
        days_before=days_before,
        days_after=days_after,
        ekus=(ExtendedKeyUsageOID.CLIENT_AUTH,),
        key_encipherment=True,
    )


# NDES's two RA certificates by purpose: the template NDES requests each from, and the key usage that does the job
# (digital signature, key encipherment).
RA_PROFILES: dict[str, tuple[str, bool, bool]] = {
    "signing": ("EnrollmentAgentOffline", True, False),
    "encryption": ("CEPEncryption", False, True),
}


def ra_cert(
    purpose: str,
    issuer: Issued,
    now: datetime,
    *,
    days_before: float = 60,
    days_after: float = 670,
    key: str | None = None,
    cn: str = NDES_RA_CN,
) -> Issued:
    """One of NDES's RA certificates ("signing" or "encryption"): its template, the CRA EKU, its key usage."""
    template, signs, enciphers = RA_PROFILES[purpose]
    return issue(
        key or f"ra-{purpose}",
        cn,
        issuer,
        now,
        days_before=days_before,
        days_after=days_after,
        ekus=(CRA,),
        template=template,
        digital_signature=signs,
        key_encipherment=enciphers,
    )


@dataclass(frozen=True)
class SamplePKI:
    root: Issued
    issuing: Issued
    intune_ca: Issued
    connector: Issued
    ra_signing: Issued
    ra_encryption: Issued
    ndes_tls: Issued
    crl_der: bytes


def build_pki(now: datetime) -> SamplePKI:
    root = issue("root", "Contoso Root CA", None, now, days_before=900, days_after=3000, ca=True)
    issuing = issue("issuing", CA_NAME, root, now, days_before=400, days_after=1400, ca=True)
    intune_ca = issue("intune-ca", INTUNE_CONNECTOR_CA, None, now, days_before=500, days_after=3000, ca=True)
    connector = connector_cert(intune_ca, now, days_before=100, days_after=265)
    ra_signing = ra_cert("signing", issuing, now)
    ra_encryption = ra_cert("encryption", issuing, now)
    ndes_tls = issue(
        "ndes-tls",
        NDES_HOST,
        issuing,
        now,
        days_before=60,
        days_after=300,
        ekus=(ExtendedKeyUsageOID.SERVER_AUTH,),
        key_encipherment=True,
        dns_names=(NDES_HOST,),
    )
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuing.cert.subject)
        .last_update(now - timedelta(days=1))
        .next_update(now + timedelta(days=6))
        .sign(issuing.key, hashes.SHA256())
    )
    return SamplePKI(
        root,
        issuing,
        intune_ca,
        connector,
        ra_signing,
        ra_encryption,
        ndes_tls,
        crl.public_bytes(serialization.Encoding.DER),
    )


# --- Windows security descriptors (the CA's "Security" value) -------------------------------------------------


def security_descriptor(owner: str, aces: list[tuple[int, int, str]]) -> bytes:
    """A self-relative SECURITY_DESCRIPTOR with a DACL of (ace type 0 allow / 1 deny, access mask, sid) ACEs."""
    body = b""
    for ace_type, mask, sid in aces:
        sid_raw = sid_to_bytes(sid)
        body += struct.pack("<BBHI", ace_type, 0, 8 + len(sid_raw), mask) + sid_raw
    dacl = struct.pack("<BBHHH", 2, 0, 8 + len(body), len(aces), 0) + body
    owner_raw = sid_to_bytes(owner)
    header_len = 20
    offset_owner = header_len
    offset_group = offset_owner + len(owner_raw)
    offset_dacl = offset_group + len(owner_raw)
    header = struct.pack("<BBHIIII", 1, 0, 0x8004, offset_owner, offset_group, 0, offset_dacl)
    return header + owner_raw + owner_raw + dacl


# CA access rights (certsrv): the bits of the CA's security descriptor.
CA_MANAGE_CA = 0x1
CA_ISSUE_AND_MANAGE_CERTIFICATES = 0x2
CA_READ = 0x100
CA_ENROLL = 0x200

ADMINISTRATORS = "S-1-5-32-544"
LOCAL_SYSTEM = "S-1-5-18"
GENERIC_ALL = 0x10000000
AUTHENTICATED_USERS = "S-1-5-11"
DOMAIN_ADMINS = f"{DOMAIN_SID}-512"
ENTERPRISE_ADMINS = f"{DOMAIN_SID}-519"


def ca_security(connector_mask: int) -> dict[str, Any]:
    aces = [
        (0, CA_MANAGE_CA | CA_ISSUE_AND_MANAGE_CERTIFICATES | CA_READ, ADMINISTRATORS),
        (0, CA_MANAGE_CA | CA_ISSUE_AND_MANAGE_CERTIFICATES | CA_READ, DOMAIN_ADMINS),
        (0, CA_MANAGE_CA | CA_ISSUE_AND_MANAGE_CERTIFICATES | CA_READ, ENTERPRISE_ADMINS),
        (0, CA_READ | CA_ENROLL, AUTHENTICATED_USERS),
    ]
    if connector_mask:
        aces.append((0, connector_mask, CONNECTOR_ACCOUNT_SID))
    raw = security_descriptor(ADMINISTRATORS, aces)
    return {
        "security_b64": base64.b64encode(raw).decode("ascii"),
        "trustees": {
            ADMINISTRATORS: "BUILTIN\\Administrators",
            DOMAIN_ADMINS: f"{NETBIOS}\\Domain Admins",
            ENTERPRISE_ADMINS: f"{NETBIOS}\\Enterprise Admins",
            AUTHENTICATED_USERS: "NT AUTHORITY\\Authenticated Users",
            CONNECTOR_ACCOUNT_SID: CONNECTOR_ACCOUNT,
        },
    }


# Private keys: the container's descriptor as Get-ConncheckPrivateKeyInfo reports it.
LOCAL_SYSTEM = "S-1-5-18"
KEY_FULL_CONTROL = 0x001F019B
KEY_GENERIC_READ = 0x80000000


def private_key(readers: dict[str, str] | None = None, *, opens: bool = True, error: str | None = None,
                provider: str = "Microsoft Enhanced Cryptographic Provider v1.0") -> dict[str, Any]:
    """A private key's report: it opens (or not, with ``error``); SYSTEM and Administrators hold Full Control and
    each of ``readers`` (SID → DOMAIN\\name) Read, as the Manage Private Keys dialog writes it."""
    readers = readers or {}
    aces = [(0, KEY_FULL_CONTROL, LOCAL_SYSTEM), (0, KEY_FULL_CONTROL, ADMINISTRATORS)]
    aces += [(0, KEY_GENERIC_READ, sid) for sid in readers]
    raw = security_descriptor(ADMINISTRATORS, aces)
    return {
        "opens": opens,
        "error": error,
        "provider": provider,
        "security_b64": base64.b64encode(raw).decode("ascii"),
        "trustees": {LOCAL_SYSTEM: "NT AUTHORITY\\SYSTEM", ADMINISTRATORS: "BUILTIN\\Administrators", **readers},
        "acl_error": None,
    }


def ra_key() -> dict[str, Any]:
    """An RA certificate's key as NDES needs it: the NDES service account may read it."""
    return private_key({NDES_ACCOUNT_SID: NDES_ACCOUNT})


def ndes_my(signing: Issued | None, encryption: Issued | None, tls: Issued) -> list[dict[str, Any]]:
    """NDES's LocalMachine\\My: its RA certificates (keys readable by the NDES service account) and TLS certificate."""
    ras = [ra.entry("LocalMachine\\My", True, ra_key()) for ra in (signing, encryption) if ra is not None]
    return [*ras, tls.entry("LocalMachine\\My", True)]


# --- probe data -------------------------------------------------------------------------------------------------


def _service(name: str, display: str, account: str = "LocalSystem", status: str = "Running") -> dict[str, Any]:
    return {"name": name, "display_name": display, "status": status, "start_type": "Automatic", "account": account}


BASE_SERVICES = [
    _service("WinRM", "Windows Remote Management (WS-Management)", "NT AUTHORITY\\NetworkService"),
    _service("EventLog", "Windows Event Log", "NT AUTHORITY\\LocalService"),
    _service("Dnscache", "DNS Client", "NT AUTHORITY\\NetworkService"),
    _service("W32Time", "Windows Time", "NT AUTHORITY\\LocalService"),
]

TLS_STRONG = {
    "schannel": {
        "TLS 1.2\\Client": {"Enabled": 1, "DisabledByDefault": 0},
        "TLS 1.2\\Server": {"Enabled": 1, "DisabledByDefault": 0},
    },
    "netfx": {
        "v4.0.30319": {"SchUseStrongCrypto": 1, "SystemDefaultTlsVersions": 1},
        "Wow6432Node\\v4.0.30319": {"SchUseStrongCrypto": 1, "SystemDefaultTlsVersions": 1},
    },
}


def iis_config_text(max_url: int = 65534, max_query: int = 65534) -> str:
    """applicationHost.config as NDES leaves it, with the request limits Intune's SCEP queries need."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.applicationHost>
    <applicationPools>
      <add name="DefaultAppPool" />
      <add name="SCEP" managedRuntimeVersion="v4.0">
        <processModel identityType="SpecificUser" userName="{NDES_ACCOUNT}"
                      password="[enc:IISCngProvider:redacted:enc]" />
      </add>
    </applicationPools>
    <sites>
      <site name="Default Web Site" id="1">
        <application path="/" applicationPool="DefaultAppPool">
          <virtualDirectory path="/" physicalPath="%SystemDrive%\\inetpub\\wwwroot" />
          <virtualDirectory path="/CertSrv" physicalPath="C:\\Windows\\system32\\CertSrv\\en-US" />
        </application>
        <application path="/CertSrv/mscep" applicationPool="SCEP">
          <virtualDirectory path="/" physicalPath="C:\\Windows\\system32\\CertSrv\\mscep" />
        </application>
        <application path="/CertSrv/mscep_admin" applicationPool="SCEP">
          <virtualDirectory path="/" physicalPath="C:\\Windows\\system32\\CertSrv\\mscep_admin" />
        </application>
        <bindings>
          <binding protocol="http" bindingInformation="*:80:" />
          <binding protocol="https" bindingInformation="*:443:" />
        </bindings>
      </site>
    </sites>
  </system.applicationHost>
  <system.webServer>
    <security>
      <requestFiltering>
        <requestLimits maxUrl="{max_url}" maxQueryString="{max_query}" />
      </requestFiltering>
    </security>
  </system.webServer>
</configuration>
"""


# NDES's own web.config in CertSrv\\mscep: handlers, no request limits of its own.
MSCEP_WEB_CONFIG = """<?xml version="1.0" encoding="UTF-8"?>
<configuration>
  <system.webServer>
    <handlers accessPolicy="Read, Execute, Script" />
    <defaultDocument enabled="false" />
  </system.webServer>
</configuration>
"""
# Get-WindowsFeature names Microsoft lists for NDES with the connector's SCEP feature (checks/ndes.py judges them).
NDES_FEATURES = (
    "ADCS-Device-Enrollment", "Web-Server", "Web-Filtering", "Web-Net-Ext45", "Web-Asp-Net45", "Web-Mgmt-Console",
    "Web-Metabase", "Web-WMI", "NET-Framework-45-Core", "NET-Framework-45-ASPNET", "NET-WCF-HTTP-Activation45",
    "NET-Framework-Core", "NET-HTTP-Activation",
)
NDES_PROVIDER = "Microsoft-Windows-NetworkDeviceEnrollmentService"
CAPI2_LOG = "Microsoft-Windows-CAPI2/Operational"


def ndes_event(now: datetime, hours_ago: float, event_id: int, level: int, **data: Any) -> dict[str, Any]:
    """One record of NDES's events (Application log) as the ndes_events probe reports it."""
    return {"time_utc": format_time(now - timedelta(hours=hours_ago)), "provider": NDES_PROVIDER,
            "channel": "Application", "event_id": event_id, "level": level, "computer": NDES_HOST, "message": None,
            "data": data}


def ndes_events(now: datetime) -> dict[str, Any]:
    """A quiet week on NDES: the service started after the last boot; CAPI2's log is off, as by default."""
    return {
        "window_days": 7,
        "logs": [{"name": "Application", "found": True, "error": None, "truncated": False},
                 {"name": CAPI2_LOG, "found": True, "error": "log disabled", "truncated": False}],
        "records": [ndes_event(now, 12 * 24, 1, 4)],
    }


def http_ssl_bindings(thumbprint: str) -> dict[str, Any]:
    """HTTP.sys's registry for one IP binding on 443 (what http_ssl_bindings.ps1 reads)."""
    cert_hash = base64.b64encode(bytes.fromhex(thumbprint)).decode()
    binding = {"SslCertHash": cert_hash, "SslCertStoreName": "MY", "AppId": "geHDTUvhIUqwIln8Zp4JFA==",
               "DefaultFlags": 0}
    return {"SslBindingInfo": {"0.0.0.0:443": binding}, "SslSniBindingInfo": None, "SslCcsBindingInfo": None}


def _host_info(fqdn: str, now: datetime, domain_role: int = 3) -> dict[str, Any]:
    return {
        "computer_name": fqdn.split(".")[0].upper(),
        "fqdn": fqdn,
        "domain": DOMAIN,
        "os_caption": "Microsoft Windows Server 2022 Standard",
        "os_version": "10.0.20348",
        "domain_role": domain_role,
        "last_boot_utc": format_time(now - timedelta(days=12)),
        "session": connector_samples.session(f"{NETBIOS}\\svc-conncheck"),
    }


def _clock(now: datetime, skew_seconds: float = 0.4) -> dict[str, Any]:
    host_time = now + timedelta(seconds=skew_seconds)
    return {
        "utc": host_time.isoformat().replace("+00:00", "Z"),
        "reference_window": [format_time(now), format_time(now + timedelta(seconds=1))],
    }


ADMIN_LOG = "Microsoft-Intune-CertificateConnectors/Admin"
OPERATIONAL_LOG = "Microsoft-Intune-CertificateConnectors/Operational"
LEGACY_LOG = "Microsoft Intune Connector"


def event_record(now: datetime, hours_ago: float, event_id: int, level: int, **data: Any) -> dict[str, Any]:
    """One record of the connector's Admin log as the events probe reports it."""
    return {
        "time_utc": format_time(now - timedelta(hours=hours_ago)),
        "provider": "Microsoft-Intune-CertificateConnectors",
        "channel": ADMIN_LOG,
        "event_id": event_id,
        "level": level,
        "computer": CONNECTOR_HOST,
        "message": None,
        "data": data,
    }


def connector_events(now: datetime) -> dict[str, Any]:
    """A quiet week: PKCS issuance and revocation succeeding; the legacy log is not there (new connector)."""
    return {
        "window_days": 7,
        "logs": [
            {
                "name": LEGACY_LOG,
                "found": False,
                "error": "log not found",
                "truncated": False,
            },
            {"name": ADMIN_LOG, "found": True, "error": None, "truncated": False},
            {"name": OPERATIONAL_LOG, "found": True, "error": None, "truncated": False},
        ],
        "records": [
            event_record(now, 30, 1000, 4, TemplateName=PKCS_TEMPLATE, CAName=CA_NAME),
            event_record(now, 20, 3000, 4, CAName=CA_NAME),
            event_record(now, 2, 1000, 4, TemplateName=PKCS_TEMPLATE, CAName=CA_NAME),
        ],
    }


def connector_probes(pki: SamplePKI, now: datetime) -> dict[str, Any]:
    return {
        "host_info": _host_info(CONNECTOR_HOST, now),
        "clock": _clock(now),
        "services": [
            *BASE_SERVICES,
            _service("PFXCertificateConnectorSvc", "PFX Certificate Connector for Microsoft Intune"),
            _service(
                "PkiCreateConnectorSvc", "PFX Create Certificate Connector for Microsoft Intune", CONNECTOR_ACCOUNT
            ),
            _service(
                "PfxCreateLegacyConnectorSvc", "PFX Create Legacy Connector for Microsoft Intune", CONNECTOR_ACCOUNT
            ),
            _service(
                "PkiRevokeConnectorSvc", "PFX Revoke Certificate Connector for Microsoft Intune", CONNECTOR_ACCOUNT
            ),
        ],
        "certs_my": [pki.connector.entry("LocalMachine\\My", True)],
        "certs_root": [pki.root.entry("LocalMachine\\Root", False)],
        "installed_software": [
            {
                "display_name": "Certificate Connector for Microsoft Intune",
                "display_version": CONNECTOR_VERSION,
                "publisher": "Microsoft Corporation",
            },
            {
                "display_name": "Microsoft Edge",
                "display_version": "131.0.2903.70",
                "publisher": "Microsoft Corporation",
            },
        ],
        "dotnet": {"release": 528449},
        "tls_config": copy.deepcopy(TLS_STRONG),
        "connector_registry": {
            "HKLM\\SOFTWARE\\Microsoft\\MicrosoftIntune": {},
            CONNECTOR_REGISTRY: {"EnableSidSecurityExtension": 1, "EncryptionCertThumbprint": pki.connector.thumbprint},
            CONNECTOR_REGISTRY + "\\CA01": {"UseSystemAccount": 0, "Username": CONNECTOR_ACCOUNT},
        },
        "connector_config_files": {
            CONNECTOR_CONFIG_FILE: '<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <appSettings>\n'
            '    <add key="RACertThumbprint" value="" />\n  </appSettings>\n</configuration>\n',
        },
        "ca_reachability": {"target": CA_HOST, "addresses": ["10.20.0.10"], "tcp": {"135": True}, "error": None},
        "intune_reachability": connector_samples.reachability(
            {host: microsoft_chain(host, now) for host in connector_samples.COMMERCIAL_ENDPOINTS}),
        "connector_logon_rights": connector_samples.logon_rights(CONNECTOR_ACCOUNT, CONNECTOR_ACCOUNT_SID),
        "connector_ie_esc": connector_samples.ie_esc(),
        "connector_updater_log": connector_samples.updater_log(now),
        "events": connector_events(now),
    }


def microsoft_chain(host: str, now: datetime) -> list[str]:
    """The chain Windows builds for a Microsoft endpoint: its leaf, an Azure-style issuing CA, DigiCert Global Root
    G2 (the real root; the issuing CA is signed with a stand-in key)."""
    root = connector_samples.digicert_root()
    issuing = issue("azure-tls-issuing", "Microsoft Azure RSA TLS Issuing CA 03", Issued(root, _key("root-stand-in")),
                    now, days_before=400, days_after=700, ca=True)
    leaf = issue("intune-endpoint", host, issuing, now, days_before=60, days_after=120,
                 ekus=(ExtendedKeyUsageOID.SERVER_AUTH,), key_encipherment=True, dns_names=(host,))
    return [leaf.b64, issuing.b64, Issued(root, issuing.key).b64]


def ca_probes(pki: SamplePKI, now: datetime) -> dict[str, Any]:
    return {
        "host_info": _host_info(CA_HOST, now),
        "clock": _clock(now),
        "services": [*BASE_SERVICES, _service("CertSvc", "Active Directory Certificate Services")],
        "certs_my": [pki.issuing.entry("LocalMachine\\My", True)],
        "certs_root": [pki.root.entry("LocalMachine\\Root", False)],
        "installed_software": [],
        "windows_features": ["ADCS-Cert-Authority", "RSAT-ADCS"],
        "ca_registry": {
            "active": CA_NAME,
            "configuration": {
                "CACertHash": [pki.issuing.thumbprint],
                "CAType": 1,
                "CommonName": CA_NAME,
                "CRLPeriod": "Weeks",
                "CRLPeriodUnits": 1,
                "CRLDeltaPeriodUnits": 0,
            },
        },
        "ca_security": ca_security(CA_ISSUE_AND_MANAGE_CERTIFICATES | CA_READ | CA_ENROLL),
        "ca_ping": {
            "exit_code": 0,
            "output": f'Connecting to {CA_HOST}\\{CA_NAME} ...\nServer "{CA_NAME}" ICertRequest2 interface is alive\n'
            "CertUtil: -ping command completed successfully.",
        },
        "ca_files": {
            "certs": [{"name": f"{CA_HOST}_{CA_NAME}.crt", "der_b64": pki.issuing.b64}],
            "crls": [{"name": f"{CA_NAME}.crl", "der_b64": base64.b64encode(pki.crl_der).decode("ascii")}],
        },
    }


def ndes_probes(pki: SamplePKI, now: datetime) -> dict[str, Any]:
    return {
        "host_info": _host_info(NDES_HOST, now),
        "clock": _clock(now),
        "services": [
            *BASE_SERVICES,
            _service("W3SVC", "World Wide Web Publishing Service"),
            _service("WAS", "Windows Process Activation Service"),
        ],
        "certs_my": ndes_my(pki.ra_signing, pki.ra_encryption, pki.ndes_tls),
        "certs_root": [pki.root.entry("LocalMachine\\Root", False)],
        "installed_software": [],
        "windows_features": list(NDES_FEATURES),
        "dotnet": {"release": 528449},
        "tls_config": copy.deepcopy(TLS_STRONG),
        "mscep_registry": {
            "EncryptionTemplate": SCEP_TEMPLATE,
            "GeneralPurposeTemplate": SCEP_TEMPLATE,
            "SignatureTemplate": SCEP_TEMPLATE,
        },
        "httpsys_parameters": {"MaxFieldLength": 65534, "MaxRequestBytes": 65534},
        "iis_config": {
            "path": "C:\\Windows\\System32\\inetsrv\\config\\applicationHost.config",
            "text": iis_config_text(),
            "web_configs": [
                {"virtual_path": "/", "path": "C:\\inetpub\\wwwroot\\web.config", "text": None},
                {"virtual_path": "/CertSrv", "path": "C:\\Windows\\System32\\CertSrv\\en-US\\web.config", "text": None},
                {"virtual_path": "/CertSrv/mscep", "path": "C:\\Windows\\System32\\CertSrv\\mscep\\web.config",
                 "text": MSCEP_WEB_CONFIG},
            ],
            "web_configs_error": None,
        },
        "http_ssl_bindings": http_ssl_bindings(pki.ndes_tls.thumbprint),
        "app_pools": [
            {"name": "DefaultAppPool", "state": "Started", "identity_type": "ApplicationPoolIdentity", "user_name": ""},
            {"name": "SCEP", "state": "Started", "identity_type": "SpecificUser", "user_name": NDES_ACCOUNT},
        ],
        "iis_iusrs_members": [{"sid": NDES_ACCOUNT_SID, "name": NDES_ACCOUNT}],
        "ndes_events": ndes_events(now),
    }


def site_section(**extra: Any) -> FactsSite:
    return facts_site({
        "name": "contoso (example)",
        "ca_config": f"{CA_HOST}\\{CA_NAME}",
        "pkcs_templates": [PKCS_TEMPLATE],
        "scep_template": SCEP_TEMPLATE,
        "ndes_fqdn": NDES_HOST,
        "ndes_service_account": NDES_ACCOUNT,
        "connector_account": CONNECTOR_ACCOUNT,
        "digicert": False,
        "connector_features": ["pkcs", "pkcs_import", "revocation"],
        "roles_expected": ["ca", "connector", "directory", "ndes", "scep"],
        **extra,
    })


def _target(name: str, roles: tuple[str, ...], probes: dict[str, Any]) -> Target:
    return Target(name, roles, {k: ProbeResult.success(v, 25.0) for k, v in probes.items()})


def default_now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


@dataclass
class SampleSite:
    """A site's facts plus the PKI that made them, so variants can re-sign what they break."""

    now: datetime
    pki: SamplePKI
    facts: Facts
    expect: dict[str, list[str]] = field(default_factory=dict)

    def probes(self, host: str) -> dict[str, ProbeResult]:
        return self.facts.hosts[host].probes

    def set_data(self, host: str, probe: str, data: Any) -> None:
        self.probes(host)[probe] = ProbeResult.success(data, 25.0)

    def data(self, host: str, probe: str) -> Any:
        return self.probes(host)[probe].data


def healthy_site(now: datetime | None = None) -> SampleSite:
    now = now or default_now()
    pki = build_pki(now)
    hosts = {
        CONNECTOR_HOST: _target(CONNECTOR_HOST, ("connector",), connector_probes(pki, now)),
        CA_HOST: _target(CA_HOST, ("ca",), ca_probes(pki, now)),
        NDES_HOST: _target(NDES_HOST, ("ndes",), ndes_probes(pki, now)),
    }
    facts = Facts(
        collected_at=now,
        collector={"version": __version__, "vantage": "generated example (conncheck.lab.samples)"},
        site=site_section(),
        hosts=hosts,
        directory=healthy_directory(pki.issuing.der, now=now, connector_account_sid=CONNECTOR_ACCOUNT_SID),
    )
    site = SampleSite(now, pki, facts)
    serve_ra(site, pki.ra_signing, pki.ra_encryption)
    return site


def serve_ra(site: SampleSite, signing: Issued | None, encryption: Issued | None) -> None:
    """NDES's SCEP endpoint as a device sees it: GetCACert returns the CA and the RA certificates NDES holds."""
    endpoint = healthy_endpoint(
        site.pki.issuing.cert,
        signing.cert if signing else None,
        encryption.cert if encryption else None,
        tls=site.pki.ndes_tls.cert,
    )
    site.facts.scep = {endpoint.name: endpoint}


def replace_connector_cert(s: SampleSite, *, days_before: float, days_after: float) -> Issued:
    """Install a connector certificate with other dates, and record its thumbprint as the connector does."""
    cert = connector_cert(s.pki.intune_ca, s.now, days_before=days_before, days_after=days_after)
    s.set_data(CONNECTOR_HOST, "certs_my", [cert.entry("LocalMachine\\My", True)])
    s.data(CONNECTOR_HOST, "connector_registry")[CONNECTOR_REGISTRY]["EncryptionCertThumbprint"] = cert.thumbprint
    return cert


# --- variants: each breaks one precondition --------------------------------------------------------------------


def _expired_connector_cert(s: SampleSite) -> None:
    replace_connector_cert(s, days_before=400, days_after=-3)


def _thumbprint_mismatch(s: SampleSite) -> None:
    s.data(CONNECTOR_HOST, "connector_registry")[CONNECTOR_REGISTRY]["EncryptionCertThumbprint"] = "AB" * 20


def _missing_cep_encryption(s: SampleSite) -> None:
    serve_ra(s, s.pki.ra_signing, None)
    s.set_data(NDES_HOST, "certs_my", ndes_my(s.pki.ra_signing, None, s.pki.ndes_tls))


def _expired_signing_ra(s: SampleSite) -> None:
    expired = ra_cert("signing", s.pki.issuing, s.now, days_before=800, days_after=-10)
    serve_ra(s, expired, s.pki.ra_encryption)
    s.set_data(NDES_HOST, "certs_my", ndes_my(expired, s.pki.ra_encryption, s.pki.ndes_tls))


def _default_httpsys_limits(s: SampleSite) -> None:
    s.set_data(NDES_HOST, "httpsys_parameters", {"MaxFieldLength": None, "MaxRequestBytes": None})


def _missing_manage_certificates(s: SampleSite) -> None:
    s.set_data(CA_HOST, "ca_security", ca_security(CA_READ | CA_ENROLL))


def _ndes_clock_skew(s: SampleSite) -> None:
    s.set_data(NDES_HOST, "clock", _clock(s.now, skew_seconds=-1260))


def _legacy_connector(s: SampleSite) -> None:
    s.set_data(
        CONNECTOR_HOST,
        "installed_software",
        [
            {
                "display_name": "PFX Certificate Connector for Microsoft Intune",
                "display_version": "6.1905.0.402",
                "publisher": "Microsoft Corporation",
            },
        ],
    )


def _intermediate_in_root(s: SampleSite) -> None:
    s.set_data(
        NDES_HOST,
        "certs_root",
        [s.pki.root.entry("LocalMachine\\Root", False), s.pki.issuing.entry("LocalMachine\\Root", False)],
    )


def _connector_out_of_support(s: SampleSite) -> None:
    s.data(CONNECTOR_HOST, "installed_software")[0]["display_version"] = OUT_OF_SUPPORT_VERSION


def _tls_inspection(s: SampleSite) -> None:
    """A proxy re-signs the Intune endpoints with its own CA, which the connector's server trusts."""
    proxy_ca = issue("tls-inspection-ca", "Contoso Web Proxy Inspection CA", None, s.now, days_before=700,
                     days_after=2000, ca=True)
    chains = {}
    for host in connector_samples.COMMERCIAL_ENDPOINTS:
        leaf = issue("intune-endpoint", host, proxy_ca, s.now, days_before=1, days_after=30,
                     ekus=(ExtendedKeyUsageOID.SERVER_AUTH,), key_encipherment=True, dns_names=(host,))
        chains[host] = [leaf.b64, proxy_ca.b64]
    s.set_data(CONNECTOR_HOST, "intune_reachability",
               connector_samples.reachability(chains, proxy="http://proxy.contoso.com:8080"))


def _ra_keys_not_readable_by_ndes(s: SampleSite) -> None:
    for entry in s.data(NDES_HOST, "certs_my"):
        if entry["der_b64"] in (s.pki.ra_signing.b64, s.pki.ra_encryption.b64):
            entry["key"] = private_key()


def _unreadable_store(s: SampleSite) -> None:
    s.probes(CONNECTOR_HOST)["certs_my"] = ProbeResult.failure("Access is denied. (Cert:\\LocalMachine\\My)", 3.0)


@dataclass(frozen=True)
class Variant:
    name: str
    description: str
    breaks: Callable[[SampleSite], None]
    fails: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    warns: tuple[str, ...] = ()


VARIANTS: tuple[Variant, ...] = (
    Variant(
        "expired-connector-cert",
        "the connector's certificate expired 3 days ago",
        _expired_connector_cert,
        fails=("0x00000405",),
    ),
    Variant(
        "thumbprint-mismatch",
        "the connector's registry names a certificate that is not in LocalMachine\\My",
        _thumbprint_mismatch,
        fails=("0x00000403",),
    ),
    Variant(
        "missing-cep-encryption",
        "NDES has no CEP Encryption RA certificate",
        _missing_cep_encryption,
        fails=("0x00000408",),
    ),
    Variant(
        "expired-signing-ra",
        "NDES's Exchange Enrollment Agent (Offline request) RA certificate expired",
        _expired_signing_ra,
        fails=("0x00000409",),
    ),
    Variant(
        "default-httpsys-limits",
        "HTTP.sys MaxFieldLength/MaxRequestBytes left at their defaults",
        _default_httpsys_limits,
        fails=("0x00000410",),
    ),
    Variant(
        "missing-manage-certificates",
        "the connector account lacks Issue and Manage Certificates on the CA",
        _missing_manage_certificates,
        fails=("0x00000402",),
    ),
    Variant("ndes-clock-skew", "NDES's clock is 21 minutes behind", _ndes_clock_skew, fails=("0x00000411",)),
    Variant(
        "legacy-connector",
        "the legacy PFX Certificate Connector (unsupported) is installed",
        _legacy_connector,
        fails=("0x0FFFFFFF",),
    ),
    Variant(
        "intermediate-in-root",
        "the issuing CA's certificate sits in NDES's Trusted Root store",
        _intermediate_in_root,
        fails=("0x0FFFFFFF",),
    ),
    Variant(
        "connector-out-of-support",
        f"the connector is {OUT_OF_SUPPORT_VERSION}: superseded by 6.2510.3.2002 on 2026-02-18, out of support six "
        "months later",
        _connector_out_of_support,
        warns=("0x0FFFFFFF",),
    ),
    Variant(
        "intune-tls-inspection",
        "the connector's proxy inspects TLS to the Intune endpoints (unsupported by Microsoft)",
        _tls_inspection,
        fails=("Prerequisites",),
    ),
    Variant(
        "ra-keys-not-readable",
        "the NDES service account may not read the RA certificates' private keys",
        _ra_keys_not_readable_by_ndes,
        fails=("0x00000408", "0x00000409"),
    ),
    Variant(
        "unreadable-store",
        "LocalMachine\\My on the connector could not be read (access denied)",
        _unreadable_store,
        unknown=("0x00000403", "0x00000404", "0x00000405"),
    ),
)


def variant_site(name: str, now: datetime | None = None) -> SampleSite:
    variant = next((v for v in VARIANTS if v.name == name), None)
    if variant is None:
        raise KeyError(f"no example variant {name!r}; known: {', '.join(v.name for v in VARIANTS)}")
    site = healthy_site(now)
    variant.breaks(site)
    site.facts.site.name = f"contoso (example: {variant.name})"
    site.expect = {"fails": list(variant.fails), "unknown": list(variant.unknown), "warns": list(variant.warns)}
    site.facts.site.example_expect = site.expect
    return site


def demo_site(now: datetime | None = None) -> Facts:
    """The site `conncheck demo` shows: healthy but for three faults an operator meets in real life."""
    return demo_sample(now).facts


def demo_sample(now: datetime | None = None) -> SampleSite:
    """``demo_site`` with the PKI that made it (``demo --live`` serves NDES's TLS and RA certificates from it)."""
    site = healthy_site(now)
    _default_httpsys_limits(site)
    _missing_manage_certificates(site)
    replace_connector_cert(site, days_before=353, days_after=12)
    site.facts.site.name = "contoso (EXAMPLE DATA)"
    return site
