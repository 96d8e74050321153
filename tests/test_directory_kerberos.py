"""The LDAP collector's Kerberos (SASL GSSAPI) bind against the Samba lab's real KDC, on loopback.

The DC runs Samba's default ``ldap server require strong auth = yes`` (tests/conftest.py ``samba_dc``): it takes a
Kerberos bind only with a SASL security layer, and refuses one inside TLS. So the bind that reads it is the one
Windows' own tools make on 389: Kerberos with the confidentiality layer, every later message sealed. Over LDAPS or
StartTLS the collector binds without a layer and bound to the TLS channel, as a Windows DC expects; Samba's default
refuses that with a reason naming the fix, and the relaxed DC (``samba_dc_relaxed``) shows it reading the directory.

Each test gets a Kerberos client of its own in a temp dir (tests/peers/krb5.py: krb5.conf naming the KDC by the lab's
address, a credential cache, ``kinit`` with the NDES account's password on stdin). No password reaches the collector:
the simple bind's environment variable is unset, so only the ticket can bind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conncheck import config as config_mod
from conncheck.collectors.ldap import collect_directory, settings_from
from conncheck.evaluate import evaluate
from conncheck.facts import Facts, Target
from conncheck.registry import default_registry
from conncheck.results import Status

from tests.peers import krb5, samba

PRINCIPAL = f"{samba.NDES_ACCOUNT}@{samba.REALM}"


@pytest.fixture
def lab(samba_dc: samba.SambaLab) -> samba.SambaLab:
    return samba_dc


def kerberos_client(lab: samba.SambaLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> krb5.KerberosClient:
    """A fresh client (no ticket yet) that this process's libkrb5 uses; no simple-bind password anywhere."""
    client = krb5.client(lab, tmp_path / "krb5")
    for name, value in client.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CONNCHECK_LDAP_PASSWORD", raising=False)
    return client


@pytest.fixture
def kerberos(lab: samba.SambaLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> krb5.KerberosClient:
    return kerberos_client(lab, tmp_path, monkeypatch)


def site(lab: samba.SambaLab, tmp_path: Path, **ldap: object) -> config_mod.SiteConfig:
    """A directory-only site binding with Kerberos; sealed on 389 unless ``tls`` says otherwise."""
    path = tmp_path / "site.toml"
    path.write_text(samba.site_toml(lab, auth="kerberos", **{"tls": "none", **ldap}))
    return config_mod.load(path)


def verdicts(target: Target, cfg: config_mod.SiteConfig) -> dict[str, Status]:
    facts = Facts(datetime.now(timezone.utc), {}, cfg.facts_site(), {}, target)
    return {r.check_id: r.status for r in evaluate(facts, default_registry()) if r.host == target.name}


def all_unknown_with(target: Target, cfg: config_mod.SiteConfig, reason: str) -> None:
    assert target.probes and all(not p.ok and reason in (p.error or "") for p in target.probes.values()), \
        {k: p.error for k, p in target.probes.items()}
    got = verdicts(target, cfg)
    assert got and set(got.values()) == {Status.UNKNOWN}, got


def assert_healthy(target: Target, cfg: config_mod.SiteConfig) -> None:
    assert all(p.ok for p in target.probes.values()), {k: p.error for k, p in target.probes.items()}
    got = verdicts(target, cfg)
    assert got and set(got.values()) == {Status.PASS}, got


def test_a_sealed_kerberos_bind_reads_a_dc_that_requires_strong_auth(lab, kerberos, tmp_path) -> None:
    kerberos.kinit(PRINCIPAL, samba.NDES_PASSWORD)
    assert kerberos.tickets() == [f"krbtgt/{samba.REALM}@{samba.REALM}"]
    cfg = site(lab, tmp_path)
    assert settings_from(cfg, insecure=False).auth == "kerberos"  # tls = "none" needs no --insecure with Kerberos
    target = collect_directory(cfg, default_registry(), interactive=False)
    assert target.attributes == {"tls": "none", "auth": "kerberos"}
    assert_healthy(target, cfg)
    # The bind went through the KDC: the cache now holds a service ticket for the DC's LDAP service.
    assert f"ldap/{lab.fqdn}@{samba.REALM}" in kerberos.tickets()


@pytest.mark.parametrize("tls", ["ldaps", "starttls"])
def test_kerberos_inside_tls_is_refused_by_samba_default_with_the_fix(lab, kerberos, tmp_path, tls) -> None:
    kerberos.kinit(PRINCIPAL, samba.NDES_PASSWORD)
    cfg = site(lab, tmp_path, tls=tls)
    all_unknown_with(collect_directory(cfg, default_registry(), interactive=False), cfg,
                     'use tls = "none" with auth = "kerberos" (Kerberos then seals the traffic)')


@pytest.mark.parametrize("tls", ["ldaps", "starttls"])
def test_kerberos_bound_to_the_tls_channel_reads_a_dc_that_allows_it(samba_dc_relaxed, tmp_path, monkeypatch,
                                                                   tls) -> None:
    kerberos = kerberos_client(samba_dc_relaxed, tmp_path, monkeypatch)
    kerberos.kinit(PRINCIPAL, samba.NDES_PASSWORD)
    cfg = site(samba_dc_relaxed, tmp_path, tls=tls)
    assert_healthy(collect_directory(cfg, default_registry(), interactive=False), cfg)


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
                     "no Kerberos ticket: run kinit")


