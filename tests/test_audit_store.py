"""The history store: migrations, SQLite/PostgreSQL parity, concurrent writers, a writer killed mid-run,
and the pure pieces (diff, expiry) it relies on."""

# ruff: noqa: F811

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from conncheck.history import open_store
from conncheck.history.diff import diff_results
from conncheck.history.expiry import expiry_items
from conncheck.history.model import NewRun
from conncheck.history.schema import SCHEMA_VERSION
from conncheck.results import Result, Status

from tests.audit_fixtures import (  # noqa: F401  (fixtures: arguments below reuse their names)
    CLI,
    NOW,
    conncheck,
    facts_files,
    pg_url,
    postgres_server,
)


def result(check: str, status: Status, host: str = "h1", **evidence: object) -> Result:
    return Result(check, check.replace("_", " "), host, status, f"{check} is {status.value}", dict(evidence), None)


# -- diff and expiry (pure) -----------------------------------------------------------------------------------


def test_diff_sorts_every_transition() -> None:
    before = [result("a", Status.PASS), result("b", Status.FAIL), result("c", Status.PASS),
              result("d", Status.FAIL), result("e", Status.PASS, x=1), result("f", Status.PASS)]
    after = [result("a", Status.FAIL), result("b", Status.PASS), result("c", Status.UNKNOWN),
             result("d", Status.UNKNOWN), result("e", Status.PASS, x=2), result("g", Status.FAIL),
             result("h", Status.WARN)]
    d = diff_results(before, after)
    ids = {key: [c.check_id for c in changes] for key, _, changes in d.sections()}
    assert ids == {"newly_failing": ["a", "g"], "worse": ["c"], "fixed": ["b"], "better": ["d"],
                   "evidence_changed": ["e"], "appeared": ["h"], "gone": ["f"]}
    assert [c.check_id for c in d.regressions] == ["a", "g", "c"]
    assert d.evidence_changed[0].evidence == {"x": (1, 2)}


def test_days_left_alone_is_not_a_change() -> None:
    d = diff_results([result("a", Status.PASS, days_left=40.0)], [result("a", Status.PASS, days_left=39.0)])
    assert not any(changes for _, _, changes in d.sections())


def test_expiry_from_evidence_deduplicated_and_sorted() -> None:
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    results = [
        result("cert_a", Status.PASS, thumbprint="AA", subject="CN=a", not_after="2026-03-02T00:00:00Z"),
        result("cert_a_again", Status.WARN, host="h2", thumbprint="AA", subject="CN=a",
               not_after="2026-03-02T00:00:00Z"),
        result("bundle", Status.PASS,
               ca=[{"thumbprint": "BB", "subject": "CN=b", "not_after": "2025-12-31T00:00:00Z"}]),
        result("crl", Status.FAIL, issuer="CN=ca", next_update="2026-01-11T00:00:00Z"),
        result("unreadable", Status.UNKNOWN, not_after="not a time"),
        result("plain", Status.PASS, value=3),
    ]
    items = expiry_items(results, now)
    assert [(i.name, i.kind, i.days_left) for i in items] == [
        ("CN=b", "certificate", -1.0), ("CN=ca", "crl", 10.0), ("CN=a", "certificate", 60.0)]
    assert items[2].checks == ("cert_a", "cert_a_again") and items[2].hosts == ("h1", "h2")


# -- schema and migrations ------------------------------------------------------------------------------------


def _run(site: str = "s", exit_code: int = 0) -> NewRun:
    return NewRun(site, NOW, NOW, NOW, "test", exit_code, {"schema": "conncheck.facts/1"})


