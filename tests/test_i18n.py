"""Turkish (--lang tr): every built-in check carries its own Turkish title and fix, and the CLI prints them.

A Turkish text that merely repeats the English, or that lost a registry path, cmdlet or console name on the way,
fails here; so does a check added to a translated plugin without its Turkish.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conncheck.cli.main import app
from conncheck.plugin import Check
from conncheck.registry import default_registry
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parent.parent
TRANSLATED_PLUGINS = ("host", "connector", "connector_host", "ca", "ndes", "directory", "events", "scep")
MISSING_MANAGE = REPO / "examples" / "facts" / "missing-manage-certificates.json"

# What a Turkish fix must carry over verbatim from the English one: consoles, command switches, cmdlets, codes,
# registry and store paths (a "TLS 1.2"-style segment included), Name=value settings and CamelCase identifiers.
IDENTIFIER = re.compile(
    r"\w+\.msc\b|\b(?:certutil|setspn) -\w+|\bw32tm /\w+|\biisreset\b|\b\w+-AD\w+\b|\b0x[0-9A-Fa-f]+\b"
    r"|(?:HKLM|LocalMachine|SCHANNEL|\.NETFramework)(?:\\[\w.]+(?: [\d.]+)?)+|\b\w+=\d\b|\b[A-Za-z]*[a-z][A-Z]\w*"
)


def translated_checks() -> list[Check]:
    return [c for c in default_registry().checks.values() if c.plugin in TRANSLATED_PLUGINS]


def identifiers(text: str) -> list[str]:
    return [found.rstrip(".") for found in IDENTIFIER.findall(text)]


def test_every_translated_plugin_is_loaded_with_checks() -> None:
    counts = {name: sum(c.plugin == name for c in translated_checks()) for name in TRANSLATED_PLUGINS}
    assert all(counts.values()), counts


@pytest.mark.parametrize("check", translated_checks(), ids=lambda c: c.id)
def test_check_has_its_own_turkish_title_and_fix(check: Check) -> None:
    assert check.title.tr and check.title.tr.strip() and check.title.tr != check.title.en
    assert check.remediation.tr and check.remediation.tr.strip() and check.remediation.tr != check.remediation.en
    assert (check.title_in("tr"), check.remediation_in("tr")) == (check.title.tr, check.remediation.tr)
    assert (check.title_in("en"), check.remediation_in("en")) == (check.title.en, check.remediation.en)


@pytest.mark.parametrize("check", translated_checks(), ids=lambda c: c.id)
def test_turkish_fix_keeps_the_technical_identifiers(check: Check) -> None:
    lost = [name for name in identifiers(check.remediation.en) if name not in (check.remediation.tr or "")]
    assert not lost, f"{check.id}: the Turkish fix lost {lost}"


def test_identifier_pattern_sees_paths_cmdlets_and_settings() -> None:
    text = (
        "Set Enabled=1 under SCHANNEL\\Protocols\\TLS 1.2\\Client and HKLM\\SOFTWARE\\Microsoft\\MSCEP. "
        "Run certutil -dspublish, Unlock-ADAccount, w32tm /resync and iisreset; open certsrv.msc (0x402, CertSvc)."
    )
    assert identifiers(text) == [
        "Enabled=1", "SCHANNEL\\Protocols\\TLS 1.2\\Client", "HKLM\\SOFTWARE\\Microsoft\\MSCEP",
        "certutil -dspublish", "Unlock-ADAccount", "w32tm /resync", "iisreset", "certsrv.msc", "0x402", "CertSvc",
    ]  # fmt: skip


def test_turkish_titles_are_distinct() -> None:
    titles = [c.title.tr for c in translated_checks()]
    assert len(set(titles)) == len(titles)


def test_events_titles_name_the_operation_in_turkish() -> None:
    from conncheck.catalog import load

    labels = {names["tr"] for names in load().operations.values()}
    recovery = [c for c in translated_checks() if c.plugin == "events" and c.id.endswith("_recovered")]
    assert recovery
    for check in recovery:
        assert check.title.tr and check.title.tr.split(": ", 1)[1] in labels, check.title.tr


def test_cli_prints_the_turkish_fix_and_title() -> None:
    check = default_registry().checks["connector_can_manage_certificates"]
    runner = CliRunner()
    text = runner.invoke(app, ["evaluate", str(MISSING_MANAGE), "--lang", "tr"])
    assert text.exit_code == 1, text.output
    assert check.remediation.tr and check.remediation.tr in text.output
    assert "Sertifika Verme ve Yönetme (Issue and Manage Certificates)" in text.output
    assert check.remediation.en not in text.output

    as_json = runner.invoke(app, ["evaluate", str(MISSING_MANAGE), "--lang", "tr", "-f", "json"])
    assert as_json.exit_code == 1, as_json.output
    rows = json.loads(as_json.output)["checklist"]
    failing = [r for row in rows for r in row["checks"] if r["status"] == "FAIL"]
    assert [(r["id"], r["title"], r["remediation"]) for r in failing] == [
        (check.id, check.title.tr, check.remediation.tr)
    ]


def test_cli_in_english_is_unchanged() -> None:
    check = default_registry().checks["connector_can_manage_certificates"]
    result = CliRunner().invoke(app, ["evaluate", str(MISSING_MANAGE)])
    assert result.exit_code == 1, result.output
    assert check.remediation.en in result.output
    assert check.remediation.tr not in result.output
