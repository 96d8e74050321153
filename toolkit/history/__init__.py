"""Audit history: every run of ``conncheck audit`` with its facts and results, in SQLite (default) or
PostgreSQL.

Why stdlib ``sqlite3`` and ``psycopg`` rather than SQLAlchemy: the schema is two tables and a handful of
queries that both databases accept as written; an ORM would add a dependency and a layer to every audit
runner for no query we need. ``open_store`` picks the backend from ``--db``: a ``postgresql://`` (or
``postgres://``) URL, or a file path.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from conncheck.errors import InputError

if TYPE_CHECKING:  # the store's modules load with open_store: the CLI's help needs only the default path
    from conncheck.history.store import Store

__all__ = ["default_store_path", "is_url", "open_store"]

DEFAULT_FILE = "audit.sqlite"
DEFAULT_WAIT_SECONDS = 60.0


def default_store_path() -> Path:
    """The store every audit command shares without ``--db``: in the user's data directory."""
    from platformdirs import user_data_path

    return user_data_path("conncheck", appauthor=False) / DEFAULT_FILE


def is_url(spec: str) -> bool:
    return "://" in spec


def open_store(spec: str | None, *, create: bool, wait: float = DEFAULT_WAIT_SECONDS) -> Store:
    """Open the store ``spec`` names (None: the default file), migrated to the current schema.

    ``create`` (audit) starts a new SQLite file; the reading commands refuse a file that does not exist.
    """
    if spec is not None and is_url(spec):
        scheme = spec.split("://", 1)[0].lower()
        if scheme not in ("postgresql", "postgres"):
            raise InputError(
                f"--db: unsupported URL scheme {scheme!r} (a file path, or postgresql://host/db)"
            )
        from conncheck.history.postgres_backend import open_postgres

        store = open_postgres(spec, wait=wait)
    else:
        from conncheck.history.sqlite_backend import open_sqlite

        path = Path(spec) if spec is not None else default_store_path()
        if spec is None and create:
            path.parent.mkdir(parents=True, exist_ok=True)
        store = open_sqlite(path, create=create, wait=wait)
    try:
        store.migrate()
    except BaseException:
        store.close()
        raise
    return store
