"""WinRM over Kerberos, end to end: the Samba lab's KDC issues the tickets, the WinRM lab accepts them.

The simulated hosts get computer accounts in the shared Samba DC (tests/conftest.py ``samba_dc``) with their WinRM
service principals, and the WinRM lab decrypts tickets with their keys (``samba-tool domain exportkeytab``). The
hosts refuse NTLM, as a hardened domain's do, so whatever succeeds here succeeded with Kerberos (the lab records the
protocol of every authentication). The client is the unmodified pypsrp through conncheck's collector, with a ticket
from ``kinit`` in a credential cache inside the test's temp dir and no password configured; every fault is the one
host's UNKNOWN with a reason that says what to do, and the other hosts' results stand.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import spnego
from conncheck.cli.main import app
from conncheck.collectors.kerberos import CLOCK_SKEW, NO_TICKET, tls_server_end_point
from conncheck.facts import Facts
from conncheck.lab import PASSWORD_ENV, Lab, SimHost, hosts_from_facts
from conncheck.lab.auth import Acceptor, AuthFailed
from conncheck.lab.tls import make_ca, make_server
from spnego.channel_bindings import GssChannelBindings
from typer.testing import CliRunner

from tests.peers import krb5, samba
from tests.winrm_lab import CA, CONNECTOR, NDES, collect, sample_site, site_keys

pytestmark = pytest.mark.peer("samba kdc, winrm lab")

AUDIT_ACCOUNT, AUDIT_PASSWORD = "svc-conncheck", "Audit-Lab-Pass!67"
LEGACY = "legacy01.contoso.com"  # its account holds HTTP/ only: no WSMAN/ service principal
ALIAS = "pki.contoso.com"  # a DNS alias of the CA that no account holds a principal for


@dataclass(frozen=True)
class Realm:
    dc: samba.SambaLab
    keytab: Path


@pytest.fixture(scope="module")
def realm(samba_dc: samba.SambaLab, tmp_path_factory: pytest.TempPathFactory) -> Realm:
    keytab = tmp_path_factory.mktemp("winrm-keys") / "winrm.keytab"
    samba.winrm_keytab(samba_dc, [CONNECTOR, CA, NDES, LEGACY], keytab, services={LEGACY: ("HTTP",)})
    samba.add_user(samba_dc, AUDIT_ACCOUNT, AUDIT_PASSWORD)
    return Realm(samba_dc, keytab)


@pytest.fixture
def kerberos(realm: Realm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> krb5.KerberosClient:
    """A Kerberos client of this test's own (krb5.conf, ccache, no ticket yet) that this process uses; no password."""
    client = krb5.client(realm.dc, tmp_path / "krb5")
    for name, value in client.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    return client


def sim_hosts() -> tuple[Facts, list[SimHost]]:
    site = sample_site()
    hosts = hosts_from_facts(site.facts)
    ca = next(h for h in hosts if h.name == CA)
    hosts.append(SimHost(LEGACY, ca.roles, dict(ca.probes), ca.clock_offset))
    return site.facts, hosts


@contextmanager
def kerberos_site(realm: Realm, tmp_path: Path, *, https: bool = False, accept_ntlm: bool = False,
                  hosts: dict[str, dict[str, Any]] | None = None, **winrm: Any) -> Iterator[tuple[Lab, Path]]:
    """The sample site plus LEGACY, accepting Kerberos (and NTLM only if asked), and a site.toml that authenticates
    with the ticket cache: no username, no password."""
    facts, sims = sim_hosts()
    with Lab(sims, https=https, keytab=realm.keytab, accept_ntlm=accept_ntlm) as lab:
        legacy = {LEGACY: {"kerberos_service": "HTTP"}}
        section = {"auth": "kerberos", "username": None, "password_env": None, **winrm}
        path = lab.site_toml(tmp_path / "site.toml", site_keys(facts), hosts={**legacy, **(hosts or {})}, **section)
        yield lab, path


