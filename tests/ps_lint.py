"""Two lints for PowerShell, on the tree-sitter PowerShell grammar's syntax tree.

``lint``: read-only. Flags what could change a host: cmdlets with a state-changing verb (and their aliases), external
programs outside a read-only allow list (certutil only with read verbs, netsh only ``show``, sc/reg/wevtutil only
queries; also when run through the fact script's native helper), .NET methods that write (registry, files, processes,
ACLs), stores or keys opened writable.

``lint_ps51``: survives Windows PowerShell 5.1 in any culture. Flags syntax, cmdlets, parameters and variables newer
than 5.1; ``2>&1`` (any stderr redirection) on a native command outside the native helper; culture-dependent
formatting (``.ToString('format')`` without a culture, ``-f`` with a format specifier, ``Get-Date -Format``);
``.Keys``/``.Values`` on a dictionary; matching a native tool's (localized) text; anything written to the output
stream besides the data (and, for a whole script, besides its one JSON document); ``$env:`` paths a 32-bit session
redirects.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

STATE_VERBS = {
    "Add", "Approve", "Backup", "Block", "Checkpoint", "Clear", "Close", "Complete", "Compress", "Connect", "Copy",
    "Deny", "Disable", "Disconnect", "Dismount", "Edit", "Enable", "Enter", "Exit", "Expand", "Export", "Grant",
    "Import", "Initialize", "Install", "Invoke", "Limit", "Lock", "Merge", "Mount", "Move", "New", "Optimize",
    "Protect", "Publish", "Register", "Remove", "Rename", "Repair", "Request", "Reset", "Resize", "Restart",
    "Restore", "Resume", "Revoke", "Save", "Send", "Set", "Start", "Stop", "Submit", "Suspend", "Switch", "Sync",
    "Unblock", "Undo", "Uninstall", "Unlock", "Unprotect", "Unpublish", "Unregister", "Update", "Use", "Write",
}
# Cmdlets with such a verb that only touch the script's own memory, session or output.
ALLOWED_CMDLETS = {"new-object", "write-output", "write-verbose", "write-debug", "write-warning", "write-information",
                   "set-strictmode"}
BANNED_CMDLETS = {"out-file", "tee-object", "write-eventlog"}
BANNED_ALIASES = {
    "sc", "si", "sv", "set", "del", "erase", "rm", "rmdir", "rd", "ri", "mv", "move", "mi", "cp", "copy", "cpi",
    "ni", "md", "mkdir", "kill", "spps", "sasv", "start", "saps", "clc", "clv", "cli", "rni", "ren", "iex", "icm",
    "ii", "epal", "ipal", "ipmo", "ipcsv", "epcsv", "sal", "nal", "ac", "clp",
}
READ_ONLY_PROGRAMS: dict[str, set[str]] = {
    # program -> the verbs (first word or -verb) that only read
    "certutil": {"-ping", "-pingadmin", "-dump", "-cainfo", "-getreg", "-view", "-store", "-verify", "-config",
                 "-silent", "-v", "-enterprise", "-user"},
    "netsh": {"show"},
    "sc": {"query", "queryex", "qc", "qdescription", "sdshow"},
    "reg": {"query"},
    "wevtutil": {"qe", "gl", "el", "gli", "query-events", "get-log", "enum-logs", "get-loginfo"},
    "w32tm": {"/query"},
    "hostname": set(),
    "whoami": set(),
}
WRITING_METHODS = {
    "SetValue", "DeleteValue", "DeleteSubKey", "DeleteSubKeyTree", "CreateSubKey", "SetAccessControl", "Delete",
    "Kill", "CommitChanges", "WriteAllText", "WriteAllBytes", "WriteAllLines", "AppendAllText", "AppendAllLines",
    "CreateText", "Encrypt", "Decrypt", "SetOwner", "AddAccessRule", "RemoveAccessRule", "SetAccessRuleProtection",
    "Flush", "Import", "Save", "Start", "Stop", "Pause", "Continue", "Shutdown", "Reboot", "InvokeMethod",
}
# The fact script's one helper for native programs (toolkit/data/fact_script_prelude.ps1).
NATIVE_HELPER = "get-conncheckNativeResult".lower()

# --- Windows PowerShell 5.1 ---------------------------------------------------------------------------------------
NEWER_CMDLETS = {
    "get-error": "7.0", "test-json": "6.1", "join-string": "7.0", "get-uptime": "6.0", "remove-alias": "6.0",
    "remove-service": "6.0", "convertfrom-markdown": "6.1", "show-markdown": "6.1", "get-markdownoption": "6.1",
    "set-markdownoption": "6.1", "start-threadjob": "7.0 (a module in 5.1)", "get-pssubsystem": "7.3",
    "foreach-object -parallel": "7.0",
}
NEWER_PARAMETERS = {
    "convertfrom-json": {"-ashashtable": "6.0", "-depth": "6.2", "-noenumerate": "7.0"},
    "convertto-json": {"-asarray": "6.2", "-escapehandling": "6.2", "-enumsasstrings": "7.0"},
    "foreach-object": {"-parallel": "7.0", "-throttlelimit": "7.0", "-asjob": "7.0"},
    "get-content": {"-asbytestream": "6.0"},
    "set-content": {"-asbytestream": "6.0"},
    "join-path": {"-additionalchildpath": "6.0"},
    "split-path": {"-leafbase": "6.0", "-extension": "6.0"},
    "get-date": {"-asutc": "7.1", "-unixtimeseconds": "7.1"},
    "select-string": {"-raw": "7.0", "-noemphasis": "7.0"},
    "sort-object": {"-top": "6.1", "-bottom": "6.1"},
    "test-connection": {"-targetname": "6.0", "-tcpport": "6.0"},
    "invoke-webrequest": {"-skipcertificatecheck": "6.0", "-authentication": "6.0", "-sslprotocol": "6.0"},
    "invoke-restmethod": {"-skipcertificatecheck": "6.0", "-authentication": "6.0", "-sslprotocol": "6.0"},
    "get-childitem": {"-followsymlink": "6.0"},
    "get-random": {"-shuffle": "7.3"},
}
NEWER_VARIABLES = {"$iswindows", "$islinux", "$ismacos", "$iscoreclr", "$psstyle",
                   "$psnativecommandargumentpassing", "$psnativecommanduseerroractionpreference"}
# Standard DateTime formats that are culture-invariant by definition (round trip, RFC 1123, sortable, universal).
INVARIANT_FORMATS = {"o", "O", "r", "R", "s", "u"}
MATCH_OPERATORS = {"-match", "-imatch", "-cmatch", "-notmatch", "-inotmatch", "-cnotmatch", "-like", "-ilike",
                   "-clike", "-notlike", "-inotlike", "-cnotlike"}
OUTPUT_CMDLETS = {"write-output", "write-host", "echo", "write", "out-host", "out-default", "write-information",
                  "write-warning", "write-verbose", "write-debug", "write-progress", "format-table", "format-list",
                  "format-wide", "format-custom", "out-gridview", "out-printer"}
REDIRECTED_ENV = {"programfiles", "programfiles(x86)", "commonprogramfiles", "commonprogramfiles(x86)",
                  "systemroot", "windir"}


@dataclass(frozen=True)
class Finding:
    line: int
    what: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.what}"


@lru_cache(maxsize=1)
def _parser() -> Any:
    from tree_sitter_language_pack import get_parser

    return get_parser("powershell")


def parse(text: str) -> Any:
    return _parser().parse(text.encode("utf-8"))


def _walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _text(node: Any) -> str:
    return str(node.text.decode())


def _line(node: Any) -> int:
    return int(node.start_point[0]) + 1


def syntax_errors(text: str) -> list[Finding]:
    return [Finding(_line(node), f"syntax error near {node.text[:40]!r}")
            for node in _walk(parse(text).root_node) if node.type == "ERROR" or node.is_missing]


def _words(command: Any) -> list[str]:
    words = []
    for child in command.children:
        if child.type == "command_elements":
            for element in child.children:
                if element.type in ("command_parameter", "generic_token", "string_literal",
                                    "expandable_string_literal"):
                    words.append(_text(element).strip("'\"").lower())
    return words


def _literals(node: Any) -> list[str]:
    return [_text(n).strip("'\"") for n in _walk(node) if n.type in ("verbatim_string_characters",
                                                                      "expandable_string_characters")]


def _program(name: str) -> str:
    base = re.split(r"[\\/]", name.strip("()'\" "))[-1].lower()
    return base.removesuffix(".exe")


def _command_name(node: Any) -> str:
    """The command's name as written; for ``& (Join-Path ... 'x.exe')`` the last quoted path part."""
    name_node = next((c for c in node.children if c.type in ("command_name", "command_name_expr")), None)
    if name_node is None:
        return ""
    text = _text(name_node)
    if name_node.type == "command_name_expr" and text.startswith("("):
        quoted = re.findall(r"['\"]([^'\"]+)['\"]", text)
        text = quoted[-1] if quoted else text
    return text


