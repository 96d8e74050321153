"""The store's schema as numbered migrations, applied in order; ``conncheck_meta`` records the version
reached.

A fresh store runs every migration from 1; an older one runs those it lacks. Each migration is a list of
statements in the SQL both SQLite and PostgreSQL accept, except the identity column (``{pk}``), which each
dialect spells its own way. Never edit a released migration: add the next one.
"""

from __future__ import annotations

META_TABLE = "conncheck_meta"
CREATE_META = f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL)"

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: runs with their facts, and every result.
    (
        """CREATE TABLE runs (
            id {pk},
            site TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            toolkit_version TEXT NOT NULL,
            exit_code INTEGER NOT NULL,
            facts TEXT NOT NULL)""",
        """CREATE TABLE results (
            run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            check_id TEXT NOT NULL,
            host TEXT NOT NULL,
            status TEXT NOT NULL,
            finding TEXT NOT NULL,
            evidence TEXT NOT NULL,
            remediation TEXT,
            PRIMARY KEY (run_id, seq))""",
    ),
    # 2: the facts' collection time, the run compared against and its regression count, each result's
    # title and codes.
    (
        "ALTER TABLE runs ADD COLUMN collected_at TEXT",
        "UPDATE runs SET collected_at = started_at WHERE collected_at IS NULL",
        "ALTER TABLE runs ADD COLUMN previous_run BIGINT",
        "ALTER TABLE runs ADD COLUMN regressions INTEGER",
        "ALTER TABLE results ADD COLUMN title TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE results ADD COLUMN codes TEXT NOT NULL DEFAULT '[]'",
        "CREATE INDEX runs_site_id ON runs (site, id)",
    ),
)

SCHEMA_VERSION = len(MIGRATIONS)
