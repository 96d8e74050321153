"""Results that share a cause, as one line with one fix: what the reports list under "needs attention".

Results share a cause when
* they could not read the same input on one target for one reason (a host WinRM could not reach makes every check
  on it UNKNOWN for that reason; a probe that failed makes the checks reading it UNKNOWN for its reason),
* they lack the same role the site expects, or
* they found trouble on one target and chose the same fix for it: checks that recognise one cause give it one fix
  (a SCEP URL answering 503 tells GetCACaps' check and the three GetCACert checks the same thing: start the SCEP
  application pool), so one stopped pool is one line with one fix, not four.

Everything else is a cause of its own. PASS and SKIP results have no cause to act on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from conncheck.evaluate import NO_HOST
from conncheck.results import SEVERITY, Result, Status, worst

ATTENTION = (Status.FAIL, Status.UNKNOWN, Status.WARN)


@dataclass(frozen=True)
class Cause:
    status: Status
    host: str
    finding: str  # what was found: the shared reason, or the first result's finding
    fix: str | None
    results: tuple[Result, ...]

    @property
    def check_ids(self) -> list[str]:
        return list(dict.fromkeys(r.check_id for r in self.results))

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status.value, "host": self.host, "finding": self.finding, "fix": self.fix,
                "checks": self.check_ids}


def unread_reason(result: Result) -> str | None:
    """The reason an input could not be read, for an UNKNOWN the engine made from a probe it could not read."""
    reason = result.evidence.get("reason")
    if result.status is Status.UNKNOWN and "probe" in result.evidence and isinstance(reason, str):
        return reason
    return None


def _key(result: Result) -> tuple[str, ...]:
    reason = unread_reason(result)
    if reason is not None:
        return ("unread", result.host, reason)
    role = result.evidence.get("role")
    if result.status is Status.UNKNOWN and result.host == NO_HOST and isinstance(role, str):
        return ("role", role)
    return ("fix", result.host, result.status.value, result.remediation or result.finding)


def group_causes(results: Iterable[Result]) -> list[Cause]:
    """The causes behind every FAIL, UNKNOWN and WARN: worst first, then the most widespread."""
    groups: dict[tuple[str, ...], list[Result]] = {}
    for result in sorted(results, key=lambda r: (r.check_id, r.host)):
        if result.status in ATTENTION:
            groups.setdefault(_key(result), []).append(result)
    causes = []
    for key, members in groups.items():
        first = members[0]
        finding = key[2] if key[0] == "unread" and len(members) > 1 else first.finding
        causes.append(Cause(worst([r.status for r in members]), first.host, finding, first.remediation,
                            tuple(members)))
    return sorted(causes, key=lambda c: (SEVERITY.index(c.status), -len(c.results), c.host, c.check_ids[0]))
