"""Microsoft's rules for the CA and NDES hosts (issue 13) and the RA keys (issue 12): PASS, WARN/FAIL and UNKNOWN.

The base is conncheck.lab.samples' healthy site (real certificates and security descriptors); each case changes one
thing. Cases for the checks that existed before these rules live in tests/test_checks_windows.py.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from conncheck import config
from conncheck.evaluate import NO_HOST, evaluate
from conncheck.facts import ProbeResult
from conncheck.lab import samples
from conncheck.lab.samples import CONNECTOR_HOST, SampleSite
from conncheck.pki.key_access import IIS_IUSRS, app_pool_sid
from conncheck.plugin import Settings
from conncheck.registry import default_registry
from conncheck.results import Status

from tests.test_checks_windows import (
    NOW,
    Mutation,
    both,
    ca_aces,
    drop,
    error,
    fresh,
    in_group,
    no_directory,
    patch,
    result_of,
    service_state,
    set_data,
)
from tests.test_checks_windows import test_check_verdict as check_verdict

A, N = samples.CA_HOST, samples.NDES_HOST
PASS, WARN, FAIL, UNKNOWN, SKIP = Status.PASS, Status.WARN, Status.FAIL, Status.UNKNOWN, Status.SKIP
NDES_SID, NDES = samples.NDES_ACCOUNT_SID, samples.NDES_ACCOUNT
AU = samples.AUTHENTICATED_USERS
CONNECTOR_SID = samples.CONNECTOR_ACCOUNT_SID
ISSUE, READ, REQUEST = samples.CA_ISSUE_AND_MANAGE_CERTIFICATES, samples.CA_READ, samples.CA_ENROLL
ADMIN_ACES = [(0, samples.CA_MANAGE_CA | ISSUE | READ, samples.ADMINISTRATORS)]

# The checks these rules add (and scep_template_in_mscep_registry, which moved to the NDES plugin).
PKI_CHECKS = {
    "connector_manage_certificates_beyond_need", "connector_can_request_certificates",
    "ndes_account_can_request_certificates", "ra_encryption_key_usable", "ra_signing_key_usable",
    "tls_binding_key_opens", "scep_app_pool_identity", "ndes_account_in_iis_iusrs", "ndes_windows_features",
    "ndes_request_submissions", "scep_template_in_mscep_registry",
}


def site_key(name: str, value: object) -> Mutation:
    return lambda s: setattr(s.facts.site, name, value)


NO_REVOCATION = site_key("connector_features", ["pkcs", "scep"])
WITH_REVOCATION = site_key("connector_features", ["pkcs", "revocation"])


NO_SCEP_PKCS = site_key("connector_features", ["scep", "revocation"])


def connector_registry_respelled(username: str) -> Mutation:
    """The connector's own key spelled in lower case, recording ``username`` as its account."""

    def mutate(s: SampleSite) -> None:
        registry = s.data(CONNECTOR_HOST, "connector_registry")
        s.set_data(CONNECTOR_HOST, "connector_registry", {
            key.lower(): ({**values, "Username": username} if values and "Username" in values else values)
            for key, values in registry.items()})

    return mutate


def without_connector(s: SampleSite) -> None:
    """A site whose connector host was not collected (and site.toml says nothing of revocation)."""
    s.facts.hosts.pop(CONNECTOR_HOST)
    s.facts.site.roles_expected = [r for r in s.facts.site.roles_expected if r != "connector"]


def ra_keys(key: dict) -> Mutation:
    """Both RA certificates' keys reported as ``key``."""
    def mutate(s: SampleSite) -> None:
        for entry in s.data(N, "certs_my"):
            if entry["der_b64"] in (s.pki.ra_signing.b64, s.pki.ra_encryption.b64):
                entry["key"] = key

    return mutate


def ra_key_unset(s: SampleSite) -> None:
    for entry in s.data(N, "certs_my"):
        entry.pop("key")


