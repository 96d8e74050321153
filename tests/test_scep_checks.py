"""The SCEP checks as pure functions of facts: PASS, FAIL (or WARN) and UNKNOWN for each, and GetCACert parsing."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from conncheck.checks import scep as scep_checks
from conncheck.evaluate import evaluate
from conncheck.facts import Facts, ProbeResult, Target
from conncheck.lab.samples import CRA, Issued, issue, ra_cert
from conncheck.lab.samples import scep as samples_scep
from conncheck.pki import pkcs7
from conncheck.registry import default_registry
from conncheck.results import Fix, Result, Status
from conncheck.site import facts_site
from cryptography.x509.oid import ExtendedKeyUsageOID

from tests.english import english_leftovers

NOW = datetime(2026, 11, 25, 9, tzinfo=timezone.utc)
URL = samples_scep.NDES_URL
EXTERNAL = "https://ndes-contoso.msappproxy.net/certsrv/mscep/mscep.dll"
SCEP_CHECKS = sorted(scep_checks.PLUGIN.checks)


class Pki:
    def __init__(self) -> None:
        self.root = issue("root", "Contoso Root CA", None, NOW, days_before=900, days_after=3000, ca=True)
        self.ca = issue("issuing", "Contoso Issuing CA", self.root, NOW, days_before=400, days_after=1400, ca=True)
        self.sign = ra_cert("signing", self.ca, NOW, days_after=600)
        self.enc = ra_cert("encryption", self.ca, NOW, days_after=600)
        self.tls = issue(
            "tls",
            "ndes01.contoso.com",
            self.ca,
            NOW,
            days_before=10,
            days_after=300,
            key_encipherment=True,
            ekus=(ExtendedKeyUsageOID.SERVER_AUTH,),
            dns_names=("ndes01.contoso.com",),
        )


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


def endpoint(pki: Pki, url: str = URL, exposure: str = "internal") -> Target:
    tls = (
        pki.tls
        if url == URL
        else issue(
            "tls-ext",
            "ndes-contoso.msappproxy.net",
            pki.ca,
            NOW,
            ekus=(ExtendedKeyUsageOID.SERVER_AUTH,),
            dns_names=("*.msappproxy.net",),
        )
    )
    return samples_scep.healthy_endpoint(
        pki.ca.cert, pki.sign.cert, pki.enc.cert, url=url, tls=tls.cert, exposure=exposure
    )


def judge(*targets: Target, lang: str = "en") -> dict[tuple[str, str], Result]:
    facts = Facts(NOW, {}, facts_site({"roles_expected": ["scep"]}), {}, scep={t.name: t for t in targets})
    results = evaluate(facts, default_registry(), hosts=[t.name for t in targets], lang=lang)
    return {(r.host, r.check_id): r for r in results}


def set_data(target: Target, probe: str, **changes: Any) -> None:
    target.probes[probe] = ProbeResult.success({**target.probes[probe].data, **changes})


def set_getcacert(target: Target, certs: list[Issued]) -> None:
    set_data(target, "scep_getcacert", body_b64=base64.b64encode(samples_scep.bundle([c.cert for c in certs])).decode())


def test_healthy_endpoint_passes_every_check_that_applies(pki: Pki) -> None:
    results = judge(endpoint(pki))
    statuses = {check: results[(URL, check)].status for check in SCEP_CHECKS}
    skipped = {"scep_long_url_accepted", "scep_external_bundle_matches_internal"}
    assert {c: s for c, s in statuses.items() if c not in skipped} == {
        c: Status.PASS for c in statuses if c not in skipped
    }
    assert {statuses[c] for c in skipped} == {Status.SKIP}


@pytest.mark.parametrize("check", SCEP_CHECKS)
def test_every_check_is_unknown_when_its_probe_failed(pki: Pki, check: str) -> None:
    target = endpoint(pki, EXTERNAL, "external")
    internal = endpoint(pki)
    for probe in list(target.probes):
        target.probes[probe] = ProbeResult.failure("no answer within 10 s")
    result = judge(internal, target)[(EXTERNAL, check)]
    assert result.status is Status.UNKNOWN
    assert "no answer within 10 s" in result.finding


def _expired_signing(t: Target, p: Pki) -> None:
    old = ra_cert("signing", p.ca, NOW, days_before=800, days_after=-3, key="ra-signing-old")
    set_getcacert(t, [p.ca, old, p.enc])


def _foreign_encryption(t: Target, p: Pki) -> None:
    other_ca = issue("other-ca", "Somebody Else CA", None, NOW, ca=True)
    stray = issue(
        "stray-enc", "NDES01-MSCEP-RA", other_ca, NOW, ekus=(CRA,), digital_signature=False, key_encipherment=True
    )
    set_getcacert(t, [p.ca, p.sign, stray])


FAILURES: list[tuple[str, Callable[[Target, Pki], None], Status, str]] = [
    (
        "scep_policy_module_answers_403",
        lambda t, p: set_data(
            t, "scep_mscep_get", status=200, body_b64=base64.b64encode(samples_scep.NDES_PAGE).decode()
        ),
        Status.FAIL,
        "policy module is not installed",
    ),
    (
        "scep_policy_module_answers_403",
        lambda t, p: set_data(t, "scep_mscep_get", status=503),
        Status.FAIL,
        "application pool",
    ),
    (
        "scep_policy_module_answers_403",
        lambda t, p: set_data(t, "scep_mscep_get", status=500),
        Status.FAIL,
        "fails inside",
    ),
    (
        "scep_policy_module_answers_403",
        lambda t, p: set_data(t, "scep_mscep_get", status=401, reason="Unauthorized"),
        Status.FAIL,
        "answers 401 Unauthorized",
    ),
    (
        "scep_getcacaps_offers_sha2",
        lambda t, p: set_data(t, "scep_getcacaps", body_b64=base64.b64encode(b"POSTPKIOperation\nSHA-1\n").decode()),
        Status.WARN,
        "SHA-1",
    ),
    ("scep_getcacaps_offers_sha2", lambda t, p: set_data(t, "scep_getcacaps", status=404), Status.FAIL, "answers 404"),
    (
        "scep_ra_encryption_cert_served",
        lambda t, p: set_getcacert(t, [p.ca, p.sign]),
        Status.FAIL,
        "no RA encryption certificate",
    ),
    ("scep_ra_encryption_cert_served", _foreign_encryption, Status.FAIL, "not issued by a CA certificate"),
    ("scep_ra_signing_cert_served", _expired_signing, Status.FAIL, "expired"),
    (
        "scep_ra_signing_cert_served",
        lambda t, p: set_data(
            t, "scep_getcacert", content_type="application/x-x509-ca-cert", body_b64=base64.b64encode(p.ca.der).decode()
        ),
        Status.FAIL,
        "single CA certificate",
    ),
    ("scep_ca_cert_served_valid", lambda t, p: set_getcacert(t, [p.sign, p.enc]), Status.FAIL, "no CA certificate"),
    (
        "scep_tls_chain_trusted",
        lambda t, p: set_data(t, "scep_tls", verified=False, verify_error="unable to get local issuer certificate"),
        Status.FAIL,
        "unable to get local issuer",
    ),
    (
        "scep_tls_name_matches_host",
        lambda t, p: set_data(
            t,
            "scep_tls",
            certificate_b64=base64.b64encode(
                issue("wrong", "ndes.wrong.example", p.ca, NOW, dns_names=("ndes.wrong.example",)).der
            ).decode(),
        ),
        Status.FAIL,
        "does not name ndes01.contoso.com",
    ),
    (
        "scep_tls_certificate_current",
        lambda t, p: set_data(
            t,
            "scep_tls",
            certificate_b64=base64.b64encode(issue("soon", "ndes01.contoso.com", p.ca, NOW, days_after=5).der).decode(),
        ),
        Status.WARN,
        "expires in 5 days",
    ),
    (
        "scep_tls_server_auth_eku",
        lambda t, p: set_data(
            t,
            "scep_tls",
            certificate_b64=base64.b64encode(
                issue("client", "ndes01.contoso.com", p.ca, NOW, ekus=(ExtendedKeyUsageOID.CLIENT_AUTH,)).der
            ).decode(),
        ),
        Status.FAIL,
        "do not include Server Authentication",
    ),
    (
        "scep_no_client_certificate_request",
        lambda t, p: set_data(t, "scep_tls", client_certificate_requested="handshake"),
        Status.FAIL,
        "12152",
    ),
    (
        "scep_no_client_certificate_request",
        lambda t, p: set_data(t, "scep_tls", client_certificate_requested="renegotiation"),
        Status.FAIL,
        "renegotiates",
    ),
]


@pytest.mark.parametrize(
    ("check", "breaks", "status", "finding"), FAILURES, ids=[f"{c}-{s.value}-{f}" for c, _, s, f in FAILURES]
)
def test_each_fault_gives_its_finding(
    pki: Pki, check: str, breaks: Callable[[Target, Pki], None], status: Status, finding: str
) -> None:
    target = endpoint(pki)
    breaks(target, pki)
    result = judge(target)[(URL, check)]
    assert result.status is status, result.finding
    assert finding in result.finding
    assert result.remediation
    turkish = judge(target, lang="tr")[(URL, check)]
    assert turkish.status is status and turkish.finding != result.finding
    assert english_leftovers(turkish.finding) == [], turkish.finding
    assert turkish.remediation and turkish.remediation != result.remediation


def test_long_url_probe_off_is_skip_and_414_is_fail(pki: Pki) -> None:
    target = endpoint(pki)
    assert judge(target)[(URL, "scep_long_url_accepted")].status is Status.SKIP
    long_url = samples_scep.exchange(
        URL + "?operation=PKIOperation&message=",
        414,
        b"Request URL Too Long",
        "text/html",
        "Request-URI Too Long",
        query_chars=30000,
    )
    target.probes["scep_long_url"] = ProbeResult.success(long_url)
    assert judge(target)[(URL, "scep_long_url_accepted")].status is Status.FAIL
    page = b"HTTP Error 404.15 - Not Found. The request filtering module ... query string is too long."
    target.probes["scep_long_url"] = ProbeResult.success(
        {**long_url, "status": 404, "body_b64": base64.b64encode(page).decode()}
    )
    assert judge(target)[(URL, "scep_long_url_accepted")].status is Status.FAIL
    target.probes["scep_long_url"] = ProbeResult.success({**long_url, "status": 400, "body_b64": ""})
    result = judge(target)[(URL, "scep_long_url_accepted")]
    assert result.status is Status.PASS and "answered 400" in result.finding


@pytest.mark.parametrize(
    ("status", "body", "fix"),
    [
        # IIS shows a remote client request filtering's 404.15 as its plain 404 page.
        (404, b"<h2>404 - File or directory not found.</h2>", scep_checks.LONG_URL_404),
        (503, b"<h2>Service Unavailable</h2><hr><p>HTTP Error 503. The service is unavailable.</p>",
         scep_checks.APP_POOL_STOPPED),
        (502, b"", scep_checks.PROXY_GETS_NO_ANSWER),
        (504, b"", scep_checks.PROXY_GETS_NO_ANSWER),
    ],
)
def test_long_url_answer_that_is_not_ndes_is_unknown_not_pass(pki: Pki, status: int, body: bytes, fix: Fix) -> None:
    target = endpoint(pki)
    target.probes["scep_long_url"] = ProbeResult.success(samples_scep.exchange(
        URL + "?operation=PKIOperation&message=", status, body, "text/html", "", query_chars=30000))
    result = judge(target)[(URL, "scep_long_url_accepted")]
    assert result.status is Status.UNKNOWN, result.finding
    assert f"{status}" in result.finding and "past the URL limits" not in result.finding
    assert result.remediation == fix.en
    turkish = judge(target, lang="tr")[(URL, "scep_long_url_accepted")]
    assert turkish.status is Status.UNKNOWN and english_leftovers(turkish.finding) == [], turkish.finding
    assert turkish.remediation == fix.tr
    target.probes["scep_long_url"] = ProbeResult.success(samples_scep.exchange(
        URL + "?operation=PKIOperation&message=", 200, b"", "application/x-pki-message", query_chars=30000))
    assert judge(target)[(URL, "scep_long_url_accepted")].status is Status.PASS


def test_external_matches_internal_and_reports_the_first_differing_byte(pki: Pki) -> None:
    internal, external = endpoint(pki), endpoint(pki, EXTERNAL, "external")
    results = judge(internal, external)
    assert results[(EXTERNAL, "scep_external_bundle_matches_internal")].status is Status.PASS
    assert results[(URL, "scep_external_bundle_matches_internal")].status is Status.SKIP
    body = bytearray(base64.b64decode(external.probes["scep_getcacert"].data["body_b64"]))
    body[700] ^= 0xFF
    set_data(external, "scep_getcacert", body_b64=base64.b64encode(bytes(body)).decode())
    result = judge(internal, external)[(EXTERNAL, "scep_external_bundle_matches_internal")]
    assert result.status is Status.FAIL
    assert result.evidence["first_difference_offset"] == 700
    assert "first differ at byte 700" in result.finding


def test_external_without_internal_is_unknown_with_the_site_key_to_set(pki: Pki) -> None:
    for lang in ("en", "tr"):
        result = judge(endpoint(pki, EXTERNAL, "external"), lang=lang)[
            (EXTERNAL, "scep_external_bundle_matches_internal")]
        assert result.status is Status.UNKNOWN
        assert result.remediation and "[scep] urls" in result.remediation
        assert english_leftovers(result.finding) == [] if lang == "tr" else "no internal SCEP URL" in result.finding


@pytest.mark.parametrize(
    ("status", "content_type", "body"),
    [
        (503, "text/html", b"<h2>Service Unavailable</h2><hr><p>HTTP Error 503. The service is unavailable.</p>"),
        (200, "application/x-x509-ca-ra-cert", b""),
        (200, "text/html", b"<html>Object moved</html>"),
    ],
    ids=["both-503", "both-empty", "both-html"],
)
def test_external_identical_to_an_internal_answer_that_is_no_bundle_is_unknown(
    pki: Pki, status: int, content_type: str, body: bytes
) -> None:
    internal, external = endpoint(pki), endpoint(pki, EXTERNAL, "external")
    for target in (internal, external):
        set_data(target, "scep_getcacert", status=status, content_type=content_type,
                 body_b64=base64.b64encode(body).decode(), body_bytes=len(body))
    result = judge(internal, external)[(EXTERNAL, "scep_external_bundle_matches_internal")]
    assert result.status is Status.UNKNOWN, result.finding
    assert "no internal URL returns a readable GetCACert bundle" in result.finding
    assert result.evidence["internal"] == {URL: {"status": status, "content_type": content_type}}
    turkish = judge(internal, external, lang="tr")[(EXTERNAL, "scep_external_bundle_matches_internal")]
    assert english_leftovers(turkish.finding) == [], turkish.finding


def test_external_is_compared_with_the_internal_url_that_returns_a_bundle(pki: Pki) -> None:
    broken, good = endpoint(pki), endpoint(pki, "https://ndes02.contoso.com/certsrv/mscep/mscep.dll")
    external = endpoint(pki, EXTERNAL, "external")
    set_data(broken, "scep_getcacert", status=503, body_b64="", body_bytes=0)
    assert judge(broken, good, external)[(EXTERNAL, "scep_external_bundle_matches_internal")].status is Status.PASS
    set_data(external, "scep_getcacert", status=503, body_b64="", body_bytes=0)
    result = judge(broken, good, external)[(EXTERNAL, "scep_external_bundle_matches_internal")]
    assert result.status is Status.FAIL and result.evidence["internal"] == good.name


def test_plain_http_endpoint_skips_the_tls_checks(pki: Pki) -> None:
    target = samples_scep.healthy_endpoint(
        pki.ca.cert, pki.sign.cert, pki.enc.cert, url="http://ndes01/certsrv/mscep/mscep.dll"
    )
    results = judge(target)
    tls_checks = [c for c in SCEP_CHECKS if scep_checks.PLUGIN.checks[c].probes == ("scep_tls",)]
    assert len(tls_checks) == 5
    assert {results[(target.name, c)].status for c in tls_checks} == {Status.SKIP}


# --- GetCACert parsing: classification by what a certificate is, never by where it sits ------------------------


def test_bundle_order_does_not_matter(pki: Pki) -> None:
    for order in ([pki.ca, pki.sign, pki.enc], [pki.enc, pki.sign, pki.ca], [pki.sign, pki.ca, pki.enc]):
        parsed = pkcs7.parse(pkcs7.CA_RA_CERT_TYPE, samples_scep.bundle([c.cert for c in order]))
        assert [r.cert.template for r in parsed.signing()] == ["EnrollmentAgentOffline"]
        assert [r.cert.template for r in parsed.encryption()] == ["CEPEncryption"]
        assert [c.subject_cn for c in parsed.cas] == ["Contoso Issuing CA"]
        assert all(r.issued_by is not None and r.issued_by.subject_cn == "Contoso Issuing CA" for r in parsed.ras)


def test_dual_use_ra_counts_as_both(pki: Pki) -> None:
    dual = issue("ra-dual", "NDES01-MSCEP-RA", pki.ca, NOW, ekus=(CRA,), key_encipherment=True)
    parsed = pkcs7.parse(pkcs7.CA_RA_CERT_TYPE, samples_scep.bundle([pki.ca.cert, dual.cert]))
    assert parsed.signing() == parsed.encryption() and len(parsed.ras) == 1


def test_single_ca_answer_has_no_ra(pki: Pki) -> None:
    parsed = pkcs7.parse("application/x-x509-ca-cert", pki.ca.der)
    assert not parsed.has_ra and len(parsed.cas) == 1


@pytest.mark.parametrize(
    ("content_type", "body", "message"),
    [
        (pkcs7.CA_RA_CERT_TYPE, b"<html>proxy error</html>", "not a DER PKCS#7"),
        (pkcs7.CA_CERT_TYPE, b"\x30\x82\x01", "not a DER certificate"),
        ("text/html", b"", "neither"),
        (None, b"", "(none)"),
    ],
)
def test_unreadable_answers_say_why(content_type: str | None, body: bytes, message: str) -> None:
    with pytest.raises(pkcs7.BundleError, match=message.replace("(", r"\(").replace(")", r"\)")):
        pkcs7.parse(content_type, body)


def test_truncated_bundle_is_unreadable(pki: Pki) -> None:
    body = samples_scep.bundle([pki.ca.cert, pki.sign.cert, pki.enc.cert])
    with pytest.raises(pkcs7.BundleError):
        pkcs7.parse(pkcs7.CA_RA_CERT_TYPE, body[: len(body) // 2])


# --- Turkish, fixes per cause, references ------------------------------------------------------------------------


def _answering(status: int, reason: str, *probes: str, server: str = "Microsoft-IIS/10.0") -> Callable[[Target], None]:
    def breaks(target: Target) -> None:
        for probe in probes:
            set_data(target, probe, status=status, reason=reason, body_b64="", body_bytes=0, server=server)
    return breaks


ALL_HTTP = ("scep_mscep_get", "scep_getcacaps", "scep_getcacert")
HTTP_CHECKS = ("scep_policy_module_answers_403", "scep_getcacaps_offers_sha2", "scep_ra_encryption_cert_served",
               "scep_ra_signing_cert_served", "scep_ca_cert_served_valid")


@pytest.mark.parametrize(
    ("status", "reason", "fix"),
    [
        (503, "Service Unavailable", scep_checks.APP_POOL_STOPPED),
        (500, "Internal Server Error", scep_checks.NDES_FAILS_INSIDE),
        (404, "Not Found", scep_checks.NOT_NDES),
        (401, "Unauthorized", scep_checks.CREDENTIALS_ASKED),
        (502, "Bad Gateway", scep_checks.PROXY_GETS_NO_ANSWER),
        (504, "Gateway Timeout", scep_checks.PROXY_GETS_NO_ANSWER),
        (414, "Request-URI Too Long", scep_checks.URL_LIMITS),
    ],
)
def test_an_http_status_gets_the_fix_for_its_cause_from_every_check_that_sees_it(
    pki: Pki, status: int, reason: str, fix: Fix
) -> None:
    target = endpoint(pki)
    _answering(status, reason, *ALL_HTTP)(target)
    for lang in ("en", "tr"):
        results = judge(target, lang=lang)
        for check in HTTP_CHECKS:
            assert results[(URL, check)].status is Status.FAIL
            assert results[(URL, check)].remediation == fix.in_lang(lang), (lang, check)


def test_a_status_no_cause_is_known_for_keeps_the_checks_fix(pki: Pki) -> None:
    target = endpoint(pki)
    _answering(418, "I'm a teapot", *ALL_HTTP)(target)
    result = judge(target)[(URL, "scep_ra_signing_cert_served")]
    assert result.finding == "GetCACert answers 418 I'm a teapot, not 200"
    assert result.remediation == default_registry().checks["scep_ra_signing_cert_served"].remediation.en


def test_a_proxy_answering_for_ndes_is_not_called_not_ndes(pki: Pki) -> None:
    target = endpoint(pki)
    _answering(502, "Bad Gateway", "scep_mscep_get", server="Microsoft-Azure-Application-Gateway/v2")(target)
    assert not judge(target)[(URL, "scep_policy_module_answers_403")].finding.startswith("not IIS")
    _answering(503, "Service Unavailable", "scep_mscep_get", server="nginx")(target)
    assert judge(target)[(URL, "scep_policy_module_answers_403")].finding.startswith("not IIS (Server: nginx)")


@pytest.mark.parametrize(
    ("check", "breaks", "fix"),
    [
        ("scep_ra_signing_cert_served", _expired_signing, scep_checks.RENEW_RA),
        ("scep_ra_encryption_cert_served", _foreign_encryption, scep_checks.FOREIGN_RA),
        ("scep_ra_signing_cert_served",
         lambda t, p: set_data(t, "scep_getcacert", content_type="application/x-x509-ca-cert",
                               body_b64=base64.b64encode(p.ca.der).decode()), scep_checks.INCOMPLETE_ANSWER),
        ("scep_ca_cert_served_valid",
         lambda t, p: set_data(t, "scep_getcacert", body_b64=base64.b64encode(b"<html>proxy error</html>").decode()),
         scep_checks.UNREADABLE_ANSWER),
        ("scep_long_url_accepted",
         lambda t, p: t.probes.__setitem__("scep_long_url", ProbeResult.success(samples_scep.exchange(
             URL, 414, b"", "text/html", "Request-URI Too Long", query_chars=30000))), scep_checks.URL_LIMITS),
    ],
    ids=["expired-ra", "foreign-ra", "no-ra", "unreadable", "long-url-refused"],
)
def test_certificate_faults_get_the_fix_for_their_cause(
    pki: Pki, check: str, breaks: Callable[[Target, Pki], None], fix: Fix
) -> None:
    target = endpoint(pki)
    breaks(target, pki)
    assert judge(target)[(URL, check)].remediation == fix.en


def test_a_body_cut_at_the_cap_is_unknown_with_its_fix(pki: Pki) -> None:
    target = endpoint(pki)
    set_data(target, "scep_getcacert", truncated=True)
    result = judge(target)[(URL, "scep_ra_signing_cert_served")]
    assert result.status is Status.UNKNOWN and "cut at the collector's cap" in result.finding
    assert result.remediation == scep_checks.BODY_CAP.en


@pytest.mark.parametrize("check", SCEP_CHECKS)
def test_every_scep_check_cites_microsofts_pages_or_the_rfc(check: str) -> None:
    references = default_registry().checks[check].references
    assert references and all(r.startswith("https://") for r in references)
    assert any(r.startswith("https://learn.microsoft.com/") for r in references)
