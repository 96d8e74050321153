"""Simulated Windows hosts: a profile (the probe data a real host would return) and the faults to inject.

A simulated host answers a conncheck fact script the way the real script would answer on that machine: it reads the
script's markers (``# conncheck-probe: <name>`` per probe, ``# conncheck-roles:``, ``# conncheck-site:``), and prints
one compact facts JSON document holding, for each probe the script names, the profile's answer for it. A probe the
profile has no data for fails the way an unknown probe fails on Windows: ``{"ok": false, "error": ...}``.

Faults of real Windows sessions are modelled from what the script's text does, so a script that mishandles them
gets the answer Windows PowerShell 5.1 would give it: outside FullLanguage the host prints what the script's
language-mode guard prints (a script without one dies at its first .NET call); in a 32-bit session a probe that
asserts a 64-bit session fails with its reason, and one that reads ``$env:ProgramFiles``/``$env:SystemRoot`` paths
finds nothing (redirected to the 32-bit folders); a stderr line from certutil terminates a probe that runs it with
``2>&1`` and is kept as output by the native helper; a probe over its time budget fails with the runner's reason; in
de-DE or tr-TR native tools and account names speak that language (the texts are our approximations).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from conncheck.facts import Facts, ProbeResult, Target, format_time

PROBE_MARKER = re.compile(r"^# conncheck-probe: (\S+)\s*$", re.M)
ROLES_MARKER = re.compile(r"^# conncheck-roles: (.*)$", re.M)
SITE_MARKER = re.compile(r"^# conncheck-site: (.*)$", re.M)
GUARD = re.compile(r"^# conncheck-guard: language mode\n(.*?)^    return$", re.M | re.S)
EPILOGUE_MARKER = re.compile(r"^# conncheck-epilogue: clock$", re.M)
BUDGET = re.compile(r"-BudgetSeconds (\d+)")
REDIRECTED_PATH = re.compile(r"\$env:(ProgramFiles|SystemRoot|windir)\b|\$\{env:ProgramFiles\(x86\)\}", re.I)
# What PowerShell says when a NoLanguage session is given a script (its FullyQualifiedErrorId is ScriptsNotAllowed).
NO_LANGUAGE_ERROR = ("The syntax is not supported by this runspace. This can occur if the runspace is in no-language "
                     "mode.")
# What Windows PowerShell 5.1 says when ConstrainedLanguage meets a method call on a type it does not allow.
CONSTRAINED_ERROR = "Cannot invoke method. Method invocation is supported only on core types in this language mode."


@dataclass
class Faults:
    """What a simulated host does wrong. All off by default; tests flip them while the lab runs."""

    latency_ms: float = 0.0  # added to every HTTP request
    refuse: bool = False  # nothing listens: connection refused
    tls_failure: bool = False  # HTTPS with a certificate no client trusts
    bad_credentials: bool = False  # every authentication attempt is refused
    operation_timeout: bool = False  # the fact script never finishes (Receive answers TimedOut)
    script_throws: str | None = None  # the pipeline fails with this terminating error
    garbage_output: bool = False  # the script prints text that is not JSON
    # ConstrainedLanguage: a JEA endpoint, AppLocker or WDAC; NoLanguage: JEA's RestrictedRemoteServer default
    language_mode: str = "FullLanguage"
    wow64: bool = False  # the script runs in a 32-bit session on 64-bit Windows (Microsoft.PowerShell32)
    culture: str | None = None  # "de-DE" or "tr-TR": native tools and account names speak that language
    over_budget: tuple[str, ...] = ()  # probes that run past their time budget (a busy connector's event logs)
    certutil_stderr: str | None = None  # a line certutil writes to stderr, its exit code unchanged


@dataclass
class Answer:
    """What running a script produced: output lines, or a terminating error."""

    output: list[str] = field(default_factory=list)
    error: str | None = None
    error_id: str = "ScriptHalted"  # the error record's FullyQualifiedErrorId


@dataclass
class SimHost:
    """One simulated Windows machine."""

    name: str
    roles: tuple[str, ...]
    probes: dict[str, ProbeResult]
    clock_offset: timedelta = timedelta(0)
    faults: Faults = field(default_factory=Faults)
    requests: int = 0
    scripts_run: int = 0
    scripts: list[str] = field(default_factory=list)  # every script it was asked to run, as received
    resource_uris: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_target(cls, target: Target, collected_at: datetime) -> SimHost:
        """A host whose answers are ``target``'s probes; its clock keeps the offset the sample recorded."""
        offset = timedelta(0)
        clock = target.probes.get("clock")
        if clock is not None and clock.ok and isinstance(clock.data, dict) and clock.data.get("utc"):
            try:
                from conncheck.facts import parse_time

                offset = parse_time(str(clock.data["utc"])) - collected_at
            except ValueError:
                offset = timedelta(0)
        return cls(target.name, target.roles, dict(target.probes), offset)

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1

    def now(self) -> datetime:
        return datetime.now(timezone.utc) + self.clock_offset

    def probe_answer(self, name: str) -> dict[str, Any]:
        if name == "clock":
            return {"ok": True, "data": {"utc": format_time(self.now())}, "ms": 0.1}
        result = self.probes.get(name)
        if result is None:
            return {"ok": False, "error": f"The term 'probe {name}' is not recognized on {self.name}", "ms": 0.1}
        answer = result.to_json()
        answer["ms"] = result.ms if result.ms is not None else 1.0
        return answer

    def answer(self, script: str) -> Answer:
        """Run a fact script: the facts JSON document the real script would print on this host."""
        with self._lock:
            self.scripts_run += 1
            self.scripts.append(script)
        if self.faults.script_throws:
            return Answer(error=self.faults.script_throws)
        if self.faults.garbage_output:
            return Answer(output=["WARNING: profile could not be loaded", "<html>not json</html>"])
        blocks = _probe_blocks(script)
        if not blocks:
            return Answer(output=[f"{self.name.split('.')[0].upper()}"])
        if self.faults.language_mode == "NoLanguage":
            return Answer(error=NO_LANGUAGE_ERROR, error_id="ScriptsNotAllowed")
        if self.faults.language_mode != "FullLanguage":
            return self._constrained(script)
        roles_match = ROLES_MARKER.search(script)
        roles = [r.strip() for r in roles_match.group(1).split(",") if r.strip()] if roles_match else list(self.roles)
        site_match = SITE_MARKER.search(script)
        site = json.loads(site_match.group(1)) if site_match else {}
        answers = {name: self._session_answer(name, block) for name, block in blocks.items()}
        clock = answers.get("clock")
        if clock and clock["ok"] and EPILOGUE_MARKER.search(script):
            clock["data"]["utc_end"] = format_time(self.now())
        doc = {
            "schema": "conncheck.facts/1",
            "collected_at": format_time(self.now()),
            "collector": {"version": _script_version(script), "vantage": f"fact script on {self.name}"},
            "site": site,
            "hosts": {self.name: {"roles": roles, "probes": answers}},
        }
        return Answer(output=[json.dumps(doc, separators=(",", ":"))])

    def _constrained(self, script: str) -> Answer:
        """What the script prints outside FullLanguage: its guard's document, or the error of its first .NET call."""
        known = {"ConncheckHost": self.name.lower(), "ConncheckMode": self.faults.language_mode,
                 "ConncheckTime": format_time(self.now())}
        printed = guard_output(script, known)
        return Answer(error=CONSTRAINED_ERROR) if printed is None else Answer(output=[printed])

    def _session_answer(self, name: str, block: str) -> dict[str, Any]:
        """The profile's answer for one probe, as this host's session (faults) lets the probe's code read it."""
        faults = self.faults
        if name in faults.over_budget:
            declared = BUDGET.search(block)
            budget = int(declared.group(1)) if declared else 20
            return {"ok": False, "ms": budget * 1000.0 + 400,
                    "error": f"0x80131505 TimeoutException: stopped after {budget + 0.4} s: over its time budget of "
                             f"{budget} s"}
        if faults.wow64 and "Assert-Conncheck64BitSession" in block:
            what = re.search(r"Assert-Conncheck64BitSession '([^']*)'", block)
            return {"ok": False, "ms": 0.5,
                    "error": f"0x80131539 PlatformNotSupportedException: {what.group(1) if what else name} needs a "
                             "64-bit PowerShell session and this one is 32-bit (WOW64)"}
        answer = self.probe_answer(name)
        if not answer["ok"]:
            return answer
        if faults.wow64 and REDIRECTED_PATH.search(block):
            answer["data"] = _nothing_found(answer["data"])
        if faults.certutil_stderr and "certutil" in block:
            if "2>&1" in block:
                return {"ok": False, "error": f"RemoteException: {faults.certutil_stderr}", "ms": 3.0}
            answer["data"] = {**answer["data"], "output": f"{answer['data'].get('output', '')}\n"
                                                          f"{faults.certutil_stderr}"}
        if name == "events" and ".FormatDescription(" not in block and isinstance(answer["data"], dict):
            records = [{**r, "message": None} for r in answer["data"].get("records") or []]
            answer["data"] = {**answer["data"], "records": records}
        if faults.culture:
            answer["data"] = _localized(name, answer["data"], faults.culture)
        return answer


