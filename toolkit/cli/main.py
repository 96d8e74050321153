"""The console entry point: every command module registered on the app, every error turned into one line.

Usage errors (an unknown option, a bad value, a missing argument) are one line naming the command and the
parameter, exit 2, instead of click's three (Usage / Try / Error). stdout and stderr never fail on a character the
console's code page lacks (see ``conncheck.cli.output.prepare_streams``), and a stdout that cannot be written (a full
disk, a closed pipe) is one line and exit 2.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any

import typer
from conncheck.cli import audit, collect, demo, evaluate, events, explain, init, scep  # noqa: F401  (they register commands)
from conncheck.cli.app import app
from conncheck.cli.output import prepare_streams, silence_stdout
from conncheck.errors import ConncheckError
from conncheck.exit_codes import ExitCode

__all__ = ["app", "main"]

# click's UsageError, from whichever click typer runs on (its own copy since typer 0.29, the click package before).
UsageError: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
# Errors of writing the output (stdout a closed pipe or a full disk), as opposed to a bug. Windows reports a
# closed pipe as EINVAL.
OUTPUT_ERRNOS = {errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, *([errno.EINVAL] * (os.name == "nt"))}


def main() -> None:
    """Console entry point: every ConncheckError is one line on stderr and its exit code, never a traceback."""
    prepare_streams()
    try:
        code = app(prog_name="conncheck", standalone_mode=False)
        sys.stdout.flush()
    except UsageError as exc:
        _usage(exc)
    except ConncheckError as exc:
        typer.echo(f"conncheck: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        typer.echo("conncheck: interrupted", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    except OSError as exc:
        if exc.errno not in OUTPUT_ERRNOS:
            _internal(exc)
        silence_stdout()
        typer.echo(f"conncheck: error: stdout: cannot write the output ({exc.strerror or exc})", err=True)
        sys.exit(ExitCode.USAGE)
    except Exception as exc:
        _internal(exc)
    sys.exit(code if isinstance(code, int) else 0)


def _usage(exc: Any) -> None:
    """click's usage error as one line: ``conncheck evaluate: --format: 'xml' is not one of 'table', ...``."""
    if type(exc).__name__ == "NoArgsIsHelpError":  # ``conncheck`` alone: the help is the answer
        exc.show()
        sys.exit(ExitCode.USAGE)
    where = exc.ctx.command_path if exc.ctx is not None else "conncheck"
    if type(exc).__name__ == "BadParameter" and exc.param is not None:
        param = exc.param
        name = max(param.opts, key=len) if param.opts and param.param_type_name == "option" else param.name.upper()
        message = f"{name}: {exc.message.removeprefix('Value error, ')}"  # typer 0.29 words pydantic's way
    else:
        message = exc.format_message()
    typer.echo(f"{where}: {' '.join(message.split())}", err=True)
    sys.exit(ExitCode.USAGE)


def _internal(exc: Exception) -> None:
    if os.environ.get("CONNCHECK_DEBUG"):
        raise exc
    typer.echo(
        f"conncheck: internal error: {type(exc).__name__}: {exc} (set CONNCHECK_DEBUG=1 for the traceback)",
        err=True,
    )
    sys.exit(ExitCode.INTERNAL)
