"""The LDAP collector's simple binds against a real Samba AD DC on loopback (tests/peers/samba.py), at Samba's default
``ldap server require strong auth = yes``: LDAPS and StartTLS read the directory, a cleartext bind on 389 is refused
by the DC with a clear UNKNOWN; only the ``--insecure`` cleartext bind that works needs the relaxed DC."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conncheck import config as config_mod
from conncheck.collectors.ldap import collect_directory, filter_parameters
from conncheck.errors import ConfigError
from conncheck.evaluate import evaluate
from conncheck.facts import Facts, Target
from conncheck.registry import default_registry
from conncheck.results import Status

from tests.peers import samba


@pytest.fixture
def lab(samba_dc: samba.SambaLab) -> samba.SambaLab:
    """The shared DC at Samba's default strong authentication (tests/conftest.py)."""
    return samba_dc


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONNCHECK_LDAP_PASSWORD", samba.NDES_PASSWORD)


def site(lab: samba.SambaLab, tmp_path: Path, **ldap) -> config_mod.SiteConfig:
    path = tmp_path / "site.toml"
    path.write_text(samba.site_toml(lab, **ldap))
    return config_mod.load(path)


def collect(lab: samba.SambaLab, tmp_path: Path, insecure: bool = False, **ldap) -> Target:
    return collect_directory(site(lab, tmp_path, **ldap), default_registry(), insecure=insecure, interactive=False)


def verdicts(target: Target, cfg: config_mod.SiteConfig) -> dict[str, Status]:
    facts = Facts(datetime.now(timezone.utc), {}, cfg.facts_site(), {}, target)
    return {r.check_id: r.status for r in evaluate(facts, default_registry()) if r.host == target.name}


def failures(lab: samba.SambaLab, tmp_path: Path) -> list[str]:
    cfg = site(lab, tmp_path)
    target = collect_directory(cfg, default_registry(), interactive=False)
    return sorted(k for k, v in verdicts(target, cfg).items() if v is Status.FAIL)


def test_healthy_seeded_directory_passes(lab: samba.SambaLab, tmp_path: Path) -> None:
    cfg = site(lab, tmp_path)
    target = collect_directory(cfg, default_registry(), interactive=False)
    assert all(p.ok for p in target.probes.values()), {k: p.error for k, p in target.probes.items()}
    got = verdicts(target, cfg)
    assert set(got.values()) == {Status.PASS}, got


def test_a_normal_user_reads_descriptors_and_nested_groups(lab: samba.SambaLab, tmp_path: Path) -> None:
    target = collect(lab, tmp_path)
    templates = {t["attributes"]["cn"][0]: t for t in target.probes["certificate_templates"].data}
    assert templates[samba.SCEP_TEMPLATE]["attributes"]["nTSecurityDescriptor"]
    groups = {g["dn"] for g in target.probes["ndes_service_account"].data[0]["groups"]}
    assert groups == {lab.seeded["service_group"], lab.seeded["enrollers"]}  # the second only through the first
    assert "password" not in json.dumps([p.to_json() for p in target.probes.values()]).lower()


def test_deny_ace_on_the_nested_group_fails_enroll(lab: samba.SambaLab, tmp_path: Path) -> None:
    conn = lab.admin()
    try:
        enrollers, service = (samba._sid(conn, lab.seeded[k]) for k in ("enrollers", "service_group"))
    finally:
        conn.unbind()
    denied = samba.template_sddl(lab, enrollers, extra=f"(OD;;CR;{samba.sdm.ENROLL};;{service})")
    samba.set_template_sd(lab, samba.SCEP_TEMPLATE, denied)
    try:
        assert failures(lab, tmp_path) == ["scep_template_enroll_for_ndes_account"]
    finally:
        samba.set_template_sd(lab, samba.SCEP_TEMPLATE, samba.template_sddl(lab, enrollers))


