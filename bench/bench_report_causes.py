"""What reporting per cause costs: grouping results into causes, listing what was not checked, and each renderer,
beside the evaluation they follow, for the demo site and for copies of its Windows hosts whose CA copies WinRM could
not reach (every check there UNKNOWN: the grouping's worst case). Figures, not pass/fail.

    .venv/bin/python bench/bench_report_causes.py [RUNS]
"""

from __future__ import annotations

import sys
from dataclasses import replace
from functools import partial

from bench_report_html import median_ms  # a sibling script: run this one as a script too
from conncheck.catalog import load
from conncheck.causes import group_causes
from conncheck.checklist import build_report
from conncheck.coverage import not_checked
from conncheck.evaluate import evaluate, selected_checks
from conncheck.facts import Facts, ProbeResult
from conncheck.lab import samples
from conncheck.registry import default_registry
from conncheck.reports import RENDERERS


def site(copies: int) -> Facts:
    """The demo site with ``copies`` of each Windows host; every copy of the CA host unreadable."""
    facts = samples.demo_site()
    hosts = {}
    for n in range(copies):
        for name, target in facts.hosts.items():
            copy = name if n == 0 else name.replace(".", f"-{n}.", 1)
            probes = target.probes
            if name == samples.CA_HOST and n > 0:
                probes = {p: ProbeResult.failure("WinRM: connection refused") for p in probes}
            hosts[copy] = replace(target, name=copy, probes=probes)
    return replace(facts, hosts=hosts)


def main(runs: int) -> None:
    registry = default_registry()
    checks = selected_checks(registry)
    for copies in (1, 20, 100):
        facts = site(copies)
        results = evaluate(facts, registry)
        report = build_report("bench", results, load(), generated_at=facts.collected_at,
                              collected_at=facts.collected_at,
                              not_checked=not_checked(facts, checks, hosts=None, codes=None, lang="en"))
        causes = group_causes(results)
        print(f"{len(facts.hosts)} Windows hosts, {len(results)} results, {len(causes)} causes "
              f"(medians of {runs} runs, ms):")
        figures = {
            "evaluate": median_ms(partial(evaluate, facts, registry), runs),
            "not checked": median_ms(partial(not_checked, facts, checks, hosts=None, codes=None, lang="en"), runs),
            "causes": median_ms(partial(group_causes, results), runs),
        }
        figures.update({name: median_ms(partial(RENDERERS[name], report), runs)
                        for name in ("table", "markdown", "json", "html")})
        print("  " + " | ".join(f"{name} {ms:.1f}" for name, ms in figures.items()))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