def tls_key(key: dict | None) -> Mutation:
    def mutate(s: SampleSite) -> None:
        for entry in s.data(N, "certs_my"):
            if entry["der_b64"] == s.pki.ndes_tls.b64:
                entry["key"] = key

    return mutate


def scep_pool(**fields: object) -> Mutation:
    def mutate(s: SampleSite) -> None:
        for pool in s.data(N, "app_pools"):
            if pool["name"] == "SCEP":
                pool.update(fields)

    return mutate


def scep_pool_unset(s: SampleSite) -> None:
    for pool in s.data(N, "app_pools"):
        pool.pop("identity_type", None)
        pool.pop("user_name", None)


def ndes_in_group(sid: str, name: str) -> Mutation:
    """The directory lists ``name`` (``sid``) among the NDES service account's groups."""
    def mutate(s: SampleSite) -> None:
        assert s.facts.directory is not None
        account = s.facts.directory.probes["ndes_service_account"].data[0]
        encoded = base64.b64encode(samples.sid_to_bytes(sid)).decode()
        account["groups"].append({"dn": f"CN={name},CN=Users,DC=contoso,DC=com", "objectSid": encoded})

    return mutate


def ndes_events(*records: dict, capi2: str | None = "log disabled") -> Mutation:
    def mutate(s: SampleSite) -> None:
        data = s.data(N, "ndes_events")
        data["records"] = list(records)
        data["logs"][1]["error"] = capi2

    return mutate


def capi2_error(hours_ago: float) -> dict:
    record = samples.ndes_event(NOW, hours_ago, 11, 2, Result="0x800B010A")
    return {**record, "provider": "Microsoft-Windows-CAPI2", "channel": samples.CAPI2_LOG}


SUBMIT_FAILED = samples.ndes_event(NOW, 5, 31, 2, ErrorCode="The requested certificate template is not supported "
                                   "by this CA.", ErrorMessage="0x80004005")
DOMAIN_GROUP = f"{samples.DOMAIN_SID}-3100"
WEB_ROOT = "C:\\inetpub\\wwwroot\\web.config"


def web_config(virtual_path: str, limits: str = "", location: str | None = None) -> Mutation:
    """The site's web.config at ``virtual_path`` sets requestLimits (in a <location> when given)."""
    section = f"<system.webServer><security><requestFiltering><requestLimits {limits} /></requestFiltering>" \
              "</security></system.webServer>"
    body = f'<location path="{location}">{section}</location>' if location else section
    text = f"<configuration>{body}</configuration>"

    def mutate(s: SampleSite) -> None:
        for entry in s.data(N, "iis_config")["web_configs"]:
            if entry["virtual_path"] == virtual_path:
                entry["text"] = text

    return mutate


def no_features(s: SampleSite) -> None:
    """A site.toml without connector_features: whether revocation is used is inferred, or unknown."""
    s.facts.site.connector_features = None


