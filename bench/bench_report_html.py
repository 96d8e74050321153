"""The HTML report: render time and page size for the sample site and for a site 20 times larger, beside the
Markdown and JSON renderers of the same report, and the time headless Chromium takes to load and lay the page out
(``--dump-dom``; skipped without Chromium). Figures, not pass/fail.

    .venv/bin/python bench/bench_report_html.py [RUNS]
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

from conncheck.catalog import load
from conncheck.checklist import Report, build_report
from conncheck.evaluate import evaluate
from conncheck.facts import Facts
from conncheck.lab import samples
from conncheck.registry import default_registry
from conncheck.reports import RENDERERS

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


def scaled(copies: int) -> Facts:
    """The sample site with ``copies`` of each Windows host (conn01-7.contoso.com, ...)."""
    facts = samples.healthy_site(NOW).facts
    hosts = {}
    for n in range(copies):
        for name, target in facts.hosts.items():
            copy = name if n == 0 else name.replace(".", f"-{n}.", 1)
            hosts[copy] = replace(target, name=copy)
    return replace(facts, hosts=hosts)


def report(facts: Facts) -> Report:
    results = evaluate(facts, default_registry())
    return build_report("bench", results, load(), generated_at=NOW, collected_at=NOW)


def median_ms(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def browser_ms(page: Path, runs: int) -> float | None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return None
    with tempfile.TemporaryDirectory() as profile:
        command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                   "--disable-background-networking", f"--user-data-dir={profile}", "--window-size=1280,900",
                   "--dump-dom", page.as_uri()]
        return median_ms(lambda: subprocess.run(command, capture_output=True, check=True), runs)


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for copies in (1, 20):
            built = report(scaled(copies))
            print(f"{len(built.results)} results ({copies}x the sample site's hosts), median of {runs} runs:")
            for name in ("html", "markdown", "json"):
                text = RENDERERS[name](built)
                took = median_ms(partial(RENDERERS[name], built), runs)
                print(f"  {name:8} render {took:7.1f} ms, {len(text.encode()) / 1024:7.0f} KiB")
            page = Path(tmp) / f"report-{copies}.html"
            page.write_text(RENDERERS["html"](built), encoding="utf-8")
            loaded = browser_ms(page, max(3, runs // 3))
            if loaded is not None:
                print(f"  chromium --headless --dump-dom (start, load, layout): {loaded:.0f} ms")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
