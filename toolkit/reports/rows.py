"""What a checklist row says in words: its name, and in one cell what was found, or what was verified when it
passes (never the code's failure meaning beside a PASS)."""

from __future__ import annotations

from conncheck.causes import ATTENTION
from conncheck.checklist import Row, not_run
from conncheck.reports.labels import listed, word
from conncheck.results import SEVERITY, Status


def row_name(row: Row, lang: str) -> str:
    return word("prerequisites", lang) if row.code is None else row.name


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def row_summary(row: Row, lang: str) -> str:
    """The findings of what needs attention; else what was verified; else why nothing was; and what was not run."""
    attention = sorted((r for r in row.results if r.status in ATTENTION),
                       key=lambda r: (SEVERITY.index(r.status), r.check_id, r.host))
    passed = [r for r in row.results if r.status is Status.PASS]
    skipped = [r for r in row.results if r.status is Status.SKIP and not not_run(r)]
    if attention:
        text = listed(_unique([f"{r.status.value}: {r.finding}" for r in attention]), lang)
    elif passed:
        text = f"{word('verified', lang)}: {listed(_unique([r.title for r in passed]), lang)}"
    elif skipped:
        text = f"{word('skipped', lang)}: {listed(_unique([r.finding for r in skipped]), lang)}"
    elif row.not_run:
        return listed(_unique([r.finding for r in row.results]), lang)  # each says "not run: ..." and why
    else:
        return word("not_in_run", lang)
    return f"{text}; {word('partly', lang).format(n=row.not_run)}" if row.not_run else text
