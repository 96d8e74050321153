"""The directory checks on generated facts (toolkit/lab/samples/directory.py): PASS, FAIL and UNKNOWN for each."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest
from conncheck.evaluate import evaluate
from conncheck.facts import Facts, ProbeResult, Target
from conncheck.lab.samples import directory as sd
from conncheck.pki import security_descriptor as sdm
from conncheck.plugin import Settings
from conncheck.registry import default_registry
from conncheck.results import Status
from conncheck.site import facts_site

from tests.english import english_leftovers
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


def run(target: Target, check: str, site: dict | None = None, hosts: dict | None = None, lang: str = "en"):
    facts = Facts(NOW, {}, facts_site(dict(SITE if site is None else site)), hosts or {}, target)
    return next(r for r in evaluate(facts, default_registry(), Settings(), lang=lang) if r.check_id == check)


def assert_turkish(target: Target, check: str, status: Status) -> None:
    turkish = run(target, check, lang="tr")
    assert turkish.status is status
    assert english_leftovers(turkish.finding) == [], turkish.finding
    assert turkish.remediation and english_leftovers(turkish.remediation) == [], turkish.remediation


def data(target: Target, probe: str):
    return target.probes[probe].data


def setattr_(found: dict, name: str, *values: str) -> None:
    found["attributes"][name] = list(values)


def only_failures(target: Target, site: dict | None = None) -> list[str]:
    return sorted(k for k, v in results(target, site).items() if v is Status.FAIL)


def test_healthy_directory_passes_every_check() -> None:
    got = results(directory())
    assert len(got) == len(DIRECTORY_CHECKS) == 19
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


def _scep_enrollable_by_domain_users(t: Target) -> None:
    setattr_(data(t, "certificate_templates")[0], "nTSecurityDescriptor",
             sd.template_sd(sd.DOMAIN_SID, [f"{sd.DOMAIN_SID}-1107", f"{sd.DOMAIN_SID}-513"]))


def _pkcs_enrollable_by_domain_computers(t: Target) -> None:
    setattr_(data(t, "certificate_templates")[1], "nTSecurityDescriptor",
             sd.template_sd(sd.DOMAIN_SID, [f"{sd.DOMAIN_SID}-1112", f"{sd.DOMAIN_SID}-515"]))


def _pkcs_key_not_exportable(t: Target) -> None:
    setattr_(data(t, "certificate_templates")[1], "msPKI-Private-Key-Flag", "0")


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
    "ndes_http_spn_registered": _spn_duplicate,
    "scep_template_enrollable_by_ndes_only": _scep_enrollable_by_domain_users,
    "pkcs_templates_enrollable_by_connector_only": _pkcs_enrollable_by_domain_computers,
    "pkcs_template_key_exportable": _pkcs_key_not_exportable,
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


def ndes_host(fqdn: str = "ndes01.contoso.com") -> dict[str, Target]:
    info = {"computer_name": fqdn.split(".")[0].upper(), "fqdn": fqdn, "domain": "contoso.com",
            "os_caption": "Microsoft Windows Server 2022 Standard", "os_version": "10.0.20348", "domain_role": 3,
            "last_boot_utc": "2026-11-13T09:00:00Z"}
    return {fqdn: Target(fqdn, ("ndes",), {"host_info": ProbeResult.success(info)})}


def test_spn_absent_is_fine_on_the_hosts_own_name_and_a_warning_on_an_alias() -> None:
    """Microsoft: one NDES server on its own host name needs no SPN; an alias or load-balanced name does."""
    target = directory()
    _spn_missing(target)
    site = {**SITE, "roles_expected": ["directory", "ndes"]}
    own = run(target, "ndes_http_spn_registered", site, ndes_host())
    assert own.status is Status.PASS and "none needs to" in own.finding
    alias = run(target, "ndes_http_spn_registered", {**site, "ndes_fqdn": "scep.contoso.com"}, ndes_host())
    assert alias.status is Status.WARN and "alias or load-balanced" in alias.finding
    assert alias.evidence["ndes_host_names"] == ["ndes01.contoso.com"]
    unknown_name = run(target, "ndes_http_spn_registered")
    assert unknown_name.status is Status.WARN and "cannot tell" in unknown_name.finding
    assert unknown_name.remediation and "setspn -S" in unknown_name.remediation


def test_spn_on_another_single_account_warns_and_an_unreadable_ndes_host_is_unknown() -> None:
    target = directory()
    target.probes["ndes_http_spn_holders"] = ProbeResult.success(
        [sd.entry("CN=NDES01,CN=Computers,DC=contoso,DC=com", sAMAccountName="NDES01$", objectSid=[])])
    site = {**SITE, "roles_expected": ["directory", "ndes"]}
    result = run(target, "ndes_http_spn_registered", site, ndes_host())
    assert result.status is Status.WARN and "kernel-mode" in result.finding
    hosts = ndes_host()
    _spn_missing(target)
    hosts["ndes01.contoso.com"].probes["host_info"] = ProbeResult.failure("access denied")
    assert run(target, "ndes_http_spn_registered", site, hosts).status is Status.UNKNOWN


def test_broad_enrollment_on_the_scep_template_is_esc1_and_lists_every_enrollee() -> None:
    target = directory()
    _scep_enrollable_by_domain_users(target)
    result = run(target, "scep_template_enrollable_by_ndes_only")
    assert result.status is Status.FAIL and "ESC1" in result.finding and "Domain Users" in result.finding
    enrollees = result.evidence["enrollees"]
    assert enrollees[f"{sd.DOMAIN_SID}-513 (Domain Users)"] == "broad"
    assert enrollees[f"{sd.DOMAIN_SID}-1107 (NDES Enrollers)"] == "intended"
    assert enrollees[f"{sd.DOMAIN_SID}-512 (Domain Admins)"] == "privileged"  # Full Control grants Enroll too
    assert result.evidence["esc1_conditions"]["supplies_subject"] is True
    assert "Domain Users" in result.remediation and "CONTOSO\\svc-ndes alone" in result.remediation
    assert run(target, "scep_template_enroll_for_ndes_account").status is Status.PASS


@pytest.mark.parametrize("broad", ["S-1-1-0", "S-1-5-11", f"{sd.DOMAIN_SID}-515"])
def test_every_broad_group_fails_the_scep_template(broad: str) -> None:
    target = directory()
    setattr_(data(target, "certificate_templates")[0], "nTSecurityDescriptor",
             sd.template_sd(sd.DOMAIN_SID, [f"{sd.DOMAIN_SID}-1107", broad]))
    assert run(target, "scep_template_enrollable_by_ndes_only").status is Status.FAIL


def test_broad_enrollment_without_the_esc1_conditions_warns() -> None:
    target = directory()
    _scep_enrollable_by_domain_users(target)
    setattr_(data(target, "certificate_templates")[0], "msPKI-Enrollment-Flag", "2")  # CA manager approval
    result = run(target, "scep_template_enrollable_by_ndes_only")
    assert result.status is Status.WARN and result.evidence["esc1_conditions"]["manager_approval"] is True


def test_another_principal_that_may_enroll_warns_and_a_deny_on_everyone_removes_it() -> None:
    target = directory()
    helpdesk = f"{sd.DOMAIN_SID}-2001"
    setattr_(data(target, "certificate_templates")[0], "nTSecurityDescriptor",
             sd.template_sd(sd.DOMAIN_SID, [f"{sd.DOMAIN_SID}-1107", helpdesk]))
    result = run(target, "scep_template_enrollable_by_ndes_only")
    assert result.status is Status.WARN and helpdesk in result.finding
    setattr_(data(target, "certificate_templates")[0], "nTSecurityDescriptor",
             sd.template_sd(sd.DOMAIN_SID, [f"{sd.DOMAIN_SID}-1107", "S-1-5-11"], deny_sids=("S-1-1-0",)))
    assert run(target, "scep_template_enrollable_by_ndes_only").status is Status.PASS


def test_template_exposure_is_unknown_without_its_descriptor_or_the_account() -> None:
    target = directory()
    setattr_(data(target, "certificate_templates")[0], "nTSecurityDescriptor", base64.b64encode(b"junk").decode())
    assert run(target, "scep_template_enrollable_by_ndes_only").status is Status.UNKNOWN
    target = directory()
    target.probes["ndes_service_account"] = ProbeResult.failure("LDAP timeout")
    assert run(target, "scep_template_enrollable_by_ndes_only").status is Status.UNKNOWN
    target.probes["connector_account"] = ProbeResult.failure("LDAP timeout")
    assert run(target, "pkcs_templates_enrollable_by_connector_only").status is Status.UNKNOWN


def test_pkcs_template_enrollees_and_exportable_key() -> None:
    target = directory()
    _pkcs_enrollable_by_domain_computers(target)
    result = run(target, "pkcs_templates_enrollable_by_connector_only")
    assert result.status is Status.FAIL and "Domain Computers" in result.finding
    assert "CONTOSO\\svc-intunecc alone" in result.remediation
    assert run(target, "pkcs_templates_enrollable_by_connector_only", {**SITE, "pkcs_templates": []}).status \
        is Status.SKIP
    assert run(target, "pkcs_template_key_exportable").status is Status.PASS
    _pkcs_key_not_exportable(target)
    failed = run(target, "pkcs_template_key_exportable")
    assert failed.status is Status.FAIL and failed.evidence == {"IntunePKCS": "0x00000000"}
    setattr_(data(target, "certificate_templates")[1], "msPKI-Private-Key-Flag")
    assert run(target, "pkcs_template_key_exportable").status is Status.UNKNOWN
    missing = run(target, "pkcs_template_key_exportable", {**SITE, "pkcs_templates": ["Nope"]})
    assert missing.status is Status.FAIL and "does not exist" in missing.finding


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


def test_pwd_last_set_zero_fails_unless_the_password_never_expires() -> None:
    """MS-SAMR 3.1.5.14.4 (PasswordMustChange): DONT_EXPIRE_PASSWORD is read before pwdLastSet 0."""
    target = directory()
    account = data(target, "ndes_service_account")[0]
    setattr_(account, "pwdLastSet", "0")
    result = run(target, "ndes_account_password_not_expired")
    assert result.status is Status.FAIL and "next logon" in result.finding
    setattr_(account, "userAccountControl", str(0x10200))
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


def test_account_expiry_not_returned_is_unknown_not_never() -> None:
    """AD gives every account an accountExpires when it is created: none returned is not "never expires"."""
    target = directory()
    account = data(target, "ndes_service_account")[0]
    setattr_(account, "accountExpires")
    result = run(target, "ndes_account_enabled")
    assert result.status is Status.UNKNOWN and "accountExpires" in result.finding
    assert "accountExpires" in result.remediation
    assert_turkish(target, "ndes_account_enabled", Status.UNKNOWN)
    setattr_(account, "userAccountControl", "514")
    assert run(target, "ndes_account_enabled").status is Status.FAIL  # disabled is enough to fail
    setattr_(account, "userAccountControl", "512")
    for never in ("0", str(0x7FFFFFFFFFFFFFFF)):
        setattr_(account, "accountExpires", never)
        assert run(target, "ndes_account_enabled").status is Status.PASS
    setattr_(account, "accountExpires", sd.filetime(NOW))
    assert run(target, "ndes_account_enabled").status is Status.FAIL
    setattr_(account, "accountExpires", sd.filetime(NOW + timedelta(days=1)))
    assert run(target, "ndes_account_enabled").status is Status.PASS


def _validity(t: Target, interval: int) -> None:
    period = (-interval).to_bytes(8, "little", signed=True)
    setattr_(data(t, "certificate_templates")[0], "pKIExpirationPeriod", base64.b64encode(period).decode())


def test_scep_template_validity_is_judged_on_the_exact_interval() -> None:
    day = 86400 * 10_000_000
    target = directory()
    _validity(target, 5 * day - 10_000_000)  # one second short of 5 days: it used to round to 5.0 and pass
    short = run(target, "scep_template_validity")
    assert short.status is Status.FAIL and short.evidence["validity_days"] == 4.99
    _validity(target, 5 * day)
    exact = run(target, "scep_template_validity")
    assert exact.status is Status.PASS and exact.evidence["validity_days"] == 5.0
    setattr_(data(target, "certificate_templates")[0], "pKIExpirationPeriod")
    assert run(target, "scep_template_validity").status is Status.UNKNOWN


USERS = "CN=Users,DC=contoso,DC=com"


def group(dn: str, sid: str) -> dict[str, str]:
    return {"dn": dn, "objectSid": base64.b64encode(sdm.sid_to_bytes(sid)).decode()}


def _grant_directly_deny_group(t: Target, template: int, account_sid: str, group_sid: str) -> None:
    setattr_(data(t, "certificate_templates")[template], "nTSecurityDescriptor",
             sd.template_sd(sd.DOMAIN_SID, [account_sid], deny_sids=(group_sid,)))


def test_a_deny_through_a_group_not_collected_leaves_the_ndes_grant_unknown() -> None:
    """memberOf names PKI Service Accounts, which a Deny names; without the account's groups the Deny is unseen."""
    target = directory()
    _grant_directly_deny_group(target, 0, f"{sd.DOMAIN_SID}-1105", f"{sd.DOMAIN_SID}-1106")
    assert run(target, "scep_template_enroll_for_ndes_account").status is Status.FAIL  # groups collected: denied
    account = data(target, "ndes_service_account")[0]
    groups = account.pop("groups")
    result = run(target, "scep_template_enroll_for_ndes_account")
    assert result.status is Status.UNKNOWN and "PKI Service Accounts" in result.finding
    assert result.evidence["groups_not_collected"] == [f"CN=PKI Service Accounts,{USERS}"]
    assert "groups" in result.remediation
    assert_turkish(target, "scep_template_enroll_for_ndes_account", Status.UNKNOWN)
    setattr_(account, "memberOf")  # in no group but its primary one: the token is known
    assert run(target, "scep_template_enroll_for_ndes_account").status is Status.PASS
    account["groups"] = groups[:1]  # the direct group alone: memberOf is covered, the Deny is seen
    setattr_(account, "memberOf", groups[0]["dn"].upper())
    assert run(target, "scep_template_enroll_for_ndes_account").status is Status.FAIL
    target = directory()
    setattr_(data(target, "certificate_templates")[0], "nTSecurityDescriptor",
             sd.template_sd(sd.DOMAIN_SID, [f"{sd.DOMAIN_SID}-1105"]))
    data(target, "ndes_service_account")[0].pop("groups")
    assert run(target, "scep_template_enroll_for_ndes_account").status is Status.PASS  # no Deny to miss


