"""Third-party plugins: loaded through a real ``conncheck.checks`` entry point; clashes are one clear line.

Two ways in, both real: a distribution's ``.dist-info`` with an ``entry_points.txt`` placed on ``sys.path`` (what pip
leaves behind, found by importlib.metadata), and the example plugin of examples/plugin installed with pip.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conncheck.evaluate import evaluate
from conncheck.facts import ProbeResult
from conncheck.lab import samples
from conncheck.registry import ENTRY_POINT_GROUP, PluginError, Registry, default_registry
from conncheck.results import Status

from tests.engine_fixtures import ok

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "plugin"


def make_distribution(site: Path, module: str, source: str, entry: str | None = None) -> None:
    """A minimal installed distribution: one module and its .dist-info with an entry point in our group."""
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = site / f"{module}-0.1.dist-info"  # the escaped name: a '-' would end the name early
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{module} = {entry or module}\n", encoding="utf-8")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh directory on sys.path; the registry cache and imported test modules are reset around the test."""
    monkeypatch.syspath_prepend(str(tmp_path))
    default_registry.cache_clear()
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        if name.startswith("tiny_"):
            del sys.modules[name]
    default_registry.cache_clear()


TINY = """
import msgspec
from conncheck.plugin import Plugin
from conncheck.results import failed, passed

PLUGIN = Plugin("tiny")

class Marker(msgspec.Struct):
    present: bool

MARKER = PLUGIN.probe("tiny_marker", Marker, roles=("ca",), description="a marker file on the CA")

@PLUGIN.check("tiny_marker_present", "The marker is present", roles=("ca",), reads=(MARKER,),
              codes=(0x400,), remediation="Create the marker.")
def tiny_marker_present(ctx):
    return passed("marker found") if ctx.read(MARKER).present else failed("marker missing")
"""


def ca_facts(marker: Any) -> Any:
    facts = samples.healthy_site().facts
    if marker is not None:
        facts.hosts[samples.CA_HOST].probes["tiny_marker"] = marker
    return facts


def test_entry_point_plugin_is_loaded_and_its_check_runs(site: Path) -> None:
    make_distribution(site, "tiny_plugin", TINY)
    registry = default_registry()
    assert "tiny" in [p.name for p in registry.plugins]
    assert registry.checks["tiny_marker_present"].plugin == "tiny"
    assert registry.probes["tiny_marker"].roles == ("ca",)
    assert "tiny_marker" in [p.name for p in registry.probes_for_role("ca")]

    def status(marker: Any) -> Status:
        (result,) = [r for r in evaluate(ca_facts(marker), registry) if r.check_id == "tiny_marker_present"]
        return result.status

    assert status(ProbeResult.success({"present": True})) is Status.PASS
    assert status(ProbeResult.success({"present": False})) is Status.FAIL
    assert status(ProbeResult.failure("access denied")) is Status.UNKNOWN
    assert status(None) is Status.UNKNOWN


def test_entry_point_may_name_the_plugin_object(site: Path) -> None:
    make_distribution(site, "tiny_object", TINY.replace('"tiny"', '"tiny-object"'), entry="tiny_object:PLUGIN")
    assert "tiny-object" in [p.name for p in default_registry().plugins]


def one_line_error(site: Path) -> str:
    with pytest.raises(PluginError) as info:
        default_registry()
    message = str(info.value)
    assert "\n" not in message
    return message


def first_builtin(kind: str) -> str:
    default_registry.cache_clear()
    registry = default_registry()
    default_registry.cache_clear()
    names = list(registry.checks if kind == "check" else registry.probes)
    assert names, f"no built-in {kind}s to clash with"
    return names[0]


def test_duplicate_check_id_is_one_line(site: Path) -> None:
    taken = first_builtin("check")
    make_distribution(site, "tiny_dup_check", TINY.replace('"tiny_marker_present"', repr(taken)))
    message = one_line_error(site)
    assert f"check {taken!r} is already declared" in message and "plugin tiny" in message


