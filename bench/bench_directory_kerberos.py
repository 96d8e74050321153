"""Kerberos figures: the Samba lab's start with and without its KDC, kinit, and one collection per bind type.

The first Kerberos collection also fetches the ldap/ service ticket from the KDC; later ones reuse it from the cache.

Run as root with the Samba and Kerberos packages (krb5-user, the gssapi extra) installed:
``.venv/bin/python bench/bench_directory_kerberos.py``. Prints figures; asserts nothing. Everything runs on a loopback
address inside a temp dir.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conncheck import config as config_mod
from conncheck.collectors.ldap import collect_directory
from conncheck.registry import default_registry

from tests.peers import krb5, samba

ADDRESS = "127.0.0.14"


def timed(action: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    action()
    return time.perf_counter() - t0


def start_times(tmp: Path, kdc: bool, runs: int = 3) -> list[float]:
    times = []
    for i in range(runs):
        t0 = time.perf_counter()
        lab = samba.start(tmp / f"{'kdc' if kdc else 'ldap'}-{i}", ADDRESS, kdc=kdc)
        times.append(time.perf_counter() - t0)
        lab.stop()
    return times


def collect_ms(site: Path, runs: int = 10) -> list[float]:
    cfg, registry = config_mod.load(site), default_registry()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        target = collect_directory(cfg, registry, interactive=False)
        times.append((time.perf_counter() - t0) * 1000)
        assert all(p.ok for p in target.probes.values()), {k: p.error for k, p in target.probes.items()}
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for kdc in (False, True):
            times = start_times(tmp, kdc)
            label = "ldap kdc" if kdc else "ldap"
            print(f"samba lab provision + start, services '{label}': median {statistics.median(times):.2f} s, "
                  f"min {min(times):.2f} s over {len(times)} runs")
        lab = samba.seed(samba.start(tmp / "dc", ADDRESS, kdc=True))
        try:
            client = krb5.client(lab, tmp / "krb5")
            os.environ.update(client.env)
            os.environ["CONNCHECK_LDAP_PASSWORD"] = samba.NDES_PASSWORD
            kinit = [timed(lambda: client.kinit(f"{samba.NDES_ACCOUNT}@{samba.REALM}", samba.NDES_PASSWORD))
                     for _ in range(5)]
            print(f"kinit (subprocess, AS exchange with the lab KDC): median {statistics.median(kinit) * 1000:.1f} ms")
            # Samba's default strong auth takes simple binds over TLS only, and Kerberos sealed on 389 only.
            for auth, tls in (("simple", "ldaps"), ("kerberos", "none")):
                site = tmp / f"site-{auth}.toml"
                site.write_text(samba.site_toml(lab, auth=auth, tls=tls))
                times = collect_ms(site)
                label = "LDAPS, simple bind" if auth == "simple" else "389, Kerberos bind sealed"
                print(f"collect_directory, {label}: median {statistics.median(times):.1f} ms, "
                      f"min {min(times):.1f} ms, first {times[0]:.1f} ms over {len(times)} runs")
        finally:
            lab.stop()


if __name__ == "__main__":
    main()
