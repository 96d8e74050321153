"""Reports an admin acts on: one line and one fix per cause, and rows that say what was verified when they pass.

Built from the lab's sample site with one real fault each: a stopped SCEP application pool (NDES answers 503 on
every SCEP operation, as HTTP.sys does when the pool is down), a CA host WinRM could not reach, a role the site
expects but the facts lack.
"""

from __future__ import annotations

import json
import re
from html import escape

import pytest
from conncheck.catalog import load
from conncheck.checklist import Report, build_report
from conncheck.checks import scep as scep_checks
from conncheck.evaluate import evaluate
from conncheck.facts import ProbeResult
from conncheck.lab import samples
from conncheck.registry import default_registry
from conncheck.reports import RENDERERS
from conncheck.results import Status

from tests.audit_fixtures import NOW

SCEP_HTTP = ("scep_mscep_get", "scep_getcacaps", "scep_getcacert")
APP_POOL_CHECKS = {"scep_policy_module_answers_403", "scep_getcacaps_offers_sha2", "scep_ra_encryption_cert_served",
                   "scep_ra_signing_cert_served", "scep_ca_cert_served_valid"}


def report_of(site: samples.SampleSite, lang: str = "en") -> Report:
    results = evaluate(site.facts, default_registry(), lang=lang)
    return build_report("contoso", results, load(), generated_at=NOW, collected_at=NOW, lang=lang)


def stopped_app_pool() -> samples.SampleSite:
    site = samples.healthy_site(NOW)
    endpoint = next(iter(site.facts.scep.values()))
    for probe in SCEP_HTTP:
        answer = {**endpoint.probes[probe].data, "status": 503, "reason": "Service Unavailable", "body_b64": "",
                  "body_bytes": 0, "content_type": "text/html", "server": "Microsoft-HTTPAPI/2.0"}
        endpoint.probes[probe] = ProbeResult.success(answer)
    endpoint.probes["scep_tls"] = ProbeResult.success({**endpoint.probes["scep_tls"].data, "status": 503})
    for pool in site.data(samples.NDES_HOST, "app_pools"):
        if pool["name"] == "SCEP":
            pool["state"] = "Stopped"
    return site


def unreachable_ca() -> samples.SampleSite:
    site = samples.healthy_site(NOW)
    ca = site.facts.hosts[samples.CA_HOST]
    ca.probes = {name: ProbeResult.failure("WinRM: connection refused") for name in ca.probes}
    return site


# --- one stopped application pool ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_a_stopped_app_pool_is_one_cause_with_one_fix(lang: str) -> None:
    report = report_of(stopped_app_pool(), lang)
    failing = {r.check_id for r in report.results if r.status is Status.FAIL}
    assert APP_POOL_CHECKS | {"scep_app_pool_started"} == failing
    causes = report.causes
    url_cause = next(c for c in causes if c.host.startswith("https://"))
    assert set(url_cause.check_ids) == APP_POOL_CHECKS
    assert url_cause.fix == scep_checks.APP_POOL_STOPPED.in_lang(lang)
    assert len(causes) == 2  # the URL's, and the NDES host's own check of the pool
    table = RENDERERS["table"](report)
    assert table.count(scep_checks.APP_POOL_STOPPED.in_lang(lang)) == 1


def test_a_503_is_never_told_to_renew_certificates() -> None:
    """GetCACert's 503 is the application pool, not the CA's or the RA's certificates."""
    report = report_of(stopped_app_pool())
    text = RENDERERS["table"](report) + RENDERERS["markdown"](report)
    ca_fix = default_registry().checks["scep_ca_cert_served_valid"].remediation.en
    ra_fix = default_registry().checks["scep_ra_signing_cert_served"].remediation.en
    assert ca_fix not in text and ra_fix not in text and "Fix: Renew" not in text
    assert "not IIS" not in text  # HTTP.sys answers for IIS when the pool is down


def test_findings_name_the_cause_their_status_says() -> None:
    results = {r.check_id: r for r in report_of(stopped_app_pool()).results}
    assert "GetCACert answers 503 Service Unavailable: the SCEP application pool is stopped" in (
        results["scep_ra_signing_cert_served"].finding)
    assert "GetCACaps answers 503" in results["scep_getcacaps_offers_sha2"].finding


