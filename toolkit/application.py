"""The application layer: collect → evaluate → report, the steps every command shares.

Commands in ``conncheck.cli`` parse input and print output; they call these functions for the work in between.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from conncheck.site import FactsSite, merged

if TYPE_CHECKING:
    from conncheck.checklist import Report
    from conncheck.facts import Facts
    from conncheck.plugin import Settings


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


def build_report(
    facts: Facts, settings: Settings, *, lang: str, codes: list[int] | None, hosts: list[str] | None, strict: bool
) -> Report:
    """Evaluate every selected check over the facts and build the checklist."""
    from conncheck import catalog
    from conncheck.checklist import build_report as checklist_report
    from conncheck.evaluate import evaluate
    from conncheck.registry import default_registry

    results = evaluate(facts, default_registry(), settings, codes=codes, hosts=hosts, lang=lang)
    return checklist_report(
        facts.site.name,
        results,
        catalog.load(),
        generated_at=datetime.now(timezone.utc),
        collected_at=facts.collected_at,
        lang=lang,
        codes=codes,
        strict=strict,
    )
