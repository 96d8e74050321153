"""Hosts spread over worker processes collect what one process collects, with the parent's environment; each
credential's NT hash is derived once, not per host."""

from __future__ import annotations

from pathlib import Path

import pytest
import spnego
import spnego._ntlm
import spnego._ntlm_raw.crypto
from conncheck.collectors.site import CollectOptions, winrm_jobs
from conncheck.collectors.winrm import HostOutcome, WorkerUsage, collect_hosts
from conncheck.config import load
from conncheck.lab.server import free_port
from conncheck.registry import default_registry

from tests.winrm_lab import CA, CONNECTOR, NDES, lab_site

pytestmark = pytest.mark.peer("winrm lab")


def jobs_of(site_toml: Path) -> tuple[list, int]:
    return winrm_jobs(load(site_toml), default_registry(), CollectOptions(interactive=False))


@pytest.mark.parametrize("https", [False, True], ids=["http", "https"])
def test_two_worker_processes_collect_what_one_process_does(tmp_path: Path, https: bool) -> None:
    with lab_site(tmp_path, https=https) as (lab, site_toml):
        jobs, parallel = jobs_of(site_toml)
        seen: list[HostOutcome] = []
        usage = WorkerUsage()
        spread = collect_hosts(jobs, parallel, seen.append, processes=2, usage=usage)
        alone = collect_hosts(jobs, parallel, processes=1)
        requests = lab.requests()
    assert list(spread) == list(alone) == [job.name for job in jobs]
    for host in (CONNECTOR, CA, NDES):
        assert all(p.ok for p in spread[host].probes.values())
        assert {k: p.data for k, p in spread[host].probes.items() if k != "clock"} == \
            {k: p.data for k, p in alone[host].probes.items() if k != "clock"}
    assert sorted(o.target.name for o in seen) == sorted(job.name for job in jobs)  # one progress line per host
    assert usage.processes == 2 and usage.cpu_seconds > 0
    assert all(0 < n <= 16 for n in requests.values()), requests  # two collections, at most 8 requests each


def test_workers_see_the_environment_of_this_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The forkserver outlives a run; each run's workers still get this process's environment as it is now."""
    with lab_site(tmp_path) as (lab, site_toml):
        jobs, parallel = jobs_of(site_toml)
        first = collect_hosts(jobs, parallel, processes=2)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{free_port()}")  # nothing listens there
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{free_port()}")
        before = sum(lab.requests().values())
        second = collect_hosts(jobs, parallel, processes=2)
        after = sum(lab.requests().values())
    assert all(p.ok for target in first.values() for p in target.probes.values())
    assert after == before  # every request went to the dead proxy
    assert all(not p.ok for target in second.values() for p in target.probes.values())


@pytest.mark.parametrize("configured, expected", [({}, 1), ({"processes": 2}, 2)], ids=["default", "configured"])
def test_winrm_processes_in_site_toml_decides_how_many(tmp_path: Path, configured: dict, expected: int) -> None:
    with lab_site(tmp_path, **configured) as (_, site_toml):
        jobs, parallel = jobs_of(site_toml)
        usage = WorkerUsage()
        targets = collect_hosts(jobs, parallel, usage=usage)
    assert usage.processes == expected and (usage.cpu_seconds > 0) == (expected > 1)
    assert all(p.ok for target in targets.values() for p in target.probes.values())


def test_each_credentials_nt_hash_is_derived_once_not_per_host(tmp_path: Path, monkeypatch) -> None:
    derived: list[str] = []
    original = spnego._ntlm_raw.crypto.ntowfv1

    def counting(password: str) -> bytes:
        derived.append(password)
        return original(password)

    client_credentials: list[object] = []
    build = spnego._ntlm._NTLMCredential.__init__

    def spying(self, credential=None) -> None:  # a client's explicit credential: a password is hashed right here
        if isinstance(credential, (spnego.Password, spnego.NTLMHash)):  # (the lab's acceptor reads its user file)
            client_credentials.append(credential)
        build(self, credential)

    monkeypatch.setattr(spnego._ntlm_raw.crypto, "ntowfv1", counting)  # what Credential.nt_hash derives with
    monkeypatch.setattr(spnego._ntlm._NTLMCredential, "__init__", spying)
    with lab_site(tmp_path) as (_, site_toml):
        jobs, parallel = jobs_of(site_toml)
        targets = collect_hosts(jobs, parallel, processes=1)
    assert all(p.ok for target in targets.values() for p in target.probes.values())
    assert len(jobs) == 3 and len(derived) == 1
    assert len(client_credentials) == 3  # one NTLM client per host, each handed the hash, none the password
    assert all(isinstance(c, spnego.NTLMHash) for c in client_credentials), client_credentials