def _is_native(node: Any) -> bool:
    """A command that runs an external program (or, through ``&``, may: a path or a variable)."""
    name = _command_name(node)
    lowered = name.lower()
    if lowered == NATIVE_HELPER:
        return True
    if "-" in lowered and not re.search(r"[\\/]|\.(exe|com|bat|cmd)$", lowered):
        return False
    return bool(re.search(r"[\\/$]|\.(exe|com|bat|cmd)$", lowered)) or _program(name) in READ_ONLY_PROGRAMS


def _helper_call(node: Any) -> tuple[str, list[str]] | None:
    """``Get-ConncheckNativeResult 'program.exe' @('-verb', ...)`` as (program, lower-cased arguments)."""
    if _command_name(node).lower() != NATIVE_HELPER:
        return None
    elements = next((c for c in node.children if c.type == "command_elements"), None)
    values = [] if elements is None else [c for c in elements.children if c.type == "array_literal_expression"]
    if not values:
        return "", []
    program = (_literals(values[0]) or [""])[0]
    return program, [w.lower() for v in values[1:] for w in _literals(v)]


def _check_program(line: int, program: str, words: list[str], findings: list[Finding]) -> None:
    allowed = READ_ONLY_PROGRAMS.get(program)
    if allowed is None:
        return
    if program == "certutil":
        bad = [w for w in words if w.startswith("-") and w not in allowed]
        if bad or not any(w in allowed for w in words):
            findings.append(Finding(line, f"certutil {' '.join(bad) or '(no verb)'} is not a read-only verb"))
    elif program == "netsh":
        if "show" not in words or any(w in ("add", "delete", "set", "reset", "flush", "install") for w in words):
            findings.append(Finding(line, f"netsh {' '.join(words)} is not a show command"))
    elif allowed and (not words or words[0] not in allowed):
        findings.append(Finding(line, f"{program} {' '.join(words[:2])} is not a query"))