def test_a_broad_enroll_grant_on_the_scep_template_is_esc1(lab: samba.SambaLab, tmp_path: Path) -> None:
    """Domain Users may enroll for the SCEP template (descriptor encoded by Samba from SDDL): the ESC1 path fails, and
    the evidence lists every principal that may enroll."""
    conn = lab.admin()
    try:
        enrollers = samba._sid(conn, lab.seeded["enrollers"])
    finally:
        conn.unbind()
    broad = samba.template_sddl(lab, enrollers, extra=f"(OA;;CR;{samba.sdm.ENROLL};;DU)")
    samba.set_template_sd(lab, samba.SCEP_TEMPLATE, broad)
    try:
        cfg = site(lab, tmp_path)
        target = collect_directory(cfg, default_registry(), interactive=False)
        facts = Facts(datetime.now(timezone.utc), {}, cfg.facts_site(), {}, target)
        results = {r.check_id: r for r in evaluate(facts, default_registry()) if r.host == target.name}
        failing = sorted(k for k, r in results.items() if r.status is Status.FAIL)
        assert failing == ["scep_template_enrollable_by_ndes_only"]
        enrollees = results["scep_template_enrollable_by_ndes_only"].evidence["enrollees"]
        assert enrollees == {f"{lab.domain_sid}-512 (Domain Admins)": "privileged",
                             f"{enrollers} (NDES Enrollers)": "intended",
                             f"{lab.domain_sid}-513 (Domain Users)": "broad"}
    finally:
        samba.set_template_sd(lab, samba.SCEP_TEMPLATE, samba.template_sddl(lab, enrollers))


def _modify(lab: samba.SambaLab, dn: str, changes: dict) -> None:
    from ldap3 import MODIFY_REPLACE

    conn = lab.admin()
    try:
        conn.modify(dn, {k: [(MODIFY_REPLACE, v)] for k, v in changes.items()})
    finally:
        conn.unbind()


@pytest.mark.parametrize(
    "what, broken, healthy, check",
    [
        ("ndes", {"userAccountControl": [514]}, {"userAccountControl": [512]}, "ndes_account_enabled"),
        ("ca", {"certificateTemplates": [samba.PKCS_TEMPLATE]},
         {"certificateTemplates": [samba.SCEP_TEMPLATE, samba.PKCS_TEMPLATE]}, "scep_template_published_on_ca"),
        (samba.SCEP_TEMPLATE, {"msPKI-Certificate-Name-Flag": [-2113929216]}, {"msPKI-Certificate-Name-Flag": [1]},
         "scep_template_subject_from_request"),
        (samba.SCEP_TEMPLATE, {"pKIExpirationPeriod": [samba.validity(2)]},
         {"pKIExpirationPeriod": [samba.validity(365)]}, "scep_template_validity"),
    ],
)
def test_one_broken_precondition_in_the_directory(lab, tmp_path, monkeypatch, what, broken, healthy, check) -> None:
    # The NDES account binds for these: disabling it would refuse the bind, so bind as Administrator here.
    _modify(lab, lab.seeded[what], broken)
    try:
        cfg = site(lab, tmp_path, user=f"Administrator@{samba.REALM.lower()}", password_env="LAB_ADMIN_PASSWORD")
        monkeypatch.setenv("LAB_ADMIN_PASSWORD", samba.ADMIN_PASSWORD)
        target = collect_directory(cfg, default_registry(), interactive=False)
        assert sorted(k for k, v in verdicts(target, cfg).items() if v is Status.FAIL) == [check]
    finally:
        _modify(lab, lab.seeded[what], healthy)


def test_ca_missing_from_ntauth_fails(lab: samba.SambaLab, tmp_path: Path) -> None:
    from datetime import datetime, timezone

    _modify(lab, lab.seeded["ntauth"], {"cACertificate": [samba.make_ca_certificate(datetime.now(timezone.utc))]})
    try:
        assert failures(lab, tmp_path) == ["ca_certificate_in_ntauth"]
    finally:
        _modify(lab, lab.seeded["ntauth"], {"cACertificate": [lab.ca_der]})


