"""Collect a whole site from site.toml: the Windows hosts over WinRM, the directory over LDAP, SCEP over HTTP.

Every peer (each host, the directory, each SCEP URL) is collected concurrently; each returns a Target whose failed
probes carry their reasons, so the evaluation turns what could not be read into UNKNOWN and nothing here aborts the
run for one peer's failure. A progress callback hears when each peer starts and when it ends, with the time it took.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import partial
from typing import TYPE_CHECKING, Any

import msgspec
from conncheck import __version__
from conncheck.collectors import script as fact_script
from conncheck.collectors.winrm import HostJob, HostOutcome, collect_host, collect_hosts, derive_nt_hashes
from conncheck.collectors.winrm_options import host_options, section_options
from conncheck.config import SiteConfig
from conncheck.credentials import Credential, secret
from conncheck.errors import InputError
from conncheck.facts import Facts, Target
from conncheck.registry import Registry

if TYPE_CHECKING:
    from conncheck.collectors.scep import Endpoint
    from conncheck.collectors.scep import Options as ScepOptions


@dataclass(frozen=True)
class PeerProgress:
    """A peer started (``seconds`` is None) or ended: how long it took and how many of its probes were read."""

    transport: str  # winrm, ldap or scep
    peer: str  # the host's name, the DC's name, or the SCEP URL
    seconds: float | None = None
    probes_read: int = 0
    probes: int = 0
    error: str | None = None  # the first unread probe's reason


Progress = Callable[[PeerProgress], None]


def watched(progress: Progress | None, transport: str, peer: str, work: Callable[[], Target]) -> Target:
    """Run ``work`` (one peer's collection), telling ``progress`` when it starts and when it ends."""
    if progress is None:
        return work()
    progress(PeerProgress(transport, peer))
    started = time.monotonic()
    target = work()
    results = list(target.probes.values())
    error = next((p.error for p in results if not p.ok), None)
    progress(PeerProgress(transport, peer, time.monotonic() - started, sum(p.ok for p in results), len(results), error))
    return target


@dataclass(frozen=True)
class CollectOptions:
    roles: tuple[str, ...] | None = None  # only hosts with one of these roles
    hosts: tuple[str, ...] | None = None  # only these hosts (names as in site.toml)
    parallel: int | None = None  # overrides [winrm] parallel
    progress: Progress | None = None
    interactive: bool = True  # may prompt for a password on a terminal
    insecure: bool = False  # LDAP/SCEP: allow what only --insecure allows (see those collectors)


def _credential(
    options: Any, host: str, interactive: bool, cache: dict[tuple[Any, ...], Credential]
) -> Credential | None:
    if options.auth == "certificate" or not options.username:
        return None  # certificate mapping, or Kerberos from the ticket cache
    key = (options.username, options.password_env, options.keyring_service)
    if key not in cache:
        password = secret(purpose=f"WinRM to {host}", username=options.username, env_var=options.password_env,
                          keyring_service=options.keyring_service, interactive=interactive)
        cache[key] = Credential(options.username, password)
    return cache[key]


def winrm_jobs(config: SiteConfig, registry: Registry, opts: CollectOptions) -> tuple[list[HostJob], int]:
    """The hosts to collect with their options, credentials and fact scripts; and the parallelism."""
    base = section_options(config.sections.get("winrm"))
    site = config.facts_site()
    wanted_hosts = {h.lower() for h in opts.hosts} if opts.hosts else None
    entries = [
        h for h in config.hosts
        if (wanted_hosts is None or h.name.lower() in wanted_hosts)
        and (opts.roles is None or set(h.roles) & set(opts.roles))
    ]
    if wanted_hosts is not None:
        unknown = wanted_hosts - {h.name.lower() for h in config.hosts}
        if unknown:
            raise InputError(f"--host {sorted(unknown)[0]}: not a host of {config.path or 'site.toml'}")
    cache: dict[tuple[Any, ...], Credential] = {}
    scripts: dict[tuple[str, ...], fact_script.FactScript] = {}
    jobs = []
    for entry in entries:
        options = host_options(base, entry.options, entry.name)
        roles = tuple(r for r in ("connector", "ca", "ndes") if r in entry.roles)
        if roles not in scripts:
            probes = fact_script.probes_for(registry.probes.values(), roles)
            # The script stops starting probes in time for the host's answer to arrive within operation_timeout.
            budget = max(30, base.operation_timeout - 20)
            scripts[roles] = fact_script.build(probes, roles, msgspec.to_builtins(site), budget_s=budget)
        jobs.append(HostJob(entry.name, roles, options, _credential(options, entry.name, opts.interactive, cache),
                            scripts[roles]))
    return jobs, opts.parallel or base.parallel


def _host(job: HostJob) -> Target:
    return collect_host(job).target


def _hosts_in_processes(jobs: list[HostJob], parallel: int, processes: int, progress: Progress | None,
                        ) -> dict[str, Target]:
    """``[winrm] processes``: the hosts spread over worker processes; each host's end is told as it arrives."""
    for job in jobs:
        if progress is not None:
            progress(PeerProgress("winrm", job.name))

    def ended(outcome: HostOutcome) -> None:
        if progress is not None:
            probes = outcome.target.probes.values()
            progress(PeerProgress("winrm", outcome.target.name, outcome.seconds, sum(p.ok for p in probes),
                                  len(probes), outcome.error))

    return collect_hosts(jobs, parallel, ended, processes=processes)


def _endpoint(endpoint: Endpoint, registry: Registry, options: ScepOptions) -> Target:
    from conncheck.collectors.scep import collect

    return collect([endpoint], registry, options)[endpoint.url]


def collect_site(config: SiteConfig, registry: Registry, options: CollectOptions | None = None) -> Facts:
    """Every collector site.toml configures, concurrently, into one Facts document."""
    opts = options or CollectOptions()
    # Every section is validated and every secret found before the first connection opens: a bad [ldap] or a
    # missing password is one line up front, not an error after the hosts were already collected.
    jobs, parallel = winrm_jobs(config, registry, opts)
    only_hosts = opts.hosts is not None or opts.roles is not None
    with_ldap = bool(config.sections.get("ldap")) and not only_hosts
    with_scep = bool(config.sections.get("scep")) and not only_hosts
    if with_ldap:
        from conncheck.collectors.ldap import bind_password, collect_directory, settings_from

        ldap_settings = settings_from(config, insecure=opts.insecure)
        ldap_password = bind_password(ldap_settings, interactive=opts.interactive)
    endpoints: list[Endpoint] = []
    if with_scep:
        from conncheck.collectors.scep import parse_section

        endpoints, scep_options = parse_section(config.sections["scep"], str(config.path or "site.toml"),
                                                config.path.parent if config.path else None)
        scep_options = replace(scep_options, insecure=opts.insecure)
    progress = opts.progress
    started = datetime.now(timezone.utc)
    derive_nt_hashes(jobs)
    processes = min(len(jobs), jobs[0].options.processes or 1) if jobs else 1
    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(jobs))), thread_name_prefix="winrm") as hosts_pool, \
            ThreadPoolExecutor(max_workers=2 + min(8, len(endpoints)), thread_name_prefix="collect") as pool:
        spread = pool.submit(_hosts_in_processes, jobs, parallel, processes, progress) if processes > 1 else None
        hosts: dict[str, Future[Target]] = {} if spread else {
            job.name: hosts_pool.submit(watched, progress, "winrm", job.name, partial(_host, job)) for job in jobs
        }
        directory = None
        if with_ldap:
            directory = pool.submit(watched, progress, "ldap", ldap_settings.server, partial(
                collect_directory, config, registry, settings=ldap_settings, password=ldap_password))
        scep = {
            e.url: pool.submit(watched, progress, "scep", e.url, partial(_endpoint, e, registry, scep_options))
            for e in endpoints
        }
        return Facts(
            collected_at=started,
            collector={"version": __version__, "vantage": "live: winrm, ldap, scep from this machine"},
            site=config.facts_site(),
            hosts=spread.result() if spread else {name: future.result() for name, future in hosts.items()},
            directory=directory.result() if directory is not None else None,
            scep={url: future.result() for url, future in scep.items()},
        )
