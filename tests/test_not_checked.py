"""Never green after checking nothing: every report opens with what was not checked and why, a row whose checks did
not run says so (SKIP when none ran), and a selection that leaves nothing to check is exit 2 naming what exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conncheck.application import build_report
from conncheck.checklist import Report
from conncheck.cli.main import app
from conncheck.errors import InputError
from conncheck.facts import Facts, ProbeResult
from conncheck.lab import samples
from conncheck.plugin import Settings
from conncheck.registry import default_registry
from conncheck.reports import RENDERERS
from conncheck.results import Status
from typer.testing import CliRunner

from tests.audit_fixtures import NOW

DIRECTORY_CHECKS = sorted(c.id for c in default_registry().checks.values() if "directory" in c.involved_roles)


def without_directory() -> Facts:
    """The healthy site as site.toml without an [ldap] section collects it."""
    facts = samples.healthy_site(NOW).facts
    facts.directory = None
    facts.site.roles_expected = [r for r in facts.site.roles_expected if r != "directory"]
    return facts


def report_of(facts: Facts, lang: str = "en", **selection: object) -> Report:
    codes = selection.get("codes")
    hosts = selection.get("hosts")
    return build_report(facts, Settings(), lang=lang, codes=codes, hosts=hosts, strict=False)  # type: ignore[arg-type]


# --- no [ldap] section ------------------------------------------------------------------------------------------


def test_the_table_opens_with_the_directory_not_checked() -> None:
    out = RENDERERS["table"](report_of(without_directory()))
    line = "directory: no directory in these facts: site.toml has no [ldap] section"
    assert line in out and f"({len(DIRECTORY_CHECKS)} checks)" in out
    assert out.index("Not checked:") < out.index(line) < out.index("Code ")  # before the checklist


def test_markdown_html_and_json_say_it_too() -> None:
    report = report_of(without_directory())
    markdown = RENDERERS["markdown"](report)
    assert markdown.index("## Not checked") < markdown.index("no [ldap] section") < markdown.index("| Code")
    page = RENDERERS["html"](report)
    assert page.index('<section id="summary"') < page.index('<section id="not-checked">') < page.index(
        '<section id="checklist">')
    assert "no [ldap] section" in page.split('<section id="not-checked">')[1].split("</section>")[0]
    doc = json.loads(RENDERERS["json"](report))
    assert [(i["subject"], sorted(i["checks"])) for i in doc["not_checked"]] == [("directory", DIRECTORY_CHECKS)]
    assert "[ldap]" in doc["not_checked"][0]["reason"]


def test_a_row_partly_run_says_how_many_of_its_checks_did_not_run() -> None:
    report = report_of(without_directory())
    row = next(r for r in report.rows if r.code == 0x400)
    not_run = [r for r in row.results if r.status is Status.SKIP]
    directory_checks = [c for c in default_registry().checks.values()
                        if 0x400 in c.codes and c.roles == ("directory",)]
    assert row.status is Status.PASS and row.not_run == len(not_run) == len(directory_checks) > 0
    line = next(line for line in RENDERERS["markdown"](report).splitlines() if line.startswith("| 0x00000400"))
    assert f"{len(not_run)} of its checks not run (see Not checked)" in line
    assert json.loads(RENDERERS["json"](report))["checklist"][0]["not_run"] == len(not_run)


def test_a_row_none_of_whose_checks_ran_is_skip_and_says_why() -> None:
    facts = samples.healthy_site(NOW).facts
    facts.hosts, facts.directory = {}, None
    facts.site.roles_expected = ["scep"]
    report = report_of(facts)
    row = next(r for r in report.rows if r.code == 0x402)
    assert row.status is Status.SKIP and row.not_run == len(row.results) > 0
    line = next(line for line in RENDERERS["markdown"](report).splitlines() if line.startswith("| 0x00000402"))
    assert "not run: no ca in this site's facts" in line
    subjects = [item.subject for item in report.not_checked]
    assert subjects == ["connector", "ca", "ndes", "directory"]


def test_not_checked_in_turkish() -> None:
    out = RENDERERS["table"](report_of(without_directory(), "tr"))
    assert "Denetlenmeyenler:" in out and "site.toml'da [ldap] bölümü yok" in out
    assert f"({len(DIRECTORY_CHECKS)} denetim)" in out


# --- expected but absent, unreadable, selected out --------------------------------------------------------------


def test_a_role_site_toml_expects_but_the_facts_lack() -> None:
    facts = samples.healthy_site(NOW).facts
    del facts.hosts[samples.CA_HOST]
    item = next(i for i in report_of(facts).not_checked if i.subject == "ca")
    assert "site.toml expects it, but these facts hold none" in item.reason and "UNKNOWN" in item.reason


def test_a_host_nothing_was_read_from() -> None:
    facts = samples.healthy_site(NOW).facts
    ca = facts.hosts[samples.CA_HOST]
    ca.probes = {name: ProbeResult.failure("WinRM: connection refused") for name in ca.probes}
    item = next(i for i in report_of(facts).not_checked if i.subject == samples.CA_HOST)
    assert item.reason == "nothing could be read from it: WinRM: connection refused"
    assert "certsvc_running" in item.checks


def test_a_host_selection_names_what_it_left_out() -> None:
    report = report_of(samples.healthy_site(NOW).facts, hosts=["NDES01.contoso.com"])
    [item] = report.not_checked  # one line: the other targets and the roles none of the selected ones holds
    left_out = item.subject.split(", ")
    assert item.reason == "not selected for this run"
    assert {samples.CA_HOST, samples.CONNECTOR_HOST, "connector", "ca", "directory", "scep"} <= set(left_out)
    assert "ndes" not in left_out and samples.NDES_HOST not in left_out
    assert "scep_policy_module_answers_403" in item.checks and "ndes_not_on_ca_or_dc" not in item.checks


def test_a_code_selection_says_so() -> None:
    report = report_of(samples.healthy_site(NOW).facts, codes=[0x402])
    assert [(i.subject, i.reason) for i in report.not_checked] == [
        ("--codes", "only the checks behind 0x00000402 were run (--codes); the other codes were not checked")]


def test_a_complete_run_has_nothing_to_say() -> None:
    report = report_of(samples.healthy_site(NOW).facts)
    assert report.not_checked == ()
    assert "Not checked" not in RENDERERS["table"](report) and 'id="not-checked"' not in RENDERERS["html"](report)


# --- selections that select nothing are exit 2 ------------------------------------------------------------------


@pytest.fixture()
def demo_file(tmp_path: Path) -> Path:
    path = tmp_path / "site.json"
    path.write_text(samples.healthy_site(NOW).facts.dumps(), encoding="utf-8")
    return path


def input_error(*args: str) -> str:
    done = CliRunner().invoke(app, list(args))
    assert isinstance(done.exception, InputError) and done.exception.exit_code == 2, done.output
    return str(done.exception)


def test_a_code_no_check_stands_behind_names_the_codes_that_have_checks(demo_file: Path) -> None:
    message = input_error("evaluate", str(demo_file), "--codes", "0x00000000")
    assert message.startswith("--codes 0x00000000: no check stands behind Success")
    assert "0x00000402" in message and "0x0FFFFFFF" in message


def test_a_host_none_of_the_codes_checks_runs_on_names_the_roles(demo_file: Path) -> None:
    message = input_error("evaluate", str(demo_file), "--host", "ndes01.contoso.com", "--codes", "0x402")
    assert "none of the 2 selected checks runs on ndes01.contoso.com (ndes01.contoso.com: ndes)" in message
    assert message.endswith("they run on ca, connector")


def test_facts_without_any_target_are_an_input_error(tmp_path: Path) -> None:
    facts = samples.healthy_site(NOW).facts
    facts.hosts, facts.directory, facts.scep = {}, None, {}
    path = tmp_path / "empty.json"
    path.write_text(facts.dumps(), encoding="utf-8")
    assert "nothing to check" in input_error("evaluate", str(path))


def test_a_role_no_host_of_site_toml_has_is_exit_2_before_any_connection(tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text('[[hosts]]\nname = "conn01.contoso.com"\nroles = ["connector"]\n', encoding="utf-8")
    for command in ("check", "collect"):
        message = input_error(command, "-c", str(config), "--role", "ca")
        assert message == f"--role ca: no host of {config} has this role (it lists: conn01.contoso.com (connector))"
    with_host = input_error("check", "-c", str(config), "--role", "connector", "--host", "ca01")
    assert "among the --host ones" in with_host
