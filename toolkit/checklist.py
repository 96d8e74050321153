"""Results → the checklist: one row per diagnostic code in table order, plus "Prerequisites"; exit codes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from conncheck.catalog import Catalog, format_code, text
from conncheck.exit_codes import ExitCode
from conncheck.facts import format_time
from conncheck.results import Result, Status, worst

REPORT_SCHEMA = "conncheck.report/1"
PREREQUISITES = "Prerequisites"

EXIT_OK = ExitCode.OK
EXIT_FAIL = ExitCode.FAIL
EXIT_UNKNOWN = ExitCode.UNKNOWN


@dataclass(frozen=True)
class Row:
    code: int | None
    name: str
    message: str
    status: Status
    results: tuple[Result, ...]

    @property
    def code_hex(self) -> str | None:
        return None if self.code is None else format_code(self.code)


@dataclass(frozen=True)
class Report:
    site: str
    generated_at: datetime
    collected_at: datetime
    rows: tuple[Row, ...]
    results: tuple[Result, ...]
    exit_code: int
    lang: str = "en"

    @property
    def summary(self) -> dict[str, int]:
        counts = Counter(r.status for r in self.results)
        return {s.value: counts.get(s, 0) for s in Status}

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            "site": self.site,
            "generated_at": format_time(self.generated_at),
            "collected_at": format_time(self.collected_at),
            "summary": self.summary,
            "exit_code": self.exit_code,
            "checklist": [
                {
                    "code": row.code_hex,
                    "name": row.name,
                    "message": row.message,
                    "status": row.status.value,
                    "checks": [r.to_json() for r in row.results],
                }
                for row in self.rows
            ],
        }


def build_rows(
    results: Iterable[Result], catalog: Catalog, lang: str = "en", codes: Iterable[int] | None = None
) -> list[Row]:
    """Rows in table order; with a code filter, only those codes' rows (and no Prerequisites row)."""
    results = list(results)
    wanted = set(codes) if codes is not None else None
    rows = []
    for code in catalog.checklist_codes():
        if wanted is not None and code.value not in wanted:
            continue
        behind = tuple(r for r in results if code.value in r.codes)
        rows.append(Row(code.value, code.name, text(code.message, lang), worst([r.status for r in behind]), behind))
    if wanted is None:
        general = tuple(r for r in results if not r.codes)
        message = "Genel önkoşullar" if lang == "tr" else "General prerequisites no single code names"
        rows.append(Row(None, PREREQUISITES, message, worst([r.status for r in general]), general))
    return rows


def exit_code(results: Iterable[Result], strict: bool = False) -> int:
    """0 all PASS/WARN/SKIP; 1 any FAIL (or WARN with strict); 3 UNKNOWN and nothing failing."""
    statuses = {r.status for r in results}
    if Status.FAIL in statuses or (strict and Status.WARN in statuses):
        return EXIT_FAIL
    if Status.UNKNOWN in statuses:
        return EXIT_UNKNOWN
    return EXIT_OK


def build_report(
    site: str,
    results: list[Result],
    catalog: Catalog,
    *,
    generated_at: datetime,
    collected_at: datetime,
    lang: str = "en",
    codes: Iterable[int] | None = None,
    strict: bool = False,
) -> Report:
    codes = list(codes) if codes is not None else None
    rows = build_rows(results, catalog, lang, codes)
    return Report(site, generated_at, collected_at, tuple(rows), tuple(results), exit_code(results, strict), lang)
