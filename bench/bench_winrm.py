"""WinRM collection cost against the loopback lab: conncheck beside the per-probe way scripts usually do it.

Headline: the collector's CPU milliseconds per host (user + system, every thread and worker process of the client),
for 1, 10 and 100 simulated hosts. Beside conncheck, in the same run and against the same lab:

* ``pypsrp-per-probe``: pypsrp's ``Client.execute_ps`` once per probe (a runspace pool for each), and
* ``pywinrm-per-probe``: pywinrm's ``Session.run_ps`` once per probe (a cmd shell and ``powershell -EncodedCommand``).

Every client runs in a child process of its own, and the lab in another, so neither's CPU work shares the other's
interpreter lock; each prints its CPU seconds, wall time, HTTP requests per host and failed probes. Figures, not
pass/fail; the load average is printed at the start and the end.

    python bench/bench_winrm.py [--hosts 1,10,100] [--latency-ms 50] [--https] [--repeat 3]
        [--clients conncheck,pypsrp-per-probe,pywinrm-per-probe] [--processes 1,2] [--auth ntlm,kerberos]

``--processes`` runs conncheck once per worker-process count (``auto``: the collector's default, one unless
``[winrm] processes`` says otherwise), to find where spreading hosts over processes starts to pay. ``--auth kerberos``
starts the Samba lab's KDC (root, Debian samba + krb5-user) and collects with a ticket from a temporary credential
cache.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PASSWORD = "bench-password"
CLIENTS = ("conncheck", "pypsrp-per-probe", "pywinrm-per-probe")


@dataclass(frozen=True)
class Trial:
    client: str
    hosts: int
    processes: str  # "-" for the peers
    auth: str


def _cpu_seconds() -> float:
    """This process (every thread) and its children that have ended, user + system."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


# --- the lab, in its own process ---------------------------------------------------------------------------------

def _serve(count: int, latency_ms: float, https: bool, kerberos: dict[str, str] | None, conn: Connection) -> None:
    from conncheck.lab import Faults, Lab, hosts_from_facts, samples

    if kerberos:
        os.environ.update(kerberos["env"])  # type: ignore[arg-type]
    example = samples.healthy_site(datetime.now(timezone.utc)).facts
    templates = hosts_from_facts(example)
    hosts = []
    for i in range(count):
        template = templates[i % len(templates)]
        name = f"h{i:03d}-{template.name}"
        hosts.append(type(template)(name, template.roles, template.probes, template.clock_offset,
                                    Faults(latency_ms=latency_ms)))
    keytab = Path(kerberos["keytab"]) if kerberos else None
    with Lab(hosts, https=https, password=PASSWORD, keytab=keytab) as lab:
        site = {k: v for k, v in example.site.items() if k != "roles_expected"}
        conn.send({"hosts": lab.hosts_section(), "winrm": lab.winrm_section(), "site": site,
                   "ca_bundle": str(lab.ca_bundle) if lab.ca_bundle else None, "username": lab.username})
        while True:
            command = conn.recv()
            if command == "stop":
                return
            if command == "reset":
                for endpoint in lab.endpoints.values():
                    endpoint.host.requests = 0
                cpu = time.process_time()
                conn.send("ok")
            elif command == "report":
                conn.send({"requests": lab.requests(), "cpu": time.process_time() - cpu})


@contextmanager
def running_lab(count: int, latency_ms: float, https: bool, kerberos: dict[str, Any] | None) -> Iterator[Any]:
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("fork").Process(target=_serve,
                                                       args=(count, latency_ms, https, kerberos, child))
    proc.start()
    try:
        lab = parent.recv()
        lab["pipe"] = parent
        yield lab
    finally:
        parent.send("stop")
        proc.join(30)


# --- the clients, each in its own process ------------------------------------------------------------------------

def _registry_and_jobs(lab: dict[str, Any], trial: Trial) -> tuple[Any, list[Any], int]:
    from conncheck.collectors.site import CollectOptions, winrm_jobs
    from conncheck.config import parse
    from conncheck.registry import default_registry

    winrm = {**lab["winrm"], "parallel": max(trial.hosts, 1)}
    if trial.auth == "kerberos":
        winrm = {k: v for k, v in winrm.items() if k not in ("username", "password_env")} | {"auth": "kerberos"}
    config = parse({"site": lab["site"], "winrm": winrm, "hosts": lab["hosts"]})
    registry = default_registry()
    jobs, parallel = winrm_jobs(config, registry, CollectOptions(interactive=False))
    return registry, jobs, parallel


