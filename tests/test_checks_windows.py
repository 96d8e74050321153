"""Every Windows host check (host, connector, CA, NDES plugins): PASS, FAIL (or WARN) and UNKNOWN cases.

The base is conncheck.lab.samples' healthy site: real certificates, CRL and security descriptor signed with
`cryptography`. Each case breaks one thing and asserts the verdict of one check on one host.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from conncheck.evaluate import evaluate
from conncheck.facts import ProbeResult
from conncheck.lab import samples
from conncheck.lab.samples import CA_HOST, CONNECTOR_HOST, CONNECTOR_REGISTRY, NDES_HOST, SampleSite
from conncheck.pki.security_descriptor import sid_to_bytes
from conncheck.registry import default_registry
from conncheck.results import Result, Status
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
Mutation = Callable[[SampleSite], None]

WINDOWS_CHECKS = {
    "clock_within_skew",
    "dotnet_472_or_later",
    "tls12_enabled",
    "no_intermediate_in_root",
    "connector_cert_present",
    "connector_cert_key_opens",
    "connector_cert_not_expired",
    "recorded_thumbprint_in_store",
    "connector_services_running",
    "connector_version_supported",
    "strong_mapping_enabled",
    "ca_reachable_from_connector",
    "intune_endpoints_reachable",
    "digicert_ra_cert_configured",
    "digicert_ra_key_opens",
    "certsvc_running",
    "ca_answers_ping",
    "ca_cert_valid",
    "ca_crl_current",
    "connector_can_manage_certificates",
    "ra_encryption_cert_valid",
    "ra_signing_cert_valid",
    "iis_request_limits",
    "httpsys_limits",
    "mscep_templates_set",
    "ndes_not_on_ca_or_dc",
    "tls_binding_cert_valid",
    "scep_app_pool_started",
    "iis_running",
}


def result_of(site: SampleSite, check_id: str, host: str) -> Result:
    found = [r for r in evaluate(site.facts, default_registry()) if r.check_id == check_id and r.host == host]
    assert len(found) == 1, f"{check_id} on {host}: {found}"
    return found[0]


def fresh() -> SampleSite:
    return samples.healthy_site(NOW)


# --- mutations --------------------------------------------------------------------------------------------------


def drop(host: str, probe: str) -> Mutation:
    return lambda s: s.probes(host).pop(probe)


def error(host: str, probe: str) -> Mutation:
    return lambda s: s.probes(host).__setitem__(probe, ProbeResult.failure("Access is denied"))


def set_data(host: str, probe: str, value: object) -> Mutation:
    return lambda s: s.set_data(host, probe, value)


def patch(host: str, probe: str, fn: Callable[[object], None]) -> Mutation:
    return lambda s: fn(s.data(host, probe))


def service_state(host: str, name: str, status: str) -> Mutation:
    def mutate(s: SampleSite) -> None:
        for entry in s.data(host, "services"):
            if entry["name"] == name:
                entry["status"] = status

    return mutate


def reissue(host: str, key: str, *, days_after: float, days_before: float = 30) -> Mutation:
    """Replace one certificate of a store probe ("connector", "ra-signing", "ra-encryption") with re-dated copy."""

    def mutate(s: SampleSite) -> None:
        if key == "connector":
            samples.replace_connector_cert(s, days_before=days_before, days_after=days_after)
            return
        purpose = key.removeprefix("ra-")
        old = s.pki.ra_signing if purpose == "signing" else s.pki.ra_encryption
        new = samples.ra_cert(purpose, s.pki.issuing, s.now, days_before=days_before, days_after=days_after)
        for entry in s.data(host, "certs_my"):
            if entry["der_b64"] == old.b64:
                entry["der_b64"] = new.b64

    return mutate


def without_cert(host: str, pick: Callable[[SampleSite], str]) -> Mutation:
    def mutate(s: SampleSite) -> None:
        b64 = pick(s)
        s.set_data(host, "certs_my", [e for e in s.data(host, "certs_my") if e["der_b64"] != b64])

    return mutate


def private_key_lost(host: str, pick: Callable[[SampleSite], str]) -> Mutation:
    def mutate(s: SampleSite) -> None:
        for entry in s.data(host, "certs_my"):
            if entry["der_b64"] == pick(s):
                entry["has_private_key"] = False

    return mutate


def key_state(host: str, pick: Callable[[SampleSite], str], **changes: object) -> Mutation:
    """The private key report of one certificate changed (``key=None``-style changes replace the whole report)."""

    def mutate(s: SampleSite) -> None:
        for entry in s.data(host, "certs_my"):
            if entry["der_b64"] == pick(s):
                entry["key"].update(changes)

    return mutate


def no_key_report(host: str) -> Mutation:
    """Facts from an older fact script: no certificate says whether its key opens."""
    return lambda s: [entry.pop("key") for entry in s.data(host, "certs_my")]


def not_elevated(host: str) -> Mutation:
    return patch(host, "host_info", lambda d: d["session"].update(elevated=False))


KEYSET_MISSING = "0x80090016 CryptographicException: Keyset does not exist"


def crl(days_after: float) -> Mutation:
    def mutate(s: SampleSite) -> None:
        built = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(s.pki.issuing.cert.subject)
            .last_update(s.now - timedelta(days=8))
            .next_update(s.now + timedelta(days=days_after))
            .sign(s.pki.issuing.key, hashes.SHA256())
        )
        der = base64.b64encode(built.public_bytes(serialization.Encoding.DER)).decode()
        s.data(CA_HOST, "ca_files")["crls"] = [{"name": "Contoso Issuing CA.crl", "der_b64": der}]

    return mutate


def ca_cert_renewed(days_after: float) -> Mutation:
    """The CA's current certificate (last CACertHash, published in CertEnroll) replaced by one with other dates."""

    def mutate(s: SampleSite) -> None:
        cert = samples.issue("issuing", samples.CA_NAME, s.pki.root, s.now, days_after=days_after, ca=True)
        s.data(A, "ca_files")["certs"] = [{"name": "ca.crt", "der_b64": cert.b64}]
        s.data(A, "ca_registry")["configuration"]["CACertHash"] = [s.pki.issuing.thumbprint, cert.thumbprint]

    return mutate