def guard_output(script: str, known: dict[str, str]) -> str | None:
    """What the script's language-mode guard prints, given the values of the variables only the host knows.

    The guard builds its document from single-quoted literals joined with variables (``'...' + $ConncheckHost``);
    its other lines read the host (and are ``known`` here). None when the script has no guard.
    """
    guard = GUARD.search(script)
    if guard is None:
        return None
    values = dict(known)
    printed = None
    for line in guard.group(1).splitlines():
        assigned = re.fullmatch(r"    \$(\w+) = ('.*)", line)
        if assigned or line.startswith("    '"):
            parts = re.findall(r"'((?:[^']|'')*)'|\$(\w+)", assigned.group(2) if assigned else line)
            text = "".join(literal.replace("''", "'") if not name else values[name] for literal, name in parts)
            if assigned:
                values[assigned.group(1)] = text
            else:
                printed = text
    return printed


def _probe_blocks(script: str) -> dict[str, str]:
    """Each probe's block of the script (from its marker to the next blank-line-separated marker), by name."""
    marks = list(PROBE_MARKER.finditer(script))
    ends = [m.start() for m in marks[1:]] + [len(script)]
    return {m.group(1): script[m.start():end] for m, end in zip(marks, ends, strict=True)}


def _nothing_found(data: Any) -> Any:
    """A probe's data when every path it read was missing (a 32-bit session looked in the 32-bit folders)."""
    if isinstance(data, dict) and "text" in data:
        return {**data, "text": None}
    if isinstance(data, dict):
        return {}
    return [] if isinstance(data, list) else None