def test_duplicate_probe_name_is_one_line(site: Path) -> None:
    taken = first_builtin("probe")
    make_distribution(site, "tiny_dup_probe", TINY.replace('"tiny_marker"', repr(taken)))
    message = one_line_error(site)
    assert f"probe {taken!r} is already declared" in message


def test_two_third_party_plugins_clashing(site: Path) -> None:
    make_distribution(site, "tiny_one", TINY)
    make_distribution(site, "tiny_two", TINY.replace('"tiny"', '"tiny-two"'))
    assert "already declared by tiny" in one_line_error(site)


def test_broken_plugin_is_one_line(site: Path) -> None:
    make_distribution(site, "tiny_broken", "import no_such_module_here\n")
    message = one_line_error(site)
    assert "tiny_broken" in message and "ModuleNotFoundError" in message


def test_module_without_plugin_is_one_line(site: Path) -> None:
    make_distribution(site, "tiny_empty", "VALUE = 1\n")
    assert "has no PLUGIN = Plugin(...)" in one_line_error(site)


def test_check_reading_an_undeclared_probe_is_one_line(site: Path) -> None:
    make_distribution(site, "tiny_undeclared", TINY.replace("ctx.read(MARKER)", "ctx.read(OTHER)").replace(
        "@PLUGIN.check", "OTHER = PLUGIN.probe('tiny_other', Marker, roles=('ca',), description='x')\n@PLUGIN.check"))
    message = one_line_error(site)
    assert "check tiny_marker_present reads tiny_other without declaring it in reads=" in message


def test_plugin_api_refuses_bad_declarations() -> None:
    from conncheck.plugin import Plugin

    plugin = Plugin("api")
    p = plugin.probe("p", int, roles=("ndes",), description="x")
    with pytest.raises(ValueError, match="declared twice"):
        plugin.probe("p", int, roles=("ndes",), description="x")
    with pytest.raises(ValueError, match="roles must be among"):
        plugin.probe("q", int, roles=("webserver",), description="x")
    with pytest.raises(ValueError, match="roles must be among"):
        plugin.probe("r", int, roles=(), description="x")
    with pytest.raises(ValueError, match="roles must be among"):
        p.on("webserver")

    def judge(ctx: Any) -> Any:
        return None

    plugin.check("c", "t", roles=("ndes",), reads=(p,), remediation="-")(judge)
    with pytest.raises(ValueError, match="declared twice"):
        plugin.check("c", "t", roles=("ndes",), reads=(p,), remediation="-")(judge)


