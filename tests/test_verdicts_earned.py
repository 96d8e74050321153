"""Each case where an earlier conncheck said PASS on evidence that did not earn it (issue 10), on the sample site:
the malformed or incomplete input now gives UNKNOWN (or the FAIL the evidence really shows), never PASS."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
from conncheck.evaluate import NO_HOST, evaluate
from conncheck.lab import samples
from conncheck.lab.samples import CA_HOST, CONNECTOR_HOST, CONNECTOR_REGISTRY, NDES_HOST, SampleSite
from conncheck.registry import default_registry
from conncheck.results import Result, Status
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
SCEP_URL = next(iter(samples.healthy_site(NOW).facts.scep))


def results(site: SampleSite, check_id: str) -> list[Result]:
    return [r for r in evaluate(site.facts, default_registry()) if r.check_id == check_id]


def on(site: SampleSite, check_id: str, host: str) -> Result:
    (found,) = [r for r in results(site, check_id) if r.host == host]
    return found


def mutated(change: Callable[[SampleSite], None]) -> SampleSite:
    site = samples.healthy_site(NOW)
    change(site)
    return site


def test_the_base_passes_every_check_these_cases_touch() -> None:
    site = samples.healthy_site(NOW)
    for check_id, host in [("connector_cert_present", CONNECTOR_HOST), ("ndes_not_on_ca_or_dc", NDES_HOST),
                           ("httpsys_limits", NDES_HOST), ("scep_getcacaps_offers_sha2", SCEP_URL),
                           ("dotnet_472_or_later", NDES_HOST), ("ca_crl_current", CA_HOST),
                           ("connector_cert_not_expired", CONNECTOR_HOST)]:
        assert on(site, check_id, host).status is Status.PASS, check_id
    assert {r.status for r in results(site, "ndes_account_enabled")} == {Status.PASS}
    assert {r.status for r in results(site, "clock_within_skew")} == {Status.PASS}


@pytest.mark.parametrize("check_id", ["connector_cert_present", "recorded_thumbprint_in_store",
                                      "connector_cert_not_expired"])
def test_a_string_where_has_private_key_belongs_is_unknown(check_id: str) -> None:
    def change(s: SampleSite) -> None:
        for entry in s.data(CONNECTOR_HOST, "certs_my"):
            entry["has_private_key"] = "False"

    result = on(mutated(change), check_id, CONNECTOR_HOST)
    assert result.status is Status.UNKNOWN
    assert "certs_my[0].has_private_key: expected bool, got str" in result.finding


@pytest.mark.parametrize("check_id", ["ndes_account_enabled", "ndes_account_not_locked_out",
                                      "ndes_account_password_not_expired"])
def test_an_ndes_account_entry_without_its_attributes_is_unknown(check_id: str) -> None:
    def change(s: SampleSite) -> None:
        assert s.facts.directory is not None
        s.facts.directory.probes["ndes_service_account"].data[0]["attributes"] = {}

    (result,) = results(mutated(change), check_id)
    assert result.status is Status.UNKNOWN and "lacks requested attributes" in result.finding


def test_windows_features_given_as_a_string_is_unknown() -> None:
    site = mutated(lambda s: s.set_data(NDES_HOST, "windows_features", "Web-Server ADCS-Device-Enrollment"))
    result = on(site, "ndes_not_on_ca_or_dc", NDES_HOST)
    assert result.status is Status.UNKNOWN and "windows_features: expected array, got str" in result.finding


def test_http_sys_limits_stored_as_reg_sz_fail_because_http_sys_ignores_them() -> None:
    site = mutated(lambda s: s.data(NDES_HOST, "httpsys_parameters").update(MaxFieldLength="65534",
                                                                              MaxRequestBytes="65534"))
    result = on(site, "httpsys_limits", NDES_HOST)
    assert result.status is Status.FAIL and "REG_SZ, which HTTP.sys ignores" in result.finding


def test_a_getcacaps_body_cut_at_the_cap_is_unknown() -> None:
    def change(s: SampleSite) -> None:
        s.facts.scep[SCEP_URL].probes["scep_getcacaps"].data["truncated"] = True

    result = on(mutated(change), "scep_getcacaps_offers_sha2", SCEP_URL)
    assert result.status is Status.UNKNOWN and "cut at the collector's cap" in result.finding


def test_an_expected_ndes_host_absent_from_the_facts_makes_the_clock_check_unknown() -> None:
    site = mutated(lambda s: s.facts.hosts.pop(NDES_HOST))
    found = results(site, "clock_within_skew")
    assert {(r.host, r.status) for r in found} == {(CONNECTOR_HOST, Status.PASS), (NO_HOST, Status.UNKNOWN)}
    assert "expects a ndes host" in next(r.finding for r in found if r.host == NO_HOST)


def test_a_dotnet_release_written_as_a_string_is_unknown_not_an_old_framework() -> None:
    result = on(mutated(lambda s: s.set_data(NDES_HOST, "dotnet", {"release": "528449"})), "dotnet_472_or_later",
                NDES_HOST)
    assert result.status is Status.UNKNOWN and ".NET" not in result.finding.split(":")[0]


def _crl(issuer: samples.Issued, now: datetime, days_after: float) -> str:
    built = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(now - timedelta(days=8))
        .next_update(now + timedelta(days=days_after))
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False)
        .sign(issuer.key, hashes.SHA256())
    )
    return base64.b64encode(built.public_bytes(serialization.Encoding.DER)).decode()


def test_an_offline_roots_fresh_crl_does_not_hide_the_issuing_cas_expired_one() -> None:
    def change(s: SampleSite) -> None:
        s.data(CA_HOST, "ca_files")["crls"] = [
            {"name": "Contoso Issuing CA.crl", "der_b64": _crl(s.pki.issuing, s.now, -2)},
            {"name": "Contoso Root CA.crl", "der_b64": _crl(s.pki.root, s.now, 180)},
        ]

    result = on(mutated(change), "ca_crl_current", CA_HOST)
    assert result.status is Status.FAIL and "expired" in result.finding
    assert result.evidence["crl"] == "Contoso Issuing CA.crl"


def test_the_connector_certificate_judged_is_the_one_its_registry_names() -> None:
    def change(s: SampleSite) -> None:
        loaded = samples.connector_cert(s.pki.intune_ca, s.now, days_before=400, days_after=-3)
        newer = samples.connector_cert(s.pki.intune_ca, s.now, days_before=1, days_after=364)
        s.set_data(CONNECTOR_HOST, "certs_my", [loaded.entry("LocalMachine\\My", True),
                                                newer.entry("LocalMachine\\My", True)])
        s.data(CONNECTOR_HOST, "connector_registry")[CONNECTOR_REGISTRY]["EncryptionCertThumbprint"] = loaded.thumbprint

    result = on(mutated(change), "connector_cert_not_expired", CONNECTOR_HOST)
    assert result.status is Status.FAIL and "the registry names" in result.finding


def test_a_thumbprint_pasted_with_an_invisible_character_fails_naming_it() -> None:
    def change(s: SampleSite) -> None:
        registry = s.data(CONNECTOR_HOST, "connector_registry")[CONNECTOR_REGISTRY]
        registry["EncryptionCertThumbprint"] = "\u200e" + registry["EncryptionCertThumbprint"].lower()

    result = on(mutated(change), "recorded_thumbprint_in_store", CONNECTOR_HOST)
    assert result.status is Status.FAIL
    assert "U+200E" in result.finding and "position 1" in result.finding


def test_spaces_and_case_in_a_thumbprint_are_normalised_as_windows_does() -> None:
    def change(s: SampleSite) -> None:
        registry = s.data(CONNECTOR_HOST, "connector_registry")[CONNECTOR_REGISTRY]
        value = registry["EncryptionCertThumbprint"].lower()
        registry["EncryptionCertThumbprint"] = " ".join(value[i:i + 2] for i in range(0, len(value), 2))

    assert on(mutated(change), "recorded_thumbprint_in_store", CONNECTOR_HOST).status is Status.PASS