# Our approximations of what localized Windows prints: certutil -ping, netsh's labels, well-known account names.
_PING = {
    "de-DE": 'Verbindung mit "{ca}" wird hergestellt...\nServer "{ca}" ICertRequest2-Schnittstelle ist aktiv '
             "(0ms)\nCertUtil: -ping-Befehl wurde erfolgreich ausgeführt.",
    "tr-TR": '"{ca}" bağlanılıyor...\nSunucu "{ca}" ICertRequest2 arabirimi etkin (0ms)\n'
             "CertUtil: -ping komutu başarıyla tamamlandı.",
}
_ACCOUNTS = {
    "de-DE": {"BUILTIN\\Administrators": "VORDEFINIERT\\Administratoren",
              "NT AUTHORITY\\Authenticated Users": "NT-AUTORITÄT\\Authentifizierte Benutzer",
              "NT AUTHORITY\\SYSTEM": "NT-AUTORITÄT\\SYSTEM"},
    "tr-TR": {"BUILTIN\\Administrators": "BUILTIN\\Yöneticiler",
              "NT AUTHORITY\\Authenticated Users": "NT YETKİLİSİ\\Kimliği Doğrulanmış Kullanıcılar",
              "NT AUTHORITY\\SYSTEM": "NT YETKİLİSİ\\SYSTEM"},
}


def _localized(name: str, data: Any, culture: str) -> Any:
    """A probe's data as a host in ``culture`` reports it: native tools' text and account names translated."""
    if name == "ca_ping" and isinstance(data, dict):
        ca = re.search(r'Server "([^"]+)"', str(data.get("output") or ""))
        return {**data, "output": _PING[culture].format(ca=ca.group(1) if ca else "CA")}
    if name == "ca_security" and isinstance(data, dict):
        names = _ACCOUNTS[culture]
        return {**data, "trustees": {sid: names.get(n, n) if n else n for sid, n in data["trustees"].items()}}
    return data


def _script_version(script: str) -> str:
    match = re.search(r"^# conncheck-version: (\S+)", script, re.M)
    return match.group(1) if match else "unknown"


def hosts_from_facts(facts: Facts) -> list[SimHost]:
    """One simulated host per Windows host of a facts document (``conncheck.lab.samples`` makes realistic ones)."""
    return [SimHost.from_target(t, facts.collected_at) for t in facts.hosts.values()]
