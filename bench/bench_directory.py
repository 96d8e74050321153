"""Directory figures: a Samba AD DC lab's start, one collection of every directory probe, and SD decisions/s.

Run as root with the Samba packages installed: ``.venv/bin/python bench/bench_directory.py``. Prints figures; asserts
nothing.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conncheck import config as config_mod
from conncheck.collectors.ldap import collect_directory
from conncheck.pki import security_descriptor as sdm
from conncheck.registry import default_registry

from tests.peers import samba


def decisions_per_second(blob: bytes, sids: set[str], seconds: float = 1.0) -> float:
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        sd = sdm.parse(blob)
        sdm.effective_access(sd, sids, mask=sdm.DS_CONTROL_ACCESS, object_type=sdm.ENROLL,
                             generic_mapping=sdm.DS_GENERIC_MAPPING)
        count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        lab = samba.start(Path(tmp) / "dc", "127.0.0.12")
        started = time.perf_counter() - t0
        try:
            samba.seed(lab)
            seeded = time.perf_counter() - t0 - started
            site = Path(tmp) / "site.toml"
            site.write_text(samba.site_toml(lab))
            os.environ["CONNCHECK_LDAP_PASSWORD"] = samba.NDES_PASSWORD
            cfg, registry = config_mod.load(site), default_registry()
            runs = []
            for _ in range(10):
                t1 = time.perf_counter()
                target = collect_directory(cfg, registry, interactive=False)
                runs.append(time.perf_counter() - t1)
            blob = samba.sddl.encode([samba.template_sddl(lab, f"{lab.domain_sid}-1107")], lab.domain_sid)[0]
        finally:
            lab.stop()
    runs.sort()
    print(f"samba lab: provision + start {started:.2f} s, seed {seeded:.2f} s")
    print(f"collect_directory ({len(target.probes)} probes, LDAPS, simple bind): "
          f"median {runs[len(runs) // 2] * 1000:.1f} ms, min {runs[0] * 1000:.1f} ms over {len(runs)} runs")
    for name, probe in target.probes.items():
        print(f"  {name}: {probe.ms} ms")
    sids = {f"S-1-5-21-1-2-3-{rid}" for rid in range(1100, 1140)} | {"S-1-5-11", "S-1-1-0"}
    print(f"security descriptor parse + Enroll decision: {decisions_per_second(blob, sids):,.0f} /s "
          f"({len(blob)} byte descriptor, {len(sids)} SIDs)")


if __name__ == "__main__":
    main()