def ca_aces(aces: list[tuple[int, int, str]], trustees: dict[str, str] | None = None) -> Mutation:
    def mutate(s: SampleSite) -> None:
        data = s.data(CA_HOST, "ca_security")
        raw = samples.security_descriptor(samples.ADMINISTRATORS, aces)
        data["security_b64"] = base64.b64encode(raw).decode()
        data["trustees"].update(trustees or {})

    return mutate


def run_as_system(s: SampleSite) -> None:
    s.facts.site.connector_account = None
    registry = s.data(CONNECTOR_HOST, "connector_registry")
    registry[CONNECTOR_REGISTRY + "\\CA01"] = {"UseSystemAccount": 1, "Username": ""}


def digicert_site(thumbprint: Callable[[SampleSite], str] | None = None) -> Mutation:
    def mutate(s: SampleSite) -> None:
        s.facts.site.digicert = True
        ra = samples.issue(
            "digicert-ra",
            "Contoso DigiCert RA",
            s.pki.root,
            s.now,
            days_after=200,
            ekus=(ExtendedKeyUsageOID.CLIENT_AUTH,),
        )
        s.data(CONNECTOR_HOST, "certs_my").append(ra.entry("LocalMachine\\My", True))
        value = thumbprint(s) if thumbprint else ra.thumbprint
        s.set_data(
            CONNECTOR_HOST,
            "connector_config_files",
            {
                samples.CONNECTOR_CONFIG_FILE: "<configuration><appSettings>"
                f'<add key="RACertThumbprint" value="{value}" /></appSettings></configuration>',
            },
        )

    return mutate


def digicert_second_file(days_after: float, key: dict | None = None) -> Mutation:
    """A second connector .config file naming another RA certificate (valid ``days_after`` more days)."""

    def mutate(s: SampleSite) -> None:
        ra = samples.issue("digicert-ra-2", "Contoso DigiCert RA 2", s.pki.root, s.now, days_before=400,
                           days_after=days_after, ekus=(ExtendedKeyUsageOID.CLIENT_AUTH,))
        s.data(CONNECTOR_HOST, "certs_my").append(ra.entry("LocalMachine\\My", True, key))
        s.data(CONNECTOR_HOST, "connector_config_files")["C:\\PkiRevokeConnectorSvc.exe.config"] = (
            f'<configuration><appSettings><add key="RACertThumbprint" value="{ra.thumbprint.lower()}" />'
            "</appSettings></configuration>")

    return mutate


def registry_respelled(s: SampleSite) -> None:
    """The connector's registry keys spelled as Microsoft's pages write them (HKLM\\Software\\...): same keys."""
    registry = s.data(CONNECTOR_HOST, "connector_registry")
    s.set_data(CONNECTOR_HOST, "connector_registry",
               {key.replace("\\SOFTWARE\\", "\\Software\\"): values for key, values in registry.items()})


def no_directory(s: SampleSite) -> None:
    """A site without [ldap]: the connector account's groups are not known."""
    s.facts.directory = None
    s.facts.site.roles_expected = [r for r in s.facts.site.roles_expected if r != "directory"]


def in_group(sid: str, name: str) -> Mutation:
    """The directory lists ``name`` (``sid``) among the connector account's groups, as a nested group would be."""
    def mutate(s: SampleSite) -> None:
        assert s.facts.directory is not None
        account = s.facts.directory.probes["connector_account"].data[0]
        group_sid = base64.b64encode(sid_to_bytes(sid)).decode()
        account["groups"].append({"dn": f"CN={name},CN=Users,DC=contoso,DC=com", "objectSid": group_sid})

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(s: SampleSite) -> None:
        for m in mutations:
            m(s)

    return mutate


