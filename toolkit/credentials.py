"""Secrets for WinRM and LDAP binds: from an environment variable, the OS keyring, or a prompt.

Never from the command line (it would land in shell history and process lists), and never written anywhere:
not in output, logs, facts, reports or history.
"""

from __future__ import annotations

import getpass
import os
import sys
from dataclasses import dataclass
from functools import cached_property

from conncheck.errors import InputError


@dataclass(frozen=True)
class Credential:
    username: str
    password: str = ""

    def __repr__(self) -> str:  # keep the secret out of tracebacks and debug output
        return f"Credential(username={self.username!r}, password=***)"

    @cached_property
    def nt_hash(self) -> str:
        """The NT hash (MD4 of the UTF-16LE password, hex) NTLM derives from the password: derived once here and
        handed to every host's authentication instead of the password. As secret as the password itself."""
        from spnego._ntlm_raw.crypto import ntowfv1  # pyspnego's own derivation, so both sides agree byte for byte

        return ntowfv1(self.password).hex()


def secret(
    *, purpose: str, username: str, env_var: str | None, keyring_service: str | None = None, interactive: bool = True
) -> str:
    """Find the password for ``username``: environment variable, then keyring, then a prompt on a terminal."""
    if env_var and os.environ.get(env_var):
        return os.environ[env_var]
    if keyring_service:
        import keyring

        try:
            found = keyring.get_password(keyring_service, username)
        except Exception as exc:  # keyring backends raise their own types
            raise InputError(f"{purpose}: the OS keyring could not be read: {exc}") from None
        if found:
            return found
    if interactive and sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(f"Password for {username} ({purpose}): ")
    where = f"environment variable {env_var}" if env_var else "an environment variable (password_env)"
    raise InputError(f"{purpose}: no password for {username}; set {where}, or store it in the OS keyring")
