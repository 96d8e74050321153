"""A Samba 4 AD domain controller on a loopback address, provisioned into a temp dir and seeded with real PKI.

``start(workdir, address)`` provisions a domain (``samba-tool domain provision``, every path inside ``workdir``,
only the ``ldap`` server service, bound to ``address`` alone), keeps Samba's default ``ldap server require strong
auth = yes`` (``relaxed_strong_auth=True`` writes ``no`` into smb.conf, since samba-tool drops it as an option), and
runs ``samba -M single`` until 636 answers. ``start(..., kdc=True)`` adds the ``kdc`` service (88) and registers the
DC's ``ldap/`` service principal names, for Kerberos clients (tests/peers/krb5.py). ``seed(lab)`` then writes, as
Administrator over LDAPS, what an AD CS site has and Samba does not create: an Enrollment Services object for the CA
(a real certificate from ``cryptography``), a SCEP and a PKCS template with security descriptors encoded by Samba
from SDDL, NTAuthCertificates, the NDES service account (in a group nested in the group the SCEP template grants
Enroll to), its HTTP SPN, and the connector's computer account (the one account the PKCS template grants Enroll
to). ``winrm_keytab(lab, hosts, path)`` gives simulated Windows hosts computer accounts with their WinRM service
principals and exports their keys for the WinRM lab's Kerberos acceptor.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from conncheck.pki import security_descriptor as sdm
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.peers import sddl

REALM = "LAB.TEST"
DOMAIN = "LAB"
HOST = "dc1"
ADMIN_USER = "Administrator"
ADMIN_PASSWORD = "Adm1n-Lab-Pass!23"
NDES_PASSWORD = "Ndes-Lab-Pass!45"
CA_NAME = "Lab Issuing CA"
CA_HOST = "ca01.lab.test"
NDES_FQDN = "ndes01.lab.test"
SCEP_TEMPLATE = "IntuneSCEP"
PKCS_TEMPLATE = "IntunePKCS"
NDES_ACCOUNT = "svc-ndes"
CONNECTOR_COMPUTER = "CONN01"
ENROLLERS_GROUP = "NDES Enrollers"
SERVICE_GROUP = "PKI Service Accounts"


def samba_installed() -> bool:
    return all(shutil.which(tool) for tool in ("samba", "samba-tool"))


@dataclass
class SambaLab:
    workdir: Path
    address: str
    pid: int
    fqdn: str = f"{HOST}.{REALM.lower()}"
    base: str = "DC=lab,DC=test"
    domain_sid: str = ""
    ca_der: bytes = b""
    kdc: bool = False
    seeded: dict[str, str] = field(default_factory=dict)  # name → DN of what seed() wrote

    @property
    def ca_bundle(self) -> Path:
        return self.workdir / "private" / "tls" / "ca.pem"

    @property
    def config_dn(self) -> str:
        return f"CN=Configuration,{self.base}"

    @property
    def pki(self) -> str:
        return f"CN=Public Key Services,CN=Services,{self.config_dn}"

    def admin(self) -> Any:
        """A read-write LDAPS connection as Administrator, for seeding and breaking the lab (never for checks)."""
        import ssl

        import ldap3

        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=str(self.ca_bundle), valid_names=[self.fqdn])
        server = ldap3.Server(self.address, port=636, use_ssl=True, tls=tls, get_info=ldap3.NONE,
                              connect_timeout=10)
        return ldap3.Connection(server, user=f"{ADMIN_USER}@{REALM.lower()}", password=ADMIN_PASSWORD,
                                auto_bind=True, raise_exceptions=True)

    def stop(self) -> None:
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(100):
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(self.pid, signal.SIGKILL)


def _wait_port(address: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((address, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"samba did not answer on {address}:{port} within {timeout} s")


def start(workdir: Path, address: str = "127.0.0.9", *, kdc: bool = False,
          relaxed_strong_auth: bool = False) -> SambaLab:
    """Provision and start a DC; the caller stops it (``lab.stop()``). ``kdc`` adds Samba's KDC (88/tcp+udp).

    The DC keeps Samba's default ``ldap server require strong auth = yes`` (simple binds only over TLS, SASL binds
    only signed or sealed), as a hardened Windows DC; ``relaxed_strong_auth`` sets it to ``no`` for the one test
    that needs a cleartext simple bind to succeed.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    dirs = {"pid directory": "run", "lock directory": "lock", "state directory": "state",
            "cache directory": "cache", "private dir": "private", "binddns dir": "bind-dns"}
    options = [f"--option={k}={workdir / v}" for k, v in dirs.items()]
    options += [f"--option=interfaces={address}/8", "--option=bind interfaces only=yes",
                f"--option=server services={'ldap kdc' if kdc else 'ldap'}"]
    subprocess.run(
        ["samba-tool", "domain", "provision", f"--targetdir={workdir}", "--server-role=dc", "--dns-backend=NONE",
         "--use-rfc2307", f"--realm={REALM}", f"--domain={DOMAIN}", f"--host-name={HOST}",
         f"--adminpass={ADMIN_PASSWORD}", *options],
        check=True, capture_output=True, text=True,
    )
    conf = workdir / "etc" / "smb.conf"
    if relaxed_strong_auth:
        text = conf.read_text()
        conf.write_text(text.replace("[global]\n", "[global]\n\tldap server require strong auth = no\n", 1))
    logs = workdir / "logs"
    logs.mkdir(exist_ok=True)
    subprocess.run(["samba", "-s", str(conf), "-D", "-l", str(logs), "-M", "single"], check=True)
    pid_file = workdir / "run" / "samba.pid"
    lab = SambaLab(workdir, address, _read_pid(pid_file, 10), kdc=kdc)
    try:
        _wait_port(address, 636, 60)  # the first start generates the TLS key pair
        _wait_tls_ready(lab, 30)
        if kdc:
            _wait_port(address, 88, 30)
            # A full DC's dnsupdate service runs samba_spnupdate, which registers ldap/<fqdn> (and the other DC
            # SPNs) on the DC's account; without them the KDC knows no ldap/ service ("Server not found").
            subprocess.run(["samba_spnupdate", "-s", str(conf)], check=True, capture_output=True, text=True)
    except (RuntimeError, subprocess.CalledProcessError):
        lab.stop()
        raise
    return lab


