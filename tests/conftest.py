"""Shared test plumbing.

Peers (Samba, PostgreSQL, the `scep` server, Chromium, ../shared/data) may be missing on a developer's machine:
tests then skip with the reason. Under CI=true a missing peer is a failure, so a skipped suite never passes
for a green one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

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


def _samba_dc(factory: pytest.TempPathFactory, octet: int, relaxed: bool) -> Iterator[Any]:
    from tests.peers import krb5, samba

    if not samba.samba_installed():
        peer_missing("Samba AD DC packages (samba, samba-ad-dc, samba-ad-provision) are not installed")
    if not krb5.client_installed():
        peer_missing("the Kerberos client is missing: Debian krb5-user (kinit, klist) and pyspnego's Kerberos "
                     "(pip install 'conncheck[kerberos]', built against Debian libkrb5-dev)")
    if os.geteuid() != 0:
        peer_missing("the Samba AD DC lab must run as root")
    # A loopback address of this test process's own, so labs of concurrent test runs never answer for each other.
    address = f"127.{octet}.{os.getpid() >> 8 & 0xFF}.{os.getpid() & 0xFF or 1}"
    running = samba.start(factory.mktemp("samba") / "dc", address, kdc=True, relaxed_strong_auth=relaxed)
    try:
        yield samba.seed(running)
    finally:
        running.stop()


@pytest.fixture(scope="session")
def samba_dc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The Samba AD DC with its KDC, at Samba's default ``ldap server require strong auth = yes``, seeded with the
    PKI objects (tests/peers/samba.py); shared by the directory and WinRM Kerberos tests, which restore what they
    change."""
    yield from _samba_dc(tmp_path_factory, 12, relaxed=False)


@pytest.fixture(scope="session")
def samba_dc_relaxed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The same DC with ``ldap server require strong auth = no``, only for what Samba's default refuses and a
    Windows DC may accept: a cleartext simple bind (``--insecure``), and Kerberos over TLS without SASL sealing."""
    yield from _samba_dc(tmp_path_factory, 13, relaxed=True)