CASES: list[tuple[str, str, str, Mutation | None, Status, str]] = [
    # --- CA rights by need ---
    ("manage needed for revocation", "connector_can_manage_certificates", A, None, PASS, "holds Issue and Manage"),
    ("manage not needed", "connector_can_manage_certificates", A, NO_REVOCATION, SKIP, "not used"),
    ("manage revoke service disabled", "connector_can_manage_certificates", A,
     service_state(CONNECTOR_HOST, "PkiRevokeConnectorSvc", "Stopped"), PASS, "holds"),
    ("manage missing, revocation unknown", "connector_can_manage_certificates", A,
     both(no_features, without_connector, ca_aces([*ADMIN_ACES, (0, READ | REQUEST, AU)])), UNKNOWN,
     "set [site] connector_features"),
    ("manage missing, revocation on", "connector_can_manage_certificates", A,
     both(WITH_REVOCATION, ca_aces([*ADMIN_ACES, (0, READ | REQUEST, AU)])), FAIL, "does not hold"),
    ("manage denied", "connector_can_manage_certificates", A,
     ca_aces([(1, ISSUE, CONNECTOR_SID), (0, ISSUE | READ, CONNECTOR_SID)]), FAIL, "deny"),
    ("excess needed", "connector_manage_certificates_beyond_need", A, None, PASS, "which revocation needs"),
    ("excess esc7", "connector_manage_certificates_beyond_need", A, NO_REVOCATION, WARN, "ESC7"),
    ("excess service disabled", "connector_manage_certificates_beyond_need", A,
     both(no_features, patch(CONNECTOR_HOST, "services", lambda d: [e.update(start_type="Disabled") for e in d
                                                                    if e["name"] == "PkiRevokeConnectorSvc"])),
     WARN, "beyond need"),
    ("excess not held", "connector_manage_certificates_beyond_need", A,
     both(NO_REVOCATION, ca_aces([*ADMIN_ACES, (0, READ | REQUEST, AU)])), PASS, "does not hold"),
    ("excess cannot tell", "connector_manage_certificates_beyond_need", A, both(no_features, without_connector),
     UNKNOWN, "revocation used unknown"),
    ("excess sd unreadable", "connector_manage_certificates_beyond_need", A, error(A, "ca_security"), UNKNOWN,
     "ca_security"),
    ("request ok", "connector_can_request_certificates", A, None, PASS, "Request Certificates"),
    ("request missing", "connector_can_request_certificates", A,
     ca_aces([*ADMIN_ACES, (0, READ, AU), (0, ISSUE | READ, CONNECTOR_SID)]), FAIL, "does not hold Request"),
    ("request denied to a group", "connector_can_request_certificates", A,
     both(in_group(DOMAIN_GROUP, "No Requests"), ca_aces([(1, REQUEST, DOMAIN_GROUP), (0, READ | REQUEST, AU)])),
     FAIL, "deny"),
    ("request granted, denied first to a group not collected", "connector_can_request_certificates", A,
     both(no_directory, ca_aces([(1, REQUEST, DOMAIN_GROUP), *ADMIN_ACES, (0, READ | REQUEST, AU)],
                                {DOMAIN_GROUP: "CONTOSO\\No Requests"})), UNKNOWN, "No Requests"),
    ("request granted, a group's Deny comes after the grant", "connector_can_request_certificates", A,
     both(no_directory, ca_aces([*ADMIN_ACES, (0, READ | REQUEST, AU), (1, REQUEST, DOMAIN_GROUP)],
                                {DOMAIN_GROUP: "CONTOSO\\No Requests"})), PASS, "holds Request"),
    ("request granted, the Deny is on Domain Admins", "connector_can_request_certificates", A,
     both(no_directory, ca_aces([(1, REQUEST, samples.DOMAIN_ADMINS), *ADMIN_ACES, (0, READ | REQUEST, AU)])),
     PASS, "holds Request"),
    ("request not needed", "connector_can_request_certificates", A,
     both(site_key("pkcs_templates", []), NO_SCEP_PKCS), SKIP, "PKCS"),
    ("request needed by the pkcs feature, no template named", "connector_can_request_certificates", A,
     both(site_key("pkcs_templates", []), WITH_REVOCATION, ca_aces([*ADMIN_ACES, (0, READ, AU)])), FAIL,
     "does not hold Request"),
    ("request held, pkcs feature without a template named", "connector_can_request_certificates", A,
     both(site_key("pkcs_templates", []), WITH_REVOCATION), PASS, "Request Certificates"),
    ("request judged for the account the registry records in another case", "connector_can_request_certificates", A,
     both(no_directory, connector_registry_respelled("CONTOSO\\svc-other"),
          ca_aces([*ADMIN_ACES, (0, READ, AU), (0, REQUEST, CONNECTOR_SID)])), UNKNOWN,
     "svc-other is not granted Request Certificates directly"),
    ("request directory unreadable", "connector_can_request_certificates", A,
     lambda s: s.facts.directory.probes.__setitem__("connector_account", error_result()), UNKNOWN,
     "connector_account"),
    ("ndes request ok", "ndes_account_can_request_certificates", A, None, PASS, "svc-ndes holds Request"),
    ("ndes request missing", "ndes_account_can_request_certificates", A,
     ca_aces([*ADMIN_ACES, (0, READ, AU)]), FAIL, "does not hold Request"),
    ("ndes request via group, no directory", "ndes_account_can_request_certificates", A,
     both(no_directory, ca_aces([*ADMIN_ACES, (0, READ, AU), (0, REQUEST, DOMAIN_GROUP)],
                                {DOMAIN_GROUP: "CONTOSO\\PKI Requesters"})), UNKNOWN, "PKI Requesters"),
    ("ndes request not scep", "ndes_account_can_request_certificates", A, site_key("scep_template", None), SKIP,
     "NDES"),
    ("ndes request, no account named", "ndes_account_can_request_certificates", A,
     site_key("ndes_service_account", None), UNKNOWN, "no NDES service account"),
    # --- RA keys (0x408, 0x409) ---
    ("ra key ok", "ra_encryption_key_usable", N, None, PASS, "may read it"),
    ("ra key no reader", "ra_encryption_key_usable", N, ra_keys(samples.private_key()), FAIL, "Read on it is missing"),
    ("ra key missing", "ra_signing_key_usable", N,
     ra_keys(samples.private_key({NDES_SID: NDES}, opens=False,
                                 error="0x80090016 CryptographicException: Keyset does not exist")), FAIL,
     "does not open"),
    ("ra key access denied", "ra_signing_key_usable", N,
     ra_keys(samples.private_key(opens=False, error="0x80070005 CryptographicException: Access is denied.")),
     UNKNOWN, "cannot be told from here"),
    ("ra key not reported", "ra_signing_key_usable", N, ra_key_unset, UNKNOWN, "older"),
    ("ra key acl unreadable", "ra_signing_key_usable", N,
     ra_keys({**samples.private_key(), "security_b64": None, "acl_error": "0x80090020 NTE_FAIL"}), UNKNOWN,
     "permissions were not read"),
    ("ra key via group, no directory", "ra_signing_key_usable", N,
     both(no_directory, ra_keys(samples.private_key({DOMAIN_GROUP: "CONTOSO\\NDES Keys"}))), UNKNOWN,
     "members were not collected"),
    ("ra key via group in the directory", "ra_signing_key_usable", N,
     both(ndes_in_group(DOMAIN_GROUP, "NDES Keys"), ra_keys(samples.private_key({DOMAIN_GROUP: "CONTOSO\\NDES Keys"}))),
     PASS, "may read it"),
    ("ra key via IIS_IUSRS", "ra_signing_key_usable", N,
     ra_keys(samples.private_key({IIS_IUSRS: "BUILTIN\\IIS_IUSRS"})), PASS, "may read it"),
    ("ra key pool identity lacks read", "ra_encryption_key_usable", N,
     scep_pool(identity_type="ApplicationPoolIdentity", user_name=""), FAIL, "IIS APPPOOL\\SCEP"),
    ("ra key pool identity reads", "ra_encryption_key_usable", N,
     both(scep_pool(identity_type="ApplicationPoolIdentity", user_name=""),
          ra_keys(samples.private_key({NDES_SID: NDES, app_pool_sid("SCEP"): "IIS APPPOOL\\SCEP"}))), PASS,
     "IIS APPPOOL\\SCEP"),
    ("ra key denied to the account", "ra_encryption_key_usable", N,
     ra_keys(samples.private_key({NDES_SID: NDES}) | {"security_b64": base64.b64encode(samples.security_descriptor(
         samples.ADMINISTRATORS, [(1, 0x80000000, NDES_SID), (0, 0x80000000, IIS_IUSRS)])).decode()}), FAIL,
     "missing"),
    ("ra key pools unreadable", "ra_encryption_key_usable", N, error(N, "app_pools"), UNKNOWN, "app_pools"),
    # --- the TLS binding's key (0x0FFFFFFF) ---
    ("tls key opens", "tls_binding_key_opens", N, None, PASS, "opens"),
    ("tls key broken", "tls_binding_key_opens", N,
     tls_key(samples.private_key(opens=False, error="0x80090016 CryptographicException: Keyset does not exist")),
     FAIL, "does not open"),
    ("tls key absent", "tls_binding_key_opens", N, tls_key(None), FAIL, "no private key"),
    ("tls key not reported", "tls_binding_key_opens", N,
     lambda s: [e.pop("key") for e in s.data(N, "certs_my")], UNKNOWN, "older"),
    ("tls key bindings unreadable", "tls_binding_key_opens", N, error(N, "http_ssl_bindings"), UNKNOWN,
     "http_ssl_bindings"),
    # --- the SCEP pool's identity, IIS_IUSRS, features ---
    ("mscep, site names no template", "mscep_templates_set", N, site_key("scep_template", None), UNKNOWN,
     "names no scep_template"),
    ("pool identity ok", "scep_app_pool_identity", N, None, PASS, "NDES service account CONTOSO\\svc-ndes"),
    ("pool built-in identity", "scep_app_pool_identity", N,
     scep_pool(identity_type="ApplicationPoolIdentity", user_name=""), FAIL, "built-in identity"),
    ("pool other account", "scep_app_pool_identity", N, scep_pool(user_name="CONTOSO\\svc-web"), FAIL,
     "not as the NDES service account"),
    ("pool identity, site names none", "scep_app_pool_identity", N, site_key("ndes_service_account", None), PASS,
     "names no ndes_service_account"),
    ("pool identity not reported", "scep_app_pool_identity", N, scep_pool_unset, UNKNOWN, "older"),
    ("pool identity unreadable", "scep_app_pool_identity", N, drop(N, "app_pools"), UNKNOWN, "app_pools"),
    ("iis_iusrs ok", "ndes_account_in_iis_iusrs", N, None, PASS, "member of IIS_IUSRS"),
    ("iis_iusrs missing", "ndes_account_in_iis_iusrs", N,
     set_data(N, "iis_iusrs_members", [{"sid": "S-1-5-17", "name": "NT AUTHORITY\\IUSR"}]), FAIL, "not a member"),
    ("iis_iusrs via group in the directory", "ndes_account_in_iis_iusrs", N,
     both(ndes_in_group(DOMAIN_GROUP, "Web Services"),
          set_data(N, "iis_iusrs_members", [{"sid": DOMAIN_GROUP, "name": "CONTOSO\\Web Services"}])), PASS, "member"),
    ("iis_iusrs via group, no directory", "ndes_account_in_iis_iusrs", N,
     both(no_directory, set_data(N, "iis_iusrs_members", [{"sid": DOMAIN_GROUP, "name": "CONTOSO\\Web Services"}])),
     UNKNOWN, "[ldap]"),
    ("iis_iusrs no account", "ndes_account_in_iis_iusrs", N,
     both(site_key("ndes_service_account", None), scep_pool(identity_type="ApplicationPoolIdentity", user_name="")),
     SKIP, "built-in identity"),
    ("iis_iusrs unreadable", "ndes_account_in_iis_iusrs", N, error(N, "iis_iusrs_members"), UNKNOWN,
     "iis_iusrs_members"),
    ("iis_iusrs no account, no SCEP pool", "ndes_account_in_iis_iusrs", N,
     both(site_key("ndes_service_account", None), set_data(N, "app_pools", [])), UNKNOWN,
     "not known: site.toml names none and there is no SCEP application pool"),
    ("iis_iusrs no account, pool identity not reported", "ndes_account_in_iis_iusrs", N,
     both(site_key("ndes_service_account", None), scep_pool_unset), UNKNOWN, "did not report the SCEP pool"),
    ("iis_iusrs no site account, pool's user in it", "ndes_account_in_iis_iusrs", N,
     site_key("ndes_service_account", None), PASS, "CONTOSO\\svc-ndes is a member"),
    ("features ok", "ndes_windows_features", N, None, PASS, "13 features"),
    ("features missing", "ndes_windows_features", N,
     patch(N, "windows_features", lambda d: [d.remove(f) for f in ("Web-Metabase", "NET-HTTP-Activation")]), FAIL,
     "IIS 6 Metabase Compatibility (Web-Metabase)"),
    ("features unreadable", "ndes_windows_features", N, error(N, "windows_features"), UNKNOWN, "windows_features"),
    # --- NDES's own events ---
    ("events quiet", "ndes_request_submissions", N, None, PASS, "no submission failure"),
    ("events 31", "ndes_request_submissions", N, ndes_events(SUBMIT_FAILED), WARN, "failed to submit 1"),
    ("events 31 and capi2", "ndes_request_submissions", N, ndes_events(SUBMIT_FAILED, capi2_error(6), capi2=None), WARN,
     "event 31"),
    ("events 31 too old", "ndes_request_submissions", N,
     ndes_events(samples.ndes_event(NOW, 24 * 9, 31, 2)), PASS, "no submission failure"),
    ("events log unreadable", "ndes_request_submissions", N,
     patch(N, "ndes_events", lambda d: d["logs"][0].update(found=False, error="log not found")), UNKNOWN,
     "Application"),
    ("events not collected", "ndes_request_submissions", N, drop(N, "ndes_events"), UNKNOWN, "ndes_events"),
    ("events read cut at the cap", "ndes_request_submissions", N,
     patch(N, "ndes_events", lambda d: d["logs"][0].update(truncated=True)), UNKNOWN, "stopped at its cap"),
    ("events 31 in a capped read", "ndes_request_submissions", N,
     both(ndes_events(SUBMIT_FAILED), patch(N, "ndes_events", lambda d: d["logs"][0].update(truncated=True))), WARN,
     "failed to submit 1"),
    ("events read over a shorter window", "ndes_request_submissions", N,
     patch(N, "ndes_events", lambda d: d.update(window_days=3)), UNKNOWN, "in the 3 days the fact script read"),
    # --- the MSCEP cross-check with the directory (moved to the NDES host) ---
    ("mscep purpose ok", "scep_template_in_mscep_registry", N, None, PASS, "GeneralPurposeTemplate"),
    ("mscep purpose wrong", "scep_template_in_mscep_registry", N,
     patch(N, "mscep_registry", lambda d: d.update(GeneralPurposeTemplate="WebServer")), FAIL, "not the"),
    ("mscep purpose, site names no template", "scep_template_in_mscep_registry", N, site_key("scep_template", None),
     UNKNOWN, "names no scep_template"),
    ("mscep purpose unreadable", "scep_template_in_mscep_registry", N, error(N, "mscep_registry"), UNKNOWN,
     "mscep_registry"),
    # --- IIS limits from web.config too (0x410) ---
    ("web.config lowers the limit", "iis_request_limits", N, web_config("/", 'maxQueryString="2048"'), FAIL,
     f"maxQueryString=2048 ({WEB_ROOT})"),
    ("web.config location for mscep", "iis_request_limits", N,
     web_config("/", 'maxUrl="4096"', location="CertSrv/mscep"), FAIL, "maxUrl=4096"),
    ("web.config location elsewhere", "iis_request_limits", N,
     web_config("/", 'maxUrl="4096"', location="Other"), PASS, "maxUrl=65534"),
    ("web.config raises the defaults", "iis_request_limits", N,
     both(patch(N, "iis_config", lambda d: d.update(text="<configuration><system.webServer/></configuration>")),
          web_config("/CertSrv/mscep", 'maxUrl="65534" maxQueryString="65534"')), PASS, "maxUrl=65534"),
    ("web.config unreadable xml", "iis_request_limits", N,
     patch(N, "iis_config", lambda d: d["web_configs"][2].update(text="<configuration>")), UNKNOWN, "not readable"),
    ("web.config not listed", "iis_request_limits", N,
     patch(N, "iis_config", lambda d: d.update(web_configs=None, web_configs_error="0x80131500 XmlException")),
     UNKNOWN, "could not be listed"),
    ("web.config not collected", "iis_request_limits", N, patch(N, "iis_config", lambda d: d.pop("web_configs")),
     UNKNOWN, "older"),
]