def test_the_causes_are_in_the_json_report() -> None:
    doc = json.loads(RENDERERS["json"](report_of(stopped_app_pool())))
    url_cause = next(c for c in doc["causes"] if c["host"].startswith("https://"))
    assert url_cause["status"] == "FAIL" and set(url_cause["checks"]) == APP_POOL_CHECKS
    assert url_cause["fix"] == scep_checks.APP_POOL_STOPPED.en


def test_the_html_lists_one_item_per_cause_linking_its_checks() -> None:
    page = RENDERERS["html"](report_of(stopped_app_pool()))
    attention = page.split('<section id="attention">')[1].split("</section>")[0]
    items = re.findall(r'<li class="cause" data-checks="(\d+)">', attention)
    assert sorted(items) == ["1", "5"]
    assert attention.count(escape(scep_checks.APP_POOL_STOPPED.en)) == 1
    assert len(re.findall(r'href="#r\d+"', attention)) == 6


# --- a host nothing could be read from --------------------------------------------------------------------------


def test_unknowns_of_an_unreachable_host_are_one_line_with_one_fix() -> None:
    report = report_of(unreachable_ca())
    on_ca = [r for r in report.results if r.host == samples.CA_HOST and r.status is Status.UNKNOWN]
    assert len(on_ca) >= 5
    cause = next(c for c in report.causes if c.host == samples.CA_HOST)
    assert len(cause.results) == len(on_ca) and cause.finding == "WinRM: connection refused"
    table = RENDERERS["table"](report)
    assert f"{len(on_ca)} checks @ {samples.CA_HOST}: WinRM: connection refused" in table
    checks_line = next(line for line in table.splitlines() if line.strip().startswith("Checks:"))
    assert f"and {len(on_ca) - 5} more" in checks_line  # five ids, then a count: not every id on one line
    assert table.count("Fix:") == len(report.causes)


def test_a_role_the_site_expects_but_the_facts_lack_is_one_cause() -> None:
    site = samples.healthy_site(NOW)
    del site.facts.hosts[samples.CA_HOST]
    report = report_of(site)
    role_cause = next(c for c in report.causes if c.host == "-")
    assert role_cause.status is Status.UNKNOWN and len(role_cause.results) >= 5
    assert "[[hosts]]" in (role_cause.fix or "") and "ca" in (role_cause.fix or "")


# --- rows that pass say what was verified -----------------------------------------------------------------------


def _row_cell(markdown: str, code: str) -> str:
    line = next(line for line in markdown.splitlines() if line.startswith(f"| {code}"))
    return line.rsplit("|", 2)[1].strip()


@pytest.mark.parametrize("lang", ["en", "tr"])
def test_a_passing_row_says_what_was_verified_never_the_codes_failure_meaning(lang: str) -> None:
    report = report_of(samples.healthy_site(NOW), lang)
    meaning = load().code(0x402).message[lang]  # "... not allowed to revoke certificates"
    title = default_registry().checks["connector_can_manage_certificates"].title_in(lang)
    cell = _row_cell(RENDERERS["markdown"](report), "0x00000402")
    assert meaning not in cell and title in cell
    assert cell.startswith("verified:" if lang == "en" else "doğrulandı:")
    page = RENDERERS["html"](report)
    checklist = page.split('<table class="checklist">')[1].split("</table>")[0]
    assert escape(meaning) not in checklist and escape(title) in checklist
    # the meaning stays in the code's panel, labelled as what the connector means when it reports the code
    panel = page.split('id="code-0x00000402"')[1].split("</summary>")[1]
    assert panel.startswith('<p class="meaning">') and escape(meaning) in panel.split("</p>")[0]


def test_a_failing_row_shows_its_finding() -> None:
    site = samples.variant_site("missing-manage-certificates", NOW)
    cell = _row_cell(RENDERERS["markdown"](report_of(site)), "0x00000402")
    assert cell.startswith("FAIL: ") and "does not hold Issue and Manage Certificates" in cell
