"""The HTML audit report rendered by a real browser (headless Chromium): the checklist and the expiry chart
must be on the screen, not just in the markup. The screenshot is kept in tests/artifacts/ for people to look at."""

# ruff: noqa: F811

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conncheck.reports.html import EXPIRED, EXPIRING, VALID

from tests.audit_fixtures import conncheck, facts_files  # noqa: F401  (a fixture: arguments reuse its name)
from tests.conftest import REPO, peer_missing

ARTIFACTS = REPO / "tests" / "artifacts"


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    peer_missing("headless Chromium (Debian package chromium) is not installed")


def _browser(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}", *args],
        capture_output=True, text=True, timeout=120,
    )


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def test_html_report_renders_checklist_and_expiry_chart(facts_files: dict[str, Path], tmp_path: Path) -> None:
    from PIL import Image

    db, page = tmp_path / "audit.sqlite", tmp_path / "audit.html"
    conncheck("audit", "--db", str(db), "--facts", str(facts_files["healthy"]))
    assert conncheck("audit", "--db", str(db), "--facts", str(facts_files["expired"]), "-f", "html",
                     "-o", str(page)).returncode == 4

    dom = _browser(tmp_path / "profile-dom", "--dump-dom", page.as_uri()).stdout
    assert '<table class="checklist">' in dom and "0x00000405" in dom and "Certificate_Expired" in dom
    assert 'class="expiry-timeline"' in dom and dom.count('class="expiry-bar"') >= 6

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "audit-report.png"
    shot.unlink(missing_ok=True)
    done = _browser(tmp_path / "profile-shot", "--hide-scrollbars", "--window-size=1280,3200",
                    f"--screenshot={shot}", page.as_uri())
    assert shot.exists(), done.stderr
    image = Image.open(shot).convert("RGB")
    colors = {rgb for _, rgb in image.getcolors(maxcolors=1 << 20) or []}
    # the chart's bars: one expired certificate (red), the CRL inside the window (orange), valid ones (green)
    assert {_rgb(EXPIRED), _rgb(EXPIRING), _rgb(VALID)} <= colors