def test_a_deny_through_a_group_not_collected_leaves_the_connector_grant_unknown() -> None:
    target = directory()
    connector = data(target, "connector_account")[0]
    operators = f"CN=PKI Operators,{USERS}"
    setattr_(connector, "memberOf", operators)
    _grant_directly_deny_group(target, 1, f"{sd.DOMAIN_SID}-1112", f"{sd.DOMAIN_SID}-2001")
    result = run(target, "pkcs_template_enroll_for_connector")
    assert result.status is Status.UNKNOWN and "PKI Operators" in result.finding
    assert_turkish(target, "pkcs_template_enroll_for_connector", Status.UNKNOWN)
    connector["groups"] = [group(operators, f"{sd.DOMAIN_SID}-2001")]
    assert run(target, "pkcs_template_enroll_for_connector").status is Status.FAIL
    connector["groups"] = [group(operators, f"{sd.DOMAIN_SID}-2002")]  # the Deny names another group
    assert run(target, "pkcs_template_enroll_for_connector").status is Status.PASS


def test_a_ca_name_is_matched_through_the_cn_ad_cs_sanitized() -> None:
    """MS-WCCE 3.1.1.4.1.1: "&" cannot stand in a CN, so "Contoso & Co Issuing CA" is published as "!0026"."""
    site = {**SITE, "ca_config": "ca01.contoso.com\\Contoso & Co Issuing CA"}
    target = directory()
    setattr_(data(target, "enrollment_services")[0], "cn", "Contoso !0026 Co Issuing CA")
    assert run(target, "ca_published_in_enrollment_services", site).status is Status.PASS
    assert run(target, "ca_certificate_in_ntauth", site).status is Status.PASS
    assert run(target, "ca_published_in_enrollment_services").status is Status.FAIL  # another CA's name
    setattr_(data(target, "enrollment_services")[0], "cn", "Contoso !0027 Co Issuing CA")  # "'", not "&"
    assert run(target, "ca_published_in_enrollment_services", site).status is Status.FAIL
