"""Certificate authentication over HTTPS: the client certificate is presented in the TLS handshake and mapped to an
account by its UPN, as WinRM's ClientCertificate mapping does; no password is configured anywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from conncheck.lab.tls import make_ca

from tests.winrm_lab import CA, CONNECTOR, NDES, collect, lab_site

pytestmark = pytest.mark.peer("winrm lab")


def certificate_site(lab, site_toml: Path, certificate: tuple[Path, Path]) -> Path:
    cert, key = certificate
    return lab.site_toml(site_toml, site=None, auth="certificate", username=None, password_env=None,
                         certificate_pem=str(cert), certificate_key_pem=str(key))


def test_a_mapped_client_certificate_collects_every_host(tmp_path: Path) -> None:
    with lab_site(tmp_path, https=True) as (lab, site_toml):
        facts = collect(certificate_site(lab, site_toml, lab.client_certificate()))
        assert "password" not in site_toml.read_text() and "username" not in site_toml.read_text()
        accepted = {host: lab.authentications(host) for host in (CONNECTOR, CA, NDES)}
        owners = {host: lab.host(host).scripts_run for host in (CONNECTOR, CA, NDES)}
    assert all(p.ok for target in facts.hosts.values() for p in target.probes.values())
    assert accepted == {host: ["certificate"] for host in accepted}
    assert set(owners.values()) == {1}


def test_a_certificate_mapped_to_no_account_is_unknown_with_the_fix(tmp_path: Path) -> None:
    with lab_site(tmp_path, https=True) as (lab, site_toml):
        certificate = lab.client_certificate("intruder@lab.test")
        facts = collect(certificate_site(lab, site_toml, certificate))
        port = lab.endpoints[CA].port
    assert {p.error for p in facts.hosts[CA].probes.values()} == {
        f"127.0.0.1:{port} refused the client certificate {certificate[0]}: map it to an account on the host "
        "(WSMan:\\localhost\\ClientCertificate, issuer and subject) and trust its issuer"}


def test_a_certificate_from_an_issuer_the_host_does_not_trust_is_unknown(tmp_path: Path) -> None:
    with lab_site(tmp_path, https=True) as (lab, site_toml):
        certificate = lab.client_certificate(issuer=make_ca("somebody else's CA"))
        facts = collect(certificate_site(lab, site_toml, certificate))
        accepted = lab.authentications(CA)
    assert not accepted
    errors = {p.error for p in facts.hosts[CA].probes.values()}
    assert len(errors) == 1 and "TLS handshake with 127.0.0.1:" in str(errors.pop())