def probe_errors(facts: Facts, host: str) -> set[str | None]:
    return {p.error for p in facts.hosts[host].probes.values()}


def healthy(facts: Facts, *hosts: str) -> bool:
    return all(p.ok for host in hosts for p in facts.hosts[host].probes.values())


@pytest.mark.parametrize("https, auth", [(False, "kerberos"), (True, "kerberos"), (False, "negotiate"),
                                         (True, "negotiate")],
                         ids=["http-kerberos-encrypted", "https-kerberos-cbt", "http-negotiate-encrypted",
                              "https-negotiate-cbt"])
def test_check_over_kerberos_passes_end_to_end(realm, kerberos, tmp_path, https, auth) -> None:
    kerberos.kinit(f"{AUDIT_ACCOUNT}@{samba.REALM}", AUDIT_PASSWORD)
    with kerberos_site(realm, tmp_path, https=https, auth=auth) as (lab, site_toml):
        run = CliRunner().invoke(app, ["check", "-c", str(site_toml), "--format", "json",
                                       "--save-facts", str(tmp_path / "facts.json")])
        accepted = {name: lab.authentications(name) for name in lab.endpoints}
        scripts_run = {name: lab.host(name).scripts_run for name in lab.endpoints}
    assert "username" not in site_toml.read_text() and PASSWORD_ENV not in os.environ
    assert run.exit_code == 0, run.output
    statuses = {c["status"] for row in json.loads(run.stdout)["checklist"] for c in row["checks"]}
    assert "PASS" in statuses and statuses <= {"PASS", "SKIP", "WARN"}
    facts = json.loads((tmp_path / "facts.json").read_text())
    assert all(p["ok"] for h in facts["hosts"].values() for p in h["probes"].values())
    # One authentication per host, each Kerberos (the hosts refuse NTLM), and one fact script each.
    assert accepted == {name: ["kerberos"] for name in accepted}, accepted
    assert set(scripts_run.values()) == {1}
    # The service tickets came from the KDC into this test's own cache.
    tickets = kerberos.tickets()
    assert all(any(t.startswith(f"WSMAN/{host}@") for t in tickets) for host in (CONNECTOR, CA, NDES)), tickets


def test_the_ticket_stays_in_the_temporary_cache(realm, kerberos, tmp_path) -> None:
    system_files = [Path("/tmp") / f"krb5cc_{os.getuid()}", Path("/var/tmp") / f"krb5_{os.getuid()}.rcache2",
                    Path("/etc/krb5.keytab")]
    before = {path: path.exists() for path in system_files}
    kerberos.kinit(f"{AUDIT_ACCOUNT}@{samba.REALM}", AUDIT_PASSWORD)
    with kerberos_site(realm, tmp_path) as (_, site_toml):
        facts = collect(site_toml)
    assert healthy(facts, CONNECTOR, CA, NDES, LEGACY)
    assert os.environ["KRB5CCNAME"] == f"FILE:{tmp_path / 'krb5' / 'ccache'}"
    assert {path: path.exists() for path in system_files} == before


def test_a_service_accounts_keytab_authenticates_with_no_password_and_no_kinit(realm, kerberos, tmp_path) -> None:
    """A scheduled run on Linux: the account's keys in its client keytab (KRB5_CLIENT_KTNAME), nothing else. libkrb5
    gets the ticket itself when the cache is empty, as a gMSA's logon session does on Windows."""
    samba.export_keytab(realm.dc, kerberos.client_keytab, f"{AUDIT_ACCOUNT}@{samba.REALM}")
    assert kerberos.tickets() == []
    with kerberos_site(realm, tmp_path) as (lab, site_toml):
        facts = collect(site_toml)
        accepted = lab.authentications(CA)
    assert healthy(facts, CONNECTOR, CA, NDES, LEGACY) and accepted == ["kerberos"]
    assert f"krbtgt/{samba.REALM}@{samba.REALM}" in kerberos.tickets()


