"""Kerberos for the WinRM and LDAP collectors: which implementation runs it here, and what its failures mean.

Both collectors reach Kerberos through pyspnego, which uses the platform's own implementation: SSPI on Windows (the
logon session's tickets, a gMSA's included; nothing to install) and GSSAPI elsewhere (MIT or Heimdal through the
``gssapi`` and ``krb5`` Python packages, the ``kerberos`` extra; the ticket cache that ``kinit`` fills).

A failure's reason is chosen by its error code, not its text (SSPI's messages are localised): GSSAPI's minor status
(a krb5 error-table code) or SSPI's SECURITY_STATUS, each mapped to what the admin should do.
"""

from __future__ import annotations

import ipaddress
import sys
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes

# krb5 error-table codes (the minor status of a GSSAPI failure; values from MIT's krb5.h) and SSPI SECURITY_STATUS
# values (winerror.h), both compared as unsigned 32-bit numbers.
KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN = -1765328377 & 0xFFFFFFFF
KRB5KRB_AP_ERR_TKT_EXPIRED = -1765328352 & 0xFFFFFFFF
KRB5KRB_AP_ERR_SKEW = -1765328347 & 0xFFFFFFFF
KRB5_CC_NOTFOUND = -1765328243 & 0xFFFFFFFF
KRB5_REALM_UNKNOWN = -1765328230 & 0xFFFFFFFF
KRB5_KDC_UNREACH = -1765328228 & 0xFFFFFFFF
KRB5_FCC_NOFILE = -1765328189 & 0xFFFFFFFF
KRB5_REALM_CANT_RESOLVE = -1765328164 & 0xFFFFFFFF
SEC_E_TARGET_UNKNOWN = 0x80090303
SEC_E_NO_CREDENTIALS = 0x8009030E
SEC_E_NO_AUTHENTICATING_AUTHORITY = 0x80090311
SEC_E_WRONG_PRINCIPAL = 0x80090322
SEC_E_TIME_SKEW = 0x80090324

NO_TICKET = "no Kerberos ticket: run kinit (or log on to the domain) as the account conncheck should use"
CLOCK_SKEW = ("the clocks of this machine and the domain's KDC differ by more than the allowed skew (5 minutes by "
              "default): synchronise this machine's time with the domain (w32tm /resync, chrony, ntpd)")
KDC_UNREACHABLE = "no KDC of the realm answered: check the realm's KDCs in krb5.conf or DNS, and port 88 to them"


@dataclass(frozen=True)
class Backend:
    """The Kerberos implementation pyspnego uses on this platform."""

    name: str
    install_hint: str


def backend(platform: str = sys.platform) -> Backend:
    if platform == "win32":
        return Backend("SSPI", "SSPI is part of Windows and pyspnego; nothing to install")
    return Backend("GSSAPI", "pip install 'conncheck[kerberos]' (pyspnego's Kerberos: the gssapi and krb5 packages, "
                             "built against MIT Kerberos: Debian libkrb5-dev)")


def unavailable_reason(platform: str = sys.platform) -> str:
    return f"Kerberos ({backend(platform).name}) is not available here: {backend(platform).install_hint}"


def _codes(exc: BaseException) -> set[int]:
    """Every GSSAPI minor status and SSPI error code the exception (or the one it wraps) carries, unsigned."""
    codes: set[int] = set()
    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            break
        for attribute in ("min_code", "winerror"):
            value = getattr(seen, attribute, None)
            if isinstance(value, int):
                codes.add(value & 0xFFFFFFFF)
        seen = getattr(seen, "base_error", None) or seen.__cause__
    return codes


def is_kerberos_error(exc: BaseException) -> bool:
    """A pyspnego error (GSSAPI or SSPI), or the ImportError of a missing Kerberos implementation."""
    from spnego.exceptions import SpnegoError

    return isinstance(exc, SpnegoError) or (isinstance(exc, ImportError) and "gssapi" in str(exc).lower())


def reason(exc: BaseException, service: str, hostname: str, overrides: str) -> str:
    """What the admin should do about a failed Kerberos exchange for ``service/hostname``.

    ``overrides`` names the settings that change the service principal, e.g. ``kerberos_service / kerberos_hostname``.
    """
    from spnego.exceptions import NoCredentialError

    spn = f"{service}/{hostname}"
    if isinstance(exc, ImportError):
        return unavailable_reason()
    codes = _codes(exc)
    if codes & {KRB5KRB_AP_ERR_SKEW, SEC_E_TIME_SKEW}:
        return CLOCK_SKEW
    if codes & {KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, SEC_E_TARGET_UNKNOWN, SEC_E_WRONG_PRINCIPAL}:
        if _is_address(hostname):
            return (f"Kerberos needs the host's DNS name, not the address {hostname}: the KDC knows no {spn}. Name "
                    "the host by its FQDN (and give the IP as address), or set kerberos_hostname")
        return (f"the KDC knows no service principal {spn}: register it on the host's account (setspn -S {spn} "
                f"<account>), or set {overrides} to a principal the host's account holds")
    if codes & {KRB5_KDC_UNREACH, KRB5_REALM_CANT_RESOLVE, KRB5_REALM_UNKNOWN,
                 SEC_E_NO_AUTHENTICATING_AUTHORITY}:
        return KDC_UNREACHABLE
    if codes & {KRB5KRB_AP_ERR_TKT_EXPIRED}:
        return "the Kerberos ticket has expired: renew it (kinit, or log on again)"
    if isinstance(exc, NoCredentialError) or codes & {KRB5_FCC_NOFILE, KRB5_CC_NOTFOUND, SEC_E_NO_CREDENTIALS}:
        return NO_TICKET
    return f"Kerberos exchange for {spn} failed: {' '.join(str(exc).split())[:300]}"


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def tls_server_end_point(certificate_der: bytes) -> bytes:
    """RFC 5929 channel-binding data for a TLS server certificate: the hash its signature uses (MD5 and SHA-1
    become SHA-256), as Windows computes it for LDAP and HTTP channel binding."""
    certificate = x509.load_der_x509_certificate(certificate_der)
    algorithm = certificate.signature_hash_algorithm
    if algorithm is None or algorithm.name in ("md5", "sha1"):
        algorithm = hashes.SHA256()
    digest = hashes.Hash(algorithm)
    digest.update(certificate_der)
    return b"tls-server-end-point:" + digest.finalize()