def _check_command(node: Any, findings: list[Finding]) -> None:
    line = _line(node)
    text = _command_name(node)
    if not text:
        return
    name = text.lower()
    helper = _helper_call(node)
    if helper is not None:
        program = _program(helper[0])
        if program not in READ_ONLY_PROGRAMS:
            findings.append(Finding(line, f"program {helper[0] or '(none)'} is not on the read-only allow list"))
        _check_program(line, program, helper[1], findings)
        return
    if "-" in name and not name.endswith(".exe"):
        verb = text.split("-", 1)[0]
        if name in BANNED_CMDLETS or (verb.title() in STATE_VERBS and name not in ALLOWED_CMDLETS):
            findings.append(Finding(line, f"state-changing cmdlet {text}"))
        return
    if name in BANNED_ALIASES:
        findings.append(Finding(line, f"alias {text} of a state-changing cmdlet"))
        return
    program = _program(text)
    if program not in READ_ONLY_PROGRAMS and (re.search(r"\.(exe|com|bat|cmd|vbs|msc)$", name) or "\\" in text
                                              or "/" in text):
        findings.append(Finding(line, f"program {text} is not on the read-only allow list"))
        return
    _check_program(line, program, _words(node), findings)


def _member(node: Any) -> str:
    member = next((c for c in node.children if c.type == "member_name"), None)
    return "" if member is None else _text(member)


