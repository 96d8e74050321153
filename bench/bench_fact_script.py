"""The fact script's cost on the wire and to build (figures, not pass/fail).

    python bench/bench_fact_script.py [--runs 20] [--against DIR]

For each role set: the assembled script's size (bytes sent as the one pipeline per host), its probe count, and the
median time to assemble it. ``--against DIR`` measures another checkout side by side: DIR holds a ``conncheck``
package (for the main branch: ``git archive main | tar -x -C /tmp/main``, then a directory with
``conncheck -> /tmp/main/toolkit`` and ``/tmp/main/toolkit/checks -> /tmp/main/checks``). Also times both lints over
every assembled script (the cost they add to the test suite).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROLE_SETS = [("connector",), ("ca",), ("ndes",), ("connector", "ca", "ndes")]
SITE = {"name": "contoso", "ca_config": "ca01.contoso.com\\Contoso Issuing CA", "pkcs_templates": ["IntunePKCS"]}


def measure(runs: int) -> dict[str, dict[str, float]]:
    from conncheck.collectors import script as fact_script

    out = {}
    for roles in ROLE_SETS:
        built = fact_script.for_roles(roles, SITE)
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            fact_script.for_roles(roles, SITE)
            times.append(time.perf_counter() - start)
        out["+".join(roles)] = {"bytes": len(built.text.encode("utf-8")), "probes": len(built.probes),
                                "build_ms": statistics.median(times) * 1000}
    return out


def lint_seconds() -> float:
    from conncheck.collectors import script as fact_script

    sys.path.insert(0, os.getcwd())
    from tests.ps_lint import lint, lint_ps51

    start = time.perf_counter()
    for roles in ROLE_SETS:
        text = fact_script.for_roles(roles, SITE).text
        lint(text)
        lint_ps51(text, whole_script=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--against", help="a directory holding another checkout's conncheck package")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # one measurement, for --against
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.runs)))
        return
    columns = {"this checkout": measure(args.runs)}
    if args.against:
        env = {**os.environ, "PYTHONPATH": args.against}
        done = subprocess.run([sys.executable, __file__, "--json", "--runs", str(args.runs)], env=env, check=True,
                              capture_output=True, text=True, cwd="/")
        columns[args.against] = json.loads(done.stdout)
    print(f"{'roles':<22}" + "".join(f"{name[-28:]:>34}" for name in columns))
    for roles in columns["this checkout"]:
        cells = [f"{c[roles]['bytes']:>9,} B {c[roles]['probes']:>3} probes {c[roles]['build_ms']:>6.1f} ms"
                 for c in columns.values()]
        print(f"{roles:<22}" + "".join(f"{cell:>34}" for cell in cells))
    print(f"lint + lint_ps51 over the {len(ROLE_SETS)} scripts: {lint_seconds():.2f} s")


if __name__ == "__main__":
    main()
