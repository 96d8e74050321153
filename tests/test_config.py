"""site.toml: what the engine reads ([site], [thresholds], [[hosts]]) and every way it can be wrong."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conncheck import config
from conncheck.errors import ConfigError
from conncheck.plugin import Settings

REPO = Path(__file__).resolve().parent.parent
CONNCHECK = [str(Path(sys.executable).parent / "conncheck")]  # the installed console script


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_site_toml_loads() -> None:
    site = config.load(REPO / "examples" / "site.toml")
    assert site.name == "contoso"
    assert [h.roles for h in site.hosts] == [("connector",), ("ca",), ("ndes",)]
    assert site.settings == Settings(expiry_warning_days=30, clock_skew_seconds=300, event_lookback_days=7)
    assert {"connector", "ca", "ndes"} <= set(site.roles_expected())


def test_facts_site_carries_expectations_and_the_event_window(tmp_path: Path) -> None:
    site = config.load(write(tmp_path, """
[site]
name = "lab"
scep_template = "IntuneSCEP"
digicert = true
[thresholds]
event_lookback_days = 14
[[hosts]]
name = "ndes.lab.test"
roles = ["ndes", "connector"]
"""))
    section = site.facts_site()
    assert section.scep_template == "IntuneSCEP" and section.digicert is True
    assert section.event_lookback_days == 14
    assert section.roles_expected == ["connector", "ndes"]


def test_the_fact_script_reads_the_event_window_from_site_toml(tmp_path: Path) -> None:
    path = write(tmp_path, '[thresholds]\nevent_lookback_days = 21\n[[hosts]]\nname = "c.lab.test"\n'
                           'roles = ["connector"]\n')
    out = subprocess.run([*CONNCHECK, "script", "--role", "connector", "-c", str(path)], capture_output=True,
                         text=True, check=True)
    assert "event_lookback_days" in out.stdout and "21" in out.stdout


@pytest.mark.parametrize(("text", "message"), [
    ("[site]\nname = 3\n", "[site] name must be a str"),
    ("[site]\ncolour = 'blue'\n", "[site] has no key 'colour'"),
    ("[thresholds]\nexpiry_warning_days = -1\n", "whole number"),
    ("[thresholds]\nexpiry_warning_days = true\n", "whole number"),
    ("[thresholds]\nwarn = 3\n", "no setting 'warn'"),
    ("[[hosts]]\nroles = ['ca']\n", "needs a name"),
    ("[[hosts]]\nname = 'a'\nroles = ['dc']\n", "roles must be a non-empty list"),
    ("[[hosts]]\nname = 'a'\nroles = []\n", "roles must be a non-empty list"),
    ("[[hosts]]\nname = 'a'\nroles = ['ca']\n[[hosts]]\nname = 'A'\nroles = ['ndes']\n", "listed twice"),
    ("hosts = 'ca01'\n", "array of tables"),
    ("winrm = 5\n", "winrm must be a table"),
    ("[site\n", "not valid TOML"),
])
def test_bad_site_toml_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load(write(tmp_path, text))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_missing_directory_and_binary_files_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        config.load(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="is a directory"):
        config.load(tmp_path)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00\x81garbage")
    with pytest.raises(ConfigError, match="not UTF-8"):
        config.load(binary)


def test_a_bad_site_toml_on_the_command_line_is_exit_2_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "[site\n")
    facts = REPO / "examples" / "facts" / "healthy.json"
    run = subprocess.run([*CONNCHECK, "evaluate", str(facts), "-c", str(path)], capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.startswith("conncheck: error:") and run.stderr.count("\n") == 1
    assert "Traceback" not in run.stderr
    assert path.read_text() == "[site\n"  # the user's file is left as it was


def test_thresholds_from_site_toml_change_the_verdict(tmp_path: Path) -> None:
    """The healthy site's connector certificate has 265 days left: PASS at the default window, WARN at 400 days."""
    facts = REPO / "examples" / "facts" / "healthy.json"
    quiet = write(tmp_path, "[thresholds]\nexpiry_warning_days = 400\n")
    run = subprocess.run([*CONNCHECK, "evaluate", str(facts), "-c", str(quiet), "--codes", "0x405"],
                         capture_output=True, text=True)
    assert run.returncode == 0 and "WARN" in run.stdout
    default = subprocess.run([*CONNCHECK, "evaluate", str(facts), "--codes", "0x405"], capture_output=True, text=True)
    assert default.returncode == 0 and "WARN" not in default.stdout.split("Details")[0]
