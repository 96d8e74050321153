"""Read-only lint for PowerShell, on the tree-sitter PowerShell grammar's syntax tree.

Flags what could change a host: cmdlets with a state-changing verb (and their aliases), external programs outside a
read-only allow list (certutil only with read verbs, netsh only ``show``, sc/reg/wevtutil only queries), .NET methods
that write (registry, files, processes, ACLs), stores or keys opened writable, and PowerShell 7-only syntax.
"""

from __future__ import annotations

import re
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
# Cmdlets with such a verb that only touch the script's own memory or output.
ALLOWED_CMDLETS = {"new-object", "write-output", "write-verbose", "write-debug", "write-warning", "write-information"}
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
    "hostname": set(),
    "whoami": set(),
}
WRITING_METHODS = {
    "SetValue", "DeleteValue", "DeleteSubKey", "DeleteSubKeyTree", "CreateSubKey", "SetAccessControl", "Delete",
    "Kill", "CommitChanges", "WriteAllText", "WriteAllBytes", "WriteAllLines", "AppendAllText", "AppendAllLines",
    "CreateText", "Encrypt", "Decrypt", "SetOwner", "AddAccessRule", "RemoveAccessRule", "SetAccessRuleProtection",
    "Flush", "Import", "Save", "Start", "Stop", "Pause", "Continue", "Shutdown", "Reboot", "InvokeMethod",
}
PS7_OPERATORS = {"??", "??=", "?.", "?[", "&&", "||"}


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


def syntax_errors(text: str) -> list[Finding]:
    out = []
    stack = [parse(text).root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            out.append(Finding(node.start_point[0] + 1, f"syntax error near {node.text[:40]!r}"))
        stack.extend(node.children)
    return out


def _words(command: Any) -> list[str]:
    words = []
    for child in command.children:
        if child.type == "command_elements":
            for element in child.children:
                if element.type in ("command_parameter", "generic_token", "string_literal",
                                    "expandable_string_literal"):
                    words.append(element.text.decode().strip("'\"").lower())
    return words


def _program(name: str) -> str:
    base = re.split(r"[\\/]", name.strip("()'\" "))[-1].lower()
    return base.removesuffix(".exe")


def _check_command(node: Any, findings: list[Finding]) -> None:
    line = node.start_point[0] + 1
    name_node = next((c for c in node.children if c.type in ("command_name", "command_name_expr")), None)
    if name_node is None:
        return
    text = name_node.text.decode()
    if name_node.type == "command_name_expr" and text.startswith("("):
        # & (Join-Path $env:SystemRoot 'System32\certutil.exe') ...: the program is the last quoted path part
        quoted = re.findall(r"['\"]([^'\"]+)['\"]", text)
        text = quoted[-1] if quoted else text
    name = text.lower()
    if "-" in name and not name.endswith(".exe"):
        verb = text.split("-", 1)[0]
        if name in BANNED_CMDLETS or (verb.title() in STATE_VERBS and name not in ALLOWED_CMDLETS):
            findings.append(Finding(line, f"state-changing cmdlet {text}"))
        if name == "foreach-object" and "-parallel" in _words(node):
            findings.append(Finding(line, "ForEach-Object -Parallel is PowerShell 7 only"))
        return
    if name in BANNED_ALIASES:
        findings.append(Finding(line, f"alias {text} of a state-changing cmdlet"))
        return
    program = _program(text)
    if program not in READ_ONLY_PROGRAMS and (re.search(r"\.(exe|com|bat|cmd|vbs|msc)$", name) or "\\" in text
                                              or "/" in text):
        findings.append(Finding(line, f"program {text} is not on the read-only allow list"))
        return
    allowed = READ_ONLY_PROGRAMS.get(program)
    if allowed is None:
        return
    words = _words(node)
    if program == "certutil":
        bad = [w for w in words if w.startswith("-") and w not in allowed]
        if bad or not any(w in allowed for w in words):
            findings.append(Finding(line, f"certutil {' '.join(bad) or '(no verb)'} is not a read-only verb"))
    elif program == "netsh":
        if "show" not in words or any(w in ("add", "delete", "set", "reset", "flush", "install") for w in words):
            findings.append(Finding(line, f"netsh {' '.join(words)} is not a show command"))
    elif allowed and (not words or words[0] not in allowed):
        findings.append(Finding(line, f"{program} {' '.join(words[:2])} is not a query"))


def _check_call(node: Any, findings: list[Finding]) -> None:
    line = node.start_point[0] + 1
    member = next((c for c in node.children if c.type == "member_name"), None)
    if member is None:
        return
    name = member.text.decode()
    text = node.text.decode()
    if name in WRITING_METHODS:
        findings.append(Finding(line, f".NET method {name}() writes"))
    elif name == "OpenSubKey" and re.search(r",\s*\$true", text):
        findings.append(Finding(line, "registry key opened writable"))
    elif name == "Open" and re.search(r"ReadWrite|MaxAllowed", text):
        findings.append(Finding(line, "store opened writable"))


def lint(text: str) -> list[Finding]:
    """Syntax errors (PowerShell 7-only syntax included: the grammar rejects it) and state-changing code."""
    findings: list[Finding] = syntax_errors(text)
    stack = [parse(text).root_node]
    while stack:
        node = stack.pop()
        if node.type == "command":
            _check_command(node, findings)
        elif node.type == "invokation_expression":
            _check_call(node, findings)
        elif node.child_count == 0 and node.text.decode() in PS7_OPERATORS:
            findings.append(Finding(node.start_point[0] + 1, f"operator {node.text.decode()} is PowerShell 7 only"))
        stack.extend(node.children)
    return sorted(findings, key=lambda f: f.line)
