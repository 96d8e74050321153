"""examples/facts/: every snapshot fails exactly the codes it was made for (site.example_expect), nothing else.

``example_expect`` is {"fails": [codes], "unknown": [codes], "warns": [codes]}; a row not named there must PASS or
SKIP, the Prerequisites row included. examples/make_snapshots.py regenerates the snapshots; a regenerated set
(new keys, the same pinned time) must give the same checklist as the committed one.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conncheck import catalog
from conncheck import facts as facts_mod
from conncheck.checklist import EXIT_FAIL, EXIT_OK, EXIT_UNKNOWN, Report, build_report
from conncheck.evaluate import evaluate
from conncheck.registry import default_registry
from conncheck.results import Status

REPO = Path(__file__).resolve().parent.parent
SNAPSHOTS = REPO / "examples" / "facts"
PATHS = sorted(SNAPSHOTS.glob("*.json"))


def report_of(path: Path) -> Report:
    facts = facts_mod.load(path)
    results = evaluate(facts, default_registry())
    return build_report(
        facts.site.name,
        results,
        catalog.load(),
        generated_at=datetime.now(timezone.utc),
        collected_at=facts.collected_at,
    )


def expectation(path: Path) -> dict[str, set[str]]:
    site = json.loads(path.read_text(encoding="utf-8"))["site"]
    expect = site.get("example_expect")
    assert isinstance(expect, dict), f"{path.name}: site.example_expect is missing"
    return {key: set(expect.get(key) or ()) for key in ("fails", "unknown", "warns")}


def rows_with(report: Report, status: Status) -> set[str]:
    return {row.code_hex or row.name for row in report.rows if row.status is status}


def test_there_is_a_healthy_snapshot_and_at_least_eight_broken_ones() -> None:
    names = {p.stem for p in PATHS}
    assert "healthy" in names
    broken = [p for p in PATHS if any(expectation(p).values())]
    assert len(broken) >= 8
    assert len(PATHS) - len(broken) == 1  # only the healthy one expects nothing


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_snapshot_fails_exactly_what_it_was_made_for(path: Path) -> None:
    expect = expectation(path)
    report = report_of(path)
    assert len(report.rows) == 12
    details = [(r.check_id, r.host, r.status.value, r.finding) for r in report.results if r.status is not Status.PASS]
    assert rows_with(report, Status.FAIL) == expect["fails"], details
    assert rows_with(report, Status.UNKNOWN) == expect["unknown"], details
    assert rows_with(report, Status.WARN) == expect["warns"], details
    expected_exit = EXIT_FAIL if expect["fails"] else EXIT_UNKNOWN if expect["unknown"] else EXIT_OK
    assert report.exit_code == expected_exit


def test_healthy_snapshot_through_the_installed_script() -> None:
    script = Path(sys.executable).parent / "conncheck"
    done = subprocess.run(
        [str(script), "evaluate", str(SNAPSHOTS / "healthy.json"), "-f", "json"],
        capture_output=True, text=True, encoding="utf-8", timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert [r["code"] for r in doc["checklist"]][-1] is None
    assert {r["status"] for r in doc["checklist"]} <= {"PASS", "SKIP"}


def test_regenerated_snapshots_give_the_same_checklists(tmp_path: Path) -> None:
    pinned = json.loads((SNAPSHOTS / "healthy.json").read_text(encoding="utf-8"))["collected_at"]
    done = subprocess.run(
        [sys.executable, str(REPO / "examples" / "make_snapshots.py"), "--at", pinned, "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.glob("*.json")) == [p.name for p in PATHS]
    for path in PATHS:
        fresh = tmp_path / path.name
        assert expectation(fresh) == expectation(path), path.name
        before = [(row.code_hex, row.status) for row in report_of(path).rows]
        after = [(row.code_hex, row.status) for row in report_of(fresh).rows]
        assert after == before, path.name
