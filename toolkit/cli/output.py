"""Where a command's output goes: stdout, or a regular file replaced atomically; never onto what the command reads.

Every command that writes asks ``destination`` first, before any work, so a refused target costs nothing and
stores nothing:

- ``-`` (or no ``-o``) is stdout. A stdout that cannot be written (a full disk, a closed pipe) is ``OutputError``:
  one line, exit 2.
- A path must be a regular file or not exist yet, in a directory that exists. Devices, FIFOs, sockets, directories
  and symbolic links are refused: as root, ``-o /dev/null`` would otherwise replace the device node with a file, and
  a symlink would redirect the write to wherever it points.
- Never an input: the facts, site.toml, a CA bundle, the history store. Files are compared by device and inode, so
  a hard link or another spelling of an input's path is refused too.

A file is written to a temporary file beside it and renamed over it (``os.replace``): a reader (a web server,
node_exporter's textfile collector, a CI step) sees the old file or the new one, never half of one. ``stage`` and
``Staged.publish`` split that in two for ``audit``, which commits its run between them (see conncheck.cli.audit).
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from conncheck.errors import InputError

STDOUT = "-"
UTF8_BOM = "\ufeff"

_KINDS = (
    (stat.S_ISLNK, "is a symbolic link; give the path of the file itself"),
    (stat.S_ISDIR, "is a directory"),
    (stat.S_ISCHR, "is a device, not a regular file (use - for stdout)"),
    (stat.S_ISBLK, "is a device, not a regular file (use - for stdout)"),
    (stat.S_ISFIFO, "is a FIFO, not a regular file (use - for stdout)"),
    (stat.S_ISSOCK, "is a socket, not a regular file (use - for stdout)"),
)


class OutputError(InputError):
    """The output could not be written (exit 2): stdout closed or full, or the file system refused the file."""


@dataclass(frozen=True)
class Staged:
    """Output written where nobody sees it yet (a temporary file beside the target); ``publish`` puts it in place."""

    temp: Path | None
    final: Path | None

    def publish(self) -> None:
        if self.temp is None or self.final is None:
            return
        try:
            os.replace(self.temp, self.final)
        except OSError as exc:
            raise OutputError(
                f"{self.final}: cannot put the report in place ({exc.strerror}); it is kept in {self.temp}"
            ) from None

    def discard(self) -> None:
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)


@dataclass(frozen=True)
class Destination:
    """stdout (``path`` None) or a checked path; ``option`` names the flag in messages (``--output``)."""

    path: Path | None
    option: str = "--output"

    def write(self, text: str, *, bom: bool = False) -> None:
        self.stage(text, bom=bom).publish()

    def stage(self, text: str, *, bom: bool = False) -> Staged:
        """stdout: write and flush now. A file: write a temporary file beside it, flushed to disk, not yet in place."""
        if self.path is None:
            write_stdout(text)
            return Staged(None, None)
        temp = self.path.with_name(f".{self.path.name}.{os.urandom(4).hex()}.tmp")
        try:
            # O_EXCL: never through a name someone else created; 0o666 lets the umask decide, as for a new file.
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except OSError as exc:
            raise OutputError(f"{self.option} {self.path}: cannot write ({exc.strerror})") from None
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(((UTF8_BOM if bom else "") + text).encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            _keep_mode(self.path, temp)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise OutputError(f"{self.option} {self.path}: cannot write ({exc.strerror})") from None
        return Staged(temp, self.path)


def destination(output: Path | None, inputs: Iterable[Path | str | None], option: str = "--output") -> Destination:
    """Check ``output`` before any work: stdout, or a regular file (or a new one) that is none of ``inputs``."""
    if output is None or str(output) == STDOUT:
        return Destination(None, option)
    where = f"{option} {output}"
    try:
        found = os.lstat(output)
    except FileNotFoundError:
        found = None
    except OSError as exc:
        raise InputError(f"{where}: cannot check ({exc.strerror})") from None
    if found is not None:
        for test, problem in _KINDS:
            if test(found.st_mode):
                raise InputError(f"{where}: {problem}")
        for given in inputs:
            if given is not None and _same_file(found, Path(given)):
                same = "" if Path(given) == output else f" (the same file as {given})"
                raise InputError(f"{where} is an input of this command{same}; refusing to overwrite it")
    parent = output.parent
    if not parent.is_dir():
        raise InputError(f"{where}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK):  # the temporary file goes beside the target
        raise InputError(f"{where}: directory {parent} is not writable")
    return Destination(output, option)


def _same_file(found: os.stat_result, other: Path) -> bool:
    try:
        seen = os.stat(other)
    except OSError:
        return False
    return (seen.st_dev, seen.st_ino) == (found.st_dev, found.st_ino)


def _keep_mode(target: Path, temp: Path) -> None:
    """A replaced file keeps its permissions (a report readable only by its group stays so)."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return
    os.chmod(temp, mode)


def write_stdout(text: str) -> None:
    """Write and flush stdout; a full disk or a closed pipe is OutputError, not a traceback."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError as exc:
        silence_stdout()
        raise OutputError(f"stdout: cannot write the output ({exc.strerror or exc})") from None


def silence_stdout() -> None:
    """Point stdout's descriptor at the null device: what is still buffered goes nowhere at exit, without a second
    error (Python flushes stdout once more on the way out)."""
    try:
        fd = sys.stdout.fileno()
    except (OSError, ValueError, AttributeError):
        return  # not a real file (a test runner's buffer): nothing is flushed at exit
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, fd)
    finally:
        os.close(null)


def prepare_streams() -> None:
    """stdout and stderr that never fail on a character: one the encoding lacks is written as an escape (\\u011f).

    On Windows, output through a pipe or a redirect is encoded in the console's output code page, the one
    PowerShell decodes a program's output with (``[Console]::OutputEncoding``; cp437, cp857, ...), rather than
    Python's default for pipes, the ANSI code page (cp1252, cp1254, ...), which PowerShell would misread.
    """
    codepage = 0
    if os.name == "nt":
        import ctypes

        codepage = ctypes.windll.kernel32.GetConsoleOutputCP()  # type: ignore[attr-defined]
    for stream in (sys.stdout, sys.stderr):
        if not hasattr(stream, "reconfigure"):
            continue  # not a text file (a test runner's capture)
        encoding = pipe_encoding(os.name, os.environ, stream.isatty(), codepage)
        stream.reconfigure(errors="backslashreplace", **({"encoding": encoding} if encoding else {}))


def pipe_encoding(os_name: str, environ: Mapping[str, str], is_console: bool, console_codepage: int) -> str | None:
    """The encoding for a stream, when it must differ from Python's choice: only on Windows, only for a pipe or a
    file, only when the user set neither PYTHONIOENCODING nor PYTHONUTF8, and only with a console to ask."""
    if os_name != "nt" or is_console or not console_codepage:
        return None
    if environ.get("PYTHONIOENCODING") or environ.get("PYTHONUTF8"):
        return None
    return "utf-8" if console_codepage == 65001 else f"cp{console_codepage}"
