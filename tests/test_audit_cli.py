"""conncheck audit / history / diff / expiry end to end, through the real console entry point in a subprocess."""

# ruff: noqa: F811

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tests.audit_fixtures import SITE, conncheck, facts_files  # noqa: F401  (a fixture: arguments below reuse its name)

EXPIRED_CHECK = "connector_cert_not_expired"


def audit(db: Path | str, facts: Path, *extra: str) -> tuple[int, str, str]:
    done = conncheck("audit", "--db", str(db), "--facts", str(facts), *extra)
    return done.returncode, done.stdout, done.stderr


def history_rows(db: Path) -> list[dict[str, str]]:
    """``conncheck history``'s table: a header row, a rule, then one row per run (newest first)."""
    lines = conncheck("history", "--db", str(db)).stdout.splitlines()
    header = lines[0].split()
    assert header[:2] == ["run", "collected"] and set(lines[1]) <= {"-", " "}, lines[:2]
    wanted = ("run", "verdict", "regressions", "exit")
    rows = []
    for line in lines[2:]:
        cells = line.split()  # run, date, time, site, verdict, counts..., regressions, exit
        rows.append(dict(zip(wanted, (cells[0], cells[4], cells[-2], cells[-1]), strict=True)))
    return rows


def test_one_expired_certificate_is_a_regression(facts_files: dict[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite"
    rc, out, _ = audit(db, facts_files["healthy"])
    assert rc == 0 and "First run of this site" in out
    rc, out, _ = audit(db, facts_files["expired"])
    assert rc == 4, out
    assert f"PASS -> FAIL    {EXPIRED_CHECK} @ conn01.contoso.com" in out

    done = conncheck("diff", "--db", str(db))
    assert done.returncode == 4
    newly = done.stdout.split("Newly failing (1):")[1].split("\n\n")[0]
    assert EXPIRED_CHECK in newly and "not_after:" in newly and "thumbprint:" in newly
    assert "Regressions: 1" in done.stdout

    history = history_rows(db)
    assert history[0] == {"run": "#2", "verdict": "FAIL", "regressions": "1", "exit": "4"}  # the audit's own code
    assert history[1] == {"run": "#1", "verdict": "PASS", "regressions": "0", "exit": "0"}

    # the same facts again: still failing, but nothing new
    assert audit(db, facts_files["expired"])[0] == 1
    assert history_rows(db)[0] == {"run": "#3", "verdict": "FAIL", "regressions": "0", "exit": "1"}
    assert audit(db, facts_files["expired"], "--fail-on", "regression")[0] == 0
    # and the fix is reported as such
    rc, out, _ = audit(db, facts_files["healthy"])
    assert rc == 0
    diff = conncheck("diff", "--db", str(db)).stdout
    assert "Fixed (1):" in diff and f"FAIL -> PASS    {EXPIRED_CHECK}" in diff


def test_diff_of_named_runs_and_site_filter(facts_files: dict[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite"
    audit(db, facts_files["healthy"])
    audit(db, facts_files["expired"])
    assert conncheck("diff", "1", "2", "--db", str(db)).returncode == 4
    assert conncheck("diff", "2", "1", "--db", str(db)).returncode == 0  # backwards: the fix
    assert conncheck("diff", "1", "--db", str(db)).stdout.startswith(f"Run #1 ({'2026-11-25 09:00Z'}) of {SITE}")
    missing = conncheck("diff", "7", "--db", str(db))
    assert missing.returncode == 2 and "no run #7" in missing.stderr
    assert conncheck("history", "--db", str(db), "--site", "elsewhere").stdout.startswith("No audit runs recorded")
    runs = json.loads(conncheck("history", "--db", str(db), "--format", "json", "--limit", "1").stdout)
    assert [r["id"] for r in runs] == [2] and runs[0]["verdict"] == "FAIL" and runs[0]["previous_run"] == 1


def test_expiry_lists_what_the_site_depends_on_soonest_first(facts_files: dict[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite"
    audit(db, facts_files["expired"])
    everything = json.loads(conncheck("expiry", "--db", str(db), "--format", "json").stdout)[0]["items"]
    days = [i["days_left"] for i in everything]
    assert days == sorted(days)
    assert everything[0]["kind"] == "certificate" and everything[0]["days_left"] == -3
    assert all(isinstance(i["days_left"], int) for i in everything)  # whole days: 1400, not 1400.0
    assert "connector_cert_not_expired" in everything[0]["checks"]
    kinds = {i["kind"] for i in everything}
    assert kinds == {"certificate", "crl"}
    checks = {c for i in everything for c in i["checks"]}
    # connector certificate, NDES RA signing and encryption, NDES TLS, CA certificate, CRL
    assert {"ra_signing_cert_valid", "ra_encryption_cert_valid", "tls_binding_cert_valid", "ca_cert_valid",
            "ca_crl_current"} <= checks
    soon = conncheck("expiry", "--db", str(db), "--within", "30d")
    assert soon.returncode == 0
    assert soon.stdout.splitlines()[3].split()[0] == "-3" and ".0 " not in soon.stdout
    assert "conn01-pfx-connector" in soon.stdout and "Contoso Issuing CA" in soon.stdout
    assert "ndes01.contoso.com" not in soon.stdout.split("\n", 2)[2]  # the TLS certificate has 300 days
    bad = conncheck("expiry", "--db", str(db), "--within", "soon")
    assert bad.returncode == 2 and "--within" in bad.stderr


def test_audit_formats_for_machines(facts_files: dict[str, Path], tmp_path: Path) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    db = tmp_path / "audit.sqlite"
    audit(db, facts_files["healthy"])
    prom = tmp_path / "conncheck.prom"
    rc, out, _ = audit(db, facts_files["expired"], "--format", "prometheus", "--output", str(prom))
    assert rc == 4 and out == ""
    families = {f.name: f for f in text_string_to_metric_families(prom.read_text())}
    status = {(s.labels["check"], s.labels["host"], s.labels["status"]): s.value
              for s in families["conncheck_check_status"].samples}
    assert status[(EXPIRED_CHECK, "conn01.contoso.com", "FAIL")] == 1
    assert status[(EXPIRED_CHECK, "conn01.contoso.com", "PASS")] == 0
    certs = {s.labels["name"]: s.value for s in families["conncheck_certificate_expiry_days"].samples}
    assert certs["CN=conn01-pfx-connector"] == -3.0
    assert families["conncheck_crl_next_update_days"].samples
    assert families["conncheck_audit_regressions"].samples[0].value == 1
    assert families["conncheck_audit_exit_code"].samples[0].value == 4
    assert families["conncheck_audit_timestamp_seconds"].samples[0].value > 1.7e9
    assert families["conncheck_audit_duration_seconds"].samples[0].value >= 0
    assert not list(tmp_path.glob(".conncheck.prom.*"))  # the temporary file was renamed into place

    rc, out, _ = audit(db, facts_files["expired"], "--format", "junit")
    suites = ET.fromstring(out)
    regression_suite = [s for s in suites if s.get("name", "").startswith("Regressions against run #2")]
    assert regression_suite and regression_suite[0].get("failures") == "0"  # run 3 vs run 2: same facts
    assert any(c.find("failure") is not None for c in suites.iter("testcase"))

    doc = json.loads(audit(db, facts_files["healthy"], "--format", "json")[1])
    assert doc["schema"] == "conncheck.audit/1" and doc["run"]["id"] == 4 and doc["previous_run"]["id"] == 3
    assert [c["id"] for c in doc["diff"]["fixed"]] == [EXPIRED_CHECK]
    assert doc["report"]["schema"] == "conncheck.report/1"


def test_html_is_self_contained(facts_files: dict[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite"
    audit(db, facts_files["healthy"])
    page = tmp_path / "audit.html"
    assert audit(db, facts_files["expired"], "-f", "html", "-o", str(page))[0] == 4
    html = page.read_text()
    assert "<svg" in html and 'class="expiry-bar"' in html and 'class="checklist"' in html
    for external in ("src=", "url(", "@import", "<link", "<script"):
        assert external not in html
    links = re.findall(r'href="([^"]*)"', html)
    # Drill-down inside the page, and the checks' Microsoft references (links, not loads): nothing is loaded.
    assert links and all(link.startswith(("#", "https://learn.microsoft.com/")) for link in links)
    assert "default-src 'none'" in html
    assert EXPIRED_CHECK in html.split("Regressions</h2>")[1].split("</section>")[0]


def test_corrupt_store_is_refused_untouched(facts_files: dict[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite"
    db.write_bytes(b"this is not a database\n" * 100)
    before = db.read_bytes()
    for command in (["audit", "--facts", str(facts_files["healthy"])], ["history"], ["diff"], ["expiry"]):
        done = conncheck(*command, "--db", str(db))
        assert done.returncode == 2, command
        assert "not an SQLite database" in done.stderr and len(done.stderr.splitlines()) == 1
        assert "Traceback" not in done.stderr
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.sqlite"]


def test_damaged_sqlite_store_is_refused_untouched(facts_files: dict[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite"
    audit(db, facts_files["healthy"])
    raw = bytearray(db.read_bytes())
    raw[100:4096] = b"\xff" * (4096 - 100)  # the header survives, the schema page does not
    db.write_bytes(bytes(raw))
    done = conncheck("history", "--db", str(db))
    assert done.returncode == 2 and "history store" in done.stderr and len(done.stderr.splitlines()) == 1
    assert db.read_bytes() == bytes(raw)


def test_foreign_sqlite_database_is_refused_untouched(facts_files: dict[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE invoices (n INTEGER)")
    before = db.read_bytes()
    rc, _, err = audit(db, facts_files["healthy"])
    assert rc == 2 and "not a conncheck history store" in err
    assert db.read_bytes() == before


def test_locked_store_is_a_clear_error(facts_files: dict[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "audit.sqlite"
    audit(db, facts_files["healthy"])
    before = db.read_bytes()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        rc, _, err = audit(db, facts_files["expired"], "--wait", "0.2")
        history = conncheck("history", "--db", str(db), "--wait", "0.2")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert rc == 2 and "locked by another process" in err and len(err.splitlines()) == 1
    assert history.returncode == 2 and "locked" in history.stderr
    assert db.read_bytes() == before
    assert [r["run"] for r in history_rows(db)] == ["#1"]  # still the one run


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["history", "--db", "{tmp}/none.sqlite"], "no such file"),
        (["audit", "--db", "{tmp}/no/such/dir/a.sqlite", "--facts", "{healthy}"], "does not exist"),
        (["audit", "--db", "postgresql://u:secret@127.0.0.1/x", "--facts", "{healthy}"], "password"),
        (["audit", "--db", "mysql://127.0.0.1/x", "--facts", "{healthy}"], "unsupported URL scheme"),
        (["audit", "--db", "{tmp}/a.sqlite"], "--facts"),
        (["audit", "--db", "{tmp}/a.sqlite", "--facts", "{healthy}", "-o", "{healthy}"], "refusing to overwrite"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    facts_files: dict[str, Path], tmp_path: Path, args: list[str], message: str
) -> None:
    filled = [a.format(tmp=tmp_path, healthy=facts_files["healthy"]) for a in args]
    before = facts_files["healthy"].read_bytes()
    done = conncheck(*filled)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and len(done.stderr.splitlines()) == 1
    assert "secret" not in done.stderr
    assert facts_files["healthy"].read_bytes() == before


def test_site_toml_audit_section_names_the_store(facts_files: dict[str, Path], tmp_path: Path) -> None:
    db = tmp_path / "from-config.sqlite"
    config = tmp_path / "site.toml"
    config.write_text(f'[site]\nname = "{SITE}"\n\n[audit]\ndb = "{db}"\n', encoding="utf-8")
    done = conncheck("audit", "-c", str(config), "--facts", str(facts_files["healthy"]))
    assert done.returncode == 0, done.stderr
    assert db.exists()
    config.write_text('[audit]\ndatabase = "x"\n', encoding="utf-8")
    done = conncheck("audit", "-c", str(config), "--facts", str(facts_files["healthy"]))
    assert done.returncode == 2 and "[audit] has no key 'database'" in done.stderr


def test_help_prints_the_default_store_and_the_regression_code() -> None:
    from conncheck.history import default_store_path

    done = conncheck("audit", "--help")
    assert done.returncode == 0
    flat = " ".join(done.stdout.split())
    assert "Exit codes: 4 a regression" in flat
    assert str(default_store_path()).replace(" ", "") in flat.replace(" ", "")
