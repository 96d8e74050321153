"""``conncheck init`` against a Samba AD DC lab, beside the directory collection ``check`` runs on the same DC.

In process, per step (median of RUNS): the first-contact handshake that reads the DC's certificate, the pinned
connection and bind, reading what discovery needs, discovery itself and drafting the site.toml; then the whole
command as a user runs it (``conncheck init --dry-run`` in a subprocess: interpreter start and imports included).
The peer: ``collect_directory`` with the written site.toml (what ``check`` does against the DC).

Run as root with the Samba packages installed: ``.venv/bin/python bench/bench_init.py [RUNS]``. Figures, not pass/fail.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ldap3
from conncheck import config as config_mod
from conncheck.collectors.ldap import Bases, collect_directory, run_query
from conncheck.dc_trust import DcAddress, connect, fingerprint, presented
from conncheck.discovery import ROOT_DSE, discover, first, read_directory
from conncheck.registry import default_registry
from conncheck.site_draft import LdapDraft, render
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from tests.peers import samba


def median_ms(work: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        lab = samba.start(Path(tmp) / "dc", "127.0.0.13")
        try:
            samba.seed(lab)
            conn = lab.admin()
            tls_ca = x509.load_pem_x509_certificate(lab.ca_bundle.read_bytes()).public_bytes(Encoding.DER)
            empty = {"authorityRevocationList": b"\x00", "certificateRevocationList": b"\x00"}
            conn.add(f"CN=DC1-TLS-CA,CN=Certification Authorities,{lab.pki}", ["top", "certificationAuthority"],
                     {"cACertificate": tls_ca, **empty})
            conn.unbind()
            dc = DcAddress(lab.fqdn, lab.address, "ldaps", 636)
            bind = {"authentication": ldap3.SIMPLE, "user": f"{samba.NDES_ACCOUNT}@lab.test",
                    "password": samba.NDES_PASSWORD}
            handshake, chain = median_ms(lambda: presented(dc), runs)
            pin = fingerprint(chain[0])
            bound, _ = median_ms(lambda: connect(dc, bind, pin=pin, ca_bundle=None).unbind(), runs)

            def read() -> Any:
                c = connect(dc, bind, pin=pin, ca_bundle=None)
                root = run_query(c, ROOT_DSE, Bases("", ""), {})[0]
                bases = Bases(first(root, "defaultNamingContext") or "",
                              first(root, "configurationNamingContext") or "")
                try:
                    return read_directory(lambda q: run_query(c, q, bases, {}))
                finally:
                    c.unbind()

            reading, (directory, _) = median_ms(read, runs)
            discovering, found = median_ms(lambda: discover(directory), runs)
            ldap = LdapDraft({"server": lab.fqdn, "address": lab.address, "tls": "ldaps",
                              "ca_bundle": str(lab.ca_bundle), "auth": "simple",
                              "user": f"{samba.NDES_ACCOUNT}@lab.test", "password_env": "CONNCHECK_LDAP_PASSWORD"})
            drafting, text = median_ms(lambda: render(found, name="lab", source=lab.fqdn,
                                                      written_at=datetime.now(timezone.utc), ldap=ldap, winrm=None,
                                                      host_options={}), runs)
            os.environ["CONNCHECK_LDAP_PASSWORD"] = samba.NDES_PASSWORD
            command = [sys.executable, "-m", "conncheck", "init", "--dc", lab.fqdn, "--address", lab.address,
                       "--user", f"{samba.NDES_ACCOUNT}@lab.test", "--trust-fingerprint", pin, "--dry-run", "-q"]
            whole, _ = median_ms(lambda: subprocess.run(command, capture_output=True, check=True), max(3, runs // 3))
            site = Path(tmp) / "site.toml"
            site.write_text(text, encoding="utf-8")
            cfg, registry = config_mod.load(site), default_registry()
            peer, _ = median_ms(lambda: collect_directory(cfg, registry, interactive=False), runs)
        finally:
            lab.stop()
    print(f"conncheck init against a Samba AD DC on loopback (LDAPS, simple bind), median of {runs} runs:")
    print(f"  read the DC's certificate (no bind):  {handshake:7.1f} ms")
    print(f"  pinned connection + bind:             {bound:7.1f} ms")
    print(f"  read what discovery needs:            {reading:7.1f} ms")
    print(f"  discover (pure):                      {discovering:7.1f} ms")
    print(f"  draft site.toml (and load it back):   {drafting:7.1f} ms")
    print(f"  whole command, --dry-run, subprocess: {whole:7.1f} ms")
    print(f"peer: collect_directory as check runs it with the written site.toml: {peer:.1f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