def error_result() -> ProbeResult:
    return ProbeResult.failure("LDAP timeout")


@pytest.mark.parametrize(("case", "check_id", "host", "mutation", "expected", "text"), CASES, ids=[c[0] for c in CASES])
def test_rule(case: str, check_id: str, host: str, mutation: Mutation | None, expected: Status, text: str) -> None:
    check_verdict(case, check_id, host, mutation, expected, text)


def test_every_new_rule_has_pass_fail_or_warn_and_unknown_cases() -> None:
    registered = {c.id for c in default_registry().checks.values()}
    assert registered >= PKI_CHECKS
    for check_id in PKI_CHECKS:
        statuses = {expected for _, cid, _, _, expected, _ in CASES if cid == check_id}
        assert {PASS, UNKNOWN} <= statuses and statuses & {FAIL, WARN}, (check_id, statuses)


def test_fixes_name_the_cause_found() -> None:
    """One cause, one fix: a missing Read names the account and the dialog; a key that does not open re-enrolls."""
    site = fresh()
    ra_keys(samples.private_key())(site)
    fix = result_of(site, "ra_encryption_key_usable", N).remediation or ""
    assert "Manage Private Keys: add CONTOSO\\svc-ndes with Read" in fix
    site = fresh()
    ndes_events(SUBMIT_FAILED, capi2_error(6), capi2=None)(site)
    assert "CRL and AIA" in (result_of(site, "ndes_request_submissions", N).remediation or "")
    site = fresh()
    patch(N, "windows_features", lambda d: d.remove("Web-WMI"))(site)
    assert "Install-WindowsFeature Web-WMI" in (result_of(site, "ndes_windows_features", N).remediation or "")
    site = fresh()
    both(site_key("ndes_service_account", None), scep_pool_unset)(site)
    fix = result_of(site, "ndes_account_in_iis_iusrs", N).remediation or ""
    assert "site.toml [site] ndes_service_account" in fix
    site = fresh()
    patch(N, "ndes_events", lambda d: d["logs"][0].update(truncated=True))(site)
    assert "event_lookback_days" in (result_of(site, "ndes_request_submissions", N).remediation or "")
    site = fresh()
    site_key("scep_template", None)(site)
    assert "[site] scep_template" in (result_of(site, "scep_template_in_mscep_registry", N).remediation or "")
    site = fresh()
    patch(N, "host_info", lambda d: d.update(domain_role=0))(site)
    assert "Join the NDES server to a domain" in (result_of(site, "ndes_not_on_ca_or_dc", N).remediation or "")