def _conncheck(lab: dict[str, Any], trial: Trial) -> Callable[[], dict[str, Any]]:
    from conncheck.collectors.winrm import WorkerUsage, collect_hosts

    _, jobs, parallel = _registry_and_jobs(lab, trial)
    processes = None if trial.processes == "auto" else int(trial.processes)

    def run() -> dict[str, Any]:
        usage = WorkerUsage()
        targets = collect_hosts(jobs, parallel, processes=processes, usage=usage)
        failed = sum(1 for t in targets.values() for p in t.probes.values() if not p.ok)
        used = trial.processes if trial.processes != "auto" else f"auto={usage.processes}"
        return {"failed": failed, "worker_cpu": usage.cpu_seconds, "processes": used}

    return run


def _per_probe_scripts(lab: dict[str, Any], trial: Trial) -> list[tuple[dict[str, Any], list[str]]]:
    """For each host: its [[hosts]] entry and one fact script per probe it runs."""
    from conncheck.collectors import script as fact_script

    registry, jobs, _ = _registry_and_jobs(lab, trial)
    out = []
    for entry, job in zip(lab["hosts"], jobs, strict=True):
        probes = fact_script.probes_for(registry.probes.values(), job.roles)
        out.append((entry, [fact_script.build([p], job.roles, lab["site"]).text for p in probes]))
    return out


def _failed_probes(outputs: list[str]) -> int:
    failed = 0
    for text in outputs:
        try:
            doc = json.loads(text)
            failed += sum(1 for h in doc["hosts"].values() for p in h["probes"].values() if not p["ok"])
        except (ValueError, KeyError, TypeError, AttributeError):
            failed += 1
    return failed


def _pypsrp(lab: dict[str, Any], trial: Trial) -> Callable[[], dict[str, Any]]:
    from pypsrp.client import Client

    https = lab["winrm"]["transport"] == "https"
    hosts = _per_probe_scripts(lab, trial)

    def one_host(entry: dict[str, Any], scripts: list[str]) -> int:
        client = Client(entry["address"], port=entry["port"], username=lab["username"], password=PASSWORD,
                        ssl=https, auth="ntlm", cert_validation=lab["ca_bundle"] if https else False)
        try:
            return _failed_probes([client.execute_ps(script)[0] for script in scripts])
        finally:
            client.close()

    return lambda: {"failed": _threaded(one_host, hosts)}


def _pywinrm(lab: dict[str, Any], trial: Trial) -> Callable[[], dict[str, Any]]:
    import winrm

    https = lab["winrm"]["transport"] == "https"
    hosts = _per_probe_scripts(lab, trial)

    def one_host(entry: dict[str, Any], scripts: list[str]) -> int:
        scheme = "https" if https else "http"
        kwargs: dict[str, Any] = {"ca_trust_path": lab["ca_bundle"]} if https else {"message_encryption": "always"}
        session = winrm.Session(f"{scheme}://{entry['address']}:{entry['port']}/wsman",
                                auth=(lab["username"], PASSWORD), transport="ntlm", **kwargs)
        return _failed_probes([session.run_ps(script).std_out.decode() for script in scripts])

    return lambda: {"failed": _threaded(one_host, hosts)}


def _threaded(one_host: Callable[..., int], hosts: list[tuple[dict[str, Any], list[str]]]) -> int:
    with ThreadPoolExecutor(max_workers=max(1, len(hosts))) as pool:
        return sum(pool.map(lambda host: one_host(*host), hosts))


# Each client's set-up (site, registry, scripts: not the figure); it returns the timed run.
CLIENT_SETUP = {"conncheck": _conncheck, "pypsrp-per-probe": _pypsrp, "pywinrm-per-probe": _pywinrm}


def _client(lab: dict[str, Any], trial: Trial, conn: Connection) -> None:
    os.environ["CONNCHECK_LAB_PASSWORD"] = PASSWORD
    run = CLIENT_SETUP[trial.client](lab, trial)
    _import_clients()
    cpu, started = _cpu_seconds(), time.perf_counter()
    result = run()
    result.update(seconds=time.perf_counter() - started, cpu=_cpu_seconds() - cpu)
    result["cpu"] += result.pop("worker_cpu", 0.0)
    conn.send(result)


def _import_clients() -> None:
    """Imports are a start-up cost, not the figure: every client's modules are loaded before the clock starts."""
    import pypsrp.client
    import pypsrp.powershell
    import spnego
    import winrm

    del pypsrp, spnego, winrm


def run(lab: dict[str, Any], trial: Trial) -> dict[str, Any]:
    pipe: Connection = lab["pipe"]
    pipe.send("reset")
    pipe.recv()
    parent, child = multiprocessing.Pipe()
    shared = {k: v for k, v in lab.items() if k != "pipe"}
    proc = multiprocessing.get_context("fork").Process(target=_client, args=(shared, trial, child))
    proc.start()
    result = parent.recv()
    proc.join(30)
    pipe.send("report")
    report = pipe.recv()
    requests = report["requests"]
    return {**trial.__dict__, **result, "lab_cpu": report["cpu"],
            "requests_per_host": sum(requests.values()) / len(requests)}


