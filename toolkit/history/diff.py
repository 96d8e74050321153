"""Two runs' results compared: what newly fails, what got worse, what was fixed, whose evidence changed.

Results pair up by (check id, host). A *regression* is a result that newly FAILs (including a new check or
host that fails) or whose status got worse (PASS → WARN, PASS → UNKNOWN, WARN → UNKNOWN ...). FAIL →
UNKNOWN is not a regression (nothing new is known to be broken), it is listed as a change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from conncheck.results import Result, Status

# How bad a status is, for "worse" and "better". SKIP ranks with PASS: nothing to act on.
RANK = {Status.PASS: 0, Status.SKIP: 0, Status.WARN: 1, Status.UNKNOWN: 2, Status.FAIL: 3}

# Evidence that moves on every run without anything changing (a certificate's days left shrink daily).
VOLATILE_EVIDENCE = frozenset({"days_left"})


@dataclass(frozen=True)
class Change:
    check_id: str
    host: str
    title: str
    before: Status | None  # None: no such result in the earlier run
    after: Status | None  # None: no such result in the later run
    finding: str  # the later run's finding (the earlier one's when the result is gone)
    evidence: dict[str, tuple[Any, Any]]  # key → (before, after), volatile keys left out

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.check_id,
            "host": self.host,
            "title": self.title,
            "before": self.before.value if self.before else None,
            "after": self.after.value if self.after else None,
            "finding": self.finding,
            "evidence": {k: {"before": b, "after": a} for k, (b, a) in self.evidence.items()},
        }


@dataclass(frozen=True)
class Diff:
    newly_failing: tuple[Change, ...] = ()
    worse: tuple[Change, ...] = ()
    fixed: tuple[Change, ...] = ()
    better: tuple[Change, ...] = ()
    evidence_changed: tuple[Change, ...] = ()
    appeared: tuple[Change, ...] = ()
    gone: tuple[Change, ...] = ()

    SECTIONS = (
        ("newly_failing", "Newly failing"),
        ("worse", "Worse"),
        ("fixed", "Fixed"),
        ("better", "Better, not fixed"),
        ("evidence_changed", "Evidence changed"),
        ("appeared", "New results"),
        ("gone", "Results gone"),
    )

    @property
    def regressions(self) -> tuple[Change, ...]:
        return self.newly_failing + self.worse

    def sections(self) -> list[tuple[str, str, tuple[Change, ...]]]:
        return [(key, label, getattr(self, key)) for key, label in self.SECTIONS]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {key: [c.to_json() for c in changes] for key, _, changes in self.sections()}
        out["regressions"] = len(self.regressions)
        return out


def _evidence_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    keys = sorted((set(before) | set(after)) - VOLATILE_EVIDENCE)
    return {k: (before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)}


def _keyed(results: Iterable[Result]) -> dict[tuple[str, str], Result]:
    return {(r.check_id, r.host): r for r in results}


def diff_results(before: Iterable[Result], after: Iterable[Result]) -> Diff:
    old, new = _keyed(before), _keyed(after)
    buckets: dict[str, list[Change]] = {key: [] for key, _ in Diff.SECTIONS}
    for key in sorted(set(old) | set(new)):
        was, now = old.get(key), new.get(key)
        shown = now if now is not None else old[key]
        change = Change(
            shown.check_id,
            shown.host,
            shown.title,
            was.status if was else None,
            now.status if now else None,
            shown.finding,
            _evidence_changes(was.evidence if was else {}, now.evidence if now else {}),
        )
        if now is None:
            buckets["gone"].append(change)
        elif now.status is Status.FAIL and (was is None or was.status is not Status.FAIL):
            buckets["newly_failing"].append(change)
        elif was is None:
            buckets["appeared"].append(change)
        elif RANK[now.status] > RANK[was.status]:
            buckets["worse"].append(change)
        elif RANK[now.status] < RANK[was.status]:
            buckets["fixed" if RANK[now.status] == 0 else "better"].append(change)
        elif now.status is not was.status or change.evidence:
            buckets["evidence_changed"].append(change)
    return Diff(**{key: tuple(changes) for key, changes in buckets.items()})