def _check_call(node: Any, findings: list[Finding]) -> None:
    line = _line(node)
    name = _member(node)
    text = _text(node)
    if name in WRITING_METHODS:
        findings.append(Finding(line, f".NET method {name}() writes"))
    elif name == "OpenSubKey" and re.search(r",\s*\$true", text):
        findings.append(Finding(line, "registry key opened writable"))
    elif name == "Open" and re.search(r"ReadWrite|MaxAllowed", text):
        findings.append(Finding(line, "store opened writable"))


def lint(text: str) -> list[Finding]:
    """Syntax errors and state-changing code."""
    findings: list[Finding] = syntax_errors(text)
    for node in _walk(parse(text).root_node):
        if node.type == "command":
            _check_command(node, findings)
        elif node.type == "invokation_expression":
            _check_call(node, findings)
    return sorted(findings, key=lambda f: f.line)


# --- lint_ps51 ----------------------------------------------------------------------------------------------------
def _functions(root: Any) -> dict[str, Any]:
    return {_text(c).lower(): n for n in _walk(root) if n.type == "function_statement"
            for c in n.children if c.type == "function_name"}


def _inside(node: Any, ancestor: Any | None) -> bool:
    return ancestor is not None and ancestor.start_byte <= node.start_byte and node.end_byte <= ancestor.end_byte


def _syntax_ps7(root: Any, findings: list[Finding]) -> None:
    """Operators and blocks 5.1 does not know; the grammar parses most of them into ERROR nodes."""
    leaves = [n for n in _walk(root) if n.child_count == 0]
    for leaf, following in zip(leaves, [*leaves[1:], None], strict=True):
        token = _text(leaf).strip()
        if token in ("??=", "?.", "?[", "&&", "||") or token.startswith("??"):
            findings.append(Finding(_line(leaf), f"operator {token[:3].strip()} is PowerShell 7 only"))
        elif leaf.type == "ERROR" and token == "?":
            findings.append(Finding(_line(leaf), "the ?-operators (ternary, ?., ?[]) are PowerShell 7 only"))
        elif token == "|" and following is not None and _text(following) == "|" and \
                following.start_byte == leaf.end_byte:
            findings.append(Finding(_line(leaf), "operator || is PowerShell 7 only"))
    for node in _walk(root):
        clean = node.type == "command" and _command_name(node).lower() == "clean" and any(
            n.type == "script_block_expression" for n in _walk(node))
        if clean or (node.type == "ERROR" and any(_text(n).strip().lower() == "clean" for n in node.children)):
            findings.append(Finding(_line(node), "clean {} blocks are PowerShell 7.3 only"))


def _newer_commands(node: Any, findings: list[Finding]) -> None:
    foreach = next((c for c in node.children if c.type == "foreach_command"), None)
    name = "foreach-object" if foreach is not None else _command_name(node).lower()
    if name in NEWER_CMDLETS:
        findings.append(Finding(_line(node), f"{_command_name(node)} is PowerShell {NEWER_CMDLETS[name]}+"))
    # Parameters from the text: the grammar does not know 7's (ForEach-Object -Parallel parses as an ERROR).
    for written in re.findall(r"(?<![\w$])-([a-z]\w+)", _text(node).lower()):
        for parameter, version in NEWER_PARAMETERS.get(name, {}).items():
            if parameter[1:].startswith(written):
                findings.append(Finding(_line(node), f"{name} {parameter} is PowerShell {version}+"))