def _all_unknown_with(target: Target, cfg: config_mod.SiteConfig, reason: str) -> None:
    assert all(not p.ok and reason in (p.error or "") for p in target.probes.values()), \
        {k: p.error for k, p in target.probes.items()}
    got = verdicts(target, cfg)
    assert got and set(got.values()) == {Status.UNKNOWN}


def test_wrong_password_is_unknown_with_the_reason(lab, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("CONNCHECK_LDAP_PASSWORD", "not-the-password")
    cfg = site(lab, tmp_path)
    _all_unknown_with(collect_directory(cfg, default_registry(), interactive=False), cfg, "bind")


def test_dc_down_is_unknown(lab, tmp_path) -> None:
    cfg = site(lab, tmp_path, address="127.0.0.11", connect_timeout=2)
    _all_unknown_with(collect_directory(cfg, default_registry(), interactive=False), cfg, "cannot connect")


def test_tls_name_mismatch_is_unknown(lab, tmp_path) -> None:
    cfg = site(lab, tmp_path, server="wrong.lab.test")
    _all_unknown_with(collect_directory(cfg, default_registry(), interactive=False), cfg, "name mismatch")


def test_unknown_ca_bundle_is_unknown(lab, tmp_path) -> None:
    bundle = tmp_path / "other-ca.pem"
    bundle.write_text(subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                      "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null", "-subj",
                                      "/CN=Other CA", "-days", "2"], capture_output=True, text=True,
                                     check=True).stdout)
    cfg = site(lab, tmp_path, ca_bundle=str(bundle))
    _all_unknown_with(collect_directory(cfg, default_registry(), interactive=False), cfg, "verify failed")


def test_cleartext_simple_bind_is_refused_unless_insecure(lab, tmp_path) -> None:
    cfg = site(lab, tmp_path, tls="none")
    with pytest.raises(ConfigError, match="cleartext"):
        collect_directory(cfg, default_registry(), interactive=False)


def test_a_dc_requiring_strong_auth_refuses_a_cleartext_bind_with_a_clear_unknown(lab, tmp_path) -> None:
    cfg = site(lab, tmp_path, tls="none")
    target = collect_directory(cfg, default_registry(), insecure=True, interactive=False)
    _all_unknown_with(target, cfg, 'takes simple binds only over TLS (LDAP signing / strong authentication '
                                   'required): use tls = "ldaps" or "starttls"')


def test_insecure_cleartext_bind_reads_a_relaxed_dc(samba_dc_relaxed, tmp_path) -> None:
    target = collect(samba_dc_relaxed, tmp_path, insecure=True, tls="none")
    assert all(p.ok for p in target.probes.values()), {k: p.error for k, p in target.probes.items()}


def test_starttls_reads_the_same_directory(lab, tmp_path) -> None:
    target = collect(lab, tmp_path, tls="starttls")
    assert all(p.ok for p in target.probes.values()), {k: p.error for k, p in target.probes.items()}


def test_collector_opens_read_only_connections(lab, tmp_path, monkeypatch) -> None:
    import ldap3

    seen = []
    original = ldap3.Connection.__init__

    def spy(self, *args, **kwargs):
        seen.append(kwargs.get("read_only"))
        original(self, *args, **kwargs)

    monkeypatch.setattr(ldap3.Connection, "__init__", spy)
    collect(lab, tmp_path)
    assert seen == [True]


def test_connector_computer_account_from_hosts() -> None:
    cfg = config_mod.parse({"site": {"ndes_fqdn": "ndes01.lab.test"},
                            "hosts": [{"name": "conn01.lab.test", "roles": ["connector"]}]})
    assert filter_parameters(cfg) == {"ndes_fqdn": "ndes01.lab.test", "connector_account": "CONN01$"}
