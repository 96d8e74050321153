"""The LDAP collector's Kerberos (SASL GSSAPI) bind against the Samba lab's real KDC, on loopback.

The module starts its own Samba AD DC with the ``kdc`` service (tests/peers/samba.py, ``kdc=True``); each test gets a
Kerberos client of its own in a temp dir (tests/peers/krb5.py: krb5.conf naming the KDC by the lab's address, a
credential cache, ``kinit`` with the NDES account's password on stdin). No password reaches the collector: the
simple bind's environment variable is unset, so only the ticket can bind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conncheck import config as config_mod
from conncheck.collectors.ldap import collect_directory, settings_from
from conncheck.evaluate import evaluate
from conncheck.facts import Facts, Target
from conncheck.registry import default_registry
from conncheck.results import Status

from tests.conftest import peer_missing
from tests.peers import krb5, samba

# Our own loopback address (one the simple-bind lab module does not use: its second octet is 10).
ADDRESS = f"127.11.{os.getpid() >> 8 & 0xFF}.{os.getpid() & 0xFF or 1}"
PRINCIPAL = f"{samba.NDES_ACCOUNT}@{samba.REALM}"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[samba.SambaLab]:
    if not samba.samba_installed():
        peer_missing("Samba AD DC packages (samba, samba-ad-dc, samba-ad-provision) are not installed")
    if not krb5.client_installed():
        peer_missing("the Kerberos client is missing: Debian krb5-user (kinit, klist) and the Python package gssapi "
                     "(pip install 'conncheck[kerberos]', built against Debian libkrb5-dev)")
    if os.geteuid() != 0:
        peer_missing("the Samba AD DC lab must run as root")
    running = samba.start(tmp_path_factory.mktemp("samba-kdc") / "dc", ADDRESS, kdc=True)
    try:
        yield samba.seed(running)
    finally:
        running.stop()


@pytest.fixture
def kerberos(lab: samba.SambaLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> krb5.KerberosClient:
    """A fresh client (no ticket yet) that this process's libkrb5 uses; no simple-bind password anywhere."""
    client = krb5.client(lab, tmp_path / "krb5")
    for name, value in client.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CONNCHECK_LDAP_PASSWORD", raising=False)
    return client


def site(lab: samba.SambaLab, tmp_path: Path, **ldap: object) -> config_mod.SiteConfig:
    path = tmp_path / "site.toml"
    path.write_text(samba.site_toml(lab, auth="kerberos", **ldap))
    return config_mod.load(path)


def verdicts(target: Target, cfg: config_mod.SiteConfig) -> dict[str, Status]:
    facts = Facts(datetime.now(timezone.utc), {}, cfg.facts_site(), {}, target)
    return {r.check_id: r.status for r in evaluate(facts, default_registry()) if r.host == target.name}


def all_unknown_with(target: Target, cfg: config_mod.SiteConfig, reason: str) -> None:
    assert target.probes and all(not p.ok and reason in (p.error or "") for p in target.probes.values()), \
        {k: p.error for k, p in target.probes.items()}
    got = verdicts(target, cfg)
    assert got and set(got.values()) == {Status.UNKNOWN}, got


@pytest.mark.parametrize("tls", ["ldaps", "starttls"])
def test_kerberos_bind_reads_the_healthy_directory(lab, kerberos, tmp_path, tls) -> None:
    kerberos.kinit(PRINCIPAL, samba.NDES_PASSWORD)
    assert kerberos.tickets() == [f"krbtgt/{samba.REALM}@{samba.REALM}"]
    cfg = site(lab, tmp_path, tls=tls)
    assert settings_from(cfg, insecure=False).auth == "kerberos"
    target = collect_directory(cfg, default_registry(), interactive=False)
    assert target.attributes["auth"] == "kerberos"
    assert all(p.ok for p in target.probes.values()), {k: p.error for k, p in target.probes.items()}
    # The bind went through the KDC: the cache now holds a service ticket for the DC's LDAP service.
    assert f"ldap/{lab.fqdn}@{samba.REALM}" in kerberos.tickets()
    got = verdicts(target, cfg)
    assert got and set(got.values()) == {Status.PASS}, got


def test_the_ticket_holder_reads_descriptors_and_nested_groups(lab, kerberos, tmp_path) -> None:
    kerberos.kinit(PRINCIPAL, samba.NDES_PASSWORD)
    target = collect_directory(site(lab, tmp_path), default_registry(), interactive=False)
    templates = {t["attributes"]["cn"][0]: t for t in target.probes["certificate_templates"].data}
    assert templates[samba.SCEP_TEMPLATE]["attributes"]["nTSecurityDescriptor"]
    groups = {g["dn"] for g in target.probes["ndes_service_account"].data[0]["groups"]}
    assert groups == {lab.seeded["service_group"], lab.seeded["enrollers"]}


def test_without_a_ticket_every_check_is_unknown(lab, kerberos, tmp_path) -> None:
    assert kerberos.tickets() == []
    cfg = site(lab, tmp_path)
    all_unknown_with(collect_directory(cfg, default_registry(), interactive=False), cfg,
                     "no Kerberos ticket (run kinit first)")


def test_a_destroyed_ticket_is_unknown_again(lab, kerberos, tmp_path) -> None:
    kerberos.kinit(PRINCIPAL, samba.NDES_PASSWORD)
    cfg = site(lab, tmp_path)
    assert all(p.ok for p in collect_directory(cfg, default_registry(), interactive=False).probes.values())
    kerberos.destroy()
    all_unknown_with(collect_directory(cfg, default_registry(), interactive=False), cfg, "no Kerberos ticket")


def test_a_dc_name_the_kdc_does_not_know_is_unknown(lab, kerberos, tmp_path) -> None:
    # Plain 389 so no TLS name check comes first: the KDC has no ldap/dc2.lab.test principal.
    kerberos.kinit(PRINCIPAL, samba.NDES_PASSWORD)
    cfg = site(lab, tmp_path, server="dc2.lab.test", tls="none")
    all_unknown_with(collect_directory(cfg, default_registry(), interactive=False), cfg,
                     "Server not found in Kerberos database")


def test_without_the_gssapi_package_the_reason_names_it(lab, kerberos, tmp_path, monkeypatch) -> None:
    kerberos.kinit(PRINCIPAL, samba.NDES_PASSWORD)
    monkeypatch.setitem(sys.modules, "gssapi", None)  # import gssapi → ImportError, as on a machine without it
    monkeypatch.delitem(sys.modules, "ldap3.protocol.sasl.kerberos", raising=False)
    cfg = site(lab, tmp_path)
    all_unknown_with(collect_directory(cfg, default_registry(), interactive=False), cfg,
                     "pip install 'conncheck[kerberos]'")


def test_readme_commands_kinit_then_conncheck_check(lab, kerberos, tmp_path) -> None:
    """The installed script, as the README says: kinit, then ``conncheck check -c site.toml``; no password set."""
    kerberos.kinit(PRINCIPAL, samba.NDES_PASSWORD)
    (tmp_path / "site.toml").write_text(samba.site_toml(lab, auth="kerberos"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNCHECK_")}
    conncheck = Path(sys.executable).parent / "conncheck"
    done = subprocess.run([str(conncheck), "check", "-c", str(tmp_path / "site.toml"), "--format", "json"],
                          capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)
    assert done.returncode == 0, done.stderr
    statuses = [c["status"] for row in json.loads(done.stdout)["checklist"] for c in row["checks"]]
    assert statuses.count("PASS") >= 10 and set(statuses) == {"PASS", "SKIP"}, statuses
