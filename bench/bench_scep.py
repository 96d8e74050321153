"""SCEP probe time against the NDES-shaped loopback responder (figures, not pass/fail).

    python bench/bench_scep.py [--runs 20] [--endpoints 4]

Prints min and median seconds for: collecting every SCEP probe of one endpoint over HTTP and over HTTPS (the
HTTPS run includes the collector's two extra TLS handshakes), collecting --endpoints HTTPS endpoints at once, and
evaluating the SCEP checks on one collected endpoint. Loopback only: real networks add their round trips.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conncheck.collectors.scep import Endpoint, Options, collect
from conncheck.evaluate import evaluate
from conncheck.facts import Facts
from conncheck.lab import scep as sr
from conncheck.registry import default_registry


def timed(label: str, runs: int, func: Callable[[], object]) -> None:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    print(f"{label:<48} min {min(times):.4f} s   median {statistics.median(times):.4f} s   ({runs} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--endpoints", type=int, default=4)
    args = parser.parse_args()
    registry = default_registry()
    pki = sr.build_pki()
    with tempfile.TemporaryDirectory() as tmp:
        options = Options(ca_bundle=pki.ca_bundle_pem(Path(tmp)), timeout=5)
        servers = [sr.Responder(sr.healthy(pki), tls=sr.Tls(pki.tls, (pki.issuing,))) for _ in range(args.endpoints)]
        plain = sr.Responder(sr.healthy(pki))
        try:
            http = [Endpoint(plain.url(), "internal")]
            https = [Endpoint(s.url("localhost"), "internal") for s in servers]
            timed("collect 1 endpoint, HTTP", args.runs, lambda: collect(http, registry, options))
            timed("collect 1 endpoint, HTTPS", args.runs, lambda: collect(https[:1], registry, options))
            timed(f"collect {len(https)} endpoints, HTTPS, concurrently", args.runs,
                  lambda: collect(https, registry, options))
            targets = collect(https[:1], registry, options)
            facts = Facts(datetime.now(timezone.utc), {}, {}, {}, scep=targets)
            timed("evaluate the SCEP checks on 1 endpoint", args.runs,
                  lambda: evaluate(facts, registry, hosts=list(targets)))
        finally:
            plain.stop()
            for server in servers:
                server.stop()


if __name__ == "__main__":
    main()
