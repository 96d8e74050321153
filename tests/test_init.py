"""``conncheck init`` against a real Samba AD DC (tests/peers/samba.py) and, for ``--probe``, the loopback WinRM lab.

The Samba lab holds what an AD CS site holds (Enrollment Services, templates with security descriptors, the NDES
service account with its HTTP SPN, the connector's computer account); this module adds what makes discovery choose:
the DC's TLS CA published under Certification Authorities (as an Enterprise CA publishes its root), a published
Web Server copy (subject from the request, Server Authentication only) and an unpublished VPN template (subject from
the request, Client Authentication) that are not SCEP/PKCS candidates.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conncheck import config as config_mod
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding

from tests.audit_fixtures import CLI
from tests.conftest import peer_missing
from tests.peers import samba

ADDRESS = f"127.11.{os.getpid() >> 8 & 0xFF}.{os.getpid() & 0xFF or 1}"
SERVER_AUTH = "1.3.6.1.5.5.7.3.1"
EXPECTED = {
    "ca_config": f"{samba.CA_HOST}\\{samba.CA_NAME}",
    "scep_template": samba.SCEP_TEMPLATE,
    "pkcs_templates": [samba.PKCS_TEMPLATE],
    "ndes_fqdn": samba.NDES_FQDN,
    "ndes_service_account": f"{samba.DOMAIN}\\{samba.NDES_ACCOUNT}",
    "connector_account": f"{samba.DOMAIN}\\{samba.CONNECTOR_COMPUTER}$",
}


def _add_template(conn: Any, lab: samba.SambaLab, name: str, ekus: tuple[str, ...]) -> None:
    blob = samba.sddl.encode([samba.template_sddl(lab, "DU")], lab.domain_sid)[0]
    conn.add(f"CN={name},CN=Certificate Templates,{lab.pki}", ["top", "pKICertificateTemplate"],
             {**samba.template_attributes(name, ekus=ekus), "nTSecurityDescriptor": blob})


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[samba.SambaLab]:
    if not samba.samba_installed():
        peer_missing("Samba AD DC packages (samba, samba-ad-dc, samba-ad-provision) are not installed")
    if os.geteuid() != 0:
        peer_missing("the Samba AD DC lab must run as root")
    running = samba.start(tmp_path_factory.mktemp("samba-init") / "dc", ADDRESS)
    try:
        samba.seed(running)
        from ldap3 import MODIFY_ADD

        tls_ca = x509.load_pem_x509_certificate(running.ca_bundle.read_bytes()).public_bytes(Encoding.DER)
        conn = running.admin()
        try:
            conn.add(f"CN=DC1-TLS-CA,CN=Certification Authorities,{running.pki}", ["top", "certificationAuthority"],
                     {"cACertificate": tls_ca, "authorityRevocationList": b"\x00",
                      "certificateRevocationList": b"\x00"})
            _add_template(conn, running, "WebServerCopy", (SERVER_AUTH,))
            _add_template(conn, running, "CorpVPN", ("1.3.6.1.5.5.7.3.2",))
            conn.modify(running.seeded["ca"], {"certificateTemplates": [(MODIFY_ADD, ["WebServerCopy"])]})
        finally:
            conn.unbind()
        yield running
    finally:
        running.stop()


def dc_fingerprint(lab: samba.SambaLab) -> str:
    cert = x509.load_pem_x509_certificate((lab.workdir / "private" / "tls" / "cert.pem").read_bytes())
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[i : i + 2] for i in range(0, 64, 2))


def conncheck(*args: str, password: str = samba.NDES_PASSWORD, env: dict[str, str] | None = None,
              cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
                          env={**os.environ, "CONNCHECK_LDAP_PASSWORD": password, **(env or {})}, cwd=cwd)


def init(lab: samba.SambaLab, *extra: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return conncheck("init", "--dc", lab.fqdn, "--address", lab.address, "--user", f"{samba.NDES_ACCOUNT}@lab.test",
                     *extra, **kwargs)


def commented_values(text: str) -> dict[str, tuple[str, str]]:
    """[site] key → (found|guess, the reason on the comment line right above it)."""
    out = {}
    lines = text.splitlines()
    for above, line in itertools.pairwise(lines):
        key = line.split(" = ")[0]
        if key in EXPECTED:
            kind, _, reason = above.removeprefix("# ").partition(": ")
            out[key] = (kind, reason)
    return out


def test_the_written_site_checks_the_healthy_directory_all_pass(lab: samba.SambaLab, tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    done = init(lab, "--trust-fingerprint", dc_fingerprint(lab), "-o", str(site))
    assert done.returncode == 0, done.stderr
    assert f"conncheck: ldap {lab.fqdn}: started" in done.stderr and "wrote " in done.stderr

    loaded = config_mod.load(site)  # the loader check uses reads it
    assert {k: loaded.site.get(k) for k in EXPECTED} == EXPECTED  # the decoy templates are not candidates
    assert loaded.sections["ldap"]["ca_bundle"] == "site-dc-ca.pem"
    bundle = x509.load_pem_x509_certificates((tmp_path / "site-dc-ca.pem").read_bytes())
    assert [c.subject for c in bundle] == [x509.load_pem_x509_certificate(lab.ca_bundle.read_bytes()).subject]

    text = site.read_text(encoding="utf-8")
    comments = commented_values(text)
    assert comments["ca_config"][0] == "found"  # the only CA in Enrollment Services
    for key in set(EXPECTED) - {"ca_config"}:  # every guess says why, in words an admin can check
        kind, reason = comments[key]
        assert kind == "guess" and len(reason.split()) >= 5, (key, reason)
    assert "HTTP/" in comments["ndes_service_account"][1] and samba.NDES_ACCOUNT in comments["scep_template"][1]
    assert "# [[hosts]]" in text and "\n[[hosts]]" not in text  # unconfirmed hosts stay commented out
    assert "WebServerCopy" not in text and "CorpVPN" not in text

    checked = conncheck("check", "-c", str(site), "-f", "json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    import json

    report = json.loads(checked.stdout)
    directory = {c["id"]: c["status"] for row in report["checklist"] for c in row["checks"] if c["host"] == lab.fqdn}
    assert directory and set(directory.values()) == {"PASS"}, directory


def test_trust_on_first_use_is_never_silent(lab: samba.SambaLab, tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    # without a flag or a terminal: one line naming the fingerprint to check, and nothing written or sent;
    # the password is wrong on purpose: a bind before the trust decision would say so instead
    done = init(lab, "-o", str(site), password="wrong")
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
    assert dc_fingerprint(lab) in done.stderr and "--trust-fingerprint" in done.stderr
    wrong = "AA:" * 31 + "AA"
    done = init(lab, "-o", str(site), "--trust-fingerprint", wrong, password="wrong")
    assert done.returncode == 2 and "refusing" in done.stderr and dc_fingerprint(lab) in done.stderr
    bad = init(lab, "-o", str(site), "--trust-fingerprint", "not-hex")
    assert bad.returncode == 2 and "64 hex digits" in bad.stderr
    assert list(tmp_path.iterdir()) == []


def test_at_a_terminal_init_asks_and_only_a_yes_trusts(lab: samba.SambaLab, tmp_path: Path) -> None:
    import pty

    for answer, expected in (("n", 2), ("y", 0)):
        site = tmp_path / f"answered-{answer}.toml"
        terminal, stdin = pty.openpty()
        proc = subprocess.Popen(
            [*CLI, "init", "--dc", lab.fqdn, "--address", lab.address, "--user", f"{samba.NDES_ACCOUNT}@lab.test",
             "-o", str(site)], stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "CONNCHECK_LDAP_PASSWORD": samba.NDES_PASSWORD})
        os.close(stdin)
        os.write(terminal, f"{answer}\n".encode())
        _, err = proc.communicate(timeout=300)
        os.close(terminal)
        assert proc.returncode == expected, err
        assert dc_fingerprint(lab) in err and "Trust it" in err  # the prompt shows what is being trusted
        assert site.exists() is (answer == "y")
    assert "confirmed at the prompt" in (tmp_path / "answered-y.toml").read_text(encoding="utf-8")


def test_a_wrong_password_is_one_line_and_exit_3(lab: samba.SambaLab, tmp_path: Path) -> None:
    done = init(lab, "-o", str(tmp_path / "site.toml"), "--trust-fingerprint", dc_fingerprint(lab), password="wrong")
    assert done.returncode == 3 and "bind" in done.stderr and "refused" in done.stderr
    assert "Traceback" not in done.stderr and "wrong" not in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_never_overwrites_and_dry_run_writes_nothing(lab: samba.SambaLab, tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text("# the admin's own\n", encoding="utf-8")
    done = init(lab, "--trust-fingerprint", dc_fingerprint(lab), "-o", str(site))
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and "refusing to overwrite" in done.stderr
    assert site.read_text(encoding="utf-8") == "# the admin's own\n"

    other = tmp_path / "other.toml"
    (tmp_path / "other-dc-ca.pem").write_text("someone's bundle\n", encoding="utf-8")
    done = init(lab, "--trust-fingerprint", dc_fingerprint(lab), "-o", str(other), "--quiet")
    assert done.returncode == 2 and "other-dc-ca.pem exists" in done.stderr and not other.exists()
    assert (tmp_path / "other-dc-ca.pem").read_text(encoding="utf-8") == "someone's bundle\n"

    printed = init(lab, "--trust-fingerprint", dc_fingerprint(lab), "-o", str(tmp_path / "new.toml"), "--dry-run")
    assert printed.returncode == 0, printed.stderr
    config_mod.parse(config_mod.tomllib.loads(printed.stdout))
    assert 'scep_template = "IntuneSCEP"' in printed.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other-dc-ca.pem", "site.toml"]


def test_a_given_ca_bundle_replaces_trust_on_first_use(lab: samba.SambaLab, tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    done = init(lab, "--ca-bundle", str(lab.ca_bundle), "-o", str(site), "--name", "lab-given")
    assert done.returncode == 0, done.stderr
    loaded = config_mod.load(site)
    assert loaded.name == "lab-given" and loaded.sections["ldap"]["ca_bundle"] == str(lab.ca_bundle.resolve())
    assert not (tmp_path / "site-dc-ca.pem").exists()
    both = init(lab, "--ca-bundle", str(lab.ca_bundle), "--trust-fingerprint", dc_fingerprint(lab),
                "-o", str(tmp_path / "x.toml"))
    assert both.returncode == 2 and "not both" in both.stderr


# --- --probe: the hosts over WinRM ---------------------------------------------------------------------------


def _role_host(name: str, *, mscep: bool = False, connector_as: str | None = None, ca: str | None = None) -> Any:
    from conncheck.facts import ProbeResult
    from conncheck.lab import SimHost

    root = "HKLM\\SOFTWARE\\Microsoft\\MicrosoftIntune"
    services = [{"name": "W32Time", "display_name": "Windows Time", "status": "Running", "start_type": "Automatic",
                 "account": "LocalSystem"}]
    registry: dict[str, Any] = {root: None}
    if connector_as is not None:
        registry = {root: {}, f"{root}\\PFXCertificateConnector": {"EnableSidSecurityExtension": 1}}
        services.append({"name": "PkiCreateConnectorSvc", "display_name": "PFX Create Certificate Connector",
                         "status": "Running", "start_type": "Automatic", "account": connector_as})
    probes = {
        "host_info": ProbeResult.success({"computer_name": name.split(".")[0].upper(), "fqdn": name,
                                          "domain": "lab.test", "domain_role": 3}),
        "services": ProbeResult.success(services),
        "mscep_registry": ProbeResult.success({"SignatureTemplate": samba.SCEP_TEMPLATE,
                                               "EncryptionTemplate": samba.SCEP_TEMPLATE,
                                               "GeneralPurposeTemplate": samba.SCEP_TEMPLATE} if mscep else None),
        "connector_registry": ProbeResult.success(registry),
        "ca_registry": ProbeResult.success({"active": ca, "configuration": {"CommonName": ca} if ca else None}),
    }
    return SimHost(name, ("connector", "ca", "ndes"), probes)


def test_probe_asks_the_hosts_which_roles_they_hold(lab: samba.SambaLab, tmp_path: Path) -> None:
    from conncheck.discovery import ROLE_PROBES
    from conncheck.lab import PASSWORD_ENV, Faults, Lab

    hosts = [_role_host(samba.CA_HOST, ca=samba.CA_NAME), _role_host(samba.NDES_FQDN, mscep=True),
             _role_host("conn01.lab.test", connector_as="LAB\\svc-intunecc")]
    hosts[0].faults = Faults(refuse=True)  # the CA host does not answer: it stays a commented guess, with why
    with Lab(hosts) as winrm_lab:
        winrm = winrm_lab.site_toml(tmp_path / "winrm.toml")
        site = tmp_path / "site.toml"
        done = init(lab, "--trust-fingerprint", dc_fingerprint(lab), "--probe", "--winrm-from", str(winrm),
                    "-o", str(site), env={PASSWORD_ENV: winrm_lab.password})
        scripts = {h.name: list(h.scripts) for h in hosts}
    assert done.returncode == 0, done.stderr
    assert f"conncheck: winrm {samba.NDES_FQDN}: started" in done.stderr

    loaded = config_mod.load(site)
    assert {h.name: h.roles for h in loaded.hosts} == {samba.NDES_FQDN: ("ndes",), "conn01.lab.test": ("connector",)}
    assert loaded.hosts[0].options["port"] > 0  # the lab's address and port came along from --winrm-from
    assert loaded.site["connector_account"] == "LAB\\svc-intunecc"  # what the connector's service runs as
    comments = commented_values(site.read_text(encoding="utf-8"))
    assert comments["connector_account"][0] == "found" and "PkiCreateConnectorSvc" in comments["connector_account"][1]
    assert comments["scep_template"][0] == "found" and "MSCEP" in comments["scep_template"][1]
    assert comments["ndes_fqdn"][0] == "found"
    text = site.read_text(encoding="utf-8")
    assert re.search(rf"# guess: .*{samba.CA_NAME}.*WinRM failed \(connection refused", text)
    assert f'# name = "{samba.CA_HOST}"' in text

    # each answering host ran one script holding the role fragments and nothing else (all read-only ones)
    for name in (samba.NDES_FQDN, "conn01.lab.test"):
        (script,) = scripts[name]
        assert re.findall(r"^# conncheck-probe: (\S+)$", script, re.M) == list(ROLE_PROBES)
    assert scripts[samba.CA_HOST] == []


def test_init_is_in_the_cli_help() -> None:
    done = subprocess.run([sys.executable, "-m", "conncheck", "init", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "--trust-fingerprint" in done.stdout and "Exit codes" in done.stdout
