"""examples/jea/: the role capability exposes exactly what the assembled fact scripts invoke, and the session
configuration lets them run (FullLanguage) without lending the connecting user any identity but its own.

Commands are read from the scripts' syntax trees: every cmdlet must be visible in the role (and nothing else is),
every program the native helper runs must be a visible external command, functions must be the script's own, no
command may depend on a provider (a JEA session has none), and the .NET the scripts use is why the endpoint runs in
FullLanguage.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from conncheck.collectors import script as fact_script
from conncheck.facts import HOST_ROLES

from tests.conftest import REPO
from tests.ps_lint import NATIVE_HELPER, _command_name, _functions, _helper_call, _walk, parse

JEA = REPO / "examples" / "jea"
ROLE = JEA / "ConncheckFacts.psrc"
ENDPOINT = JEA / "conncheck.pssc"
ROLE_SETS = [(r,) for r in HOST_ROLES] + [HOST_ROLES]
SITE = {"name": "contoso", "ca_config": "ca01.contoso.com\\Contoso Issuing CA"}
# Cmdlets that resolve paths through a PowerShell provider: JEA's RestrictedRemoteServer exposes no provider.
PROVIDER_CMDLETS = {"get-childitem", "get-item", "get-itemproperty", "test-path", "join-path", "resolve-path",
                    "split-path", "get-content", "get-acl", "set-location", "push-location"}
# The types ConstrainedLanguage allows (about_Language_Modes), in the spellings the scripts could use.
CONSTRAINED_TYPES = {"string", "string[]", "int", "long", "bool", "byte", "byte[]", "char", "char[]", "datetime",
                     "decimal", "double", "single", "int16", "uint16", "uint32", "uint64", "sbyte", "guid", "version",
                     "regex", "xml", "ordered", "void", "switch", "cultureinfo", "hashtable", "array", "scriptblock"}


def _first(node: Any, types: tuple[str, ...]) -> Any:
    return next(n for n in _walk(node) if n.type in types)


def _value(node: Any) -> Any:
    """A .psd1 value (a hash entry's pipeline, or an array element): a string, a hashtable, or a list of values."""
    items = [c for c in _first(node, ("array_literal_expression",)).children if c.type == "unary_expression"]
    values = []
    for item in items:
        inner = _first(item, ("string_literal", "hash_literal_expression", "array_expression"))
        if inner.type == "string_literal":
            values.append(inner.text.decode()[1:-1])
        elif inner.type == "hash_literal_expression":
            values.append(_table(inner))
        else:
            listed = next((c for c in inner.children if c.type == "statement_list"), None)
            values.append([v for p in ([] if listed is None else listed.children) for v in _as_list(_value(p))])
    return values[0] if len(values) == 1 else values


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _table(node: Any) -> dict[str, Any]:
    body = next(c for c in node.children if c.type == "hash_literal_body")
    table = {}
    for entry in (c for c in body.children if c.type == "hash_entry"):
        key = next(c for c in entry.children if c.type == "key_expression").text.decode().strip("'\"")
        table[key] = _value(next(c for c in entry.children if c.type == "pipeline"))
    return table


def _psd1(path: Path) -> dict[str, Any]:
    root = parse(path.read_text(encoding="utf-8")).root_node
    return _table(next(n for n in _walk(root) if n.type == "hash_literal_expression"))


def _visible_cmdlets() -> dict[str, dict[str, Any]]:
    """Bare cmdlet name (lower case) -> its entry (module-qualified name, parameter limits)."""
    out = {}
    for entry in _as_list(_psd1(ROLE)["VisibleCmdlets"]):
        entry = entry if isinstance(entry, dict) else {"Name": entry}
        out[entry["Name"].split("\\")[-1].lower()] = entry
    return out


def _invoked(text: str) -> tuple[set[str], set[str], list[str]]:
    """(cmdlets, programs run by the native helper, commands invoked through & on an expression) of a script."""
    root = parse(text).root_node
    defined = set(_functions(root))
    cmdlets, programs, dynamic = set(), set(), []
    for node in _walk(root):
        if node.type != "command":
            continue
        name = _command_name(node) or ("ForEach-Object" if any(c.type == "foreach_command" for c in node.children)
                                       else "")
        helper = _helper_call(node)
        if helper is not None:
            programs.add(helper[0].lower())
        if name.startswith("$"):
            dynamic.append(name)
        elif name.lower() not in defined:
            cmdlets.add(name.lower())
    return cmdlets, programs, dynamic


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda r: "+".join(r))
def test_every_command_the_script_invokes_is_visible_in_the_role(roles: tuple[str, ...]) -> None:
    cmdlets, programs, dynamic = _invoked(fact_script.for_roles(roles, SITE).text)
    assert cmdlets <= set(_visible_cmdlets()), cmdlets - set(_visible_cmdlets())
    external = {p.lower() for p in _psd1(ROLE)["VisibleExternalCommands"]}
    assert {f"c:\\windows\\system32\\{p}" for p in programs} <= external
    # & on an expression only where the prelude runs a probe's script block and the helper its program
    assert sorted(dynamic) == ["$Body", "$path"]


