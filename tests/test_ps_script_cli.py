"""``conncheck script`` by hand: every file it writes is UTF-8 with a BOM (Windows PowerShell 5.1 reads a BOM-less
script in the ANSI code page), and redirecting its stdout to a file says so on stderr, with the ``-o`` alternative."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

BOM = b"\xef\xbb\xbf"


def _script(tmp_path: Path, *args: str, stdout: object = subprocess.PIPE) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "conncheck", "script", *args], stdout=stdout,
                          stderr=subprocess.PIPE, cwd=tmp_path, timeout=120, check=False)


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site.toml"
    site.write_text('[site]\nname = "İstanbul Şube"\nca_config = "ca01.contoso.com\\\\Contoso Yöneticiler CA"\n',
                    encoding="utf-8")
    return site


def test_stdout_redirected_to_a_file_gets_a_bom_and_a_warning(tmp_path: Path) -> None:
    target = tmp_path / "collect.ps1"
    with target.open("wb") as handle:
        run = _script(tmp_path, "--role", "ndes", "-c", str(_site(tmp_path)), stdout=handle)
    assert run.returncode == 0
    warning = run.stderr.decode().strip().splitlines()
    assert len(warning) == 1 and "stdout is a file" in warning[0]
    assert "conncheck script --role ndes -o collect.ps1" in warning[0]
    written = target.read_bytes()
    assert written.startswith(BOM + b"# conncheck fact script")
    assert "'İstanbul Şube'" in written.decode("utf-8-sig")


def test_a_pipe_gets_the_script_as_is_and_no_warning(tmp_path: Path) -> None:
    run = _script(tmp_path, "--role", "ndes")
    assert run.returncode == 0 and run.stderr == b""
    assert run.stdout.startswith(b"# conncheck fact script") and run.stdout.isascii()


def test_output_file_is_utf8_with_bom_and_the_same_script(tmp_path: Path) -> None:
    site = _site(tmp_path)
    target = tmp_path / "out.ps1"
    written = _script(tmp_path, "--role", "ca", "--role", "ndes", "-c", str(site), "-o", str(target))
    piped = _script(tmp_path, "--role", "ca", "--role", "ndes", "-c", str(site))
    assert written.returncode == 0 and written.stderr == b""
    assert target.read_bytes() == BOM + piped.stdout


def test_the_by_hand_instructions_name_every_switch() -> None:
    run = subprocess.run([sys.executable, "-m", "conncheck", "script", "--role", "ca"], capture_output=True,
                         cwd=REPO, timeout=120, check=True)
    header = run.stdout.decode().split("\n# conncheck-version", 1)[0]
    assert "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\\collect.ps1" in header
