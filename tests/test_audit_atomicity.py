"""An audit stores its run only when its report was delivered: a refused command, or a report that cannot be
written, stores nothing, so the next audit still compares against the last run someone saw.

The order inside ``conncheck audit``: check the output target (before the store is opened or anything collected);
record the run in an open transaction; render and write the report (stdout flushed, or a temporary file beside the
target, synced); commit; rename the file into place. Each failure is tested where it can really happen here.
"""

# ruff: noqa: F811

from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path

import pytest
from conncheck.cli.output import OutputError, Staged

from tests.audit_fixtures import CLI, conncheck, facts_files, pg_url, postgres_server  # noqa: F401  (fixtures)


def _runs(db: str) -> list[int]:
    from conncheck.history import open_store

    with open_store(db, create=False) as store:
        return [r.id for r in store.runs(limit=100)]


def _one_line(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1, done.stderr
    for word in words:
        assert word in done.stderr


@pytest.mark.parametrize("target", ["facts", "directory", "store", "hard link to the facts"])
def test_a_refused_output_stores_nothing_and_creates_no_store(
    facts_files: dict[str, Path], tmp_path: Path, target: str
) -> None:
    facts = tmp_path / "facts.json"
    facts.write_bytes(facts_files["expired"].read_bytes())
    db = tmp_path / "audit.sqlite"
    assert conncheck("audit", "--db", str(db), "--facts", str(facts_files["healthy"])).returncode == 0
    stored = db.read_bytes()
    output = {"facts": facts, "directory": tmp_path, "store": db, "hard link to the facts": tmp_path / "r.json"}
    if target == "hard link to the facts":
        os.link(facts, output[target])
    done = conncheck("audit", "--db", str(db), "--facts", str(facts), "-o", str(output[target]))
    _one_line(done, str(output[target]))
    assert db.read_bytes() == stored and _runs(str(db)) == [1]
    assert facts.read_bytes() == facts_files["expired"].read_bytes()
    # the expired certificate is still news to the next audit: the refused one did not become its baseline
    assert conncheck("audit", "--db", str(db), "--facts", str(facts)).returncode == 4

    fresh = tmp_path / "fresh.sqlite"
    done = conncheck("audit", "--db", str(fresh), "--facts", str(facts), "-o", str(tmp_path))
    _one_line(done, "is a directory")
    assert not fresh.exists()


def test_a_report_that_cannot_reach_stdout_stores_nothing(facts_files: dict[str, Path], tmp_path: Path) -> None:
    db = str(tmp_path / "audit.sqlite")
    assert conncheck("audit", "--db", db, "--facts", str(facts_files["healthy"])).returncode == 0
    with open("/dev/full", "w") as full:
        done = subprocess.run([*CLI, "audit", "--db", db, "--facts", str(facts_files["expired"])], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=300)
    _one_line(done, "stdout", "No space left")
    assert _runs(db) == [1]
    assert conncheck("audit", "--db", db, "--facts", str(facts_files["expired"])).returncode == 4


def _file_size_limit(limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


def test_a_report_file_that_cannot_be_written_stores_nothing(
    facts_files: dict[str, Path], tmp_path: Path, pg_url: str
) -> None:
    """A file-size limit (ulimit -f) makes the report's write fail half way, after validation passed. The store
    is PostgreSQL so that the server, not the limited process, writes the run."""
    assert conncheck("audit", "--db", pg_url, "--facts", str(facts_files["healthy"])).returncode == 0
    report = tmp_path / "audit.html"
    report.write_text("last week's report\n", encoding="utf-8")
    done = subprocess.run(
        [*CLI, "audit", "--db", pg_url, "--facts", str(facts_files["expired"]), "-f", "html", "-o", str(report)],
        capture_output=True, text=True, timeout=300, preexec_fn=lambda: _file_size_limit(4096),
    )
    _one_line(done, str(report), "cannot write")
    assert _runs(pg_url) == [1]
    assert report.read_text(encoding="utf-8") == "last week's report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.html"]  # no temporary file left behind
    assert conncheck("audit", "--db", pg_url, "--facts", str(facts_files["expired"]), "-o",
                     str(report)).returncode == 4


def test_a_report_written_and_committed_but_not_renamed_is_kept_and_named(tmp_path: Path) -> None:
    """The one failure left after the commit: the rename. The report stays in its temporary file, named."""
    temp = tmp_path / ".report.tmp"
    temp.write_text("the report\n", encoding="utf-8")
    blocked = tmp_path / "report"
    blocked.mkdir()
    (blocked / "something").write_text("", encoding="utf-8")  # a non-empty directory cannot be replaced
    with pytest.raises(OutputError, match=str(temp)):
        Staged(temp, blocked).publish()
    assert temp.read_text(encoding="utf-8") == "the report\n"