def test_fixes_after_mscep_template_and_filtering_changes_restart_the_server() -> None:
    """Microsoft: restart the NDES server after MSCEP, template or request-filtering changes; iisreset does not
    complete them."""
    registry = default_registry()
    for check_id in ("mscep_templates_set", "scep_template_in_mscep_registry", "scep_template_published_on_ca",
                     "iis_request_limits", "httpsys_limits"):
        check = registry.checks[check_id]
        for text in (check.remediation.en, check.remediation.tr or ""):
            assert re.search(r"restart the (NDES )?server|sunucu\w* yeniden başlatın", text), (check_id, text)
            assert not re.search(r"then iisreset|\(iisreset\)|iisreset çalıştırın", text), (check_id, text)


def test_revocation_is_told_by_the_connector_features_site_toml_names(tmp_path: Path) -> None:
    path = tmp_path / "site.toml"
    path.write_text('[site]\nname = "x"\nconnector_features = ["pkcs", "scep"]\n', encoding="utf-8")
    site = fresh()
    site.facts.site.connector_features = config.load(path).facts_site().connector_features
    result = result_of(site, "connector_manage_certificates_beyond_need", A)
    assert result.status is WARN and result.evidence["revocation"] == {
        "used": False, "from": "site.toml [site] connector_features"}


