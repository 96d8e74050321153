"""The collector reads the environment's proxy settings once per host (not per request): they must still apply."""

from __future__ import annotations

from pathlib import Path

import pytest
from conncheck.lab.server import free_port

from tests.winrm_lab import collect, lab_site

pytestmark = pytest.mark.peer("winrm lab")


@pytest.fixture
def dead_proxy(monkeypatch: pytest.MonkeyPatch) -> str:
    """HTTP(S)_PROXY pointing at a loopback port nothing listens on; no NO_PROXY."""
    proxy = f"http://127.0.0.1:{free_port()}"
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.setenv(name, proxy)
    for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    return proxy


def test_an_environment_proxy_carries_the_winrm_traffic(tmp_path: Path, dead_proxy: str) -> None:
    with lab_site(tmp_path) as (lab, site_toml):
        facts = collect(site_toml)
        requests = lab.requests()
    # Every request went to the (dead) proxy, none straight to a listener.
    assert set(requests.values()) == {0}
    assert all(not p.ok for host in facts.hosts.values() for p in host.probes.values())


def test_no_proxy_in_the_environment_bypasses_it(tmp_path: Path, dead_proxy: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    with lab_site(tmp_path) as (lab, site_toml):
        facts = collect(site_toml)
        requests = lab.requests()
    assert all(0 < n <= 8 for n in requests.values()), requests
    assert all(p.ok for host in facts.hosts.values() for p in host.probes.values())


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_no_proxy_in_site_toml_bypasses_the_environment(tmp_path: Path, dead_proxy: str, https: bool) -> None:
    with lab_site(tmp_path, https=https, no_proxy=True) as (lab, site_toml):
        facts = collect(site_toml)
        requests = lab.requests()
    assert all(0 < n <= 8 for n in requests.values()), requests
    assert all(p.ok for host in facts.hosts.values() for p in host.probes.values())
