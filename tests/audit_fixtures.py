"""Shared pieces of the audit tests: facts files that differ by one expired certificate, the CLI in a
subprocess, and a real PostgreSQL server started on loopback for the session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.conftest import peer_missing

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
SITE = "contoso"
CLI = [sys.executable, "-c", "from conncheck.cli.main import main; main()"]


def conncheck(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})}
    )


@pytest.fixture(scope="session")
def facts_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """healthy.json, and expired.json: the same site whose connector certificate expired three days ago."""
    from conncheck.lab import samples

    where = tmp_path_factory.mktemp("audit-facts")
    healthy = samples.healthy_site(NOW)
    healthy.facts.site.name = SITE
    expired = samples.variant_site("expired-connector-cert", NOW)
    expired.facts.site.name = SITE
    out = {"healthy": where / "healthy.json", "expired": where / "expired.json"}
    out["healthy"].write_text(healthy.facts.dumps(), encoding="utf-8")
    out["expired"].write_text(expired.facts.dumps(), encoding="utf-8")
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        peer_missing("PostgreSQL server binaries (Debian package postgresql) are not installed")
    return found[-1].parent


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throw-away PostgreSQL cluster on 127.0.0.1, run as an unprivileged user; yields a server URL."""
    bindir = _pg_bin()
    root = Path(tempfile.mkdtemp(prefix="conncheck-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(root, "nobody")
        as_user = ["runuser", "-u", "nobody", "--"]
    data, port = root / "data", _free_port()
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                    "--no-sync", "-E", "UTF8"], check=True, capture_output=True)
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off"
    subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(root / "log"),
                    "-w", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture()
def pg_url(postgres_server: str) -> str:
    """A fresh database on the session's server for each test."""
    import psycopg

    name = f"t{time.monotonic_ns()}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{postgres_server}/{name}"
