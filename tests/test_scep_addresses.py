"""``[scep] addresses``: connect to a given address while the Host header, SNI and every name check keep the URL's host.

The URL's host (``ndes.lab.test``, a reserved name that no resolver answers) reaches the loopback responder only
through the configured address, so a probe that succeeds proves the address was used; a certificate that does not
name the URL's host still fails both the HTTP requests' verification and the name check.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from conncheck.collectors.scep import collect_endpoints
from conncheck.collectors.scep_address import connect_address
from conncheck.config import parse
from conncheck.errors import ConfigError
from conncheck.evaluate import evaluate
from conncheck.facts import Facts, Target
from conncheck.lab import scep as sr
from conncheck.registry import default_registry
from conncheck.results import Result, Status
from conncheck.site import facts_site

NAME = "ndes.lab.test"
PATH = sr.SCEP_PATH


@pytest.fixture(scope="module")
def pki() -> sr.Pki:
    return sr.build_pki(tls_names=(NAME,))


def _collect(section: dict, tmp_path: Path) -> tuple[dict[str, Target], dict[tuple[str, str], Result]]:
    config = parse({"scep": {"timeout_seconds": 5, **section}}, path=tmp_path / "site.toml")
    targets = collect_endpoints(config, default_registry())
    facts = Facts(datetime.now(timezone.utc), {}, facts_site({"roles_expected": ["scep"]}), {}, scep=targets)
    results = evaluate(facts, default_registry(), hosts=list(targets))
    return targets, {(r.host, r.check_id): r for r in results}


def test_the_address_is_connected_to_and_the_url_host_is_verified(pki: sr.Pki, tmp_path: Path) -> None:
    trust = pki.ca_bundle_pem(tmp_path)
    with sr.Responder(sr.healthy(pki), tls=sr.Tls(pki.tls, (pki.issuing,))) as server:
        url = server.url(NAME)
        targets, results = _collect({"urls": [url], "ca_bundle": str(trust), "addresses": {NAME: "127.0.0.1"}},
                                    tmp_path)
        assert any("GetCACert" in path for path in server.requests)
        assert set(server.host_headers) == {f"{NAME}:{server.port}"}
    probes = targets[url].probes
    assert all(p.ok for p in probes.values()), {k: p.error for k, p in probes.items() if not p.ok}
    assert probes["scep_getcacert"].data["url"].startswith(f"https://{NAME}:")
    tls = probes["scep_tls"].data
    assert (tls["host"], tls["address"], tls["verified"]) == (NAME, "127.0.0.1", True)
    statuses = {check: r.status for (_, check), r in results.items()}
    assert statuses["scep_tls_name_matches_host"] is Status.PASS
    assert statuses["scep_tls_chain_trusted"] is Status.PASS
    assert statuses["scep_ra_encryption_cert_served"] is Status.PASS
    assert statuses["scep_policy_module_answers_403"] is Status.PASS


def test_a_certificate_for_another_name_still_fails_against_the_url_host(tmp_path: Path) -> None:
    other = sr.build_pki(tls_names=("localhost",))
    trust = other.ca_bundle_pem(tmp_path)
    with sr.Responder(sr.healthy(other), tls=sr.Tls(other.tls, (other.issuing,))) as server:
        url = server.url(NAME)
        targets, results = _collect({"urls": [url], "ca_bundle": str(trust), "addresses": {NAME: "127.0.0.1"}},
                                    tmp_path)
    getcacert = targets[url].probes["scep_getcacert"]
    assert not getcacert.ok and (getcacert.error or "").startswith("TLS: ") and NAME in (getcacert.error or "")
    name_check = results[(url, "scep_tls_name_matches_host")]
    assert name_check.status is Status.FAIL and NAME in name_check.finding
    assert results[(url, "scep_ra_encryption_cert_served")].status is Status.UNKNOWN


def test_a_redirect_to_a_listed_host_goes_to_its_address(pki: sr.Pki, tmp_path: Path) -> None:
    with sr.Responder(sr.healthy(pki)) as target, sr.Redirect(target.url(NAME)) as redirect:
        url = redirect.url(NAME)
        targets, results = _collect({"urls": [url], "addresses": {NAME: "127.0.0.1"}}, tmp_path)
    getcacert = targets[url].probes["scep_getcacert"].data
    assert getcacert["status"] == 200
    assert [r["location"].split("/certsrv")[0] for r in getcacert["redirects"]] == [
        f"http://{NAME}:{target.port}"
    ]
    assert results[(url, "scep_ra_signing_cert_served")].status is Status.PASS


def test_an_unreachable_address_names_it_in_the_reason(tmp_path: Path) -> None:
    with sr.Responder(sr.healthy(sr.build_pki())) as server:
        url = server.url(NAME)
    # The server is stopped: its port refuses connections.
    targets, results = _collect({"urls": [url], "addresses": {NAME: "127.0.0.1"}}, tmp_path)
    error = targets[url].probes["scep_getcacaps"].error or ""
    assert error.startswith(f"{NAME}:{server.port} (at 127.0.0.1): ")
    assert results[(url, "scep_getcacaps_offers_sha2")].status is Status.UNKNOWN


@pytest.mark.parametrize(
    ("addresses", "message"),
    [
        ("127.0.0.1", "[scep] addresses must be a table"),
        ({"ndes.other.test": "127.0.0.1"}, "'ndes.other.test' is the host of no URL"),
        ({NAME: "127.0.0.1:8443"}, f"{NAME} must map to an IP address or a host name"),
        ({NAME: 7}, "[scep] addresses (every value) must be a string"),
        ({NAME: ""}, "[scep] addresses (every value) must be a string"),
    ],
)
def test_bad_addresses_are_one_line_config_errors(addresses: object, message: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _collect({"urls": [f"https://{NAME}{PATH}"], "addresses": addresses}, tmp_path)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def test_address_keys_match_the_url_host_whatever_the_case(pki: sr.Pki, tmp_path: Path) -> None:
    with sr.Responder(sr.healthy(pki)) as server:
        url = server.url(NAME)
        targets, _ = _collect({"urls": [url], "addresses": {"NDES.Lab.Test.": "127.0.0.1"}}, tmp_path)
    assert targets[url].probes["scep_getcacaps"].ok
    assert connect_address({NAME: "10.0.0.7"}, "NDES.lab.test.") == "10.0.0.7"
    assert connect_address({NAME: "10.0.0.7"}, "other.lab.test") == "other.lab.test"


def test_through_a_proxy_the_proxy_is_asked_for_the_host_by_name(pki: sr.Pki, tmp_path: Path) -> None:
    # 127.0.0.2 refuses every connection here: had the address been used, the probes would fail.
    with sr.Responder(sr.healthy(pki)) as server, sr.Proxy(server.port) as proxy:
        url = server.url(NAME)
        targets, results = _collect({"urls": [url], "addresses": {NAME: "127.0.0.2"},
                                     "proxy": f"http://127.0.0.1:{proxy.port}"}, tmp_path)
    assert targets[url].probes["scep_getcacert"].ok
    assert all(path.startswith(f"http://{NAME}:{server.port}/") for path in server.requests)
    assert results[(url, "scep_ra_encryption_cert_served")].status is Status.PASS
