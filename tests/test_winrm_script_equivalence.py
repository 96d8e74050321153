"""Facts collected live equal, probe for probe, what `conncheck script` + `conncheck evaluate` give for the same
simulated host: the script an operator runs by hand is the script the collector sends."""

from __future__ import annotations

import json
from pathlib import Path

from conncheck.cli.main import app
from conncheck.errors import InputError
from conncheck.facts import load
from typer.testing import CliRunner

from tests.winrm_lab import CA, CONNECTOR, NDES, collect, lab_site


def _comparable(probes: dict) -> dict:
    """Probe answers without what differs between two runs by nature: timings and the clock's reading."""
    out = {}
    for name, probe in probes.items():
        probe = {k: v for k, v in probe.items() if k != "ms"}
        if name == "clock":
            probe = {"ok": probe["ok"]}
        out[name] = probe
    return out


def test_live_facts_equal_script_plus_evaluate(tmp_path: Path) -> None:
    runner = CliRunner()
    with lab_site(tmp_path) as (lab, site_toml):
        live = collect(site_toml)
        for host, role in ((CONNECTOR, "connector"), (CA, "ca"), (NDES, "ndes")):
            made = runner.invoke(app, ["script", "--role", role, "-c", str(site_toml)])
            assert made.exit_code == 0, made.output
            assert made.stdout == lab.host(host).scripts[0]  # the very script the collector sent
            # the operator runs it on the host (here: the simulated host answers it) and keeps the output
            out = tmp_path / f"{role}.json"
            out.write_text("\n".join(lab.host(host).answer(made.stdout).output), encoding="utf-16")
            by_hand = load(out)
            assert _comparable(by_hand.to_json()["hosts"][host]["probes"]) == \
                _comparable(live.to_json()["hosts"][host]["probes"])
        files = [str(tmp_path / f"{r}.json") for r in ("connector", "ca", "ndes")]
        evaluated = runner.invoke(app, ["evaluate", *files, "-c", str(site_toml), "--format", "json"])
    # By hand there is no reference window, so clock skew cannot be judged (UNKNOWN, exit 3); all else passes.
    assert evaluated.exit_code == 3, evaluated.output
    report = json.loads(evaluated.stdout)
    unknown = {r["id"] for row in report["checklist"] for r in row["checks"] if r["status"] == "UNKNOWN"}
    failing = {r["id"] for row in report["checklist"] for r in row["checks"] if r["status"] == "FAIL"}
    assert unknown and all("clock" in check_id for check_id in unknown) and not failing


def test_script_file_gets_a_bom_and_refuses_to_overwrite_the_config(tmp_path: Path) -> None:
    runner = CliRunner()
    target = tmp_path / "collect.ps1"
    assert runner.invoke(app, ["script", "--role", "ndes", "-o", str(target)]).exit_code == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbf# conncheck fact script")
    site = tmp_path / "site.toml"
    site.write_text('[site]\nname = "x"\n')
    refused = runner.invoke(app, ["script", "--role", "ndes", "-c", str(site), "-o", str(site)])
    assert isinstance(refused.exception, InputError)  # main() prints it as one line, exit 2
    assert site.read_text() == '[site]\nname = "x"\n'
    assert isinstance(runner.invoke(app, ["script", "--role", "dc"]).exception, InputError)