def test_a_client_keytab_binds_with_no_password_and_no_kinit(lab, kerberos, tmp_path) -> None:
    """A scheduled run on Linux: the account's keys in KRB5_CLIENT_KTNAME; libkrb5 gets the ticket itself."""
    samba.export_keytab(lab, kerberos.client_keytab, PRINCIPAL)
    assert kerberos.tickets() == []
    cfg = site(lab, tmp_path)
    assert_healthy(collect_directory(cfg, default_registry(), interactive=False), cfg)


def test_a_destroyed_ticket_is_unknown_again(lab, kerberos, tmp_path) -> None:
    kerberos.kinit(PRINCIPAL, samba.NDES_PASSWORD)
    cfg = site(lab, tmp_path)
    assert all(p.ok for p in collect_directory(cfg, default_registry(), interactive=False).probes.values())
    kerberos.destroy()
    all_unknown_with(collect_directory(cfg, default_registry(), interactive=False), cfg, "no Kerberos ticket")


def test_a_dc_name_the_kdc_does_not_know_is_unknown(lab, kerberos, tmp_path) -> None:
    kerberos.kinit(PRINCIPAL, samba.NDES_PASSWORD)
    cfg = site(lab, tmp_path, server="dc2.lab.test")
    all_unknown_with(collect_directory(cfg, default_registry(), interactive=False), cfg,
                     "the KDC knows no service principal ldap/dc2.lab.test")


def test_clock_skew_against_the_kdc_is_unknown_with_the_fix(lab, kerberos, tmp_path) -> None:
    kerberos.kinit(PRINCIPAL, samba.NDES_PASSWORD)
    kerberos.skew_clock(3600)
    cfg = site(lab, tmp_path)
    all_unknown_with(collect_directory(cfg, default_registry(), interactive=False), cfg,
                     "differ by more than the allowed skew")


def test_without_pyspnego_kerberos_the_reason_names_the_extra(lab, kerberos, tmp_path, monkeypatch) -> None:
    kerberos.kinit(PRINCIPAL, samba.NDES_PASSWORD)
    import spnego._gss

    monkeypatch.setattr(spnego._gss, "HAS_GSSAPI", False)  # as on a machine without the gssapi package
    cfg = site(lab, tmp_path)
    all_unknown_with(collect_directory(cfg, default_registry(), interactive=False), cfg,
                     "pip install 'conncheck[kerberos]'")


def test_readme_commands_kinit_then_conncheck_check(lab, kerberos, tmp_path) -> None:
    """The installed script, as the README says: kinit, then ``conncheck check -c site.toml``; no password set."""
    kerberos.kinit(PRINCIPAL, samba.NDES_PASSWORD)
    (tmp_path / "site.toml").write_text(samba.site_toml(lab, auth="kerberos", tls="none"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNCHECK_")}
    conncheck = Path(sys.executable).parent / "conncheck"
    done = subprocess.run([str(conncheck), "check", "-c", str(tmp_path / "site.toml"), "--format", "json"],
                          capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=120)
    assert done.returncode == 0, done.stderr
    statuses = [c["status"] for row in json.loads(done.stdout)["checklist"] for c in row["checks"]]
    assert statuses.count("PASS") >= 10 and set(statuses) == {"PASS", "SKIP"}, statuses
