"""Test support for the WinRM tests: the healthy sample site (conncheck.lab.samples) served by the loopback lab."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from conncheck.collectors.site import CollectOptions, collect_site
from conncheck.config import load
from conncheck.evaluate import evaluate
from conncheck.facts import Facts
from conncheck.lab import PASSWORD_ENV, Faults, Lab, hosts_from_facts, samples
from conncheck.registry import default_registry
from conncheck.results import Result
from conncheck.site import site_table

CONNECTOR, CA, NDES = samples.CONNECTOR_HOST, samples.CA_HOST, samples.NDES_HOST


def sample_site() -> samples.SampleSite:
    return samples.healthy_site(datetime.now(timezone.utc))


def site_keys(facts: Facts) -> dict[str, Any]:
    return site_table(facts.site)


@contextmanager
def lab_site(tmp_path: Path, *, https: bool = False, faults: dict[str, Faults] | None = None,
             **winrm: Any) -> Iterator[tuple[Lab, Path]]:
    """A running lab with the sample site's three hosts and a site.toml pointing at it; the password in its env var."""
    site = sample_site()
    hosts = hosts_from_facts(site.facts)
    for host in hosts:
        host.faults = (faults or {}).get(host.name, Faults())
    with Lab(hosts, https=https) as lab:
        path = lab.site_toml(tmp_path / "site.toml", site_keys(site.facts), **winrm)
        saved = os.environ.get(PASSWORD_ENV)
        os.environ[PASSWORD_ENV] = lab.password
        try:
            yield lab, path
        finally:
            if saved is None:
                os.environ.pop(PASSWORD_ENV, None)
            else:
                os.environ[PASSWORD_ENV] = saved


def collect(path: Path, **options: Any) -> Facts:
    return collect_site(load(path), default_registry(), CollectOptions(interactive=False, **options))


def results(facts: Facts) -> list[Result]:
    return evaluate(facts, default_registry(), load_settings())


def load_settings() -> Any:
    from conncheck.plugin import Settings

    return Settings()


def by_host(found: list[Result]) -> dict[str, list[Result]]:
    out: dict[str, list[Result]] = {}
    for result in found:
        out.setdefault(result.host, []).append(result)
    return out
