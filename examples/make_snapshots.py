"""Regenerate examples/facts/: a healthy site and one snapshot per broken precondition.

    python examples/make_snapshots.py            # dates relative to now
    python examples/make_snapshots.py --at 2026-11-25T09:00:00Z

It also writes toolkit/data/demo-site.json, the EXAMPLE site `conncheck demo` evaluates.

Every certificate is real (signed with `cryptography` by conncheck.lab.samples); each document carries its own
collected_at, which is also the time it is evaluated at, so the snapshots give the same checklist forever.
Each broken snapshot names the codes it must fail in site.example_expect.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from conncheck.facts import parse_time
from conncheck.lab import samples

HERE = Path(__file__).resolve().parent / "facts"
DEMO = Path(__file__).resolve().parent.parent / "toolkit" / "data" / "demo-site.json"  # what `conncheck demo` shows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--at", help="pin collected_at (ISO 8601 UTC) instead of now")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: examples/facts)")
    args = parser.parse_args()
    now = parse_time(args.at) if args.at else samples.default_now()
    args.out.mkdir(parents=True, exist_ok=True)
    healthy = samples.healthy_site(now)
    healthy.facts.site.example_expect = {"fails": [], "unknown": [], "warns": []}
    documents = {"healthy": healthy.facts}
    documents.update({v.name: samples.variant_site(v.name, now).facts for v in samples.VARIANTS})
    for name, facts in documents.items():
        path = args.out / f"{name}.json"
        path.write_text(facts.dumps() + "\n", encoding="utf-8")
        print(f"wrote {path}")
    if args.out == HERE:
        DEMO.write_text(samples.demo_site(now).dumps() + "\n", encoding="utf-8")
        print(f"wrote {DEMO}")


if __name__ == "__main__":
    main()