# --- Kerberos: the Samba lab's KDC and a ticket ------------------------------------------------------------------

@contextmanager
def kerberos_realm(tmp: Path, hostnames: list[str]) -> Iterator[dict[str, Any]]:
    from tests.peers import krb5, samba

    lab = samba.start(tmp / "dc", "127.0.0.15", kdc=True)
    try:
        keytab = samba.winrm_keytab(lab, hostnames, tmp / "winrm.keytab")
        client = krb5.client(lab, tmp / "krb5")
        client.kinit(f"{samba.ADMIN_USER}@{samba.REALM}", samba.ADMIN_PASSWORD)
        yield {"env": client.env, "keytab": str(keytab)}
    finally:
        lab.stop()


# --- main --------------------------------------------------------------------------------------------------------

def _print(row: dict[str, Any]) -> None:
    per_host = row["cpu"] / row["hosts"] * 1000
    print(f"{row['client']:<18} {row['auth']:<8} {row['hosts']:>4} hosts  processes {row['processes']:>6}  "
          f"cpu/host {per_host:7.1f} ms  wall {row['seconds']:6.2f} s  lab cpu {row['lab_cpu']:5.2f} s  "
          f"requests/host {row['requests_per_host']:5.1f}  failed probes {row['failed']}", flush=True)


def _summary(rows: list[dict[str, Any]]) -> None:
    print("\nmedians (cpu/host ms, wall s):")
    keys = sorted({(r["auth"], r["hosts"], r["client"], r["processes"]) for r in rows},
                  key=lambda k: (k[0], k[1], CLIENTS.index(k[2]), k[3]))
    baseline: dict[tuple[str, int], float] = {}
    for auth, hosts, client, processes in keys:
        same = [r for r in rows if (r["auth"], r["hosts"], r["client"], r["processes"]) == (auth, hosts, client,
                                                                                              processes)]
        cpu = statistics.median(r["cpu"] / hosts * 1000 for r in same)
        wall = statistics.median(r["seconds"] for r in same)
        if client == "conncheck":
            baseline.setdefault((auth, hosts), wall)
        ratio = wall / baseline[(auth, hosts)] if (auth, hosts) in baseline else float("nan")
        print(f"  {auth:<8} {hosts:>4} hosts  {client:<18} processes {processes:>6}  cpu/host {cpu:7.1f}  "
              f"wall {wall:6.2f}  ({ratio:.1f}x conncheck's wall)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", default="1,10,100")
    parser.add_argument("--latency-ms", type=float, default=50.0, help="added by the lab to every request")
    parser.add_argument("--https", action="store_true", help="TLS with channel binding instead of HTTP + encryption")
    parser.add_argument("--repeat", type=int, default=1, help="runs per figure (medians are printed)")
    parser.add_argument("--clients", default=",".join(CLIENTS))
    parser.add_argument("--processes", default="auto", help="conncheck's worker processes, e.g. 1,2 or auto")
    parser.add_argument("--auth", default="ntlm", help="ntlm, kerberos or both (kerberos: conncheck only)")
    args = parser.parse_args()
    counts = [int(n) for n in args.hosts.split(",")]
    clients = [c for c in args.clients.split(",") if c]
    auths = [a for a in args.auth.split(",") if a]
    print(f"load average at start: {' '.join(f'{n:.2f}' for n in os.getloadavg())}  "
          f"({os.cpu_count()} cpus; latency {args.latency_ms:g} ms per request; "
          f"{'https + channel binding' if args.https else 'http + message encryption'})", flush=True)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-winrm-") as tmp:
        for auth in auths:
            for count in counts:
                kerberos_context = kerberos_realm(Path(tmp) / f"krb-{count}", _host_names(count)) \
                    if auth == "kerberos" else _nothing()
                with kerberos_context as kerberos, running_lab(count, args.latency_ms, args.https, kerberos) as lab:
                    if kerberos:
                        os.environ.update(kerberos["env"])
                    trials = [Trial("conncheck", count, p, auth) for p in args.processes.split(",")]
                    if auth == "ntlm":
                        trials += [Trial(c, count, "-", auth) for c in clients if c != "conncheck"]
                    trials = [t for t in trials if t.client in clients]
                    run(lab, trials[0])  # warm-up: the lab's first TLS/NTLM set-up is not the figure
                    for _ in range(max(1, args.repeat)):
                        for trial in trials:
                            row = run(lab, trial)
                            rows.append(row)
                            _print(row)
    _summary(rows)
    print(f"load average at end: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    print(json.dumps(rows))


def _host_names(count: int) -> list[str]:
    from conncheck.lab import hosts_from_facts, samples

    templates = hosts_from_facts(samples.healthy_site(datetime.now(timezone.utc)).facts)
    return [f"h{i:03d}-{templates[i % len(templates)].name}" for i in range(count)]


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()