def test_kerberos_with_a_password_and_no_ticket_gets_its_own(realm, kerberos, tmp_path, monkeypatch) -> None:
    """username and password_env with auth = "kerberos": pyspnego asks the KDC for a ticket itself, in memory."""
    monkeypatch.setenv("CONNCHECK_TEST_AUDIT_PASSWORD", AUDIT_PASSWORD)
    with kerberos_site(realm, tmp_path, username=f"{AUDIT_ACCOUNT}@{samba.REALM}",
                       password_env="CONNCHECK_TEST_AUDIT_PASSWORD") as (lab, site_toml):
        facts = collect(site_toml)
        accepted = lab.authentications(CA)
    assert healthy(facts, CONNECTOR, CA, NDES, LEGACY) and accepted == ["kerberos"]
    assert kerberos.tickets() == []  # nothing was written to the cache


def test_negotiate_falls_back_to_ntlm_only_where_the_host_allows_it(realm, kerberos, tmp_path, monkeypatch) -> None:
    """No ticket, but a password: Negotiate cannot get Kerberos for the lab's local account, so it offers NTLM."""
    monkeypatch.setenv(PASSWORD_ENV, "placeholder")
    for accept_ntlm in (True, False):
        with kerberos_site(realm, tmp_path, accept_ntlm=accept_ntlm, auth="negotiate", username="LAB\\conncheck",
                           password_env=PASSWORD_ENV) as (lab, site_toml):
            monkeypatch.setenv(PASSWORD_ENV, lab.password)
            facts = collect(site_toml)
            accepted = lab.authentications(CA)
        if accept_ntlm:
            assert healthy(facts, CA) and accepted == ["ntlm"]
        else:
            assert not accepted
            assert probe_errors(facts, CA) == {
                f"authentication failed for LAB\\conncheck (negotiate) on 127.0.0.1:{lab.endpoints[CA].port}: "
                "wrong password, locked or disabled account, or the account may not use WinRM"}


def test_without_a_ticket_every_host_is_unknown_with_the_fix(realm, kerberos, tmp_path) -> None:
    assert kerberos.tickets() == []
    with kerberos_site(realm, tmp_path) as (_, site_toml):
        facts = collect(site_toml)
    for host in (CONNECTOR, CA, NDES):
        (error,) = probe_errors(facts, host)
        assert error is not None and error.endswith(NO_TICKET), error


@pytest.mark.parametrize("fault", ["no WSMAN principal", "alias", "address as name"])
def test_a_principal_the_kdc_does_not_know_is_that_hosts_unknown_and_the_override_fixes_it(
        realm, kerberos, tmp_path, fault) -> None:
    kerberos.kinit(f"{AUDIT_ACCOUNT}@{samba.REALM}", AUDIT_PASSWORD)
    broken, fixed, name, expected = {
        "no WSMAN principal": ({LEGACY: {"kerberos_service": "WSMAN"}}, {LEGACY: {"kerberos_service": "HTTP"}},
                               LEGACY, f"the KDC knows no service principal WSMAN/{LEGACY}: register it on the "
                                       f"host's account (setspn -S WSMAN/{LEGACY} <account>), or set kerberos_service"),
        "alias": ({CA: {"name": ALIAS}}, {CA: {"name": ALIAS, "kerberos_hostname": CA}}, ALIAS,
                  f"the KDC knows no service principal WSMAN/{ALIAS}"),
        "address as name": ({CA: {"name": "127.0.0.1"}}, {CA: {"name": "127.0.0.1", "kerberos_hostname": CA}},
                            "127.0.0.1", "Kerberos needs the host's DNS name, not the address 127.0.0.1"),
    }[fault]
    with kerberos_site(realm, tmp_path, hosts=broken) as (_, site_toml):
        facts = collect(site_toml)
    (error,) = probe_errors(facts, name)
    assert error is not None and expected in error, error
    assert healthy(facts, *(h for h in (CONNECTOR, CA, NDES, LEGACY) if h in facts.hosts and h != name))
    with kerberos_site(realm, tmp_path, hosts=fixed) as (_, site_toml):
        assert healthy(collect(site_toml), name)


