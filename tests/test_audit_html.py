"""The HTML report rendered by a real browser (headless Chromium) at a 1280 px viewport: what the page must hold is
read from the DOM the browser built, and its width is the browser's own measure. The screenshot is kept in
tests/artifacts/ for people to look at.

The page itself runs no script (its Content-Security-Policy forbids it). To read the DOM, the test renders a copy of
the page with the policy removed and a probe script appended that writes what it found into the page; Chromium's
``--dump-dom`` prints it.
"""

# ruff: noqa: F811

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conncheck.reports.html import CSP, EXPIRED, EXPIRING, VALID

from tests.audit_fixtures import conncheck, facts_files  # noqa: F401  (a fixture: arguments reuse its name)
from tests.conftest import REPO, peer_missing

ARTIFACTS = REPO / "tests" / "artifacts"
VIEWPORT = 1280

PROBE = """
<script>
(() => {
  const all = (s) => Array.from(document.querySelectorAll(s));
  const closedPass = document.querySelector('details.check-panel[data-status="PASS"]:not([open]) .finding');
  const found = {
    innerWidth: window.innerWidth,
    sections: all("body > section").map((s) => s.id),
    checklist: all("table.checklist tbody tr").map((tr) => [tr.cells[0].textContent, tr.cells[2].textContent]),
    legend: all("#legend .badge").map((b) => b.textContent),
    hosts: all("#hosts details.host").map((d) => d.dataset.host),
    panels: all("details.check-panel").map((d) => [d.dataset.result, d.dataset.status]),
    evidenceTables: all("details.check-panel table.evidence").length,
    preBlocks: all("details.check-panel pre").length,
    labels: all("svg.expiry-timeline text.expiry-label").map((t) => t.textContent),
    bars: all("svg.expiry-timeline rect.expiry-bar").length,
    closedPassShown: closedPass ? closedPass.checkVisibility() : null,
  };
  all("details").forEach((d) => { d.open = true; });
  found.scrollWidthAllOpen = document.documentElement.scrollWidth;
  const out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify(found);
  document.body.appendChild(out);
})();
</script>
"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    peer_missing("headless Chromium (Debian package chromium) is not installed")


def _browser(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
         f"--window-size={VIEWPORT},900", *args],
        capture_output=True, text=True, timeout=120,
    )


def probe(page: Path, tmp_path: Path, *, print_rules: bool = False) -> dict[str, Any]:
    """What the browser finds in ``page`` at a 1280 px viewport (with ``print_rules``: as the print style shows it)."""
    html = page.read_text(encoding="utf-8")
    assert CSP in html
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    if print_rules:
        html = html.replace("@media print", "@media all")
    copy = tmp_path / f"probe-{page.stem}{'-print' if print_rules else ''}.html"
    copy.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = _browser(tmp_path / f"profile-{copy.stem}", "--dump-dom", copy.as_uri()).stdout
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found, dom[-500:]
    return json.loads(found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


@pytest.fixture(scope="module")
def pages(facts_files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The audit page of a run that regressed (the connector certificate expired), and evaluate's page of it."""
    where = tmp_path_factory.mktemp("html")
    db, audit_page, evaluate_page = where / "audit.sqlite", where / "audit.html", where / "evaluate.html"
    conncheck("audit", "--db", str(db), "--facts", str(facts_files["healthy"]))
    assert conncheck("audit", "--db", str(db), "--facts", str(facts_files["expired"]), "-f", "html",
                     "-o", str(audit_page)).returncode == 4
    assert conncheck("evaluate", str(facts_files["expired"]), "-f", "html", "-o", str(evaluate_page)).returncode == 1
    return {"audit": audit_page, "evaluate": evaluate_page}


@pytest.fixture(scope="module")
def results(facts_files: dict[str, Path]) -> list[dict[str, Any]]:
    report = json.loads(conncheck("evaluate", str(facts_files["expired"]), "-f", "json").stdout)
    return [check for row in report["checklist"] for check in row["checks"]]