def conncheck(*args: str, pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CONNCHECK_DEBUG"}
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    script = Path(sys.executable).parent / ("conncheck.exe" if os.name == "nt" else "conncheck")
    return subprocess.run([str(script), *args], capture_output=True, text=True, encoding="utf-8", env=env, timeout=120)


def test_clash_from_the_command_line_is_exit_2_one_line(tmp_path: Path) -> None:
    make_distribution(tmp_path, "tiny_cli_dup", TINY.replace('"tiny_marker_present"', repr(first_builtin("check"))))
    done = conncheck("list-checks", pythonpath=tmp_path)
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1 and "already declared" in done.stderr
    assert "Traceback" not in done.stderr


# ---- the example plugin of examples/plugin, installed with pip


@pytest.fixture(scope="module")
def installed_example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pip-installs examples/plugin (from a copy: building writes build/ beside the sources) into a target dir."""
    work = tmp_path_factory.mktemp("example-plugin")
    source = work / "src"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    target = work / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--no-build-isolation",
         "--target", str(target), str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (target / "conncheck_w32time" / "ps" / "w32time_source.ps1").is_file()
    return target


def test_example_plugin_is_listed_and_explained(installed_example: Path) -> None:
    done = conncheck("list-checks", "--format", "json", pythonpath=installed_example)
    assert done.returncode == 0, done.stderr
    (check,) = [c for c in json.loads(done.stdout) if c["id"] == "ndes_time_source_set"]
    assert check == {**check, "codes": ["0x00000411"], "roles": ["ndes"], "probes": ["w32time_source"]}
    assert check["plugin"] == "example-w32time"
    done = conncheck("explain", "0x411", pythonpath=installed_example)
    assert "ndes_time_source_set" in done.stdout


def example_facts(tmp_path: Path, w32time: dict[str, Any] | None) -> Path:
    facts = samples.healthy_site().facts.to_json()
    if w32time is not None:
        facts["hosts"][samples.NDES_HOST]["probes"]["w32time_source"] = w32time
    path = tmp_path / "facts.json"
    path.write_text(json.dumps(facts), encoding="utf-8")
    return path


DOMAIN_SYNC = {"type": "NT5DS", "ntp_server": "", "service_status": "Running", "source": "dc01.contoso.com"}


@pytest.mark.parametrize(
    ("w32time", "status"),
    [
        (ok(DOMAIN_SYNC), "PASS"),
        (ok({**DOMAIN_SYNC, "source": "Local CMOS Clock"}), "FAIL"),
        ({"ok": False, "error": "Access is denied"}, "UNKNOWN"),
        (None, "UNKNOWN"),
    ],
)
def test_example_plugin_judges_collected_facts(
    installed_example: Path, tmp_path: Path, w32time: dict[str, Any] | None, status: str
) -> None:
    done = conncheck("evaluate", str(example_facts(tmp_path, w32time)), "--codes", "0x411", "-f", "json",
                     pythonpath=installed_example)  # fmt: skip
    (row,) = json.loads(done.stdout)["checklist"]
    (result,) = [c for c in row["checks"] if c["id"] == "ndes_time_source_set"]
    assert result["status"] == status
    assert result["host"] == samples.NDES_HOST


@pytest.fixture
def example_module(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(EXAMPLE))
    import conncheck_w32time

    yield conncheck_w32time
    sys.modules.pop("conncheck_w32time", None)


@pytest.mark.parametrize(
    ("data", "status"),
    [
        (DOMAIN_SYNC, Status.PASS),
        ({**DOMAIN_SYNC, "type": "NTP", "ntp_server": "time.contoso.com,0x9", "source": "time.contoso.com"},
         Status.PASS),
        ({**DOMAIN_SYNC, "source": "VM IC Time Synchronization Provider"}, Status.WARN),
        ({**DOMAIN_SYNC, "source": "Free-running System Clock"}, Status.FAIL),
        ({**DOMAIN_SYNC, "type": "NoSync"}, Status.FAIL),
        ({**DOMAIN_SYNC, "type": "NTP", "ntp_server": " "}, Status.FAIL),
        ({**DOMAIN_SYNC, "service_status": "Stopped"}, Status.FAIL),
        ({**DOMAIN_SYNC, "source": "The following error occurred: The service has not been started. (0x80070426)"},
         Status.FAIL),
        ({}, Status.UNKNOWN),  # not the probe's shape: nothing was verified
    ],
)  # fmt: skip
def test_example_check_verdicts(example_module: Any, data: dict[str, Any], status: Status) -> None:
    registry = Registry()
    registry.add(example_module.PLUGIN)
    facts = samples.healthy_site().facts
    facts.hosts[samples.NDES_HOST].probes["w32time_source"] = ProbeResult.success(data)
    (result,) = evaluate(facts, registry)
    assert result.status is status, result.finding


def test_example_fragment_is_read_only(example_module: Any) -> None:
    probe = example_module.PLUGIN.probes["w32time_source"]
    text = probe.powershell_text()
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert "Get-ItemProperty" in code and "/query" in code
    changing = re.compile(r"\b(Set|New|Remove|Start|Stop|Restart|Clear|Rename|Move)-\w+|/config|/resync|/register",
                          re.IGNORECASE)  # fmt: skip
    assert not changing.search(code)
