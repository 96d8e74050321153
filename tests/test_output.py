"""Where reports go: only regular files, replaced atomically, never onto anything the command reads; stdout that
cannot be written is one line and exit 2.

Every command that writes goes through ``conncheck.cli.output``: the module is tested directly, then each command
end to end in a real process (devices, FIFOs and hard links made in a temp directory, never the system's own).
"""

# ruff: noqa: F811

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from conncheck.cli.output import STDOUT, destination
from conncheck.errors import InputError

from tests.audit_fixtures import CLI, conncheck, facts_files  # noqa: F401  (fixture)

SITE_TOML = '[site]\nname = "contoso"\n\n[scep]\nurls = ["http://127.0.0.1:9/certsrv/mscep/mscep.dll"]\n'


def _device(where: Path) -> Path:
    """A character device node like /dev/null (major 1, minor 3), made here so a failing test harms nothing."""
    node = where / "null-device"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return node


def _one_line(done: subprocess.CompletedProcess[str], code: int, *words: str) -> str:
    assert done.returncode == code, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    for word in words:
        assert word in lines[0]
    return lines[0]


# -- the module ---------------------------------------------------------------------------------------------------


def test_a_new_file_is_written_and_no_temporary_file_is_left(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    destination(target, []).write("ç report\n")
    assert target.read_text(encoding="utf-8") == "ç report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.txt"]


def test_an_existing_file_is_replaced_whole_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("old report that is longer than the new one\n", encoding="utf-8")
    target.chmod(0o640)
    before = target.stat().st_ino
    destination(target, []).write("new\n")
    assert target.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.stat().st_ino != before  # a new file renamed into place: a reader never sees half of it


def test_a_bom_is_written_only_when_asked(tmp_path: Path) -> None:
    destination(tmp_path / "a.ps1", []).write("x\n", bom=True)
    destination(tmp_path / "b.txt", []).write("x\n")
    assert (tmp_path / "a.ps1").read_bytes() == b"\xef\xbb\xbfx\n"
    assert (tmp_path / "b.txt").read_bytes() == b"x\n"