@pytest.mark.parametrize("kind", ["audit", "evaluate"])
def test_the_page_holds_what_people_act_on(pages: dict[str, Path], results: list[dict[str, Any]], kind: str,
                                           tmp_path: Path) -> None:
    found = probe(pages[kind], tmp_path)
    assert found["innerWidth"] == VIEWPORT
    # the score and the verdict per code row come first, then the legend
    assert found["sections"][:3] == ["summary", "checklist", "legend"]
    assert ("regressions" in found["sections"]) is (kind == "audit")
    codes = dict(found["checklist"])
    assert len(codes) == 12 and codes["0x00000405"] == "FAIL" and codes["0x00000400"] == "PASS"
    assert sorted(found["legend"]) == sorted(["PASS", "WARN", "FAIL", "UNKNOWN", "SKIP"])
    # a per-host view: every host (and SCEP endpoint) that has a result
    assert set(found["hosts"]) == {r["host"] for r in results}
    # a panel for every result, PASS and SKIP ones included; collapsed on screen unless they need attention
    assert {tuple(p) for p in found["panels"]} == {(f"{r['id']}@{r['host']}", r["status"]) for r in results}
    assert {"PASS", "SKIP", "FAIL"} <= {status for _, status in found["panels"]}
    assert found["closedPassShown"] is False
    # evidence as tables, never as a JSON dump
    assert found["evidenceTables"] >= len([r for r in results if r["evidence"]]) and found["preBlocks"] == 0
    # the expiry timeline: a label per bar, no two alike (the two RA certificates share a subject)
    assert found["bars"] == len(found["labels"]) >= 6
    assert len(set(found["labels"])) == len(found["labels"])
    # nothing wider than the screen, even with every panel open
    assert found["scrollWidthAllOpen"] <= VIEWPORT


def test_print_style_shows_collapsed_panels(pages: dict[str, Path], tmp_path: Path) -> None:
    on_screen = probe(pages["audit"], tmp_path)
    printed = probe(pages["audit"], tmp_path, print_rules=True)
    assert on_screen["closedPassShown"] is False and printed["closedPassShown"] is True


def test_evidence_reads_as_windows_writes_it(pages: dict[str, Path]) -> None:
    html = pages["audit"].read_text(encoding="utf-8")
    assert "CONTOSO\\svc-intunecc" in html  # DOMAIN\user keeps its one backslash
    assert "\\\\" not in html


def test_screenshot_shows_the_checklist_and_expiry_chart(pages: dict[str, Path], tmp_path: Path) -> None:
    from PIL import Image

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "audit-report.png"
    shot.unlink(missing_ok=True)
    done = _browser(tmp_path / "profile-shot", "--hide-scrollbars", f"--window-size={VIEWPORT},4000",
                    f"--screenshot={shot}", pages["audit"].as_uri())
    assert shot.exists(), done.stderr
    image = Image.open(shot).convert("RGB")
    assert image.width == VIEWPORT
    colors = {rgb for _, rgb in image.getcolors(maxcolors=1 << 20) or []}
    # the chart's bars: one expired certificate (red), the CRL inside the window (orange), valid ones (green)
    assert {_rgb(EXPIRED), _rgb(EXPIRING), _rgb(VALID)} <= colors


def test_a_checks_references_and_related_events_are_in_its_panel(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from conncheck.application import build_report
    from conncheck.lab import samples
    from conncheck.plugin import Settings
    from conncheck.registry import default_registry
    from conncheck.reports.html import render_report_html

    from tests.audit_fixtures import NOW

    facts = samples.variant_site("expired-connector-cert", NOW).facts
    report = build_report(facts, Settings(), lang="en", codes=None, hosts=None, strict=False)
    # the references attribute checks are gaining: read with getattr, so a check without one shows nothing
    referenced = SimpleNamespace(events=(), references=("https://learn.microsoft.com/mem/intune/x", "javascript:x()"))
    monkeypatch.setitem(default_registry().checks, "connector_cert_not_expired", referenced)
    html = render_report_html(report)
    panel = html.split('data-result="connector_cert_not_expired@conn01.contoso.com"')[1].split("</details>")[0]
    assert '<a href="https://learn.microsoft.com/mem/intune/x" rel="noreferrer">' in panel
    assert "javascript:x()" in panel and 'href="javascript' not in html  # shown as text, never as a link
    assert "10102 CertificateRenewal_Failure" in panel  # the events of the code it stands behind (0x405)
    other = html.split('data-result="connector_cert_present@conn01.contoso.com"')[1].split("</details>")[0]
    assert "mem/intune/x" not in other  # each check's own references, in its own panel


def test_a_turkish_page_is_turkish_throughout_its_frame(facts_files: dict[str, Path], tmp_path: Path) -> None:
    page = tmp_path / "tr.html"
    done = conncheck("evaluate", str(facts_files["expired"]), "-f", "html", "--lang", "tr", "-o", str(page))
    assert done.returncode == 1, done.stderr
    html = page.read_text(encoding="utf-8")
    assert '<html lang="tr">' in html
    assert re.findall(r"<h2>([^<]*)</h2>", html) == [
        "Sonuç", "Durumların anlamı", "İlgilenilmesi gerekenler", "Sunucu bazında", "Koda göre denetimler",
        "Sertifika ve CRL süre sonları"]
    assert "<th>kalan gün</th>" in html and "BAŞARISIZ" in html
