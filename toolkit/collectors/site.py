"""Collect a whole site from site.toml: the Windows hosts over WinRM, the directory over LDAP, SCEP over HTTP.

The three collectors run concurrently; each returns Targets whose failed probes carry their reasons, so the
evaluation turns what could not be read into UNKNOWN and nothing here aborts the run for one peer's failure.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import msgspec
from conncheck import __version__
from conncheck.collectors import script as fact_script
from conncheck.collectors.winrm import HostJob, HostOutcome, collect_hosts
from conncheck.collectors.winrm_options import host_options, section_options
from conncheck.config import SiteConfig
from conncheck.credentials import Credential, secret
from conncheck.errors import InputError
from conncheck.facts import Facts, Target
from conncheck.registry import Registry


@dataclass(frozen=True)
class CollectOptions:
    roles: tuple[str, ...] | None = None  # only hosts with one of these roles
    hosts: tuple[str, ...] | None = None  # only these hosts (names as in site.toml)
    parallel: int | None = None  # overrides [winrm] parallel
    progress: Callable[[HostOutcome], None] | None = None
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
            scripts[roles] = fact_script.build(probes, roles, msgspec.to_builtins(site))
        jobs.append(HostJob(entry.name, roles, options, _credential(options, entry.name, opts.interactive, cache),
                            scripts[roles]))
    return jobs, opts.parallel or base.parallel


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
    if with_scep:
        from conncheck.collectors.scep import collect_endpoints, parse_section

        parse_section(config.sections["scep"], str(config.path or "site.toml"),
                      config.path.parent if config.path else None)
    started = datetime.now(timezone.utc)
    directory: Target | None = None
    scep: dict[str, Target] = {}
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="collect") as pool:
        hosts_future = pool.submit(collect_hosts, jobs, parallel, opts.progress)
        directory_future = scep_future = None
        if with_ldap:
            directory_future = pool.submit(collect_directory, config, registry, settings=ldap_settings,
                                           password=ldap_password)
        if with_scep:
            scep_future = pool.submit(collect_endpoints, config, registry, insecure=opts.insecure)
        hosts = hosts_future.result()
        if directory_future is not None:
            directory = directory_future.result()
        if scep_future is not None:
            scep = scep_future.result()
    return Facts(
        collected_at=started,
        collector={"version": __version__, "vantage": "live: winrm, ldap, scep from this machine"},
        site=config.facts_site(),
        hosts=hosts,
        directory=directory,
        scep=scep,
    )
