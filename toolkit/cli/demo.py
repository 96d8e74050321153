"""``conncheck demo``: the checklist of a bundled EXAMPLE site, or (``--live``) of the loopback lab."""

from typing import Annotated

import typer
from conncheck.cli.app import FormatOpt, Lang, LangOpt, OutputFormat, StrictOpt, app, finish

DEMO_FACTS = "demo-site.json"  # written by examples/make_snapshots.py from the lab's sample site


@app.command()
def demo(
    fmt: FormatOpt = OutputFormat.table,
    lang: LangOpt = Lang.en,
    strict: StrictOpt = False,
    live: Annotated[bool, typer.Option("--live", help="Serve the example from simulated WinRM hosts on loopback "
                                       "and run the real live check against them (needs conncheck[lab]).")] = False,
) -> None:
    """Evaluate a bundled EXAMPLE site (generated data, not yours) to show what a checklist looks like.

    The example has three faults on purpose, so the demo exits 1 (something FAILs).
    """
    from importlib import resources

    from conncheck import facts as facts_mod
    from conncheck.application import build_report
    from conncheck.cli.output import destination
    from conncheck.plugin import Settings
    from conncheck.reports.labels import word

    if live:
        from conncheck.cli.collect import demo_live_facts

        facts = demo_live_facts()
    else:
        text = (resources.files("conncheck") / "data" / DEMO_FACTS).read_text(encoding="utf-8")
        facts = facts_mod.parse(text, DEMO_FACTS)
    typer.echo(word("demo_banner", lang.value), err=True)
    report = build_report(facts, Settings(), lang=lang.value, codes=None, hosts=None, strict=strict)
    finish(report, fmt, destination(None, []))
