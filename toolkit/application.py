"""The application layer: collect → evaluate → report, the steps every command shares.

Commands in ``conncheck.cli`` parse input and print output; they call these functions for the work in between.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from conncheck.errors import InputError
from conncheck.results import Msg
from conncheck.site import FactsSite, merged

if TYPE_CHECKING:
    from conncheck.checklist import Report
    from conncheck.facts import Facts
    from conncheck.plugin import Check, Settings
    from conncheck.registry import Registry

NOTHING_IN_FACTS = Msg(
    "these facts hold no host, directory or SCEP endpoint: nothing to check",
    "bu olgularda hiçbir sunucu, dizin ya da SCEP adresi yok: denetlenecek bir şey yok",
)
NO_CHECK_BEHIND = Msg(
    "--codes {codes}: no check stands behind {names}; codes with checks: {known}",
    "--codes {codes}: {names} kodunun arkasında hiçbir denetim yok; denetimi olan kodlar: {known}",
)
NOTHING_SELECTED = Msg(
    "nothing to check: none of the {n} selected checks runs on {hosts} ({held}); they run on {roles}",
    "denetlenecek bir şey yok: seçilen {n} denetimin hiçbiri {hosts} üzerinde çalışmaz ({held}); bu denetimler "
    "şu rollerde çalışır: {roles}",
)


def load_facts(paths: list[Path]) -> Facts:
    """Several facts files of one site, merged (later files win on the same probe)."""
    from conncheck import facts as facts_mod

    return facts_mod.merge([facts_mod.load(p) for p in paths])


def site_settings(config: Path | None) -> tuple[Settings, FactsSite | None]:
    """The thresholds and the facts ``site`` section of site.toml, or the defaults (and None) without one."""
    from conncheck.config import load as load_config
    from conncheck.plugin import Settings

    if config is None:
        return Settings(), None
    site = load_config(config)
    return site.settings, site.facts_site()


def with_site(facts: Facts, site: FactsSite | None) -> Facts:
    """The facts judged by site.toml's expectations: every key site.toml sets wins over the facts' own."""
    if site is not None:
        facts.site = merged(facts.site, site)
    return facts


def _codes_without_checks(codes: list[int], registry: Registry, lang: str) -> InputError:
    from conncheck import catalog

    table = catalog.load()
    covered = {code for check in registry.checks.values() for code in check.codes}
    names = ", ".join(c.name for c in (table.code(v) for v in codes) if c is not None)
    known = ", ".join(catalog.format_code(v) for v in sorted(covered))
    spelled = ",".join(catalog.format_code(v) for v in codes)
    return InputError(NO_CHECK_BEHIND.in_lang(lang).format(codes=spelled, names=names, known=known))


def _nothing_selected(facts: Facts, checks: list[Check], hosts: set[str], lang: str) -> InputError:
    chosen = [t for t in facts.targets() if t.name in hosts]
    held = "; ".join(f"{t.name}: {', '.join(t.roles)}" for t in chosen)
    roles = ", ".join(sorted({role for check in checks for role in check.roles}))
    text = NOTHING_SELECTED.in_lang(lang).format(n=len(checks), hosts=", ".join(sorted(hosts)), held=held,
                                                 roles=roles)
    return InputError(text)


def build_report(
    facts: Facts, settings: Settings, *, lang: str, codes: list[int] | None, hosts: list[str] | None, strict: bool
) -> Report:
    """Evaluate every selected check over the facts and build the checklist, opening with what was not checked.

    A selection that leaves nothing to check (a code no check stands behind, facts without targets, hosts none of
    the selected checks runs on) is an InputError naming what exists: never an empty, green report."""
    from conncheck import catalog
    from conncheck.checklist import build_report as checklist_report
    from conncheck.coverage import not_checked
    from conncheck.evaluate import evaluate, select_targets, selected_checks
    from conncheck.registry import default_registry

    registry = default_registry()
    checks = selected_checks(registry, codes)
    if codes is not None and not checks:
        raise _codes_without_checks(codes, registry, lang)
    if not facts.targets():
        raise InputError(NOTHING_IN_FACTS.in_lang(lang))
    chosen = select_targets(facts, hosts, lang) if hosts is not None else None
    results = evaluate(facts, registry, settings, codes=codes, hosts=hosts, lang=lang)
    if not results:
        raise _nothing_selected(facts, checks, chosen or set(), lang)
    return checklist_report(
        facts.site.name,
        results,
        catalog.load(),
        generated_at=datetime.now(timezone.utc),
        collected_at=facts.collected_at,
        lang=lang,
        codes=codes,
        strict=strict,
        not_checked=not_checked(facts, checks, hosts=chosen, codes=codes, lang=lang),
    )