def _read_pid(pid_file: Path, timeout: float) -> int:
    """samba creates its pid file before it writes the pid: wait for the number, not the file."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return int(pid_file.read_text().split()[0])
        except (OSError, IndexError, ValueError):
            time.sleep(0.05)
    raise RuntimeError(f"samba wrote no pid to {pid_file} within {timeout} s")


def _wait_tls_ready(lab: SambaLab, timeout: float) -> None:
    """Our own samba is alive and has written its TLS CA: a port answering could be somebody else's DC."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(lab.pid, 0)
        except ProcessLookupError:
            raise RuntimeError(f"samba exited during start; see {lab.workdir / 'logs'}") from None
        try:
            x509.load_pem_x509_certificate(lab.ca_bundle.read_bytes())
            return
        except (OSError, ValueError):
            time.sleep(0.1)
    raise RuntimeError(f"samba did not write its TLS CA {lab.ca_bundle} within {timeout} s")


def make_ca_certificate(now: datetime, days: int = 3650) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
                      x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "lab"),
                      x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "test")])
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def validity(days: float) -> bytes:
    """pKIExpirationPeriod: a negative interval in 100 ns units, 8 bytes little-endian."""
    return int(-days * 86400 * 10_000_000).to_bytes(8, "little", signed=True)


def template_attributes(name: str, *, schema: int = 2, name_flag: int = 1, ekus: tuple[str, ...] = (
        "1.3.6.1.5.5.7.3.2",), days: float = 365, key_usage: bytes = b"\xa0\x00") -> dict[str, Any]:
    return {
        "displayName": name, "flags": 131680, "revision": 100,
        "msPKI-Template-Schema-Version": schema, "msPKI-Template-Minor-Revision": 1,
        "msPKI-Certificate-Name-Flag": name_flag, "msPKI-Enrollment-Flag": 0, "msPKI-Private-Key-Flag": 16,
        "msPKI-RA-Signature": 0, "msPKI-Minimal-Key-Size": 2048, "pKIDefaultKeySpec": 1, "pKIMaxIssuingDepth": 0,
        "pKIExtendedKeyUsage": list(ekus), "msPKI-Certificate-Application-Policy": list(ekus),
        "pKIKeyUsage": key_usage, "pKIExpirationPeriod": validity(days), "pKIOverlapPeriod": validity(42),
    }


def template_sddl(lab: SambaLab, grant_enroll_to: str, extra: str = "") -> str:
    """Domain Admins own it; Authenticated Users read it; ``grant_enroll_to`` (a SID) holds Enroll."""
    return (f"O:DAG:DAD:PAI{extra}(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;DA)(A;;RPLCLORC;;;AU)"
            f"(OA;;CR;{sdm.ENROLL};;{grant_enroll_to})")


