"""The console entry point: every command module registered on the app, errors turned into one line."""

from __future__ import annotations

import os
import sys

import typer
from conncheck.cli import audit, collect, demo, evaluate, events, explain, init, scep  # noqa: F401  (they register commands)
from conncheck.cli.app import app
from conncheck.errors import ConncheckError
from conncheck.exit_codes import ExitCode

__all__ = ["app", "main"]


def main() -> None:
    """Console entry point: every ConncheckError is one line on stderr and its exit code, never a traceback."""
    try:
        app()
    except ConncheckError as exc:
        typer.echo(f"conncheck: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("conncheck: interrupted", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as exc:
        if os.environ.get("CONNCHECK_DEBUG"):
            raise
        typer.echo(
            f"conncheck: internal error: {type(exc).__name__}: {exc} (set CONNCHECK_DEBUG=1 for the traceback)",
            err=True,
        )
        sys.exit(ExitCode.INTERNAL)