def _culture(node: Any, findings: list[Finding]) -> None:
    if node.type == "invokation_expression" and _member(node) == "ToString":
        listed = [n for c in node.children if c.type == "argument_list" for n in c.children
                  if n.type == "argument_expression_list"]
        arguments = [n for n in listed[0].children if n.type == "argument_expression"] if listed else []
        literals = _literals(arguments[0]) if arguments else []
        if len(arguments) == 1 and literals and literals[0] not in INVARIANT_FORMATS:
            findings.append(Finding(_line(node), f".ToString('{literals[0]}') formats in the session's culture: "
                                                 "pass [cultureinfo]::InvariantCulture"))
    elif node.type == "format_expression" and any(c.type == "format_operator" for c in node.children):
        if re.search(r"\{\d+(,\s*-?\d+)?:", _text(node.children[0])):
            findings.append(Finding(_line(node), "-f with a format specifier formats in the session's culture"))
    elif node.type == "command" and _command_name(node).lower() == "get-date" and (
            {"-format", "-uformat"} & set(_words(node))):
        findings.append(Finding(_line(node), "Get-Date -Format formats in the session's culture and calendar"))


def _tainted(root: Any) -> set[str]:
    """Variables assigned from a native program's output (directly or through the native helper)."""
    names = set()
    for node in _walk(root):
        if node.type == "assignment_expression":
            target = node.children[0]
            value = node.children[-1]
            if any(n.type == "command" and _is_native(n) for n in _walk(value)):
                names |= {_text(v).lower() for v in _walk(target) if v.type == "variable"}
    return names


def _matches_native_text(root: Any, findings: list[Finding]) -> None:
    tainted = _tainted(root)

    def mentions(node: Any) -> bool:
        return any(n.type == "variable" and _text(n).lower() in tainted for n in _walk(node))

    for node in _walk(root):
        if node.type == "comparison_expression" and len(node.children) == 3:
            operator = _text(node.children[1]).lower()
            if operator in MATCH_OPERATORS and mentions(node.children[0]):
                findings.append(Finding(_line(node), f"{operator} on a native program's (localized) output"))
        elif node.type == "pipeline":
            stages = [c for c in node.children if c.type != "|"]
            native = False
            for stage in stages:
                if (stage.type == "command" and _is_native(stage)) or (stage.type != "command" and mentions(stage)):
                    native = True
                    continue
                if native and stage.type == "command" and (
                        _command_name(stage).lower() in ("select-string", "sls") or any(
                            n.type == "comparison_operator" and _text(n).lower() in MATCH_OPERATORS
                            for n in _walk(stage))):
                    findings.append(Finding(_line(stage), "matching a native program's (localized) output"))
        elif node.type == "command" and _command_name(node).lower() in ("select-string", "sls") and mentions(node):
            findings.append(Finding(_line(node), "Select-String on a native program's (localized) output"))


def _writes_output(node: Any, findings: list[Finding]) -> None:
    if node.type == "command" and _command_name(node).lower() in OUTPUT_CMDLETS:
        findings.append(Finding(_line(node), f"{_command_name(node)} writes besides the data (stdout of a by-hand "
                                             "run is the JSON document)"))
    elif node.type == "invokation_expression" and re.match(r"(\[(System\.)?Console\]::|\$host\.UI\.)Write",
                                                            _text(node), re.I):
        findings.append(Finding(_line(node), "writing to the console corrupts the JSON document of a by-hand run"))


def _statement_outputs(statement: Any) -> bool:
    """Whether a statement writes to the output stream (assignments, [void] casts and definitions do not)."""
    if statement.type in ("function_statement", "comment", "empty_statement", "flow_control_statement"):
        return False
    if statement.type == "pipeline":
        first = statement.children[0]
        if first.type == "assignment_expression":
            return False
        if first.type == "command" and _command_name(first).lower() == "set-strictmode":
            return False
        return not re.match(r"\[void\]", _text(statement), re.I)
    return any(_statement_outputs(s) for s in _statements(statement))


