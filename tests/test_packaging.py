"""The package layout: one import package ``conncheck`` (toolkit/ and checks/ under it), nothing else installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import conncheck
import tomllib

REPO = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
BUILTIN_PLUGINS = {"ca", "connector", "connector_host", "directory", "events", "host", "ndes", "scep"}


def _packages_on_disk() -> set[str]:
    found = set()
    for root, name in ((REPO / "toolkit", "conncheck"), (REPO / "checks", "conncheck.checks")):
        for init in root.rglob("__init__.py"):
            parts = init.parent.relative_to(root).parts
            found.add(".".join((name, *parts)))
    return found


def test_the_package_list_names_every_folder_with_an_init() -> None:
    assert set(PYPROJECT["tool"]["setuptools"]["packages"]) == _packages_on_disk()


def test_the_version_is_declared_once_in_each_place_and_equal() -> None:
    assert PYPROJECT["project"]["version"] == conncheck.__version__


def test_built_in_plugins_register_through_the_entry_point_group() -> None:
    found = {ep.name: ep.value for ep in entry_points(group="conncheck.checks") if ep.dist is not None
             and ep.dist.metadata["Name"] == "conncheck"}
    assert set(found) == BUILTIN_PLUGINS
    assert all(value == f"conncheck.checks.{name}" for name, value in found.items())


def test_pip_install_puts_only_conncheck_in_site_packages(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy: a build writes build/ and *.egg-info beside the sources
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for name in ("toolkit", "checks"):
        shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
         "--target", str(target), str(source)],
        check=True, capture_output=True, timeout=300,
    )
    top_level = {p.name for p in target.iterdir() if not p.name.endswith(".dist-info") and p.name != "bin"}
    assert top_level == {"conncheck"}
    installed = target / "conncheck"
    assert (installed / "checks" / "ps" / "certs_my.ps1").is_file()
    assert (installed / "data" / "fact_script_prelude.ps1").is_file()
    assert (installed / "data" / "demo-site.json").is_file()
    assert (installed / "catalog" / "codes.json").is_file()


def test_no_build_metadata_is_committed() -> None:
    tracked = subprocess.run(["git", "ls-files", "*.egg-info/*"], cwd=REPO, capture_output=True, text=True, check=True)
    assert tracked.stdout == ""


def test_python_dash_m_conncheck_runs_the_cli() -> None:
    done = subprocess.run([sys.executable, "-m", "conncheck", "--version"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"conncheck {conncheck.__version__}"


def test_evaluating_and_the_demo_never_import_the_lab() -> None:
    probe = (
        "import sys, runpy; sys.argv = ['conncheck', 'demo', '--format', 'json'];\n"
        "from conncheck.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('conncheck.lab', 'psrpcore', 'spnego')))\n"
        "print('LAB-MODULES', bad, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert "LAB-MODULES []" in done.stderr, done.stderr


def test_the_lab_without_its_extra_says_how_to_install_it() -> None:
    probe = (
        "import sys; sys.modules['psrpcore'] = None\n"
        "try:\n    import conncheck.lab\nexcept ImportError as exc:\n    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert "pip install -e '.[lab]'" in done.stdout
