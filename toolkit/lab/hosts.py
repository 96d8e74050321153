"""Simulated Windows hosts: a profile (the probe data a real host would return) and the faults to inject.

A simulated host answers a conncheck fact script the way the real script would answer on that machine: it reads the
script's markers (``# conncheck-probe: <name>`` per probe, ``# conncheck-roles:``, ``# conncheck-site:``), and prints
one compact facts JSON document holding, for each probe the script names, the profile's answer for it. A probe the
profile has no data for fails the way an unknown probe fails on Windows: ``{"ok": false, "error": ...}``.
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


@dataclass
class Answer:
    """What running a script produced: output lines, or a terminating error."""

    output: list[str] = field(default_factory=list)
    error: str | None = None


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
        probes = PROBE_MARKER.findall(script)
        if not probes:
            return Answer(output=[f"{self.name.split('.')[0].upper()}"])
        roles_match = ROLES_MARKER.search(script)
        roles = [r.strip() for r in roles_match.group(1).split(",") if r.strip()] if roles_match else list(self.roles)
        site_match = SITE_MARKER.search(script)
        site = json.loads(site_match.group(1)) if site_match else {}
        doc = {
            "schema": "conncheck.facts/1",
            "collected_at": format_time(self.now()),
            "collector": {"version": _script_version(script), "vantage": f"fact script on {self.name}"},
            "site": site,
            "hosts": {self.name: {"roles": roles, "probes": {p: self.probe_answer(p) for p in probes}}},
        }
        return Answer(output=[json.dumps(doc, separators=(",", ":"))])


def _script_version(script: str) -> str:
    match = re.search(r"^# conncheck-version: (\S+)", script, re.M)
    return match.group(1) if match else "unknown"


def hosts_from_facts(facts: Facts) -> list[SimHost]:
    """One simulated host per Windows host of a facts document (``conncheck.lab.samples`` makes realistic ones)."""
    return [SimHost.from_target(t, facts.collected_at) for t in facts.hosts.values()]
