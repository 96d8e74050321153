"""Shared test plumbing.

Peers (Samba, PostgreSQL, the `scep` server, Chromium, ../shared/data) may be missing on a developer's machine:
tests then skip with the reason. Under CI=true a missing peer is a failure, so a skipped suite never passes
for a green one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def peer_missing(reason: str) -> NoReturn:
    """Skip on a user's machine; fail under CI=true (a missing peer must not look green)."""
    if in_ci():
        pytest.fail(f"required test peer missing under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def shared_data(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        peer_missing(f"shared data {path} is absent")
    return path
