"""Every value the fact script embeds is a PowerShell literal and nothing else, whatever the value.

Two independent readers check ``powershell_literal``: the tree-sitter PowerShell grammar (the syntax tree of
``$x = <literal>`` holds only literal nodes, no command, no variable but $true/$false/$null, no type but [ordered]),
and a reader written from the PowerShell language specification, evaluating that tree back to a value with
PowerShell's semantics (the five single-quote characters, ``@()`` enumerating its content, the unary comma): it
must give back exactly what went in. tree-sitter does not know the typographic quotes, so the second reader is the
one that proves them.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from conncheck.collectors.script import INT64_MAX, SINGLE_QUOTES, build, powershell_literal, probes_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ps_lint import parse, syntax_errors

STRUCTURE = {
    "program", "statement_list", "pipeline", "assignment_expression", "left_assignment_expression",
    "assignement_operator", "logical_expression", "bitwise_expression", "comparison_expression",
    "additive_expression", "multiplicative_expression", "format_expression", "range_expression",
    "array_literal_expression", "unary_expression", "expression_with_unary_operator", "array_expression",
    "hash_literal_expression", "hash_literal_body", "hash_entry", "key_expression", "cast_expression",
    "type_literal", "type_spec", "type_name", "string_literal", "integer_literal",
}  # fmt: skip
LEAVES = {"verbatim_string_characters", "decimal_integer_literal", "variable", "type_identifier",
          "@(", "@{", "(", ")", "}", "[", "]", ",", ";", "=", "-"}  # fmt: skip

texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
scalars = st.none() | st.booleans() | st.integers(-INT64_MAX, INT64_MAX) | texts
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(texts, inner, max_size=4).filter(
        lambda d: len({k.upper() for k in d}) == len(d)
    ),
    max_leaves=12,
)


def _rhs(literal: str) -> Any:
    """The right-hand side of ``$x = literal``, after checking the whole tree parses and holds only literal nodes."""
    source = f"$x = {literal}"
    assert syntax_errors(source) == [], source
    tree = parse(source)
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.child_count == 0:
            assert node.type in LEAVES, (node.type, node.text, source)
            if node.type == "variable":
                assert node.text.lower() in (b"$x", b"$true", b"$false", b"$null"), source
            if node.type == "type_identifier":
                assert node.text == b"ordered", source
        else:
            assert node.type in STRUCTURE, (node.type, source)
        stack.extend(node.children)
    assignment = tree.root_node.children[0].children[0].children[0]
    assert assignment.type == "assignment_expression"
    return assignment.children[-1]


def _text_of_verbatim(token: str) -> str:
    """A single-quoted string as PowerShell reads it (language spec, verbatim-string-literal): any of the five quote
    characters opens and closes; two in a row stand for one. Asserts that the token is exactly one such literal."""
    assert token[0] in SINGLE_QUOTES, token
    out, i = [], 1
    while True:
        assert i < len(token), f"unterminated: {token!r}"
        c = token[i]
        if c in SINGLE_QUOTES:
            if i + 1 < len(token) and token[i + 1] in SINGLE_QUOTES:
                out.append(c)
                i += 2
                continue
            assert i == len(token) - 1, f"the string ends early, at {i}: the rest would be code: {token!r}"
            return "".join(out)
        out.append(c)
        i += 1


def _evaluate(node: Any) -> Any:
    """The value PowerShell gives the expression (the subset literals use), with PowerShell arrays as lists."""
    named = [c for c in node.children if c.type not in (",", ";", "=", "@(", "@{", ")", "}", "(")]
    kind = node.type
    if kind == "string_literal":
        return _text_of_verbatim(node.text.decode("utf-8"))
    if kind == "integer_literal":
        return int(node.text)
    if kind == "variable":
        return {b"$true": True, b"$false": False, b"$null": None}[node.text.lower()]
    if kind == "array_literal_expression" and len(named) > 1:  # the binary comma builds an array
        return [_evaluate(c) for c in named]
    if kind == "expression_with_unary_operator" and node.children[0].type in (",", "-"):
        operator, operand = node.children[0].type, _evaluate(node.children[1])
        return [operand] if operator == "," else -operand
    if kind == "array_expression":  # @(...) enumerates what its statement gives, one level
        if not named:
            return []
        inner = _evaluate(named[0])
        return list(inner) if isinstance(inner, list) else [inner]
    if kind == "hash_literal_expression":
        body = named[0].children if named else []
        return {_evaluate(e.children[0]): _evaluate(e.children[2]) for e in body if e.type == "hash_entry"}
    if kind == "cast_expression":
        return _evaluate(node.children[1])
    assert len(named) == 1, (kind, node.text)
    return _evaluate(named[0])


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_any_string_is_one_string_literal_that_reads_back_exactly(text: str) -> None:
    literal = powershell_literal(text)
    assert _text_of_verbatim(literal) == text
    assert _evaluate(_rhs(literal)) == text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_any_structure_is_literal_only_and_reads_back_exactly(value: Any) -> None:
    assert _evaluate(_rhs(powershell_literal(value))) == _as_read(value)


def _as_read(value: Any) -> Any:
    return [_as_read(v) for v in value] if isinstance(value, (list, tuple)) else (
        {k: _as_read(v) for k, v in value.items()} if isinstance(value, dict) else value
    )


@pytest.mark.parametrize(
    "text",
    ["x'; Remove-Item C:\\ -Recurse; '", "x\u2019; Stop-Computer; \u2018", "$(Stop-Computer)", "`$env:PATH",
     "a\u201b\u201a'\u2018\u2019b", "line1\nStop-Computer\r\n#", "'", "\u2019", "''", "@'\nhere\n'@"],
)  # fmt: skip
def test_known_injections_stay_text(text: str) -> None:
    assert _evaluate(_rhs(powershell_literal(text))) == text


@pytest.mark.parametrize(
    ("value", "error"),
    [(float("nan"), TypeError), (float("inf"), TypeError), (1.5, TypeError), (b"x", TypeError), (object(), TypeError),
     (2**63, ValueError), (-(2**70), ValueError), ({"a": 1, "A": 2}, ValueError), ({1: "x"}, TypeError),
     ([float("nan"), float("inf")], TypeError), ("a\x00b", ValueError), ("\ud800", ValueError)],
)  # fmt: skip
def test_what_has_no_literal_is_refused(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        powershell_literal(value)


def test_a_nested_single_list_is_not_flattened() -> None:
    assert _evaluate(_rhs(powershell_literal([["a", "b"]]))) == [["a", "b"]]
    assert _evaluate(_rhs(powershell_literal(["a"]))) == ["a"]


def test_the_assembled_script_carries_the_site_as_literals_only() -> None:
    from conncheck import config
    from conncheck.registry import default_registry

    site = config.parse({"site": {"name": "o'hara\u2019s", "pkcs_templates": ["It\u2018s", "$(Stop-Computer)"]}})
    facts_site = msgspec.to_builtins(site.facts_site())
    script = build(probes_for(default_registry().probes.values(), ("ca",)), ("ca",), facts_site)
    line = next(ln for ln in script.text.splitlines() if ln.startswith("$ConncheckSite = "))
    embedded = _evaluate(_rhs(line.removeprefix("$ConncheckSite = ")))
    assert embedded["pkcs_templates"] == ["It\u2018s", "$(Stop-Computer)"] and embedded["name"] == "o'hara\u2019s"
    assert syntax_errors(script.text) == []


def test_a_site_toml_with_nan_templates_never_becomes_a_script(tmp_path: Any) -> None:
    import subprocess

    from tests.audit_fixtures import CLI

    site = tmp_path / "site.toml"
    site.write_text('[site]\nname = "contoso"\npkcs_templates = [nan, inf]\n', encoding="utf-8")
    done = subprocess.run([*CLI, "script", "--role", "ca", "-c", str(site)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "pkcs_templates[0] = nan" in done.stderr
