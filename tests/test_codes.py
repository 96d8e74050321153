"""The diagnostic-code constants the checks use are the catalog's codes, name for name."""

from __future__ import annotations

from conncheck.catalog import load
from conncheck.catalog.codes import DiagnosticCode


def test_every_constant_is_a_code_of_the_table_with_its_name() -> None:
    table = {code.value: code.name for code in load().codes}
    assert {c.value: c.name for c in DiagnosticCode} == table
