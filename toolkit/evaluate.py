"""Runs checks over facts. Pure: no connections, same facts in, same results out."""

from __future__ import annotations

from collections.abc import Iterable

from conncheck.errors import InputError
from conncheck.facts import Facts, Target
from conncheck.plugin import (
    MALFORMED_PREFIX,
    Check,
    Context,
    ProbeMalformed,
    ProbeUnavailable,
    ReadCache,
    Settings,
    UndeclaredRead,
)
from conncheck.registry import Registry
from conncheck.results import Fix, Msg, Outcome, Result, Status, text_in, unknown

NO_HOST = "-"
UNKNOWN_FIX = Fix(
    "Make sure conncheck can collect this input (reachability, permissions), then run it again.",
    "conncheck'in bu girdiyi toplayabildiğinden emin olun (erişilebilirlik, izinler) ve yeniden çalıştırın.",
)
MALFORMED_FIX = Fix(
    "The facts were not written by this conncheck's fact script as it is (edited, truncated, or from another "
    "version): collect them again with `conncheck collect` or `conncheck script`.",
    "Olgular bu conncheck'in olgu betiğiyle olduğu gibi yazılmamış (düzenlenmiş, kesilmiş ya da başka bir sürümden): "
    "`conncheck collect` veya `conncheck script` ile yeniden toplayın.",
)
MISSING_ROLE_FIX = Fix(
    "Collect the {role} facts with the others: check its entry in site.toml ([[hosts]], [ldap] or [scep]) and why "
    "its collection failed, or give its facts file to evaluate.",
    "{role} olgularını diğerleriyle birlikte toplayın: site.toml'daki girdisini ([[hosts]], [ldap] ya da [scep]) ve "
    "toplamanın neden başarısız olduğunu denetleyin ya da olgu dosyasını evaluate'e verin.",
)
ENGINE_REASONS_TR = {"not collected": "toplanmadı", "probe failed": "yoklama başarısız oldu"}


def _unread(exc: ProbeUnavailable) -> Msg:
    """Why a probe could not be read, in Turkish too: the engine's own words translated, what the host or the
    transport said (an error message in the host's language) quoted verbatim."""
    if exc.reason in ENGINE_REASONS_TR:
        reason = ENGINE_REASONS_TR[exc.reason]
    elif exc.reason.startswith(MALFORMED_PREFIX):
        reason = f"veri bildirilen biçimde değil: `{exc.reason.removeprefix(MALFORMED_PREFIX)}`"
    else:
        reason = f"`{exc.reason}`"
    return Msg(str(exc), f"{exc.target} üzerinde {exc.probe} okunamadı: {reason}")


def run_check(check: Check, ctx: Context) -> Outcome:
    """One check on one target, failing closed: missing, malformed input or a crashing check is UNKNOWN."""
    try:
        outcome = check.func(ctx)
    except ProbeMalformed as exc:
        return unknown(_unread(exc), {"probe": exc.probe, "reason": exc.reason, "malformed": True},
                       fix=MALFORMED_FIX)
    except ProbeUnavailable as exc:
        return unknown(_unread(exc), {"probe": exc.probe, "reason": exc.reason})
    except UndeclaredRead as exc:
        return unknown(Msg(f"plugin bug: {exc}", f"eklenti hatası: {exc}"), {"error": str(exc)})
    except Exception as exc:  # a check that cannot judge its input has not verified anything
        error = f"{type(exc).__name__}: {exc}"
        return unknown(Msg(f"check could not evaluate the facts: {error}",
                           f"denetim olguları değerlendiremedi: {error}"), {"error": error})
    if not isinstance(outcome, Outcome):
        kind = type(outcome).__name__
        return unknown(Msg(f"check returned {kind}, not an Outcome", f"denetim Outcome değil {kind} döndürdü"))
    return outcome


def _result(check: Check, host: str, outcome: Outcome, lang: str) -> Result:
    fix = outcome.fix
    if fix is None and outcome.status in (Status.FAIL, Status.WARN):
        fix = check.remediation
    if fix is None and outcome.status is Status.UNKNOWN:
        fix = UNKNOWN_FIX
    return Result(
        check.id,
        check.title_in(lang),
        host,
        outcome.status,
        text_in(outcome.finding, lang),
        dict(outcome.evidence),
        None if fix is None else fix.in_lang(lang),
        check.codes,
    )


def _missing_roles(check: Check, facts: Facts) -> list[str]:
    """Roles the check involves that the site expects but the facts hold no target for."""
    present = {role for t in facts.targets() for role in t.roles}
    return [r for r in check.involved_roles if r in facts.roles_expected and r not in present]


def selected_checks(registry: Registry, codes: Iterable[int] | None = None) -> list[Check]:
    """All checks, or those behind the given codes (general prerequisites are kept only with no filter)."""
    wanted = set(codes) if codes is not None else None
    return [c for c in registry.checks.values() if wanted is None or wanted.intersection(c.codes)]


def select_targets(facts: Facts, names: Iterable[str], lang: str = "en") -> set[str]:
    """The targets ``--host`` names, matched without regard to case; InputError naming what exists otherwise."""
    by_name = {t.name.casefold(): t.name for t in facts.targets()}
    chosen = set()
    for name in names:
        found = by_name.get(name.strip().casefold())
        if found is None:
            known = ", ".join(sorted(by_name.values())) or ("hiçbiri" if lang == "tr" else "none")
            raise InputError(Msg(f"--host {name}: no such host in these facts (they hold: {known})",
                                 f"--host {name}: bu olgularda böyle bir sunucu yok (olanlar: {known})").in_lang(lang))
        chosen.add(found)
    return chosen


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
    host_filter = select_targets(facts, hosts, lang) if hosts is not None else None
    cache = ReadCache()
    results: list[Result] = []
    for check in selected_checks(registry, codes):
        targets: list[Target] = [t for t in facts.targets() if set(check.roles) & set(t.roles)]
        if host_filter is not None:
            for target in (t for t in targets if t.name in host_filter):
                results.append(_result(check, target.name, run_check(check, Context(target, facts, settings, check,
                                                                                   cache)), lang))
            continue
        for role in _missing_roles(check, facts):
            outcome = unknown(Msg(f"the site expects a {role} host but these facts hold none",
                                  f"site bir {role} sunucusu bekliyor, ancak bu olgularda yok"), {"role": role},
                              fix=Fix(MISSING_ROLE_FIX.en.format(role=role),
                                      (MISSING_ROLE_FIX.tr or "").format(role=role)))
            results.append(_result(check, NO_HOST, outcome, lang))
        if not targets and not _missing_roles(check, facts):
            outcome = Outcome(Status.SKIP, Msg(f"not run: no {' or '.join(check.roles)} in this site's facts",
                                               f"çalıştırılmadı: bu sitenin olgularında {' ya da '.join(check.roles)} "
                                               "yok"))
            results.append(_result(check, NO_HOST, outcome, lang))
        for target in targets:
            outcome = run_check(check, Context(target, facts, settings, check, cache))
            results.append(_result(check, target.name, outcome, lang))
    return results