def set_template_sd(lab: SambaLab, template: str, sddl_text: str) -> None:
    from ldap3 import MODIFY_REPLACE
    from ldap3.protocol.microsoft import security_descriptor_control

    blob = sddl.encode([sddl_text], lab.domain_sid)[0]
    conn = lab.admin()
    try:
        conn.modify(lab.seeded[template], {"nTSecurityDescriptor": [(MODIFY_REPLACE, [blob])]},
                    controls=security_descriptor_control(sdflags=0x04))
    finally:
        conn.unbind()


def _sid(conn: Any, dn: str) -> str:
    import ldap3

    conn.search(dn, "(objectClass=*)", search_scope=ldap3.BASE, attributes=["objectSid"])
    return sdm.parse_sid(conn.response[0]["raw_attributes"]["objectSid"][0])[0]


def seed(lab: SambaLab, now: datetime | None = None) -> SambaLab:
    """Write the healthy PKI configuration; ``lab.seeded`` names every object written."""
    now = now or datetime.now(timezone.utc)
    conn = lab.admin()
    try:
        users = f"CN=Users,{lab.base}"
        lab.domain_sid = _sid(conn, lab.base)
        lab.ca_der = make_ca_certificate(now)
        password = f'"{NDES_PASSWORD}"'.encode("utf-16-le")
        ndes = f"CN={NDES_ACCOUNT},{users}"
        conn.add(ndes, ["top", "person", "organizationalPerson", "user"],
                 {"sAMAccountName": NDES_ACCOUNT, "userPrincipalName": f"{NDES_ACCOUNT}@lab.test",
                  "unicodePwd": password, "userAccountControl": 512,
                  "servicePrincipalName": [f"HTTP/{NDES_FQDN}", "HTTP/ndes01"]})
        service_group = f"CN={SERVICE_GROUP},{users}"
        enrollers = f"CN={ENROLLERS_GROUP},{users}"
        conn.add(service_group, ["top", "group"], {"sAMAccountName": SERVICE_GROUP, "member": [ndes]})
        conn.add(enrollers, ["top", "group"], {"sAMAccountName": ENROLLERS_GROUP, "member": [service_group]})
        computer = f"CN={CONNECTOR_COMPUTER},CN=Computers,{lab.base}"
        conn.add(computer, ["top", "person", "organizationalPerson", "user", "computer"],
                 {"sAMAccountName": f"{CONNECTOR_COMPUTER}$", "userAccountControl": 4096,
                  "dNSHostName": "conn01.lab.test"})
        lab.seeded.update(ndes=ndes, service_group=service_group, enrollers=enrollers, computer=computer)

        templates = f"CN=Certificate Templates,{lab.pki}"
        enrollers_sid = _sid(conn, enrollers)
        # The PKCS template is enrollable by the connector's computer account alone (Microsoft's PKCS page).
        blobs = sddl.encode([template_sddl(lab, enrollers_sid), template_sddl(lab, _sid(conn, computer))],
                            lab.domain_sid)
        for name, blob, usage in ((SCEP_TEMPLATE, blobs[0], b"\xa0\x00"), (PKCS_TEMPLATE, blobs[1], b"\xa0\x00")):
            dn = f"CN={name},{templates}"
            conn.add(dn, ["top", "pKICertificateTemplate"],
                     {**template_attributes(name, key_usage=usage), "nTSecurityDescriptor": blob})
            lab.seeded[name] = dn
        ca = f"CN={CA_NAME},CN=Enrollment Services,{lab.pki}"
        conn.add(ca, ["top", "pKIEnrollmentService"],
                 {"dNSHostName": CA_HOST, "cACertificate": lab.ca_der, "flags": 10,
                  "certificateTemplates": [SCEP_TEMPLATE, PKCS_TEMPLATE]})
        ntauth = f"CN=NTAuthCertificates,{lab.pki}"
        conn.add(ntauth, ["top", "certificationAuthority"],
                 {"cACertificate": lab.ca_der, "authorityRevocationList": b"\x00",
                  "certificateRevocationList": b"\x00"})
        lab.seeded.update(ca=ca, ntauth=ntauth)
    finally:
        conn.unbind()
    return lab