@pytest.mark.parametrize("kind", ["device", "fifo", "directory", "symlink", "dangling symlink", "socket"])
def test_what_is_not_a_regular_file_is_refused_untouched(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "out"
    kept = tmp_path / "kept.txt"
    kept.write_text("keep me\n", encoding="utf-8")
    if kind == "device":
        target = _device(tmp_path)
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    elif kind == "symlink":
        target.symlink_to(kept)
    elif kind == "dangling symlink":
        target.symlink_to(tmp_path / "nowhere")
    else:
        import socket

        with socket.socket(socket.AF_UNIX) as sock:
            sock.bind(str(target))
    mode = os.lstat(target).st_mode
    with pytest.raises(InputError, match=r"regular file|directory|symbolic link"):
        destination(target, [])
    assert os.lstat(target).st_mode == mode
    assert kept.read_text(encoding="utf-8") == "keep me\n"
    assert not (tmp_path / "nowhere").exists()


def test_an_input_is_refused_by_identity_even_through_a_hard_link(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text("{}", encoding="utf-8")
    linked = tmp_path / "elsewhere.json"
    os.link(facts, linked)
    for target in (facts, linked, tmp_path / "." / "facts.json"):
        with pytest.raises(InputError, match="refusing to overwrite"):
            destination(target, [facts])
    assert facts.read_text(encoding="utf-8") == "{}"


def test_a_missing_directory_is_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        destination(tmp_path / "no" / "such" / "report.txt", [])


def test_dash_is_stdout(tmp_path: Path) -> None:
    assert destination(Path(STDOUT), [tmp_path / "x"]).path is None
    assert destination(None, []).path is None


# -- every command that writes, end to end -------------------------------------------------------------------------


def _commands(tmp: Path, facts: Path) -> dict[str, list[str]]:
    site = tmp / "site.toml"
    site.write_text(SITE_TOML, encoding="utf-8")
    events = Path(__file__).resolve().parent.parent / "examples" / "events" / "connector-incident.xml"
    return {
        "evaluate": ["evaluate", str(facts), "-c", str(site)],
        "audit": ["audit", "--db", str(tmp / "a.sqlite"), "--facts", str(facts)],
        "script": ["script", "--role", "ndes", "-c", str(site)],
        "events": ["events", str(events)],
        "check": ["check", "-c", str(site)],
        "collect": ["collect", "-c", str(site)],
        "scep": ["scep", "http://127.0.0.1:9/certsrv/mscep/mscep.dll", "--timeout", "1"],
    }


COMMANDS = ["evaluate", "audit", "script", "events", "check", "collect", "scep"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_a_device_before_it_starts(
    facts_files: dict[str, Path], tmp_path: Path, command: str
) -> None:
    node = _device(tmp_path)
    done = conncheck(*_commands(tmp_path, facts_files["healthy"])[command], "-o", str(node))
    _one_line(done, 2, str(node), "regular file")
    assert stat.S_ISCHR(os.lstat(node).st_mode)
    assert not (tmp_path / "a.sqlite").exists() or command != "audit"


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_refuses_a_symlink_and_leaves_its_target(
    facts_files: dict[str, Path], tmp_path: Path, command: str
) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("precious\n", encoding="utf-8")
    link = tmp_path / "report.txt"
    link.symlink_to(target)
    done = conncheck(*_commands(tmp_path, facts_files["healthy"])[command], "-o", str(link))
    _one_line(done, 2, "symbolic link")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "precious\n"


@pytest.mark.parametrize("command", ["evaluate", "script", "check", "collect"])
def test_site_toml_is_never_the_output(facts_files: dict[str, Path], tmp_path: Path, command: str) -> None:
    args = _commands(tmp_path, facts_files["healthy"])[command]
    site = tmp_path / "site.toml"
    linked = tmp_path / "also-site.toml"
    os.link(site, linked)
    for target in (site, linked):
        done = conncheck(*args, "-o", str(target))
        _one_line(done, 2, "refusing to overwrite")
    assert site.read_text(encoding="utf-8") == SITE_TOML


def test_a_facts_file_reached_through_a_hard_link_is_not_overwritten(
    facts_files: dict[str, Path], tmp_path: Path
) -> None:
    facts = tmp_path / "facts.json"
    facts.write_bytes(facts_files["healthy"].read_bytes())
    linked = tmp_path / "report.json"
    os.link(facts, linked)
    done = conncheck("evaluate", str(facts), "-f", "json", "-o", str(linked))
    _one_line(done, 2, "refusing to overwrite")
    assert facts.read_bytes() == facts_files["healthy"].read_bytes()


def test_check_save_facts_goes_through_the_same_rules(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text(SITE_TOML, encoding="utf-8")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    done = conncheck("check", "-c", str(site), "--save-facts", str(fifo))
    _one_line(done, 2, "--save-facts", "regular file")


def test_dash_writes_the_report_to_stdout(facts_files: dict[str, Path], tmp_path: Path) -> None:
    done = subprocess.run([*CLI, "evaluate", str(facts_files["healthy"]), "-f", "json", "-o", "-"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("{") and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [["demo"], ["evaluate", "{healthy}", "-f", "json"], ["explain", "0x402"], ["list-checks"], ["--help"],
     ["script", "--role", "ndes"]],
)  # fmt: skip
def test_stdout_on_a_full_device_is_one_line_and_exit_2(facts_files: dict[str, Path], args: list[str]) -> None:
    filled = [a.format(healthy=facts_files["healthy"]) for a in args]
    with open("/dev/full", "w") as full:
        done = subprocess.run([*CLI, *filled], stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    err = [line for line in done.stderr.splitlines() if "EXAMPLE" not in line]  # demo's own note
    assert done.returncode == 2, done.stderr
    assert len(err) == 1 and "stdout" in err[0] and "No space left" in err[0], done.stderr


def test_a_closed_pipe_is_one_line_not_a_traceback(facts_files: dict[str, Path]) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read: every write is EPIPE
    try:
        done = subprocess.run([*CLI, "demo", "-f", "json"], stdout=write_end, stderr=subprocess.PIPE, text=True,
                              timeout=120)
    finally:
        os.close(write_end)
    err = [line for line in done.stderr.splitlines() if "EXAMPLE" not in line]
    assert done.returncode == 2 and len(err) == 1 and "stdout" in err[0], done.stderr


# -- Windows: pipes and redirects in the code page PowerShell decodes with ------------------------------------------


@pytest.mark.parametrize(
    ("os_name", "environ", "is_console", "codepage", "expected"),
    [("nt", {}, False, 857, "cp857"), ("nt", {}, False, 437, "cp437"), ("nt", {}, False, 65001, "utf-8"),
     ("nt", {}, True, 857, None),  # a console: Python writes Unicode to it directly
     ("nt", {}, False, 0, None),  # no console to ask (a service, a scheduled task)
     ("nt", {"PYTHONIOENCODING": "utf-8"}, False, 857, None), ("nt", {"PYTHONUTF8": "1"}, False, 857, None),
     ("posix", {}, False, 857, None)],
)  # fmt: skip
def test_pipe_encoding_follows_the_console_only_on_windows(
    os_name: str, environ: dict[str, str], is_console: bool, codepage: int, expected: str | None
) -> None:
    from conncheck.cli.output import pipe_encoding

    assert pipe_encoding(os_name, environ, is_console, codepage) == expected