C, A, N = CONNECTOR_HOST, CA_HOST, NDES_HOST
PASS, WARN, FAIL, UNKNOWN, SKIP = Status.PASS, Status.WARN, Status.FAIL, Status.UNKNOWN, Status.SKIP

CASES: list[tuple[str, str, str, Mutation | None, Status, str]] = [
    # (case id, check, host, mutation, expected status, text the finding must contain)
    ("skew ok", "clock_within_skew", N, None, PASS, "within"),
    ("skew behind", "clock_within_skew", N, set_data(N, "clock", samples._clock(NOW, -1260)), FAIL, "behind"),
    ("skew ahead on connector", "clock_within_skew", C, set_data(C, "clock", samples._clock(NOW, 900)), FAIL, "ahead"),
    (
        "skew no reference",
        "clock_within_skew",
        N,
        patch(N, "clock", lambda d: d.pop("reference_window")),
        UNKNOWN,
        "no reference clock",
    ),
    ("skew unreadable", "clock_within_skew", N, error(N, "clock"), UNKNOWN, "Access is denied"),
    ("dotnet 4.8", "dotnet_472_or_later", C, None, PASS, "4.8"),
    ("dotnet 4.7.1", "dotnet_472_or_later", N, set_data(N, "dotnet", {"release": 461308}), FAIL, "4.7.1"),
    ("dotnet absent", "dotnet_472_or_later", N, set_data(N, "dotnet", {"release": None}), FAIL, "not installed"),
    ("dotnet missing", "dotnet_472_or_later", C, drop(C, "dotnet"), UNKNOWN, "not collected"),
    ("tls ok", "tls12_enabled", C, None, PASS, "TLS 1.2"),
    (
        "tls disabled",
        "tls12_enabled",
        C,
        patch(C, "tls_config", lambda d: d["schannel"]["TLS 1.2\\Client"].update(Enabled=0)),
        FAIL,
        "disabled",
    ),
    (
        "tls netfx weak",
        "tls12_enabled",
        N,
        set_data(N, "tls_config", {"schannel": {}, "netfx": {}}),
        WARN,
        "SchUseStrongCrypto",
    ),
    ("tls unreadable", "tls12_enabled", N, error(N, "tls_config"), UNKNOWN, "tls_config"),
    ("root ok", "no_intermediate_in_root", N, None, PASS, "self-signed"),
    ("root intermediate", "no_intermediate_in_root", N, samples._intermediate_in_root, FAIL, "Contoso Issuing CA"),
    ("root empty", "no_intermediate_in_root", C, set_data(C, "certs_root", []), UNKNOWN, "no certificate was read"),
    (
        "root garbage",
        "no_intermediate_in_root",
        A,
        set_data(A, "certs_root", [{"der_b64": "bm90IGEgY2VydA==", "has_private_key": False, "store": "Root"}]),
        UNKNOWN,
        "not a readable X.509 certificate",
    ),
    ("connector cert", "connector_cert_present", C, None, PASS, "present"),
    ("connector cert absent", "connector_cert_present", C, set_data(C, "certs_my", []), FAIL, "no certificate"),
    (
        "connector cert no key",
        "connector_cert_present",
        C,
        private_key_lost(C, lambda s: s.pki.connector.b64),
        FAIL,
        "private key",
    ),
    ("connector cert unreadable", "connector_cert_present", C, samples._unreadable_store, UNKNOWN, "Access is denied"),
    ("connector key opens", "connector_cert_key_opens", C, None, PASS, "opens"),
    (
        "connector key broken",
        "connector_cert_key_opens",
        C,
        key_state(C, lambda s: s.pki.connector.b64, opens=False, error=KEYSET_MISSING),
        FAIL,
        "Keyset does not exist",
    ),
    (
        "connector key, collector not elevated",
        "connector_cert_key_opens",
        C,
        both(key_state(C, lambda s: s.pki.connector.b64, opens=False, error=KEYSET_MISSING), not_elevated(C)),
        UNKNOWN,
        "not an elevated administrator",
    ),
    (
        "connector key, ACL keeps administrators out",
        "connector_cert_key_opens",
        C,
        key_state(C, lambda s: s.pki.connector.b64, opens=False, error="0x80090010 CryptographicException: denied"),
        UNKNOWN,
        "ACL",
    ),
    ("connector key not reported", "connector_cert_key_opens", C, no_key_report(C), UNKNOWN, "older fact script"),
    (
        "connector key, session unreadable",
        "connector_cert_key_opens",
        C,
        both(key_state(C, lambda s: s.pki.connector.b64, opens=False, error=KEYSET_MISSING), error(C, "host_info")),
        UNKNOWN,
        "host_info",
    ),
    (
        "connector key absent",
        "connector_cert_key_opens",
        C,
        private_key_lost(C, lambda s: s.pki.connector.b64),
        SKIP,
        "connector_cert_present",
    ),
    ("connector cert valid", "connector_cert_not_expired", C, None, PASS, "valid until"),
    ("connector cert expired", "connector_cert_not_expired", C, samples._expired_connector_cert, FAIL, "expired"),
    (
        "connector cert expiring",
        "connector_cert_not_expired",
        C,
        reissue(C, "connector", days_after=10),
        WARN,
        "expires in",
    ),
    (
        "connector cert not yet",
        "connector_cert_not_expired",
        C,
        reissue(C, "connector", days_before=-2, days_after=300),
        FAIL,
        "not valid yet",
    ),
    (
        "connector cert none to judge",
        "connector_cert_not_expired",
        C,
        set_data(C, "certs_my", []),
        SKIP,
        "no connector",
    ),
    ("connector cert expiry unreadable", "connector_cert_not_expired", C, error(C, "certs_my"), UNKNOWN, "certs_my"),
    ("thumbprint ok", "recorded_thumbprint_in_store", C, None, PASS, "found"),
    ("thumbprint mismatch", "recorded_thumbprint_in_store", C, samples._thumbprint_mismatch, FAIL, "not found"),
    (
        "thumbprint not installed",
        "recorded_thumbprint_in_store",
        C,
        set_data(C, "connector_registry", {}),
        FAIL,
        "not installed",
    ),
    (
        "thumbprint none recorded",
        "recorded_thumbprint_in_store",
        C,
        patch(C, "connector_registry", lambda d: d[CONNECTOR_REGISTRY].pop("EncryptionCertThumbprint")),
        UNKNOWN,
        "records no certificate thumbprint",
    ),
    (
        "thumbprint registry unreadable",
        "recorded_thumbprint_in_store",
        C,
        error(C, "connector_registry"),
        UNKNOWN,
        "connector_registry",
    ),
    ("services ok", "connector_services_running", C, None, PASS, "running"),
    (
        "service stopped",
        "connector_services_running",
        C,
        service_state(C, "PkiRevokeConnectorSvc", "Stopped"),
        FAIL,
        "PkiRevokeConnectorSvc",
    ),
    (
        "services none",
        "connector_services_running",
        C,
        set_data(C, "services", samples.BASE_SERVICES),
        FAIL,
        "no certificate connector service",
    ),
    ("services unreadable", "connector_services_running", C, drop(C, "services"), UNKNOWN, "services"),
    ("version ok", "connector_version_supported", C, None, PASS, samples.CONNECTOR_VERSION),
    ("version legacy", "connector_version_supported", C, samples._legacy_connector, FAIL, "legacy"),
    (
        "version too old",
        "connector_version_supported",
        C,
        patch(C, "installed_software", lambda d: d[0].update(display_version="6.2101.13.0")),
        FAIL,
        "older",
    ),
    ("version absent", "connector_version_supported", C, set_data(C, "installed_software", []), FAIL, "not installed"),
    (
        "version unreadable",
        "connector_version_supported",
        C,
        error(C, "installed_software"),
        UNKNOWN,
        "installed_software",
    ),
    ("strong mapping ok", "strong_mapping_enabled", C, None, PASS, "SID extension"),
    (
        "strong mapping off",
        "strong_mapping_enabled",
        C,
        patch(C, "connector_registry", lambda d: d[CONNECTOR_REGISTRY].update(EnableSidSecurityExtension=0)),
        WARN,
        "EnableSidSecurityExtension",
    ),
    (
        "strong mapping old",
        "strong_mapping_enabled",
        C,
        patch(C, "installed_software", lambda d: d[0].update(display_version="6.2301.1.0")),
        WARN,
        "cannot add",
    ),
    ("strong mapping unreadable", "strong_mapping_enabled", C, error(C, "connector_registry"), UNKNOWN, "registry"),
    ("thumbprint, registry path in another case", "recorded_thumbprint_in_store", C, registry_respelled, PASS,
     "found"),
    ("strong mapping, registry path in another case", "strong_mapping_enabled", C, registry_respelled, PASS,
     "SID extension"),
    ("ca reach ok", "ca_reachable_from_connector", C, None, PASS, "TCP 135"),
    (
        "ca reach, host spelled in another case",
        "ca_reachable_from_connector",
        C,
        patch(C, "ca_reachability", lambda d: d.update(target=d["target"].upper() + ".")),
        PASS,
        "TCP 135",
    ),
    (
        "ca reach, the short name tested",
        "ca_reachable_from_connector",
        C,
        patch(C, "ca_reachability", lambda d: d.update(target=d["target"].split(".")[0])),
        PASS,
        "TCP 135",
    ),
    (
        "ca reach, another CA host tested",
        "ca_reachable_from_connector",
        C,
        patch(C, "ca_reachability", lambda d: d.update(target="ca02.contoso.com")),
        UNKNOWN,
        "ca_config",
    ),
    (
        "ca reach dns",
        "ca_reachable_from_connector",
        C,
        set_data(C, "ca_reachability", {"target": A, "addresses": [], "tcp": {}, "error": "No such host is known"}),
        FAIL,
        "cannot resolve",
    ),
    (
        "ca reach blocked",
        "ca_reachable_from_connector",
        C,
        patch(C, "ca_reachability", lambda d: d["tcp"].update({"135": False})),
        FAIL,
        "not reachable",
    ),
    ("ca reach unreadable", "ca_reachable_from_connector", C, error(C, "ca_reachability"), UNKNOWN, "ca_reachability"),
    ("intune ok", "intune_endpoints_reachable", C, None, PASS, "reachable"),
    (
        "intune blocked",
        "intune_endpoints_reachable",
        C,
        patch(C, "intune_reachability", lambda d: d["endpoints"][0].update(connected=False, chain_b64=[])),
        FAIL,
        "manage.microsoft.com",
    ),
    (
        "intune none tested",
        "intune_endpoints_reachable",
        C,
        patch(C, "intune_reachability", lambda d: d.update(endpoints=[])),
        UNKNOWN,
        "no Intune endpoint",
    ),
    ("digicert not configured", "digicert_ra_cert_configured", C, None, SKIP, "no DigiCert CA"),
    ("digicert ok", "digicert_ra_cert_configured", C, digicert_site(), PASS, "valid until"),
    (
        "digicert unknown thumbprint",
        "digicert_ra_cert_configured",
        C,
        digicert_site(lambda s: "CD" * 20),
        FAIL,
        "not in LocalMachine",
    ),
    (
        "digicert no thumbprint",
        "digicert_ra_cert_configured",
        C,
        both(
            digicert_site(),
            set_data(C, "connector_config_files", {"a.config": "<configuration><appSettings/></configuration>"}),
        ),
        FAIL,
        "no RACertThumbprint",
    ),
    (
        "digicert bad xml",
        "digicert_ra_cert_configured",
        C,
        both(digicert_site(), set_data(C, "connector_config_files", {"a.config": "<configuration><appSettings>"})),
        UNKNOWN,
        "not readable XML",
    ),
    (
        "digicert unreadable",
        "digicert_ra_cert_configured",
        C,
        both(digicert_site(), error(C, "connector_config_files")),
        UNKNOWN,
        "connector_config_files",
    ),
    (
        "digicert second file names an expired certificate",
        "digicert_ra_cert_configured",
        C,
        both(digicert_site(), digicert_second_file(-3)),
        FAIL,
        "expired",
    ),
    (
        "digicert second file names a valid certificate",
        "digicert_ra_cert_configured",
        C,
        both(digicert_site(), digicert_second_file(300)),
        PASS,
        "valid until",
    ),
    ("digicert key not configured", "digicert_ra_key_opens", C, None, SKIP, "no DigiCert CA"),
    (
        "digicert key of the second file's certificate broken",
        "digicert_ra_key_opens",
        C,
        both(digicert_site(), digicert_second_file(300, samples.private_key(opens=False, error=KEYSET_MISSING))),
        FAIL,
        "does not open",
    ),
    ("digicert key opens", "digicert_ra_key_opens", C, digicert_site(), PASS, "opens"),
    (
        "digicert key broken",
        "digicert_ra_key_opens",
        C,
        both(digicert_site(), lambda s: s.data(C, "certs_my")[-1]["key"].update(opens=False, error=KEYSET_MISSING)),
        FAIL,
        "does not open",
    ),
    (
        "digicert key config unreadable",
        "digicert_ra_key_opens",
        C,
        both(digicert_site(), set_data(C, "connector_config_files", {"a.config": "<configuration>"})),
        UNKNOWN,
        "not readable XML",
    ),
    ("certsvc ok", "certsvc_running", A, None, PASS, "running"),
    ("certsvc stopped", "certsvc_running", A, service_state(A, "CertSvc", "Stopped"), FAIL, "Stopped"),
    ("certsvc unreadable", "certsvc_running", A, error(A, "services"), UNKNOWN, "services"),
    ("ping ok", "ca_answers_ping", A, None, PASS, "alive"),
    (
        "ping fails",
        "ca_answers_ping",
        A,
        set_data(
            A, "ca_ping", {"exit_code": -2147023174, "output": "CertUtil: The RPC server is unavailable. 0x800706ba"}
        ),
        FAIL,
        "failed",
    ),
    ("ping unreadable", "ca_answers_ping", A, drop(A, "ca_ping"), UNKNOWN, "ca_ping"),
    ("ca cert ok", "ca_cert_valid", A, None, PASS, "valid until"),
    (
        "ca cert not published",
        "ca_cert_valid",
        A,
        patch(A, "ca_registry", lambda d: d["configuration"].update(CACertHash=["EF" * 20])),
        FAIL,
        "not among",
    ),
    ("ca cert expiring", "ca_cert_valid", A, ca_cert_renewed(days_after=20), WARN, "expires in"),
    ("ca cert expired", "ca_cert_valid", A, ca_cert_renewed(days_after=-1), FAIL, "expired"),
    (
        "ca cert no hash",
        "ca_cert_valid",
        A,
        patch(A, "ca_registry", lambda d: d["configuration"].pop("CACertHash")),
        UNKNOWN,
        "CACertHash",
    ),
    ("crl ok", "ca_crl_current", A, None, PASS, "current"),
    ("crl expired", "ca_crl_current", A, crl(-1), FAIL, "expired"),
    ("crl expiring", "ca_crl_current", A, crl(0.25), WARN, "hours"),
    ("crl none", "ca_crl_current", A, patch(A, "ca_files", lambda d: d.update(crls=[])), FAIL, "no base CRL"),
    (
        "crl garbage",
        "ca_crl_current",
        A,
        patch(A, "ca_files", lambda d: d.update(crls=[{"name": "x.crl", "der_b64": "AAAA"}])),
        UNKNOWN,
        "unreadable",
    ),
    ("manage ok", "connector_can_manage_certificates", A, None, PASS, "holds"),
    (
        "manage missing",
        "connector_can_manage_certificates",
        A,
        samples._missing_manage_certificates,
        FAIL,
        "does not hold",
    ),
    (
        "manage denied",
        "connector_can_manage_certificates",
        A,
        ca_aces(
            [
                (1, samples.CA_ISSUE_AND_MANAGE_CERTIFICATES, samples.CONNECTOR_ACCOUNT_SID),
                (0, samples.CA_ISSUE_AND_MANAGE_CERTIFICATES, samples.CONNECTOR_ACCOUNT_SID),
            ]
        ),
        FAIL,
        "deny",
    ),
    (
        "manage via group, no directory",
        "connector_can_manage_certificates",
        A,
        both(
            no_directory,
            ca_aces(
                [(0, samples.CA_ISSUE_AND_MANAGE_CERTIFICATES, f"{samples.DOMAIN_SID}-3001")],
                {f"{samples.DOMAIN_SID}-3001": "CONTOSO\\PKI Connectors"},
            ),
        ),
        UNKNOWN,
        "PKI Connectors",
    ),
    (
        "manage via a nested group the directory lists",
        "connector_can_manage_certificates",
        A,
        both(
            in_group(f"{samples.DOMAIN_SID}-3001", "PKI Connectors"),
            ca_aces(
                [(0, samples.CA_ISSUE_AND_MANAGE_CERTIFICATES, f"{samples.DOMAIN_SID}-3001")],
                {f"{samples.DOMAIN_SID}-3001": "CONTOSO\\PKI Connectors"},
            ),
        ),
        PASS,
        "holds",
    ),
    (
        "manage via a group the account is not in",
        "connector_can_manage_certificates",
        A,
        ca_aces(
            [(0, samples.CA_ISSUE_AND_MANAGE_CERTIFICATES, f"{samples.DOMAIN_SID}-3001")],
            {f"{samples.DOMAIN_SID}-3001": "CONTOSO\\PKI Connectors"},
        ),
        FAIL,
        "through any of its groups",
    ),
    (
        "manage denied on a group the account is in",
        "connector_can_manage_certificates",
        A,
        both(
            in_group(f"{samples.DOMAIN_SID}-3002", "Deny PKI"),
            ca_aces(
                [
                    (1, samples.CA_ISSUE_AND_MANAGE_CERTIFICATES, f"{samples.DOMAIN_SID}-3002"),
                    (0, samples.CA_ISSUE_AND_MANAGE_CERTIFICATES, samples.CONNECTOR_ACCOUNT_SID),
                ]
            ),
        ),
        FAIL,
        "deny",
    ),
    (
        "manage as SYSTEM, no directory",
        "connector_can_manage_certificates",
        A,
        both(
            no_directory,
            run_as_system,
            ca_aces(
                [(0, samples.CA_ISSUE_AND_MANAGE_CERTIFICATES, f"{samples.DOMAIN_SID}-4001")],
                {f"{samples.DOMAIN_SID}-4001": "CONTOSO\\CONN01$"},
            ),
        ),
        PASS,
        "CONN01$",
    ),
    (
        "manage as SYSTEM, the directory holds another account",
        "connector_can_manage_certificates",
        A,
        run_as_system,
        UNKNOWN,
        "CONN01$",
    ),
    (
        "manage bad sd",
        "connector_can_manage_certificates",
        A,
        patch(A, "ca_security", lambda d: d.update(security_b64="AAAA")),
        UNKNOWN,
        "unreadable",
    ),
    ("manage unreadable", "connector_can_manage_certificates", A, error(A, "ca_security"), UNKNOWN, "ca_security"),
    ("ra enc ok", "ra_encryption_cert_valid", N, None, PASS, "CEP Encryption"),
    ("ra enc missing", "ra_encryption_cert_valid", N, samples._missing_cep_encryption, FAIL, "no CEP Encryption"),
    (
        "ra enc no key",
        "ra_encryption_cert_valid",
        N,
        private_key_lost(N, lambda s: s.pki.ra_encryption.b64),
        FAIL,
        "private key",
    ),
    ("ra enc expiring", "ra_encryption_cert_valid", N, reissue(N, "ra-encryption", days_after=5), WARN, "expires in"),
    ("ra enc unreadable", "ra_encryption_cert_valid", N, error(N, "certs_my"), UNKNOWN, "certs_my"),
    ("ra sign ok", "ra_signing_cert_valid", N, None, PASS, "Exchange Enrollment Agent"),
    ("ra sign expired", "ra_signing_cert_valid", N, samples._expired_signing_ra, FAIL, "expired"),
    (
        "ra sign missing",
        "ra_signing_cert_valid",
        N,
        without_cert(N, lambda s: s.pki.ra_signing.b64),
        FAIL,
        "no Exchange",
    ),
    ("ra sign unreadable", "ra_signing_cert_valid", N, drop(N, "certs_my"), UNKNOWN, "certs_my"),
    ("iis ok", "iis_request_limits", N, None, PASS, "maxUrl=65534"),
    (
        "iis defaults",
        "iis_request_limits",
        N,
        patch(N, "iis_config", lambda d: d.update(text="<configuration><system.webServer/></configuration>")),
        FAIL,
        "maxUrl=4096",
    ),
    (
        "iis location override",
        "iis_request_limits",
        N,
        patch(
            N,
            "iis_config",
            lambda d: d.update(
                text=d["text"].replace(
                    "</configuration>",
                    '<location path="Default Web Site"><system.webServer><security>'
                    '<requestFiltering><requestLimits maxQueryString="2048"/></requestFiltering></security>'
                    "</system.webServer></location></configuration>",
                )
            ),
        ),
        FAIL,
        "maxQueryString=2048",
    ),
    (
        "iis bad xml",
        "iis_request_limits",
        N,
        patch(N, "iis_config", lambda d: d.update(text="<configuration>")),
        UNKNOWN,
        "not readable",
    ),
    ("iis unreadable", "iis_request_limits", N, error(N, "iis_config"), UNKNOWN, "iis_config"),
    ("httpsys ok", "httpsys_limits", N, None, PASS, "65534"),
    ("httpsys defaults", "httpsys_limits", N, samples._default_httpsys_limits, FAIL, "default (16384)"),
    (
        "httpsys small",
        "httpsys_limits",
        N,
        set_data(N, "httpsys_parameters", {"MaxFieldLength": 65534, "MaxRequestBytes": 16384}),
        FAIL,
        "MaxRequestBytes=16384",
    ),
    ("httpsys unreadable", "httpsys_limits", N, error(N, "httpsys_parameters"), UNKNOWN, "httpsys_parameters"),
    ("mscep ok", "mscep_templates_set", N, None, PASS, "IntuneSCEP"),
    (
        "mscep defaults",
        "mscep_templates_set",
        N,
        set_data(
            N,
            "mscep_registry",
            dict.fromkeys(
                ("EncryptionTemplate", "GeneralPurposeTemplate", "SignatureTemplate"), "IPSECIntermediateOffline"
            ),
        ),
        FAIL,
        "default",
    ),
    (
        "mscep other template",
        "mscep_templates_set",
        N,
        set_data(
            N,
            "mscep_registry",
            dict.fromkeys(("EncryptionTemplate", "GeneralPurposeTemplate", "SignatureTemplate"), "WebServer"),
        ),
        FAIL,
        "no MSCEP value names",
    ),
    (
        "mscep partial",
        "mscep_templates_set",
        N,
        patch(N, "mscep_registry", lambda d: d.update(EncryptionTemplate="IPSECIntermediateOffline")),
        WARN,
        "EncryptionTemplate",
    ),
    (
        "mscep value missing",
        "mscep_templates_set",
        N,
        patch(N, "mscep_registry", lambda d: d.pop("SignatureTemplate")),
        FAIL,
        "SignatureTemplate",
    ),
    ("mscep no key", "mscep_templates_set", N, set_data(N, "mscep_registry", None), FAIL, "does not exist"),
    ("mscep unreadable", "mscep_templates_set", N, error(N, "mscep_registry"), UNKNOWN, "mscep_registry"),
    ("ndes placement ok", "ndes_not_on_ca_or_dc", N, None, PASS, "member server"),
    (
        "ndes on dc",
        "ndes_not_on_ca_or_dc",
        N,
        patch(N, "host_info", lambda d: d.update(domain_role=5)),
        FAIL,
        "domain controller",
    ),
    (
        "ndes on ca",
        "ndes_not_on_ca_or_dc",
        N,
        patch(N, "windows_features", lambda d: d.append("ADCS-Cert-Authority")),
        FAIL,
        "certification authority",
    ),
    (
        "ndes on ca, feature name in lower case",
        "ndes_not_on_ca_or_dc",
        N,
        patch(N, "windows_features", lambda d: d.append("adcs-cert-authority")),
        FAIL,
        "certification authority",
    ),
    (
        "ndes on a standalone server",
        "ndes_not_on_ca_or_dc",
        N,
        patch(N, "host_info", lambda d: d.update(domain_role=2)),
        FAIL,
        "not joined to a domain",
    ),
    ("ndes placement unreadable", "ndes_not_on_ca_or_dc", N, error(N, "windows_features"), UNKNOWN, "windows_features"),
    ("binding ok", "tls_binding_cert_valid", N, None, PASS, "valid until"),
    (
        "binding none",
        "tls_binding_cert_valid",
        N,
        set_data(N, "http_ssl_bindings", {"SslBindingInfo": {}, "SslSniBindingInfo": None, "SslCcsBindingInfo": None}),
        FAIL,
        "no HTTPS certificate",
    ),
    (
        "binding cert gone",
        "tls_binding_cert_valid",
        N,
        without_cert(N, lambda s: s.pki.ndes_tls.b64),
        FAIL,
        "is not in LocalMachine",
    ),
    (
        "binding wrong name",
        "tls_binding_cert_valid",
        N,
        lambda s: setattr(s.facts.site, "ndes_fqdn", "scep.contoso.com"),
        FAIL,
        "does not name scep.contoso.com",
    ),
    ("binding unreadable", "tls_binding_cert_valid", N, error(N, "http_ssl_bindings"), UNKNOWN, "http_ssl_bindings"),
    ("pool ok", "scep_app_pool_started", N, None, PASS, "started"),
    (
        "pool stopped",
        "scep_app_pool_started",
        N,
        set_data(N, "app_pools", [{"name": "SCEP", "state": "Stopped"}]),
        FAIL,
        "Stopped",
    ),
    (
        "pool absent",
        "scep_app_pool_started",
        N,
        set_data(N, "app_pools", [{"name": "DefaultAppPool", "state": "Started"}]),
        FAIL,
        "no SCEP",
    ),
    ("pool unreadable", "scep_app_pool_started", N, drop(N, "app_pools"), UNKNOWN, "app_pools"),
    ("iis services ok", "iis_running", N, None, PASS, "running"),
    ("iis stopped", "iis_running", N, service_state(N, "W3SVC", "Stopped"), FAIL, "W3SVC"),
    ("iis services unreadable", "iis_running", N, error(N, "services"), UNKNOWN, "services"),
]