PLUGINS = ("ca", "ndes", "directory")


def test_every_finding_of_the_pki_plugins_is_in_turkish_too() -> None:
    """On the healthy site and on each broken case, every finding the CA, NDES and directory checks write themselves
    has its own Turkish (the engine's 'could not read' UNKNOWNs aside)."""
    checks = {c.id for c in default_registry().checks.values() if c.plugin in PLUGINS}
    mutations = [None, *(m for _, cid, _, m, _, _ in CASES if cid in checks)]
    untranslated = set()
    for mutation in mutations:
        site = fresh()
        if mutation is not None:
            mutation(site)
        en = evaluate(site.facts, default_registry(), lang="en")
        tr = evaluate(site.facts, default_registry(), lang="tr")
        for a, b in zip(en, tr, strict=True):
            engine_said = a.host == NO_HOST or "probe" in a.evidence
            if a.check_id in checks and not engine_said and a.finding == b.finding:
                untranslated.add((a.check_id, a.finding))
    assert not untranslated, sorted(untranslated)[:10]


def test_ra_key_evidence_names_each_identity_and_the_deciding_entries() -> None:
    site = fresh()
    scep_pool(identity_type="ApplicationPoolIdentity", user_name="")(site)
    result = result_of(site, "ra_signing_key_usable", N)
    access = result.evidence["access"]
    assert set(access) == {"the NDES service account CONTOSO\\svc-ndes",
                           "the SCEP app pool's identity (ApplicationPoolIdentity) IIS APPPOOL\\SCEP"}
    assert access["the NDES service account CONTOSO\\svc-ndes"]["granted"] is True
    assert access["the SCEP app pool's identity (ApplicationPoolIdentity) IIS APPPOOL\\SCEP"]["granted"] is False


