"""Runs checks over facts. Pure: no connections, same facts in, same results out."""

from __future__ import annotations

from collections.abc import Iterable

from conncheck.facts import Facts, Target
from conncheck.plugin import Check, Context, ProbeUnavailable, Settings
from conncheck.registry import Registry
from conncheck.results import Outcome, Result, Status

NO_HOST = "-"
UNKNOWN_FIX = {
    "en": "Make sure conncheck can collect this input (reachability, permissions), then run it again.",
    "tr": "conncheck'in bu girdiyi toplayabildiğinden emin olun (erişilebilirlik, izinler) ve yeniden çalıştırın.",
}


def run_check(check: Check, ctx: Context) -> Outcome:
    """One check on one target, failing closed: missing input or a crashing check is UNKNOWN, never PASS."""
    try:
        outcome = check.func(ctx)
    except ProbeUnavailable as exc:
        return Outcome(Status.UNKNOWN, str(exc), {"probe": exc.probe, "reason": exc.reason})
    except Exception as exc:  # a check that cannot judge its input has not verified anything
        return Outcome(
            Status.UNKNOWN,
            f"check could not evaluate the facts: {type(exc).__name__}: {exc}",
            {"error": f"{type(exc).__name__}: {exc}"},
        )
    if not isinstance(outcome, Outcome):
        return Outcome(Status.UNKNOWN, f"check returned {type(outcome).__name__}, not an Outcome", {})
    return outcome


def _result(check: Check, host: str, outcome: Outcome, lang: str) -> Result:
    remediation = outcome.remediation
    if remediation is None and outcome.status in (Status.FAIL, Status.WARN):
        remediation = check.remediation_in(lang)
    if remediation is None and outcome.status is Status.UNKNOWN:
        remediation = UNKNOWN_FIX.get(lang, UNKNOWN_FIX["en"])
    return Result(
        check.id,
        check.title_in(lang),
        host,
        outcome.status,
        outcome.finding,
        outcome.evidence,
        remediation,
        check.codes,
    )


def _absent_role_outcome(check: Check, facts: Facts) -> Outcome:
    roles = " or ".join(check.roles)
    expected = [r for r in check.roles if r in facts.roles_expected]
    if expected:
        return Outcome(Status.UNKNOWN, f"the site has a {expected[0]} but these facts hold none", {"roles": expected})
    return Outcome(Status.SKIP, f"not applicable: no {roles} in this site's facts", {})


def selected_checks(registry: Registry, codes: Iterable[int] | None = None) -> list[Check]:
    """All checks, or those behind the given codes (general prerequisites are kept only with no filter)."""
    wanted = set(codes) if codes is not None else None
    return [c for c in registry.checks.values() if wanted is None or wanted.intersection(c.codes)]


def evaluate(
    facts: Facts,
    registry: Registry,
    settings: Settings | None = None,
    *,
    codes: Iterable[int] | None = None,
    hosts: Iterable[str] | None = None,
    lang: str = "en",
) -> list[Result]:
    settings = settings or Settings()
    host_filter = set(hosts) if hosts is not None else None
    results: list[Result] = []
    for check in selected_checks(registry, codes):
        targets: list[Target] = [t for t in facts.targets() if set(check.roles) & set(t.roles)]
        if host_filter is not None:
            targets = [t for t in targets if t.name in host_filter]
            if not targets:
                continue
        if not targets:
            results.append(_result(check, NO_HOST, _absent_role_outcome(check, facts), lang))
            continue
        for target in targets:
            outcome = run_check(check, Context(target, facts, settings))
            results.append(_result(check, target.name, outcome, lang))
    return results
