"""WinRM collection figures against the loopback lab: HTTP requests per host per run, and wall time for 1, 10 and
100 simulated hosts with injected latency per request. The lab runs in a child process so its CPU work does not
share the collector's interpreter lock; both processes' CPU seconds per run are printed beside the wall time, since
on a small machine the collector and the simulated hosts share the cores (real hosts bring their own).

    python bench/bench_winrm.py [--latency-ms 50] [--hosts 1,10,100] [--https] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _serve(count: int, latency_ms: float, https: bool, conn: Connection) -> None:
    from conncheck.lab import Faults, Lab, hosts_from_facts, samples

    example = samples.healthy_site(datetime.now(timezone.utc)).facts
    templates = hosts_from_facts(example)
    hosts = []
    for i in range(count):
        template = templates[i % len(templates)]
        host = type(template)(f"h{i:03d}-{template.name}", template.roles, template.probes, template.clock_offset,
                              Faults(latency_ms=latency_ms))
        hosts.append(host)
    with Lab(hosts, https=https, password="bench-password") as lab:
        conn.send({"hosts": lab.hosts_section(), "winrm": lab.winrm_section(), "site": {
            k: v for k, v in example.site.items() if k != "roles_expected"}})
        cpu = _cpu_seconds()
        conn.recv()  # wait for "report"
        conn.send({"requests": lab.requests(), "cpu": _cpu_seconds() - cpu})
        conn.recv()  # wait for "stop"


def _cpu_seconds() -> float:
    return time.process_time()  # this process, every thread, user + system


def run(count: int, latency_ms: float, https: bool) -> dict[str, float]:
    from conncheck.collectors.site import CollectOptions, collect_site
    from conncheck.config import parse
    from conncheck.registry import default_registry

    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("fork").Process(target=_serve, args=(count, latency_ms, https, child))
    proc.start()
    lab = parent.recv()
    os.environ["CONNCHECK_LAB_PASSWORD"] = "bench-password"
    with tempfile.TemporaryDirectory():
        config = parse({"site": lab["site"], "winrm": {**lab["winrm"], "parallel": max(count, 1)},
                        "hosts": lab["hosts"]})
        cpu, started = _cpu_seconds(), time.perf_counter()
        facts = collect_site(config, default_registry(), CollectOptions(interactive=False))
        seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    parent.send("report")
    lab_report = parent.recv()
    requests = lab_report["requests"]
    parent.send("stop")
    proc.join(10)
    failed = sum(1 for t in facts.hosts.values() for p in t.probes.values() if not p.ok)
    return {"hosts": count, "seconds": seconds, "collector_cpu": cpu, "lab_cpu": lab_report["cpu"],
            "max_requests_per_host": max(requests.values()),
            "mean_requests_per_host": sum(requests.values()) / len(requests), "failed_probes": failed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--hosts", default="1,10,100")
    parser.add_argument("--https", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="run every host count this many times (min, median)")
    args = parser.parse_args()
    print("load average at start: " + " ".join(f"{n:.2f}" for n in os.getloadavg()))
    run(1, 0.0, args.https)  # warm-up: imports, plugin registry, first TLS/NTLM set-up are not the figure
    counts = [int(n) for n in args.hosts.split(",")]
    rows = [run(n, args.latency_ms, args.https) for _ in range(max(1, args.repeat)) for n in counts]
    for row in rows:
        print(f"{row['hosts']:>4} hosts  {row['seconds']:6.2f} s  cpu: collector {row['collector_cpu']:5.2f} s"
              f"  lab {row['lab_cpu']:5.2f} s  requests/host max {row['max_requests_per_host']}"
              f"  mean {row['mean_requests_per_host']:.1f}  failed probes {row['failed_probes']}")
    seconds = {n: [r["seconds"] for r in rows if r["hosts"] == n] for n in counts}
    if args.repeat > 1:
        for n in counts:
            print(f"{n:>4} hosts  min {min(seconds[n]):.2f} s  median {statistics.median(seconds[n]):.2f} s"
                  f"  ({len(seconds[n])} runs)")
    if len(counts) > 1:
        first, last = counts[0], counts[-1]
        ratio = statistics.median(seconds[last]) / statistics.median(seconds[first])
        print(f"ratio {last} hosts / {first} host{'s' if first > 1 else ''}: {ratio:.2f}x"
              f"{' (medians)' if args.repeat > 1 else ''}"
              f" (latency {args.latency_ms:g} ms per request, {'https' if args.https else 'http + encryption'})")
    print("load average at end: " + " ".join(f"{n:.2f}" for n in os.getloadavg()))
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