def _statements(node: Any) -> list[Any]:
    """The statements of a compound statement's blocks (if/else, try/catch, loops), not of script blocks."""
    found = []
    for child in node.children:
        if child.type == "statement_block":
            found.extend(c for s in child.children if s.type == "statement_list" for c in s.children)
        elif child.child_count and child.type not in ("pipeline", "script_block_expression", "function_statement"):
            found.extend(_statements(child))
    return found


def _top_level_output(root: Any, findings: list[Finding]) -> None:
    """A whole fact script prints one JSON document: the guard's (outside FullLanguage) or the writer's."""
    statements = [c for n in root.children if n.type == "statement_list" for c in n.children]
    writers = 0
    for statement in statements:
        text = _text(statement)
        if statement.type == "if_statement" and "LanguageMode" in text.split("{", 1)[0]:
            inner = _statements(statement)
            if sum(1 for s in inner if _statement_outputs(s)) != 1 or _text(inner[-1]) != "return":
                findings.append(Finding(_line(statement), "the language-mode guard must print one document, then "
                                                          "return"))
        elif statement.type == "pipeline" and text.startswith("ConvertTo-ConncheckJson "):
            writers += 1
        elif _statement_outputs(statement):
            findings.append(Finding(_line(statement), "top-level statement writes to the output stream besides the "
                                                      "JSON document"))
    if writers != 1:
        findings.append(Finding(1, f"a fact script writes its JSON document once, not {writers} times"))


def lint_ps51(text: str, *, whole_script: bool = False) -> list[Finding]:
    """What breaks or lies on Windows PowerShell 5.1 in some culture (see the module docstring)."""
    root = parse(text).root_node
    findings: list[Finding] = []
    helper = _functions(root).get(NATIVE_HELPER)
    _syntax_ps7(root, findings)
    _matches_native_text(root, findings)
    for node in _walk(root):
        if node.type == "command":
            _newer_commands(node, findings)
            stderr = [c for c in _walk(node) if c.type in ("redirection", "generic_token") and
                      re.match(r"[2*]>", _text(c))]
            if stderr and _is_native(node) and not _inside(node, helper):
                findings.append(Finding(_line(node), f"{_text(stderr[0])} on a native program: under "
                                                     "$ErrorActionPreference 'Stop' 5.1 turns its first stderr line "
                                                     "into a terminating error; use Get-ConncheckNativeResult"))
        if node.type == "comparison_expression" and len(node.children) == 3 and \
                _text(node.children[1]).lower() == "-replace" and any(
                    n.type == "script_block_expression" for n in _walk(node.children[2])):
            findings.append(Finding(_line(node), "-replace with a script block is PowerShell 6.1+"))
        if node.type == "variable":
            name = _text(node).lower()
            env = re.fullmatch(r"\$\{?env:([^}]+)\}?", name)
            if name in NEWER_VARIABLES:
                findings.append(Finding(_line(node), f"{_text(node)} is PowerShell 6+ (in 5.1 it reads as $null)"))
            elif env and env.group(1) in REDIRECTED_ENV:
                findings.append(Finding(_line(node), f"{_text(node)} is redirected in a 32-bit session: use "
                                                     "Get-ConncheckSystemPath or Get-ConncheckProgramFiles"))
        if node.type == "member_access" and _member(node).lower() in ("keys", "values"):
            findings.append(Finding(_line(node), f".{_member(node)} is shadowed by a key of that name: iterate "
                                                 "GetEnumerator() or call get_Keys()"))
        _culture(node, findings)
        _writes_output(node, findings)
    if whole_script:
        _top_level_output(root, findings)
    return sorted(set(findings), key=lambda f: (f.line, f.what))
