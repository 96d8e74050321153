"""Errors the CLI turns into one line on stderr and a documented exit code."""

from __future__ import annotations


class ConncheckError(Exception):
    """Base class: a problem the user can fix, shown as one line."""

    exit_code = 2


class InputError(ConncheckError):
    """A file, option or document the user gave is unusable (exit 2)."""


class ConfigError(InputError):
    """site.toml is missing, malformed or names something impossible (exit 2)."""
