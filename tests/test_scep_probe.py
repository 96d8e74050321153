"""The SCEP collector against the NDES-shaped responder on loopback, over HTTP and HTTPS: collect, then judge."""

from __future__ import annotations

import base64
import ssl
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conncheck.collectors.scep import Endpoint, Options, collect, collect_endpoints
from conncheck.config import parse
from conncheck.errors import ConfigError
from conncheck.evaluate import evaluate
from conncheck.facts import Facts, Target
from conncheck.lab import scep as sr
from conncheck.registry import default_registry
from conncheck.results import Result, Status
from conncheck.site import facts_site
from cryptography.hazmat.primitives import serialization

OPTIONS = Options(timeout=5.0)


@pytest.fixture(scope="module")
def pki() -> sr.Pki:
    return sr.build_pki()


@pytest.fixture(scope="module")
def trust(pki: sr.Pki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pki.ca_bundle_pem(tmp_path_factory.mktemp("trust"))


def probe(*endpoints: Endpoint, options: Options = OPTIONS) -> tuple[dict[str, Target], dict[tuple[str, str], Result]]:
    targets = collect(list(endpoints), default_registry(), options)
    facts = Facts(datetime.now(timezone.utc), {}, facts_site({"roles_expected": ["scep"]}), {}, scep=targets)
    results = evaluate(facts, default_registry(), hosts=list(targets))
    return targets, {(r.host, r.check_id): r for r in results}


def verdict(behaviour: sr.Behaviour, check: str, options: Options = OPTIONS) -> Result:
    with sr.Responder(behaviour) as server:
        url = server.url()
        _, results = probe(Endpoint(url, "internal"), options=options)
    return results[(url, check)]


def test_healthy_ndes_over_http(pki: sr.Pki) -> None:
    with sr.Responder(sr.healthy(pki)) as server:
        url = server.url()
        targets, results = probe(Endpoint(url, "internal"))
    statuses = {check: r.status for (_, check), r in results.items()}
    assert statuses["scep_policy_module_answers_403"] is Status.PASS
    assert statuses["scep_getcacaps_offers_sha2"] is Status.PASS
    assert statuses["scep_ra_signing_cert_served"] is Status.PASS
    assert statuses["scep_ra_encryption_cert_served"] is Status.PASS
    assert statuses["scep_ca_cert_served_valid"] is Status.PASS
    assert statuses["scep_tls_chain_trusted"] is Status.SKIP
    assert statuses["scep_long_url_accepted"] is Status.SKIP
    assert targets[url].attributes == {"exposure": "internal"}
    assert targets[url].probes["scep_getcacaps"].data["content_type"] == "text/plain"
    # The long-URL probe is off by default: nothing was sent for it.
    assert not any("PKIOperation" in path for path in server.requests)


def test_healthy_ndes_over_https(pki: sr.Pki, trust: Path) -> None:
    with sr.Responder(sr.healthy(pki), tls=sr.Tls(pki.tls, (pki.issuing,))) as server:
        url = server.url("localhost")
        targets, results = probe(Endpoint(url, "internal"), options=replace(OPTIONS, ca_bundle=trust))
    bad = {
        check: (r.status, r.finding) for (_, check), r in results.items() if r.status not in (Status.PASS, Status.SKIP)
    }
    assert bad == {}
    tls = targets[url].probes["scep_tls"].data
    assert tls["verified"] is True and tls["client_certificate_requested"] is None and tls["status"] == 200


@pytest.mark.parametrize(
    ("variant", "check", "status", "finding"),
    [
        ("ra_encryption_missing", "scep_ra_encryption_cert_served", Status.FAIL, "no RA encryption certificate"),
        ("ra_encryption_missing", "scep_ra_signing_cert_served", Status.PASS, "valid until"),
        ("ra_signing_expired", "scep_ra_signing_cert_served", Status.FAIL, "expired"),
        ("ra_signing_expired", "scep_ra_encryption_cert_served", Status.PASS, "valid until"),
        ("single_ca", "scep_ra_encryption_cert_served", Status.FAIL, "single CA certificate"),
        ("single_ca", "scep_ra_signing_cert_served", Status.FAIL, "no RA certificates"),
        ("single_ca", "scep_ca_cert_served_valid", Status.PASS, "1 CA certificate"),
        ("dual_use", "scep_ra_signing_cert_served", Status.PASS, "valid until"),
        ("dual_use", "scep_ra_encryption_cert_served", Status.PASS, "valid until"),
        ("intermediate", "scep_ra_signing_cert_served", Status.PASS, "issued by Loopback Issuing CA"),
        ("intermediate", "scep_ca_cert_served_valid", Status.PASS, "2 CA certificate"),
        ("ra_first", "scep_ra_encryption_cert_served", Status.PASS, "issued by Loopback Issuing CA"),
        ("ra_first", "scep_ra_signing_cert_served", Status.PASS, "issued by Loopback Issuing CA"),
        ("ndes_page", "scep_policy_module_answers_403", Status.FAIL, "NDES page"),
        ("unavailable", "scep_policy_module_answers_403", Status.FAIL, "answers 503"),
        ("unavailable", "scep_ra_encryption_cert_served", Status.FAIL, "GetCACert answers 503"),
        ("truncated", "scep_ra_encryption_cert_served", Status.FAIL, "not a DER PKCS#7"),
        ("not_pkcs7", "scep_ra_signing_cert_served", Status.FAIL, "not a DER PKCS#7"),
        ("sha1_only", "scep_getcacaps_offers_sha2", Status.WARN, "SHA-1"),
    ],
)
def test_variant_gives_its_finding(pki: sr.Pki, variant: str, check: str, status: Status, finding: str) -> None:
    result = verdict(VARIANTS[variant](pki), check)
    assert result.status is status, result.finding
    assert finding in result.finding


def _bundle_of(*certs: sr.Issued) -> sr.Behaviour:
    return sr.with_bundle(*certs)


def _expired_signing(pki: sr.Pki) -> sr.Behaviour:
    now = datetime.now(timezone.utc)
    return sr.with_bundle(pki.issuing, sr.ra_signing(pki.issuing, now, days_after=-2, key="ra-old"), pki.ra_encryption)


def _truncated(pki: sr.Pki) -> sr.Behaviour:
    body, content_type = sr.healthy(pki).cacert
    return sr.Behaviour((body[: len(body) - 300], content_type))


VARIANTS = {
    "ra_encryption_missing": lambda p: sr.with_bundle(p.issuing, p.ra_signing),
    "ra_signing_expired": _expired_signing,
    "single_ca": lambda p: sr.single_ca(p.issuing),
    "dual_use": lambda p: sr.with_bundle(p.issuing, sr.dual_use_ra(p.issuing, datetime.now(timezone.utc))),
    "intermediate": lambda p: sr.with_bundle(p.root, p.issuing, p.ra_signing, p.ra_encryption),
    "ra_first": lambda p: sr.with_bundle(p.ra_encryption, p.ra_signing, p.issuing),
    "ndes_page": lambda p: replace(sr.healthy(p), bare=(200, sr.NDES_PAGE)),
    "unavailable": lambda p: replace(sr.healthy(p), every_status=503),
    "truncated": _truncated,
    "not_pkcs7": lambda p: sr.Behaviour((b"<html><body>Object moved</body></html>", sr.CA_RA_CERT_TYPE)),
    "sha1_only": lambda p: replace(sr.healthy(p), caps=b"POSTPKIOperation\nSHA-1\nDES3\n"),
}


def test_long_url_probe_only_when_asked_and_414_fails(pki: sr.Pki) -> None:
    on = replace(OPTIONS, probe_long_url=True)
    limited = replace(sr.healthy(pki), max_query=2048)
    result = verdict(limited, "scep_long_url_accepted", on)
    assert result.status is Status.FAIL and "refused with 414" in result.finding
    assert result.evidence["query_chars"] == 30000
    assert verdict(sr.healthy(pki), "scep_long_url_accepted", on).status is Status.PASS
    assert verdict(limited, "scep_long_url_accepted").status is Status.SKIP


def test_slow_server_past_the_timeout_is_unknown(pki: sr.Pki) -> None:
    slow = replace(sr.healthy(pki), delay=30)
    result = verdict(slow, "scep_ra_encryption_cert_served", replace(OPTIONS, timeout=0.3))
    assert result.status is Status.UNKNOWN
    assert "no complete answer within 0.3 s" in result.finding


def test_unreachable_endpoint_is_unknown() -> None:
    with sr.Responder(sr.Behaviour((b"", sr.CA_CERT_TYPE))) as server:
        url = server.url()
    _, results = probe(Endpoint(url, "internal"))
    http_checks = (
        "scep_policy_module_answers_403",
        "scep_getcacaps_offers_sha2",
        "scep_ra_signing_cert_served",
        "scep_ra_encryption_cert_served",
        "scep_ca_cert_served_valid",
    )
    assert {results[(url, c)].status for c in http_checks} == {Status.UNKNOWN}
    assert "127.0.0.1" in results[(url, "scep_ra_signing_cert_served")].finding


def test_body_over_the_cap_is_unknown_not_judged(pki: sr.Pki) -> None:
    result = verdict(sr.healthy(pki), "scep_ra_signing_cert_served", replace(OPTIONS, max_body_bytes=1024))
    assert result.status is Status.UNKNOWN and "cap" in result.finding


def test_tls_certificate_for_the_wrong_name(pki: sr.Pki, trust: Path) -> None:
    wrong = sr.build_pki(tls_names=("ndes.wrong.example",))
    with sr.Responder(sr.healthy(pki), tls=sr.Tls(wrong.tls, (wrong.issuing,))) as server:
        url = server.url("localhost")
        bundle = trust.parent / "wrong.pem"
        bundle.write_bytes(wrong.ca_bundle_pem(trust.parent).read_bytes())
        _, results = probe(Endpoint(url, "internal"), options=replace(OPTIONS, ca_bundle=bundle, insecure=True))
    name = results[(url, "scep_tls_name_matches_host")]
    assert name.status is Status.FAIL and "does not name localhost" in name.finding
    assert results[(url, "scep_tls_chain_trusted")].status is Status.PASS


def test_untrusted_chain_fails_tls_and_leaves_http_checks_unknown(pki: sr.Pki, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger.pem"  # a root of the same name with another key: not the server's root
    root = sr.issue("stranger-root", "Loopback Root CA", None, datetime.now(timezone.utc), ca=True)
    stranger.write_bytes(root.cert.public_bytes(serialization.Encoding.PEM))
    with sr.Responder(sr.healthy(pki), tls=sr.Tls(pki.tls, (pki.issuing,))) as server:
        url = server.url("localhost")
        _, results = probe(Endpoint(url, "internal"), options=replace(OPTIONS, ca_bundle=stranger))
        _, loose = probe(Endpoint(url, "internal"), options=replace(OPTIONS, ca_bundle=stranger, insecure=True))
    chain = results[(url, "scep_tls_chain_trusted")]
    assert chain.status is Status.FAIL and "does not verify" in chain.finding
    ra = results[(url, "scep_ra_signing_cert_served")]
    assert ra.status is Status.UNKNOWN and "certificate verify failed" in ra.finding
    assert loose[(url, "scep_ra_signing_cert_served")].status is Status.PASS
    assert loose[(url, "scep_tls_chain_trusted")].status is Status.FAIL


@pytest.mark.parametrize("mode", [ssl.CERT_OPTIONAL, ssl.CERT_REQUIRED])
def test_client_certificate_request_fails_with_winhttp_12152(pki: sr.Pki, trust: Path, mode: ssl.VerifyMode) -> None:
    tls = sr.Tls(pki.tls, (pki.issuing,), client_cert=mode, trust=pki.root)
    with sr.Responder(sr.healthy(pki), tls=tls) as server:
        url = server.url("localhost")
        targets, results = probe(Endpoint(url, "internal"), options=replace(OPTIONS, ca_bundle=trust))
    result = results[(url, "scep_no_client_certificate_request")]
    assert result.status is Status.FAIL
    assert "12152" in result.finding and "asks for a client certificate" in result.finding
    assert targets[url].probes["scep_tls"].data["client_certificate_requested"] == "handshake"


def test_external_proxy_that_rewrites_the_body(pki: sr.Pki) -> None:
    with sr.Responder(sr.healthy(pki)) as ndes, sr.Proxy(ndes.port, sr.text_mode) as bad, sr.Proxy(ndes.port) as good:
        internal, rewritten, faithful = ndes.url(), bad.url(), good.url("localhost")
        targets, results = probe(
            Endpoint(internal, "internal"), Endpoint(rewritten, "external"), Endpoint(faithful, "external")
        )
    body = base64.b64decode(targets[internal].probes["scep_getcacert"].data["body_b64"])
    result = results[(rewritten, "scep_external_bundle_matches_internal")]
    assert result.status is Status.FAIL
    assert result.evidence["first_difference_offset"] == body.index(b"\n")
    assert result.evidence["internal_byte"] == "0x0A" and result.evidence["external_byte"] == "0x0D"
    assert results[(faithful, "scep_external_bundle_matches_internal")].status is Status.PASS
    assert results[(internal, "scep_external_bundle_matches_internal")].status is Status.SKIP


def test_redirects_are_followed_and_reported(pki: sr.Pki) -> None:
    with sr.Responder(sr.healthy(pki)) as ndes:
        target = ndes.url()
        redirect = sr.Redirect(target)
        with redirect:
            url = redirect.url()
            targets, results = probe(Endpoint(url, "internal"))
    data = targets[url].probes["scep_getcacert"].data
    assert data["redirects"][0]["status"] == 302
    assert data["redirects"][0]["location"].startswith(target)
    assert results[(url, "scep_ra_signing_cert_served")].status is Status.PASS


def test_site_toml_section(pki: sr.Pki, trust: Path, tmp_path: Path) -> None:
    with sr.Responder(sr.healthy(pki)) as ndes:
        config = parse(
            {
                "scep": {
                    "urls": [ndes.url()],
                    "external_urls": [ndes.url("localhost")],
                    "ca_bundle": trust.name,
                    "timeout_seconds": 5,
                }
            },
            path=trust.parent / "site.toml",
        )
        targets = collect_endpoints(config, default_registry())
    assert {t.attributes["exposure"] for t in targets.values()} == {"internal", "external"}
    assert config.roles_expected() == ["scep"]
    assert collect_endpoints(parse({}), default_registry()) == {}


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"urls": []}, "at least one internal SCEP URL"),
        ({"urls": ["ftp://ndes/x"]}, "not an http:// or https:// URL"),
        ({"urls": ["http://a/x", "http://a/x"]}, "twice"),
        ({"urls": ["http://a/x"], "ca_bundle": "missing.pem"}, "no such file"),
        ({"urls": ["http://a/x"], "timeout_seconds": 0}, "timeout_seconds"),
        ({"urls": ["http://a/x"], "proxy": "socks5://p:1080"}, "http://host:port"),
        ({"urls": ["http://a/x"], "max_body_bytes": 10}, "max_body_bytes"),
        ({"urls": ["http://a/x"], "verify": False}, "no key 'verify'"),
    ],
)
def test_bad_scep_section_is_one_line(tmp_path: Path, section: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        collect_endpoints(parse({"scep": section}, path=tmp_path / "site.toml"), default_registry())