def test_the_role_exposes_nothing_the_scripts_do_not_call() -> None:
    used_cmdlets, used_programs = set(), set()
    for roles in ROLE_SETS:
        cmdlets, programs, _ = _invoked(fact_script.for_roles(roles, SITE).text)
        used_cmdlets |= cmdlets
        used_programs |= programs
    assert set(_visible_cmdlets()) == used_cmdlets
    external = {Path(p.replace("\\", "/")).name.lower() for p in _psd1(ROLE)["VisibleExternalCommands"]}
    assert external == used_programs
    assert set(_psd1(ROLE)) <= {"GUID", "Author", "Description", "VisibleCmdlets", "VisibleExternalCommands"}


def test_cim_classes_are_limited_to_those_the_scripts_read() -> None:
    text = fact_script.for_roles(HOST_ROLES, SITE).text
    used = set(re.findall(r"Get-CimInstance -ClassName (\w+)", text))
    allowed = _visible_cmdlets()["get-ciminstance"]["Parameters"]
    assert allowed["Name"] == "ClassName" and set(allowed["ValidateSet"]) == used


def test_no_command_needs_a_provider() -> None:
    for roles in ROLE_SETS:
        text = fact_script.for_roles(roles, SITE).text
        cmdlets, _, _ = _invoked(text)
        assert not cmdlets & PROVIDER_CMDLETS
        # $env: reads the Environment provider; only the guard (never reached in FullLanguage) uses it
        body = text[text.index("$ErrorActionPreference = 'Stop'"):]
        assert "$env:" not in body.lower()
    assert "VisibleProviders" not in _psd1(ROLE) and "VisibleProviders" not in _psd1(ENDPOINT)


def test_the_endpoint_runs_full_language_as_the_connecting_account() -> None:
    endpoint = _psd1(ENDPOINT)
    assert endpoint["SessionType"] == "RestrictedRemoteServer"
    assert endpoint["LanguageMode"] == "FullLanguage"
    # FullLanguage reaches any .NET API: with a run-as identity that would lend the user its rights
    assert not {"RunAsVirtualAccount", "RunAsVirtualAccountGroups", "GroupManagedServiceAccount"} & set(endpoint)
    roles = {r for grant in endpoint["RoleDefinitions"].values() for r in [grant["RoleCapabilities"]]}
    assert roles == {ROLE.stem}


def test_the_scripts_need_full_language() -> None:
    """They use .NET types ConstrainedLanguage forbids: the reason the endpoint is FullLanguage, not a default."""
    text = fact_script.for_roles(HOST_ROLES, SITE).text
    types = {n.text.decode().strip("[]").lower() for n in _walk(parse(text).root_node) if n.type == "type_literal"}
    forbidden = types - CONSTRAINED_TYPES
    assert {"system.security.cryptography.x509certificates.x509store", "microsoft.win32.registrykey"} <= forbidden
    assert "Add-Type" not in text and "-ComObject" not in text
    assert str(ENDPOINT.relative_to(REPO)) in fact_script.CONSTRAINED_REASON


def test_the_native_helper_is_the_only_way_programs_run() -> None:
    text = fact_script.for_roles(HOST_ROLES, SITE).text
    root = parse(text).root_node
    helper = _functions(root)[NATIVE_HELPER]
    for node in _walk(root):
        if node.type == "command" and _command_name(node) == "$path":
            assert helper.start_byte < node.start_byte < helper.end_byte
    assert "[System.Diagnostics.Process]" not in text and "Start-Process" not in text
