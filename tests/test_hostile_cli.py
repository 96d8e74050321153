"""Hostile and careless command lines, in real processes: one line on stderr and exit 2, never a traceback or 70.

Usage errors of every command (the list comes from the app, so a new command is covered without editing this file),
numbers that overflow, malformed URLs, non-finite numbers in facts (strict JSON out) and Windows console code pages
(cp1252, cp857: pipes and redirects there are not UTF-8).
"""

# ruff: noqa: F811

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import typer
from conncheck.cli.main import app
from conncheck.strict_json import NULL_FOR_NON_FINITE

from tests.audit_fixtures import CLI, conncheck, facts_files  # noqa: F401  (fixture)

COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def _only_line(done: subprocess.CompletedProcess[str], prefix: str) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(prefix), lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""
    return lines[0]


def _strict(text: str) -> object:
    def refuse(constant: str) -> object:
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


# -- usage errors: one line naming the command and the parameter ---------------------------------------------------


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_option_is_one_line_naming_the_command(command: str) -> None:
    line = _only_line(conncheck(command, "--no-such-option"), f"conncheck {command}: ")
    assert "--no-such-option" in line


@pytest.mark.parametrize("command", COMMANDS)
def test_a_bad_format_or_a_missing_argument_is_one_line(command: str) -> None:
    params = {p.name: p for p in typer.main.get_command(app).commands[command].params}  # type: ignore[attr-defined]
    if "fmt" in params:
        line = _only_line(conncheck(command, "--format", "xml"), f"conncheck {command}: ")
        assert "--format: 'xml' is not one of" in line
    if any(p.required for p in params.values()):
        line = _only_line(conncheck(command), f"conncheck {command}: ")
        assert "Missing" in line


def test_an_unknown_command_is_one_line_with_a_suggestion() -> None:
    line = _only_line(conncheck("evalute"), "conncheck: ")
    assert "'evalute'" in line and "evaluate" in line


@pytest.mark.parametrize(
    "args",
    [["history", "--limit", "0"], ["audit", "--wait", "-1"], ["diff", "one"], ["expiry", "--run", "x"],
     ["scep", "http://x", "--timeout", "soon"]],
)  # fmt: skip
def test_bad_values_name_their_option(args: list[str]) -> None:
    _only_line(conncheck(*args), f"conncheck {args[0]}: ")


# -- numbers and URLs that break parsers ---------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["diff", str(2**64)], ["diff", "1", str(10**30)], ["expiry", "--run", str(2**64)]])
def test_a_run_id_beyond_64_bits_is_no_such_run(facts_files: dict[str, Path], tmp_path: Path, args: list[str]) -> None:
    db = str(tmp_path / "audit.sqlite")
    assert conncheck("audit", "--db", db, "--facts", str(facts_files["healthy"])).returncode == 0
    line = _only_line(conncheck(*args, "--db", db), "conncheck: error: ")
    assert "no run #" in line


@pytest.mark.parametrize(
    "url", ["http://[::1/x", "http://[::1]:99999/x", "http://host:port/x", "http:///certsrv", "ftp://ndes/x", ""]
)
def test_a_malformed_scep_url_is_one_line(url: str) -> None:
    _only_line(conncheck("scep", url), "conncheck: error: ")


# -- strict JSON out -----------------------------------------------------------------------------------------------


@pytest.fixture()
def nan_facts(facts_files: dict[str, Path], tmp_path: Path) -> Path:
    doc = json.loads(facts_files["healthy"].read_text(encoding="utf-8"))
    hosts = doc["hosts"]
    connector = next(h for h in hosts.values() if "connector" in h["roles"])
    connector["probes"]["dotnet"]["data"]["release"] = float("inf")
    for host in hosts.values():
        if "httpsys_parameters" in host["probes"]:
            host["probes"]["httpsys_parameters"]["data"]["MaxFieldLength"] = float("nan")
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(doc), encoding="utf-8")  # Python writes NaN/Infinity, as a careless producer would
    return path


def test_non_finite_numbers_in_facts_never_reach_a_json_report(nan_facts: Path, tmp_path: Path) -> None:
    done = conncheck("evaluate", str(nan_facts), "-f", "json")
    if done.returncode == 2:  # the facts loader refused the input: as good, nothing to render
        assert len(done.stderr.splitlines()) == 1
        return
    doc = _strict(done.stdout)
    assert isinstance(doc, dict)
    assert doc[NULL_FOR_NON_FINITE] and all(p.startswith("/checklist/") for p in doc[NULL_FOR_NON_FINITE])
    for pointer in doc[NULL_FOR_NON_FINITE]:
        node: object = doc
        for token in pointer.split("/")[1:]:
            node = node[int(token)] if isinstance(node, list) else node[token]  # type: ignore[index]
        assert node is None

    db = str(tmp_path / "audit.sqlite")
    done = conncheck("audit", "--db", db, "--facts", str(nan_facts), "-f", "json")
    _strict(done.stdout)
    for command in (["history"], ["diff"], ["expiry"]):
        _strict(conncheck(*command, "--db", db, "-f", "json").stdout)


