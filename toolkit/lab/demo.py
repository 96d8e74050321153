"""`conncheck demo --live`: the example site served by simulated Windows hosts on loopback, checked live.

Three simulated hosts (connector, CA, NDES) from ``toolkit.samples.demo_site`` answer over HTTP with real NTLM and
WinRM message encryption; the real collector runs against them, exactly as ``conncheck check -c site.toml`` would.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from toolkit.collectors.site import CollectOptions, collect_site
from toolkit.collectors.winrm import HostOutcome
from toolkit.config import load
from toolkit.facts import Facts
from toolkit.lab.hosts import hosts_from_facts
from toolkit.lab.lab import PASSWORD_ENV, Lab
from toolkit.registry import default_registry


def collect_demo(progress: Callable[[HostOutcome], None] | None = None) -> Facts:
    from toolkit import samples

    example = samples.demo_site(datetime.now(timezone.utc))
    site = {k: v for k, v in example.site.items() if k != "roles_expected"}
    with Lab(hosts_from_facts(example)) as lab:
        assert lab.workdir is not None
        site_toml = lab.site_toml(Path(lab.workdir) / "site.toml", site)
        print(f"conncheck demo --live: {len(lab.endpoints)} simulated Windows hosts on 127.0.0.1 "
              "(NTLM, WinRM message encryption); running the live check against them.", file=sys.stderr)
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
