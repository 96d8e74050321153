"""The embedded default: one SQLite file (stdlib ``sqlite3``), rollback journal, writers queue on a busy
timeout.

The rollback journal (not WAL) is deliberate: audit stores often sit on a share, and WAL needs shared
memory that network file systems do not give. A corrupt or foreign file is refused before anything is
written to it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conncheck.errors import InputError
from conncheck.history.store import Dialect, Store

SQLITE_MAGIC = b"SQLite format 3\x00"


def _describe(exc: BaseException) -> str:
    text = str(exc)
    if "locked" in text or "busy" in text:
        return "locked by another process for longer than the wait allowed; try again later or raise --wait"
    if "not a database" in text or "malformed" in text:
        return f"not a readable SQLite database ({text}); the file was left untouched"
    return f"SQLite error: {text}"


def dialect() -> Dialect:
    return Dialect(
        name="sqlite",
        pk="INTEGER PRIMARY KEY AUTOINCREMENT",
        placeholder="?",
        begin_write="BEGIN IMMEDIATE",
        lock=None,  # BEGIN IMMEDIATE already holds the whole file's write lock
        driver_errors=(sqlite3.Error,),
        describe=_describe,
    )


def open_sqlite(path: Path, *, create: bool, wait: float) -> Store:
    """Open (``create``: or start) a store file; refuse anything that is not an SQLite database, untouched."""
    where = str(path)
    if path.is_dir():
        raise InputError(f"history store {where}: is a directory, expected a database file")
    if path.exists():
        try:
            with path.open("rb") as handle:
                head = handle.read(len(SQLITE_MAGIC))
        except OSError as exc:
            raise InputError(f"history store {where}: cannot read ({exc.strerror})") from None
        if head and head != SQLITE_MAGIC:
            raise InputError(f"history store {where}: not an SQLite database; the file was left untouched")
    elif not create:
        raise InputError(f"history store {where}: no such file (no audit has been recorded there yet)")
    elif not path.parent.is_dir():
        raise InputError(f"history store {where}: directory {path.parent} does not exist")
    try:
        conn = sqlite3.connect(str(path), timeout=wait, isolation_level=None)
    except sqlite3.Error as exc:
        raise InputError(f"history store {where}: {_describe(exc)}") from None
    store = Store(conn, dialect(), where)
    with store.guarded():
        store._execute("PRAGMA foreign_keys = ON")
    return store
