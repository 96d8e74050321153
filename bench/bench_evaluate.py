"""Evaluation time for a 1,000-host facts document built from conncheck.lab.samples (figures, not pass/fail).

    python bench/bench_evaluate.py [--hosts 1000] [--runs 5]

The healthy sample site's connector, CA and NDES hosts are cloned (probe data shared, names unique) until the
document holds --hosts Windows hosts. Each phase runs --runs times; min and median are printed in seconds:
load (read + validate the JSON file), evaluate (every registered check on every host), report (checklist +
the table and JSON renderers).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from conncheck import catalog
from conncheck import facts as facts_mod
from conncheck.checklist import build_report
from conncheck.evaluate import evaluate
from conncheck.facts import Facts, Target
from conncheck.lab import samples
from conncheck.registry import default_registry
from conncheck.reports import RENDERERS


def site_of(hosts: int) -> Facts:
    base = samples.healthy_site().facts
    templates = list(base.hosts.values())
    cloned: dict[str, Target] = {}
    for i in range(hosts):
        template = templates[i % len(templates)]
        short, _, domain = template.name.partition(".")
        name = f"{short}-{i // len(templates):04d}.{domain}"
        cloned[name] = Target(name, template.roles, dict(template.probes), dict(template.attributes))
    base.hosts = cloned
    return base


def peak_mib() -> float:
    """This process's peak resident set (VmHWM; ru_maxrss where /proc is absent)."""
    status = Path("/proc/self/status")
    if status.exists():
        for row in status.read_text().splitlines():
            if row.startswith("VmHWM:"):
                return int(row.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(runs: int, work: Callable[[], Any]) -> tuple[list[float], Any]:
    times, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = work()
        times.append(time.perf_counter() - start)
    return times, value


def line(label: str, times: list[float], extra: str = "") -> str:
    return f"{label:<10} min {min(times):8.3f} s   median {statistics.median(times):8.3f} s   {extra}".rstrip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    registry = default_registry()
    site = site_of(args.hosts)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "facts.json"
        path.write_text(site.dumps(), encoding="utf-8")
        size_mb = path.stat().st_size / 1e6
        load_times, loaded = timed(args.runs, lambda: facts_mod.load(path))
    eval_times, results = timed(args.runs, lambda: evaluate(loaded, registry))

    def report() -> int:
        built = build_report("bench", results, catalog.load(), generated_at=datetime.now(timezone.utc),
                             collected_at=loaded.collected_at)  # fmt: skip
        return sum(len(RENDERERS[f](built)) for f in ("table", "json"))

    report_times, _ = timed(args.runs, report)
    per_result = statistics.median(eval_times) / max(len(results), 1) * 1e6
    print(f"facts: {len(loaded.hosts)} hosts, {size_mb:.1f} MB JSON; {len(registry.checks)} checks; "
          f"{len(results)} results; {args.runs} runs each")  # fmt: skip
    print(line("load", load_times))
    print(line("evaluate", eval_times, f"({per_result:.1f} µs per result)"))
    print(line("report", report_times, "(checklist + table + json)"))
    print(f"peak RSS {peak_mib():.0f} MiB (the whole run: the site built, written, loaded, evaluated and reported)")


if __name__ == "__main__":
    main()
