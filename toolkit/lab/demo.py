"""`conncheck demo --live`: the example site served by simulated Windows hosts on loopback, checked live.

Three simulated hosts (connector, CA, NDES) from ``conncheck.lab.samples.demo_sample`` answer over HTTP with real
NTLM and WinRM message encryption, and NDES's SCEP endpoint answers over HTTPS as NDES does
(``conncheck.lab.scep``); the real collectors run against them, exactly as ``conncheck check -c site.toml`` would.

The SCEP URL keeps NDES's name (``https://ndes01.contoso.com:<port>/certsrv/mscep/mscep.dll``, the name its TLS
certificate carries) and ``[scep] addresses`` sends the connection to 127.0.0.1: the TLS checks judge the name as
they would on a real network, and nothing here needs DNS.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from conncheck.collectors.site import CollectOptions, Progress, collect_site
from conncheck.config import load
from conncheck.facts import Facts
from conncheck.lab.hosts import hosts_from_facts
from conncheck.lab.lab import PASSWORD_ENV, Lab
from conncheck.lab.scep import Responder, sample_ndes
from conncheck.registry import default_registry
from conncheck.site import site_table
from cryptography.hazmat.primitives.serialization import Encoding


def scep_section(ndes: Responder, host: str, ca_bundle: Path) -> dict[str, Any]:
    """``[scep]`` for the simulated NDES: its URL by name, reached at the responder's address, trusting the root."""
    return {"urls": [ndes.url(host)], "ca_bundle": str(ca_bundle), "addresses": {host: ndes.address}}


def collect_demo(progress: Progress | None = None) -> Facts:
    from conncheck.lab import samples

    example = samples.demo_sample(datetime.now(timezone.utc))
    site = site_table(example.facts.site)
    with Lab(hosts_from_facts(example.facts)) as lab, sample_ndes(example) as ndes:
        assert lab.workdir is not None
        root = Path(lab.workdir) / "contoso-root.pem"
        root.write_bytes(example.pki.root.cert.public_bytes(Encoding.PEM))
        scep = scep_section(ndes, samples.NDES_HOST, root)
        site_toml = lab.site_toml(Path(lab.workdir) / "site.toml", site, sections={"scep": scep})
        print(f"conncheck demo --live: {len(lab.endpoints)} simulated Windows hosts on 127.0.0.1 "
              "(NTLM, WinRM message encryption) and NDES's SCEP endpoint over HTTPS; running the live check "
              "against them.", file=sys.stderr)
        saved = os.environ.get(PASSWORD_ENV)
        os.environ[PASSWORD_ENV] = lab.password
        try:
            return collect_site(load(site_toml), default_registry(), CollectOptions(progress=progress,
                                                                                    interactive=False))
        finally:
            if saved is None:
                os.environ.pop(PASSWORD_ENV, None)
            else:
                os.environ[PASSWORD_ENV] = saved