@pytest.mark.parametrize(("case", "check_id", "host", "mutation", "expected", "text"), CASES, ids=[c[0] for c in CASES])
def test_check_verdict(
    case: str, check_id: str, host: str, mutation: Mutation | None, expected: Status, text: str
) -> None:
    site = fresh()
    if mutation is not None:
        mutation(site)
    result = result_of(site, check_id, host)
    assert result.status is expected, f"{case}: {result.status} {result.finding}"
    assert text in result.finding or text in str(result.evidence), f"{case}: {result.finding}"
    if expected in (FAIL, WARN):
        assert result.remediation, "a failing check must say what to do"


def test_every_windows_check_has_pass_fail_and_unknown_cases() -> None:
    from tests.test_pki_host_rules import PKI_CHECKS  # their cases: tests/test_pki_host_rules.py

    registered = {c.id for c in default_registry().checks.values() if c.plugin in ("host", "connector", "ca", "ndes")}
    assert registered == WINDOWS_CHECKS | PKI_CHECKS
    for check_id in WINDOWS_CHECKS:
        statuses = {expected for _, cid, _, _, expected, _ in CASES if cid == check_id}
        assert PASS in statuses, check_id
        assert UNKNOWN in statuses, check_id
        assert statuses & {FAIL, WARN}, check_id


def test_certificate_evidence_follows_the_expiry_convention() -> None:
    """Results about a certificate carry subject, thumbprint, not_after and days_left (audits rely on it)."""
    results = evaluate(fresh().facts, default_registry())
    by_id = {r.check_id: r for r in results if r.status is PASS}
    for check_id in (
        "connector_cert_not_expired",
        "ra_signing_cert_valid",
        "ra_encryption_cert_valid",
        "tls_binding_cert_valid",
        "ca_cert_valid",
    ):
        evidence = by_id[check_id].evidence
        assert {"subject", "thumbprint", "not_after", "days_left"} <= set(evidence), check_id
    assert "next_update" in by_id["ca_crl_current"].evidence


def test_each_example_variant_fails_only_its_code() -> None:
    from conncheck import catalog
    from conncheck.checklist import build_rows

    for variant in samples.VARIANTS:
        site = samples.variant_site(variant.name, NOW)
        rows = build_rows(evaluate(site.facts, default_registry()), catalog.load())
        failing = {r.code_hex or r.name for r in rows if r.status is FAIL}
        unknown = {r.code_hex or r.name for r in rows if r.status is UNKNOWN}
        assert failing == set(variant.fails), variant.name
        assert unknown == set(variant.unknown), variant.name