# -- Windows console code pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("codepage", ["cp1252", "cp857"])
@pytest.mark.parametrize(
    ("args", "code"),
    [(["demo", "--lang", "tr"], 1), (["demo", "--lang", "tr", "-f", "markdown"], 1),
     (["explain", "0x402", "--lang", "tr"], 0), (["list-checks"], 0)],
)  # fmt: skip
def test_text_output_never_crashes_on_the_console_code_page(codepage: str, args: list[str], code: int) -> None:
    """What the code page has is written as itself, what it lacks as an escape (cp1252 has no Ş, cp857 has)."""
    done = subprocess.run([*CLI, *args], capture_output=True, timeout=120, env=_codepage_env(codepage))
    assert done.returncode == code, done.stderr.decode(codepage, "replace")
    assert done.stderr.decode(codepage).count("\n") <= 1  # at most the demo's note
    text = done.stdout.decode(codepage)  # every byte is the code page's own
    utf8 = subprocess.run([*CLI, *args], capture_output=True, timeout=120).stdout.decode("utf-8")
    expected = utf8.encode(codepage, "backslashreplace").decode(codepage)
    assert _without_dates(text) == _without_dates(expected)
    if "tr" in args:
        assert ("ş" in text) is (codepage == "cp857") and ("\\u015f" in text) is (codepage == "cp1252")


def _without_dates(text: str) -> str:
    import re

    return re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?Z?", "<time>", text)


@pytest.mark.parametrize("codepage", ["cp1252", "cp857"])
def test_json_output_is_ascii_and_reads_the_same_in_every_code_page(
    codepage: str, facts_files: dict[str, Path]
) -> None:
    done = subprocess.run([*CLI, "demo", "--lang", "tr", "-f", "json"], capture_output=True, timeout=120,
                          env=_codepage_env(codepage))
    assert done.returncode == 1, done.stderr
    assert done.stdout.isascii()
    utf8 = subprocess.run([*CLI, "demo", "--lang", "tr", "-f", "json"], capture_output=True, timeout=120)
    first, second = _strict(done.stdout.decode("ascii")), _strict(utf8.stdout.decode("utf-8"))
    assert isinstance(first, dict) and isinstance(second, dict)
    first.pop("generated_at"), second.pop("generated_at")
    assert first == second
    assert "ş" in json.dumps(first, ensure_ascii=False)  # Turkish text, escaped on the wire, intact when read


def _codepage_env(codepage: str) -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONIOENCODING": codepage}


# -- credentials in SCEP URLs: refused where they are typed, the password never repeated ----------------------------

SECRET = "s3cr3t-Pa55"


@pytest.mark.parametrize(
    ("how", "shown"),
    [("cli url", "admin:***@"), ("cli external", "admin:***@"), ("site urls", "admin:***@"),
     ("site external_urls", "admin:***@"), ("user only", "admin@")],
)  # fmt: skip
def test_a_url_with_credentials_is_refused_without_repeating_the_password(
    tmp_path: Path, facts_files: dict[str, Path], how: str, shown: str
) -> None:
    bad = f"http://admin:{SECRET}@127.0.0.1:9/certsrv/mscep/mscep.dll"
    good = "http://127.0.0.1:9/certsrv/mscep/mscep.dll"
    site = tmp_path / "site.toml"
    if how == "cli url":
        args = ["scep", bad]
    elif how == "cli external":
        args = ["scep", good, "--external", bad]
    elif how == "user only":
        args = ["scep", bad.replace(f":{SECRET}", "")]
    else:
        key = how.split()[1]
        urls = f'urls = ["{bad}"]' if key == "urls" else f'urls = ["{good}"]\nexternal_urls = ["{bad}"]'
        site.write_text(f'[site]\nname = "contoso"\n[scep]\n{urls}\n', encoding="utf-8")
        args = ["check", "-c", str(site), "-o", str(tmp_path / "report.txt")]
    done = conncheck(*args)
    line = _only_line(done, "conncheck: error: ")
    assert "carries credentials" in line and shown in line and SECRET not in line
    assert not (tmp_path / "report.txt").exists()
    if site.exists():  # every command that reads the file refuses it, before it connects anywhere
        line = _only_line(conncheck("evaluate", str(facts_files["healthy"]), "-c", str(site)), "conncheck: error: ")
        assert SECRET not in line


@pytest.mark.parametrize(
    ("table", "place"),
    [("[scep]\nurls = []\nproxy", "[scep] proxy"), ("[winrm]\nproxy", "[winrm] proxy"),
     ('[[hosts]]\nname = "ca01.contoso.com"\nroles = ["ca"]\nproxy', "[[hosts]] ca01.contoso.com proxy")],
)  # fmt: skip
def test_a_proxy_with_credentials_is_refused_without_repeating_the_password(
    tmp_path: Path, facts_files: dict[str, Path], table: str, place: str
) -> None:
    site = tmp_path / "site.toml"
    site.write_text(f'[site]\nname = "contoso"\n{table} = "http://proxyuser:{SECRET}@127.0.0.1:3128"\n',
                    encoding="utf-8")
    line = _only_line(conncheck("evaluate", str(facts_files["healthy"]), "-c", str(site)), "conncheck: error: ")
    assert place in line and "carries credentials" in line and "proxyuser:***@" in line and SECRET not in line
    site.write_text(site.read_text(encoding="utf-8").replace(f"proxyuser:{SECRET}@", ""), encoding="utf-8")
    assert conncheck("evaluate", str(facts_files["healthy"]), "-c", str(site)).returncode == 0
