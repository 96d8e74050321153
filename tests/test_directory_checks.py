"""The directory checks on generated facts (toolkit/lab/samples/directory.py): PASS, FAIL and UNKNOWN for each."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest
from conncheck.evaluate import evaluate
from conncheck.facts import Facts, ProbeResult, Target
from conncheck.lab.samples import directory as sd
from conncheck.plugin import Settings
from conncheck.registry import default_registry
from conncheck.results import Status
from conncheck.site import facts_site

from tests.peers.samba import make_ca_certificate

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
SITE = {
    "name": "contoso", "ca_config": "ca01.contoso.com\\Contoso Issuing CA", "pkcs_templates": ["IntunePKCS"],
    "scep_template": "IntuneSCEP", "ndes_fqdn": "ndes01.contoso.com", "ndes_service_account": "CONTOSO\\svc-ndes",
    "connector_account": "CONTOSO\\svc-intunecc", "roles_expected": ["directory"],
}
CA_DER = make_ca_certificate(NOW)
DIRECTORY_CHECKS = sorted(c.id for c in default_registry().checks.values() if c.plugin == "directory")


def directory(**kwargs) -> Target:
    return sd.healthy_directory(kwargs.pop("ca_der", CA_DER), now=NOW, **kwargs)


def results(target: Target, site: dict | None = None, hosts: dict | None = None) -> dict[str, Status]:
    facts = Facts(NOW, {}, facts_site(dict(SITE if site is None else site)), hosts or {}, target)
    return {r.check_id: r.status for r in evaluate(facts, default_registry(), Settings())
            if r.check_id in DIRECTORY_CHECKS}


def run(target: Target, check: str, site: dict | None = None, hosts: dict | None = None):
    facts = Facts(NOW, {}, facts_site(dict(SITE if site is None else site)), hosts or {}, target)
    return next(r for r in evaluate(facts, default_registry(), Settings()) if r.check_id == check)


def data(target: Target, probe: str):
    return target.probes[probe].data


def setattr_(found: dict, name: str, *values: str) -> None:
    found["attributes"][name] = list(values)


def only_failures(target: Target, site: dict | None = None) -> list[str]:
    return sorted(k for k, v in results(target, site).items() if v is Status.FAIL)


def test_healthy_directory_passes_every_check_but_the_ndes_cross_check() -> None:
    got = results(directory())
    assert len(got) == len(DIRECTORY_CHECKS) == 17
    assert got.pop("scep_template_in_mscep_registry") is Status.SKIP
    assert set(got.values()) == {Status.PASS}, got


# --- one broken precondition → exactly that FAIL ----------------------------------------------------------


def _ca_unpublished(t: Target) -> None:
    setattr_(data(t, "enrollment_services")[0], "cn", "Other CA")


def _scep_unpublished(t: Target) -> None:
    setattr_(data(t, "enrollment_services")[0], "certificateTemplates", "IntunePKCS")


def _pkcs_unpublished(t: Target) -> None:
    setattr_(data(t, "enrollment_services")[0], "certificateTemplates", "IntuneSCEP")


def _scep_v1(t: Target) -> None:
    setattr_(data(t, "certificate_templates")[0], "msPKI-Template-Schema-Version", "1")


def _subject_from_ad(t: Target) -> None:
    # Signed 32-bit as AD sends it: SUBJECT_REQUIRE_DIRECTORY_PATH | SUBJECT_ALT_REQUIRE_UPN.
    setattr_(data(t, "certificate_templates")[0], "msPKI-Certificate-Name-Flag", str(-2113929216))


def _no_client_auth(t: Target) -> None:
    found = data(t, "certificate_templates")[0]
    setattr_(found, "pKIExtendedKeyUsage", "1.3.6.1.5.5.7.3.4")
    setattr_(found, "msPKI-Certificate-Application-Policy", "1.3.6.1.5.5.7.3.4")


def _short_validity(t: Target) -> None:
    period = (-2 * 86400 * 10_000_000).to_bytes(8, "little", signed=True)
    setattr_(data(t, "certificate_templates")[0], "pKIExpirationPeriod", base64.b64encode(period).decode())


def _ndes_denied(t: Target) -> None:
    found = data(t, "certificate_templates")[0]
    setattr_(found, "nTSecurityDescriptor",
             sd.template_sd(sd.DOMAIN_SID, [f"{sd.DOMAIN_SID}-1107"], deny_sids=(f"{sd.DOMAIN_SID}-1106",)))


def _connector_not_granted(t: Target) -> None:
    setattr_(data(t, "certificate_templates")[1], "nTSecurityDescriptor", sd.template_sd(sd.DOMAIN_SID, []))


def _ndes_disabled(t: Target) -> None:
    setattr_(data(t, "ndes_service_account")[0], "userAccountControl", "514")


def _ndes_locked(t: Target) -> None:
    setattr_(data(t, "ndes_service_account")[0], "msDS-User-Account-Control-Computed", "16")


def _ndes_password_old(t: Target) -> None:
    setattr_(data(t, "ndes_service_account")[0], "pwdLastSet", sd.filetime(NOW - timedelta(days=60)))


def _spn_missing(t: Target) -> None:
    setattr_(data(t, "ndes_service_account")[0], "servicePrincipalName", "HTTP/other.contoso.com")
    t.probes["ndes_http_spn_holders"] = ProbeResult.success([])


def _spn_duplicate(t: Target) -> None:
    data(t, "ndes_http_spn_holders").append(sd.entry("CN=NDES01,CN=Computers,DC=contoso,DC=com",
                                                      sAMAccountName="NDES01$", objectSid=[]))


def _not_in_ntauth(t: Target) -> None:
    other = base64.b64encode(make_ca_certificate(NOW)).decode()
    setattr_(data(t, "ntauth_certificates")[0], "cACertificate", other)


def _ca_expired(t: Target) -> None:
    old = base64.b64encode(make_ca_certificate(NOW - timedelta(days=400), days=30)).decode()
    setattr_(data(t, "enrollment_services")[0], "cACertificate", old)
    setattr_(data(t, "ntauth_certificates")[0], "cACertificate", old)


BROKEN = {
    "ca_published_in_enrollment_services": _ca_unpublished,
    "scep_template_published_on_ca": _scep_unpublished,
    "pkcs_templates_published_on_ca": _pkcs_unpublished,
    "scep_template_schema_version": _scep_v1,
    "scep_template_subject_from_request": _subject_from_ad,
    "scep_template_client_auth": _no_client_auth,
    "scep_template_validity": _short_validity,
    "scep_template_enroll_for_ndes_account": _ndes_denied,
    "pkcs_template_enroll_for_connector": _connector_not_granted,
    "ndes_account_enabled": _ndes_disabled,
    "ndes_account_not_locked_out": _ndes_locked,
    "ndes_account_password_not_expired": _ndes_password_old,
    "ndes_http_spn_registered": _spn_missing,
    "ca_certificate_in_ntauth": _not_in_ntauth,
    "ca_certificate_in_directory_valid": _ca_expired,
}


@pytest.mark.parametrize("check", sorted(BROKEN))
def test_one_broken_precondition_fails_exactly_its_check(check: str) -> None:
    target = directory()
    BROKEN[check](target)
    assert only_failures(target) == [check]


def test_without_the_ca_object_its_certificate_checks_are_unknown() -> None:
    target = directory()
    _ca_unpublished(target)
    assert run(target, "ca_certificate_in_ntauth").status is Status.UNKNOWN
    assert run(target, "ca_certificate_in_directory_valid").status is Status.UNKNOWN


def test_duplicate_spn_fails_with_every_holder_named() -> None:
    target = directory()
    _spn_duplicate(target)
    result = run(target, "ndes_http_spn_registered")
    assert result.status is Status.FAIL and "duplicate SPN" in result.finding
    assert result.evidence["holders"] == ["svc-ndes", "NDES01$"]


def test_scep_template_missing_fails_existence_and_leaves_its_settings_unknown() -> None:
    target = directory()
    setattr_(data(target, "certificate_templates")[0], "cn", "Other")
    setattr_(data(target, "certificate_templates")[0], "name", "Other")
    got = results(target)
    assert got["scep_template_exists"] is Status.FAIL
    assert got["scep_template_validity"] is Status.UNKNOWN
    assert got["scep_template_enroll_for_ndes_account"] is Status.UNKNOWN


def test_enroll_through_nested_group_shows_the_deciding_ace() -> None:
    result = run(directory(), "scep_template_enroll_for_ndes_account")
    assert result.status is Status.PASS
    ace = result.evidence["enroll"]["deciding_aces"][0]
    assert ace["trustee"] == f"{sd.DOMAIN_SID}-1107 (NDES Enrollers)" and ace["object_type"] == "Enroll"


def test_deny_ace_evidence_names_the_denying_group() -> None:
    target = directory()
    _ndes_denied(target)
    result = run(target, "scep_template_enroll_for_ndes_account")
    assert result.status is Status.FAIL and "lacks Enroll" in result.finding
    assert result.evidence["enroll"]["deciding_aces"][0]["type"] == "DENY_OBJECT"
    assert "PKI Service Accounts" in result.evidence["enroll"]["deciding_aces"][0]["trustee"]


def test_ca_near_expiry_warns() -> None:
    near = make_ca_certificate(NOW - timedelta(days=300), days=310)
    target = directory(ca_der=near)
    assert run(target, "ca_certificate_in_directory_valid").status is Status.WARN
    assert run(target, "ca_certificate_in_ntauth").status is Status.PASS


def test_password_near_expiry_warns_and_never_expiring_passes() -> None:
    target = directory()
    setattr_(data(target, "ndes_service_account")[0], "pwdLastSet", sd.filetime(NOW - timedelta(days=30)))
    assert run(target, "ndes_account_password_not_expired").status is Status.WARN
    setattr_(data(target, "ndes_service_account")[0], "userAccountControl", str(0x10200))
    assert run(target, "ndes_account_password_not_expired").status is Status.PASS


def test_mscep_registry_cross_check_with_the_ndes_host() -> None:
    ndes = Target("ndes01.contoso.com", ("ndes",), {"mscep_registry": ProbeResult.success(
        {"EncryptionTemplate": "x", "GeneralPurposeTemplate": "IntuneSCEP", "SignatureTemplate": "x"})})
    site = {**SITE, "roles_expected": ["directory", "ndes"]}
    assert run(directory(), "scep_template_in_mscep_registry", site, {ndes.name: ndes}).status is Status.PASS
    ndes.probes["mscep_registry"] = ProbeResult.success({"GeneralPurposeTemplate": "IPSECIntermediateOffline"})
    result = run(directory(), "scep_template_in_mscep_registry", site, {ndes.name: ndes})
    assert result.status is Status.FAIL and result.evidence["registry_value"] == "GeneralPurposeTemplate"
    ndes.probes["mscep_registry"] = ProbeResult.failure("access denied")
    assert run(directory(), "scep_template_in_mscep_registry", site, {ndes.name: ndes}).status is Status.UNKNOWN
    assert run(directory(), "scep_template_in_mscep_registry", site).status is Status.UNKNOWN


@pytest.mark.parametrize("check", DIRECTORY_CHECKS)
def test_every_check_is_unknown_when_the_directory_was_not_read(check: str) -> None:
    target = directory()
    target.probes = {name: ProbeResult.failure("LDAP bind refused") for name in target.probes}
    assert run(target, check).status is Status.UNKNOWN


def test_directory_expected_but_absent_is_unknown_and_not_expected_is_skip() -> None:
    facts = Facts(NOW, {}, facts_site(dict(SITE)), {}, None)
    got = {r.check_id: r.status for r in evaluate(facts, default_registry()) if r.check_id in DIRECTORY_CHECKS}
    assert set(got.values()) == {Status.UNKNOWN}
    facts.site.roles_expected = []
    got = {r.check_id: r.status for r in evaluate(facts, default_registry()) if r.check_id in DIRECTORY_CHECKS}
    assert set(got.values()) == {Status.SKIP}


def test_account_not_found_fails_and_unparseable_descriptor_is_unknown() -> None:
    target = directory()
    target.probes["ndes_service_account"] = ProbeResult.success([])
    assert run(target, "ndes_account_enabled").status is Status.FAIL
    target = directory()
    setattr_(data(target, "certificate_templates")[0], "nTSecurityDescriptor", base64.b64encode(b"junk").decode())
    assert run(target, "scep_template_enroll_for_ndes_account").status is Status.UNKNOWN


def test_site_without_scep_or_pkcs_skips_those_checks() -> None:
    site = {k: v for k, v in SITE.items() if k not in ("scep_template", "pkcs_templates")}
    got = results(directory(), site)
    assert got["scep_template_exists"] is Status.SKIP and got["pkcs_templates_published_on_ca"] is Status.SKIP
    assert got["ndes_account_enabled"] is Status.PASS