def test_the_healthy_site_passes_every_new_rule() -> None:
    results = {r.check_id: r.status for r in evaluate(fresh().facts, default_registry()) if r.check_id in PKI_CHECKS}
    assert set(results.values()) == {PASS}, results


def test_old_snapshots_without_the_new_fields_are_unknown_not_pass() -> None:
    """Facts from a fact script older than these rules: the key, pool identity and web.config fields are absent."""
    site = fresh()
    ra_key_unset(site)
    scep_pool_unset(site)
    patch(N, "iis_config", lambda d: d.pop("web_configs"))(site)
    statuses = {r.check_id: r.status for r in evaluate(site.facts, default_registry())}
    for check_id in ("ra_encryption_key_usable", "ra_signing_key_usable", "tls_binding_key_opens",
                     "scep_app_pool_identity", "iis_request_limits"):
        assert statuses[check_id] is UNKNOWN, check_id
    assert statuses["ra_encryption_cert_valid"] is PASS  # what the older facts did say is still judged


def test_the_event_window_follows_the_settings() -> None:
    site = fresh()
    ndes_events(samples.ndes_event(NOW, 24 * 9, 31, 2))(site)
    wide = [r for r in evaluate(site.facts, default_registry(), Settings(event_lookback_days=10))
            if r.check_id == "ndes_request_submissions"]
    assert wide[0].status is WARN
