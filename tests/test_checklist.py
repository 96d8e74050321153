"""Results → checklist: aggregation FAIL > UNKNOWN > WARN > PASS (SKIP only if all skip), rows, exit codes."""

from __future__ import annotations

import itertools

import pytest
from conncheck.catalog import load
from conncheck.checklist import (
    EXIT_FAIL,
    EXIT_OK,
    EXIT_UNKNOWN,
    PREREQUISITES,
    build_report,
    build_rows,
    exit_code,
)
from conncheck.evaluate import evaluate
from conncheck.results import Result, Status, worst
from conncheck.site import facts_site

from tests.engine_fixtures import NOW_DT, flag_host, flag_registry, make_facts

CODE_ROWS = [
    "0x00000400", "0x00000401", "0x00000402", "0x00000403", "0x00000404", "0x00000405",
    "0x00000408", "0x00000409", "0x00000410", "0x00000411", "0x0FFFFFFF",
]  # fmt: skip


def result(status: Status, codes: tuple[int, ...] = (0x403,), check_id: str = "c") -> Result:
    return Result(check_id, "title", "h", status, "finding", {}, None, codes)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([Status.PASS, Status.WARN, Status.UNKNOWN, Status.FAIL, Status.SKIP], Status.FAIL),
        ([Status.PASS, Status.WARN, Status.UNKNOWN, Status.SKIP], Status.UNKNOWN),
        ([Status.PASS, Status.WARN, Status.SKIP], Status.WARN),
        ([Status.PASS, Status.SKIP], Status.PASS),
        ([Status.SKIP, Status.SKIP], Status.SKIP),
        ([], Status.SKIP),
    ],
)
def test_worst(statuses: list[Status], expected: Status) -> None:
    assert worst(statuses) is expected


def test_worst_is_order_independent_for_every_combination() -> None:
    rank = [Status.FAIL, Status.UNKNOWN, Status.WARN, Status.PASS, Status.SKIP]
    for n in range(1, 4):
        for combo in itertools.product(list(Status), repeat=n):
            expected = min(combo, key=rank.index)
            assert worst(list(combo)) is expected
            assert worst(list(reversed(combo))) is expected


def test_one_row_per_code_in_table_order_plus_prerequisites() -> None:
    rows = build_rows([], load())
    assert [r.code_hex for r in rows] == [*CODE_ROWS, None]
    assert rows[-1].name == PREREQUISITES
    assert [r.name for r in rows[:3]] == [
        "PKCS_Issue_CA_Unavailable", "Symantec_ClientAuthCertNotFound", "RevokeCert_AccessDenied",
    ]  # fmt: skip
    assert all(r.status is Status.SKIP and r.results == () for r in rows)


def test_rows_gather_results_by_code_and_aggregate() -> None:
    results = [
        result(Status.PASS, (0x403,), "a"),
        result(Status.FAIL, (0x403, 0x404), "b"),
        result(Status.WARN, (0x405,), "c"),
        result(Status.PASS, (0x405,), "d"),
        result(Status.UNKNOWN, (0x410,), "e"),
        result(Status.PASS, (0x410,), "f"),
        result(Status.SKIP, (0x401,), "g"),
        result(Status.PASS, (), "h"),
        result(Status.WARN, (), "i"),
    ]
    rows = {r.code_hex: r for r in build_rows(results, load())}
    assert rows["0x00000403"].status is Status.FAIL
    assert [r.check_id for r in rows["0x00000403"].results] == ["a", "b"]
    assert rows["0x00000404"].status is Status.FAIL  # one result can stand behind two codes
    assert rows["0x00000405"].status is Status.WARN
    assert rows["0x00000410"].status is Status.UNKNOWN
    assert rows["0x00000401"].status is Status.SKIP
    assert rows["0x00000400"].status is Status.SKIP and rows["0x00000400"].results == ()
    assert rows[None].status is Status.WARN
    assert [r.check_id for r in rows[None].results] == ["h", "i"]


def test_code_filter_keeps_only_those_rows_and_no_prerequisites() -> None:
    rows = build_rows([result(Status.FAIL, (0x403,)), result(Status.PASS, ())], load(), codes=[0x410, 0x403])
    assert [r.code_hex for r in rows] == ["0x00000403", "0x00000410"]  # table order, not the order asked


def test_turkish_rows_use_turkish_messages() -> None:
    en = build_rows([], load(), "en")
    tr = build_rows([], load(), "tr")
    assert [r.name for r in en] == [r.name for r in tr]  # names are identifiers: they stay
    assert all(a.message != b.message for a, b in zip(en, tr, strict=True))


@pytest.mark.parametrize(
    ("statuses", "strict", "expected"),
    [
        ([Status.PASS, Status.WARN, Status.SKIP], False, EXIT_OK),
        ([Status.PASS, Status.WARN, Status.SKIP], True, EXIT_FAIL),
        ([Status.PASS, Status.SKIP], True, EXIT_OK),
        ([Status.PASS, Status.FAIL, Status.UNKNOWN], False, EXIT_FAIL),
        ([Status.PASS, Status.UNKNOWN], False, EXIT_UNKNOWN),
        ([Status.WARN, Status.UNKNOWN], True, EXIT_FAIL),
        ([Status.WARN, Status.UNKNOWN], False, EXIT_UNKNOWN),
        ([], False, EXIT_OK),
        ([Status.SKIP, Status.SKIP], False, EXIT_UNKNOWN),  # nothing verified is never green
    ],
)
def test_exit_codes(statuses: list[Status], strict: bool, expected: int) -> None:
    assert exit_code([result(s) for s in statuses], strict=strict) == expected
    assert (EXIT_OK, EXIT_FAIL, EXIT_UNKNOWN) == (0, 1, 3)


def test_report_from_evaluated_facts() -> None:
    facts = make_facts(
        {"c1": flag_host("connector", "pass", other="warn"), "n1": flag_host("ndes", "fail")},
        site=facts_site({"name": "contoso"}),
    )
    results = evaluate(facts, flag_registry())
    report = build_report("contoso", results, load(), generated_at=NOW_DT, collected_at=facts.collected_at)
    assert report.exit_code == EXIT_FAIL
    assert report.summary == {"PASS": 3, "WARN": 1, "FAIL": 2, "UNKNOWN": 0, "SKIP": 0}
    rows = {r.code_hex: r.status for r in report.rows}
    assert rows["0x00000403"] is Status.PASS
    assert rows["0x00000405"] is Status.WARN
    assert rows["0x00000410"] is Status.FAIL
    assert rows[None] is Status.FAIL  # general_flag_is_set fails on n1
    assert len(report.rows) == 12


def test_report_strict_turns_warn_into_exit_1() -> None:
    facts = make_facts({"c1": flag_host("connector", "pass", other="warn")})
    results = evaluate(facts, flag_registry())
    lenient = build_report("s", results, load(), generated_at=NOW_DT, collected_at=NOW_DT)
    strict = build_report("s", results, load(), generated_at=NOW_DT, collected_at=NOW_DT, strict=True)
    assert (lenient.exit_code, strict.exit_code) == (EXIT_OK, EXIT_FAIL)