def test_migration_from_schema_1_keeps_old_runs(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    conn = sqlite3.connect(db, isolation_level=None)
    from conncheck.history.sqlite_backend import dialect
    from conncheck.history.store import Store

    old = Store(conn, dialect(), str(db))
    old.migrate(target=1)
    conn.execute("INSERT INTO runs (site, started_at, finished_at, toolkit_version, exit_code, facts) "
                 "VALUES ('s', '2026-11-24T09:00:00.000Z', '2026-11-24T09:00:05.000Z', '0.0.9', 0, '{}')")
    conn.execute("INSERT INTO results (run_id, seq, check_id, host, status, finding, evidence) "
                 "VALUES (1, 0, 'a', 'h1', 'PASS', 'fine', '{}')")
    conn.close()

    with open_store(str(db), create=False) as store:
        assert store.schema_version() == SCHEMA_VERSION
        (run,) = store.runs()
        assert run.regressions is None and run.collected_at == run.started_at
        assert store.results(1)[0].title == "a" and store.results(1)[0].codes == ()
        recorded = store.record(_run(), [result("a", Status.FAIL, host="h1")])
    assert recorded.previous is not None and recorded.previous.id == 1 and recorded.run.regressions == 1
    history = conncheck("history", "--db", str(db)).stdout.splitlines()  # a header row, a rule, newest first
    assert history[3].startswith("#1") and history[3].split()[-2:] == ["-", "0"]  # regressions not counted


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite"
    open_store(str(db), create=True).close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE conncheck_meta SET value = '99' WHERE key = 'schema_version'")
    before = db.read_bytes()
    done = conncheck("history", "--db", str(db))
    assert done.returncode == 2 and "newer conncheck" in done.stderr
    assert db.read_bytes() == before


def test_postgres_store_migrates_and_records(pg_url: str) -> None:
    with open_store(pg_url, create=True) as store:
        assert store.schema_version() == SCHEMA_VERSION
        first = store.record(_run(), [result("a", Status.PASS)])
        second = store.record(_run(exit_code=1), [result("a", Status.FAIL)])
    assert first.previous is None and second.previous is not None and second.run.regressions == 1
    with open_store(pg_url, create=False) as store:  # a second open finds the schema in place
        assert [r.id for r in store.runs()] == [2, 1]


def test_postgres_refused_connection_is_one_line() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = conncheck("history", "--db", f"postgresql://nobody@127.0.0.1:{port}/x", "--wait", "1")
    assert done.returncode == 2 and "cannot connect" in done.stderr and len(done.stderr.splitlines()) == 1


# -- SQLite and PostgreSQL give the same answers ---------------------------------------------------------------


def test_sqlite_and_postgres_give_identical_history_and_diff(
    facts_files: dict[str, Path], pg_url: str, tmp_path: Path
) -> None:
    stores = [str(tmp_path / "audit.sqlite"), pg_url]
    outputs = []
    for db in stores:
        for name in ("healthy", "expired", "expired", "healthy"):
            conncheck("audit", "--db", db, "--facts", str(facts_files[name]))
        outputs.append([
            conncheck("history", "--db", db).stdout,
            conncheck("diff", "--db", db).stdout,
            conncheck("diff", "1", "2", "--db", db).stdout,
            conncheck("expiry", "--db", db).stdout,
            json.loads(conncheck("diff", "1", "2", "--db", db, "--format", "json").stdout)["newly_failing"],
        ])
    assert outputs[0] == outputs[1]
    assert outputs[0][0].count("\n") == 2 + 4 and "connector_cert_not_expired" in outputs[0][2]  # header, rule, runs


# -- concurrency and interruption -----------------------------------------------------------------------------


WRITERS = 4


def _parallel_audits(db: str, facts: list[Path], each: int, codes: Path) -> None:
    """``WRITERS`` shell loops, each running ``each`` rounds of one audit per facts file, all at the same time."""
    cli = f"'{sys.executable}' -c 'from conncheck.cli.main import main; main()'"
    script = "; ".join(f"{cli} audit --db '{db}' --facts '{f}' >/dev/null; echo $? >> '{codes}'" for f in facts)
    loops = [subprocess.Popen(["bash", "-c", f"for i in $(seq {each}); do {script}; done"]) for _ in range(WRITERS)]
    for proc in loops:
        assert proc.wait(timeout=600) == 0


def _check_complete(db: str, expected_runs: int, results_per_run: int) -> None:
    with open_store(db, create=False) as store:
        runs = store.runs(limit=1000)
        assert len(runs) == expected_runs
        assert all(sum(r.summary.values()) == results_per_run for r in runs)
        chain = sorted(r.previous_run for r in runs if r.previous_run is not None)
        assert chain == sorted(r.id for r in runs)[:-1]  # every run is some later run's baseline, once


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_four_audits_writing_at_once_lose_nothing(
    backend: str, facts_files: dict[str, Path], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = str(tmp_path / "audit.sqlite") if backend == "sqlite" else request.getfixturevalue("pg_url")
    assert conncheck("audit", "--db", db, "--facts", str(facts_files["healthy"])).returncode == 0
    with open_store(db, create=False) as store:
        per_run = sum(store.runs()[0].summary.values())
    codes = tmp_path / "codes"
    _parallel_audits(db, [facts_files["healthy"], facts_files["expired"]], each=3, codes=codes)
    assert set(codes.read_text().split()) <= {"0", "1", "4"}  # never 2 (locked) or 70
    assert len(codes.read_text().split()) == WRITERS * 3 * 2
    _check_complete(db, 1 + WRITERS * 3 * 2, per_run)


KILLER = textwrap.dedent(
    """
    import sys, time
    from conncheck.history import store
    real_run = store.Store.run
    def run_then_hang(self, run_id):
        found = real_run(self, run_id)  # inside the transaction: the run row and every result are written
        print("written, not committed", flush=True)
        time.sleep(3600)
        return found
    store.Store.run = run_then_hang
    from conncheck.cli.main import main
    sys.argv = ["conncheck", *sys.argv[1:]]
    main()
    """
)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_audit_killed_mid_write_leaves_no_half_run(
    backend: str, facts_files: dict[str, Path], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    db = str(tmp_path / "audit.sqlite") if backend == "sqlite" else request.getfixturevalue("pg_url")
    assert conncheck("audit", "--db", db, "--facts", str(facts_files["healthy"])).returncode == 0
    proc = subprocess.Popen([sys.executable, "-c", KILLER, "audit", "--db", db, "--facts",
                             str(facts_files["expired"])], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "written, not committed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)

    history = conncheck("history", "--db", db, "--format", "json", "--wait", "30")
    assert history.returncode == 0, history.stderr
    assert [r["id"] for r in json.loads(history.stdout)] == [1]
    if backend == "sqlite":
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert conn.execute("SELECT COUNT(DISTINCT run_id) FROM results").fetchone()[0] == 1
    # the store takes the next run as if nothing happened, against the right baseline
    assert conncheck("audit", "--db", db, "--facts", str(facts_files["expired"])).returncode == 4


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_writer_killed_holding_the_lock_while_others_wait_loses_nothing(
    backend: str, facts_files: dict[str, Path], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """kill -9 of an audit inside its transaction, with the lock held and three more audits queued behind it: the
    database gives the lock up with the dead writer, the three are stored, the killed run is not, half or whole."""
    db = str(tmp_path / "audit.sqlite") if backend == "sqlite" else request.getfixturevalue("pg_url")
    assert conncheck("audit", "--db", db, "--facts", str(facts_files["healthy"])).returncode == 0
    with open_store(db, create=False) as store:
        per_run = sum(store.runs()[0].summary.values())
    killed = subprocess.Popen([sys.executable, "-c", KILLER, "audit", "--db", db, "--facts",
                               str(facts_files["expired"])], stdout=subprocess.PIPE, text=True)
    assert killed.stdout is not None
    assert killed.stdout.readline().strip() == "written, not committed"
    queued = [subprocess.Popen([*CLI, "audit", "--db", db, "--facts", str(facts_files[name]), "--wait", "120"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
              for name in ("expired", "healthy", "expired")]
    time.sleep(1.0)  # let them reach the lock and wait on it
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=60)
    for proc in queued:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode in (0, 1, 4), err
    _check_complete(db, 4, per_run)
    if backend == "sqlite":
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