def test_clock_skew_against_the_kdc_is_unknown_with_the_fix(realm, kerberos, tmp_path) -> None:
    kerberos.kinit(f"{AUDIT_ACCOUNT}@{samba.REALM}", AUDIT_PASSWORD)
    kerberos.skew_clock(3600)
    with kerberos_site(realm, tmp_path) as (_, site_toml):
        facts = collect(site_toml)
    for host in (CONNECTOR, CA, NDES):
        (error,) = probe_errors(facts, host)
        assert error is not None and error.endswith(CLOCK_SKEW), error


def _exchange(acceptor: Acceptor, client: Any) -> None:
    token = client.step()
    while token is not None:
        answer = acceptor.step("Negotiate " + base64.b64encode(token).decode())
        if acceptor.complete:
            return
        token = client.step(answer)


def test_over_https_a_kerberos_client_bound_to_another_channel_is_refused(realm, kerberos, tmp_path,
                                                                          monkeypatch) -> None:
    """Channel binding: the listener's acceptor checks the client's binding against its own TLS certificate, so a
    ticket relayed through a TLS interceptor (whose certificate the client bound to) is refused."""
    kerberos.kinit(f"{AUDIT_ACCOUNT}@{samba.REALM}", AUDIT_PASSWORD)
    monkeypatch.setenv("KRB5_KTNAME", f"FILE:{realm.keytab}")
    monkeypatch.setenv("KRB5RCACHEDIR", str(tmp_path))
    ca = make_ca()
    listener, interceptor = make_server(ca, CA), make_server(ca, "interceptor.contoso.com")
    for certificate in (listener, interceptor):
        bindings = GssChannelBindings(application_data=tls_server_end_point(certificate.cert_der))
        client = spnego.client(hostname=CA, service="WSMAN", protocol="kerberos", channel_bindings=bindings)
        acceptor = Acceptor(listener.cert_der, accept_ntlm=False)
        if certificate is interceptor:
            with pytest.raises(AuthFailed):
                _exchange(acceptor, client)
        else:
            _exchange(acceptor, client)
            assert acceptor.complete and acceptor.protocol == "kerberos"


class StandInWindowsError(Exception):
    """A stand-in (mock) for the WindowsError SSPI raises, which cannot be real here: it carries ``winerror``."""

    def __init__(self, winerror: int) -> None:
        super().__init__(f"SSPI error {winerror:#x}")
        self.winerror = winerror


@pytest.mark.parametrize("code, expected", [
    (0x80090324, CLOCK_SKEW),  # SEC_E_TIME_SKEW
    (0x8009030E, NO_TICKET),  # SEC_E_NO_CREDENTIALS
    (0x80090303, "the KDC knows no service principal WSMAN/ca01.contoso.com"),  # SEC_E_TARGET_UNKNOWN
    (0x80090311, "no KDC of the realm answered"),  # SEC_E_NO_AUTHENTICATING_AUTHORITY
], ids=["time-skew", "no-credentials", "target-unknown", "no-authority"])
def test_sspi_failures_map_to_the_same_reasons_by_code(code: int, expected: str) -> None:
    """On Windows pyspnego runs Kerberos through SSPI, whose messages are localised: the reason comes from the code."""
    from conncheck.collectors.kerberos import reason
    from spnego.exceptions import SpnegoError

    error = SpnegoError(base_error=StandInWindowsError(code - (1 << 32)))  # SSPI codes are negative HRESULTs
    assert expected in reason(error, "WSMAN", CA, "kerberos_service")


def test_kerberos_runs_on_sspi_on_windows_and_gssapi_elsewhere() -> None:
    from conncheck.collectors.kerberos import backend, unavailable_reason

    assert backend("win32").name == "SSPI" and "nothing to install" in unavailable_reason("win32")
    assert backend("linux").name == "GSSAPI" and "pip install 'conncheck[kerberos]'" in unavailable_reason("linux")
