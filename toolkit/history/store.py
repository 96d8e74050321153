"""The history store over a DB-API connection: runs, their facts and every result, one transaction per run.

One class serves SQLite and PostgreSQL; a ``Dialect`` says how each spells the few things they disagree on.
Writing a run is a single transaction (the run row, then every result): a run interrupted at any point, even
killed, leaves nothing behind, because SQLite rolls back its journal on the next open and PostgreSQL aborts a
transaction whose client vanished. Concurrent audits serialise on the write lock (SQLite ``BEGIN IMMEDIATE``,
a PostgreSQL advisory lock per site), so each sees the run before it as its baseline and none is lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from conncheck import strict_json
from conncheck.errors import InputError
from conncheck.facts import parse_time
from conncheck.history.diff import diff_results
from conncheck.history.model import NewRun, RunRecord, timestamp
from conncheck.history.schema import CREATE_META, META_TABLE, MIGRATIONS, SCHEMA_VERSION
from conncheck.results import Result, Status

RUN_COLUMNS = (
    "id, site, started_at, finished_at, collected_at, toolkit_version, exit_code, previous_run, regressions"
)
MAX_RUN_ID = 2**63 - 1


@dataclass(frozen=True)
class Dialect:
    name: str
    pk: str  # the identity column's type
    placeholder: str
    begin_write: str  # starts a write transaction (SQLite: holding the file's write lock)
    lock: (
        str | None
    )  # takes a named lock until the transaction ends (one parameter: the name); None: not needed
    driver_errors: tuple[type[BaseException], ...]
    describe: Callable[[BaseException], str]  # one line for the user


@dataclass(frozen=True)
class Recorded:
    run: RunRecord
    previous: RunRecord | None
    previous_results: list[Result]


class Store:
    """Open with ``conncheck.history.open_store``; close when done (or use as a context manager)."""

    def __init__(self, conn: Any, dialect: Dialect, where: str) -> None:
        self.conn = conn
        self.dialect = dialect
        self.where = where

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    # -- plumbing

    def _sql(self, statement: str) -> str:
        return statement.replace("?", self.dialect.placeholder)

    def _execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        cur = self.conn.cursor()
        cur.execute(self._sql(statement), tuple(params))
        return cur

    @contextmanager
    def guarded(self) -> Iterator[None]:
        """Driver errors → one InputError line naming the store."""
        try:
            yield
        except self.dialect.driver_errors as exc:
            raise InputError(f"history store {self.where}: {self.dialect.describe(exc)}") from None

    @contextmanager
    def _write(self, lock: str) -> Iterator[None]:
        self._execute(self.dialect.begin_write)
        try:
            if self.dialect.lock:
                self._execute(self.dialect.lock, (lock,))
            yield
        except BaseException:
            self._execute("ROLLBACK")
            raise
        self._execute("COMMIT")

    # -- schema

    def user_tables(self) -> set[str]:
        if self.dialect.name == "sqlite":
            cur = self._execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        else:
            cur = self._execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            )
        return {row[0] for row in cur.fetchall()}

    def schema_version(self) -> int:
        row = self._execute(f"SELECT value FROM {META_TABLE} WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def migrate(self, target: int = SCHEMA_VERSION) -> None:
        """Bring the schema to ``target``, refusing a database that is not ours or is newer than this code."""
        with self.guarded():
            tables = self.user_tables()
            if tables and META_TABLE not in tables:
                shown = ", ".join(sorted(tables)[:3])
                raise InputError(
                    f"history store {self.where}: holds other tables ({shown}) and is not a conncheck "
                    "history store; refusing to change it"
                )
            if META_TABLE in tables and self.schema_version() >= target:
                self._refuse_newer()
                return
            with self._write("conncheck schema"):
                self._execute(CREATE_META)
                version = self.schema_version()  # again, under the lock: another runner may have migrated
                for number in range(version + 1, target + 1):
                    for statement in MIGRATIONS[number - 1]:
                        self._execute(statement.format(pk=self.dialect.pk))
                if target > version:
                    self._execute(f"DELETE FROM {META_TABLE} WHERE key = 'schema_version'")
                    self._execute(
                        f"INSERT INTO {META_TABLE} (key, value) VALUES ('schema_version', ?)", (str(target),)
                    )

    def _refuse_newer(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise InputError(
                f"history store {self.where}: schema version {version} was written by a newer conncheck "
                f"(this one reads up to {SCHEMA_VERSION}); upgrade conncheck"
            )

    # -- writing

    def record(self, run: NewRun, results: Sequence[Result]) -> Recorded:
        """Store a run and every result in one transaction; its baseline is the site's latest run before.

        The stored exit code is the audit's own: ``exit_code_on_regression`` when the run regressed against it.
        """
        with self.recording(run, results) as recorded:
            return recorded

    @contextmanager
    def recording(self, run: NewRun, results: Sequence[Result]) -> Iterator[Recorded]:
        """``record``, committed only when the block ends without an error: the audit delivers its report inside
        the block, so a run whose report never reached anyone does not become the next run's baseline."""
        with self.guarded(), self._write(f"site {run.site}"):
            previous = self.latest(run.site)
            previous_results = self.results(previous.id) if previous else []
            regressions = len(diff_results(previous_results, results).regressions) if previous else 0
            exit_code = run.exit_code
            if regressions and run.exit_code_on_regression is not None:
                exit_code = run.exit_code_on_regression
            cur = self._execute(
                "INSERT INTO runs (site, started_at, finished_at, collected_at, toolkit_version, exit_code, "
                "facts, "
                "previous_run, regressions) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    run.site,
                    timestamp(run.started_at),
                    timestamp(run.finished_at),
                    timestamp(run.collected_at),
                    run.toolkit_version,
                    exit_code,
                    strict_json.dumps(run.facts),
                    previous.id if previous else None,
                    regressions,
                ),
            )
            run_id = int(cur.fetchone()[0])
            self.conn.cursor().executemany(
                self._sql(
                    "INSERT INTO results (run_id, seq, check_id, title, host, status, finding, evidence, "
                    "remediation, "
                    "codes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ),
                [
                    (
                        run_id,
                        seq,
                        r.check_id,
                        r.title,
                        r.host,
                        r.status.value,
                        r.finding,
                        strict_json.dumps(r.evidence),
                        r.remediation,
                        json.dumps(list(r.codes)),
                    )
                    for seq, r in enumerate(results)
                ],
            )
            stored = self.run(run_id)
            yield Recorded(stored, previous, previous_results)

    # -- reading

    def _summaries(self, run_ids: list[int]) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {i: {s.value: 0 for s in Status} for i in run_ids}
        if not run_ids:
            return out
        marks = ", ".join("?" * len(run_ids))
        cur = self._execute(
            f"SELECT run_id, status, COUNT(*) FROM results WHERE run_id IN ({marks}) GROUP BY run_id, status",
            run_ids,
        )
        for run_id, status, count in cur.fetchall():
            out[int(run_id)][status] = int(count)
        return out

    def _records(self, where: str, params: Sequence[Any], tail: str = "") -> list[RunRecord]:
        rows = self._execute(f"SELECT {RUN_COLUMNS} FROM runs {where} {tail}", params).fetchall()
        summaries = self._summaries([int(r[0]) for r in rows])
        return [
            RunRecord(
                int(r[0]),
                r[1],
                parse_time(r[2]),
                parse_time(r[3]),
                parse_time(r[4]),
                r[5],
                int(r[6]),
                None if r[7] is None else int(r[7]),
                None if r[8] is None else int(r[8]),
                summaries[int(r[0])],
            )
            for r in rows
        ]

    def runs(self, site: str | None = None, limit: int = 20) -> list[RunRecord]:
        """Newest first."""
        with self.guarded():
            if site is None:
                return self._records("", (), f"ORDER BY id DESC LIMIT {int(limit)}")
            return self._records("WHERE site = ?", (site,), f"ORDER BY id DESC LIMIT {int(limit)}")

    def run(self, run_id: int) -> RunRecord:
        if not 0 < run_id <= MAX_RUN_ID:  # ids are 64-bit: a larger number cannot name a run (nor reach the driver)
            raise InputError(f"history store {self.where}: no run #{run_id} (see conncheck history)")
        with self.guarded():
            found = self._records("WHERE id = ?", (run_id,))
        if not found:
            raise InputError(f"history store {self.where}: no run #{run_id} (see conncheck history)")
        return found[0]

    def latest(self, site: str | None = None) -> RunRecord | None:
        found = self.runs(site, limit=1)
        return found[0] if found else None

    def previous(self, run: RunRecord) -> RunRecord | None:
        with self.guarded():
            found = self._records("WHERE site = ? AND id < ?", (run.site, run.id), "ORDER BY id DESC LIMIT 1")
        return found[0] if found else None

    def sites(self) -> list[str]:
        with self.guarded():
            return [r[0] for r in self._execute("SELECT DISTINCT site FROM runs ORDER BY site").fetchall()]

    def results(self, run_id: int) -> list[Result]:
        with self.guarded():
            rows = self._execute(
                "SELECT check_id, title, host, status, finding, evidence, remediation, codes FROM results "
                "WHERE run_id = ? ORDER BY seq",
                (run_id,),
            ).fetchall()
        return [
            Result(
                r[0], r[1] or r[0], r[2], Status(r[3]), r[4], json.loads(r[5]), r[6], tuple(json.loads(r[7]))
            )
            for r in rows
        ]

    def facts(self, run_id: int) -> dict[str, Any]:
        with self.guarded():
            row = self._execute("SELECT facts FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise InputError(f"history store {self.where}: no run #{run_id}")
        loaded: dict[str, Any] = json.loads(row[0])
        return loaded