def add_computer(lab: SambaLab, fqdn: str, services: tuple[str, ...] = ("HTTP", "WSMAN")) -> str:
    """The computer account of ``fqdn`` (created, or the seeded one of that name) holding ``<service>/<fqdn>`` for
    each service (WinRM's are HTTP/ and WSMAN/); its DN. A fresh random password gives it Kerberos keys."""
    import secrets

    from ldap3 import MODIFY_ADD, MODIFY_REPLACE
    from ldap3.core.exceptions import LDAPEntryAlreadyExistsResult

    name = fqdn.split(".")[0].upper()[:15]
    dn = f"CN={name},CN=Computers,{lab.base}"
    password = f'"{secrets.token_urlsafe(24)}"'.encode("utf-16-le")
    spns = [f"{service}/{fqdn}" for service in services]
    conn = lab.admin()
    try:
        conn.add(dn, ["top", "person", "organizationalPerson", "user", "computer"],
                 {"sAMAccountName": f"{name}$", "userAccountControl": 4096, "dNSHostName": fqdn,
                  "unicodePwd": password, "servicePrincipalName": spns})
    except LDAPEntryAlreadyExistsResult:
        conn.modify(dn, {"unicodePwd": [(MODIFY_REPLACE, [password])], "servicePrincipalName": [(MODIFY_ADD, spns)]})
    finally:
        conn.unbind()
    lab.seeded[fqdn] = dn
    return dn


def winrm_keytab(lab: SambaLab, hostnames: list[str], path: Path,
                 services: dict[str, tuple[str, ...]] | None = None) -> Path:
    """Computer accounts for ``hostnames`` (``services`` per host, default HTTP/ and WSMAN/) and a keytab of their
    keys at ``path`` (``samba-tool domain exportkeytab``: ``--principal <first service>/<host>`` per host up to a
    few hosts; the whole domain for a fleet, as one export is far quicker than a hundred)."""
    first = {}
    for fqdn in hostnames:
        host_services = (services or {}).get(fqdn, ("HTTP", "WSMAN"))
        add_computer(lab, fqdn, host_services)
        first[fqdn] = f"{host_services[0]}/{fqdn}"
    for principal in [first[name] for name in hostnames] if len(hostnames) <= 5 else [None]:
        export_keytab(lab, path, principal)
    return path


def export_keytab(lab: SambaLab, path: Path, principal: str | None = None) -> Path:
    """Add ``principal``'s keys (every account's without one) to the keytab at ``path``."""
    only = [f"--principal={principal}"] if principal else []
    subprocess.run(["samba-tool", "domain", "exportkeytab", str(path), "-s", str(lab.workdir / "etc" / "smb.conf"),
                    *only], check=True, capture_output=True, text=True)
    return path


def add_user(lab: SambaLab, name: str, password: str) -> str:
    """An enabled user account ``name`` with ``password``; its DN."""
    dn = f"CN={name},CN=Users,{lab.base}"
    conn = lab.admin()
    try:
        conn.add(dn, ["top", "person", "organizationalPerson", "user"],
                 {"sAMAccountName": name, "userPrincipalName": f"{name}@{REALM.lower()}", "userAccountControl": 512,
                  "unicodePwd": f'"{password}"'.encode("utf-16-le")})
    finally:
        conn.unbind()
    lab.seeded[name] = dn
    return dn


def site_toml(lab: SambaLab, **ldap: Any) -> str:
    """A directory-only site.toml for this lab (password from CONNCHECK_LDAP_PASSWORD)."""
    settings = {"server": lab.fqdn, "address": lab.address, "tls": "ldaps", "ca_bundle": str(lab.ca_bundle),
                "user": f"{NDES_ACCOUNT}@lab.test", "password_env": "CONNCHECK_LDAP_PASSWORD", **ldap}
    lines = ["[site]", 'name = "lab"', f'ca_config = "{CA_HOST}\\\\{CA_NAME}"',
             f'pkcs_templates = ["{PKCS_TEMPLATE}"]', f'scep_template = "{SCEP_TEMPLATE}"',
             f'ndes_fqdn = "{NDES_FQDN}"', f'ndes_service_account = "{DOMAIN}\\\\{NDES_ACCOUNT}"',
             f'connector_account = "{DOMAIN}\\\\{CONNECTOR_COMPUTER}$"', "", "[ldap]"]
    for key, value in settings.items():
        lines.append(f"{key} = {value}" if isinstance(value, int) else f'{key} = "{value}"')
    return "\n".join(lines) + "\n"
