"""``conncheck evaluate``: the checklist of facts collected earlier or elsewhere."""

from pathlib import Path
from typing import Annotated

import typer
from conncheck.cli.app import (
    CodesOpt,
    ConfigOpt,
    FormatOpt,
    HostOpt,
    Lang,
    LangOpt,
    OutputFormat,
    OutputOpt,
    StrictOpt,
    app,
    finish,
    parse_codes,
)


@app.command()
def evaluate(
    facts_files: Annotated[list[Path], typer.Argument(help="Facts JSON files; several merge into one site.")],
    config: ConfigOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    lang: LangOpt = Lang.en,
    codes: CodesOpt = None,
    host: HostOpt = None,
    strict: StrictOpt = False,
    output: OutputOpt = None,
) -> None:
    """Evaluate facts offline (from `conncheck collect`, the fact script, or an earlier run) and print the checklist.

    Example: conncheck evaluate ndes01.json ca01.json conn01.json --format json
    """
    from conncheck.application import build_report, load_facts, site_settings, with_site
    from conncheck.cli.output import destination

    dest = destination(output, [*facts_files, config])
    settings, site = site_settings(config)
    merged = with_site(load_facts(list(facts_files)), site)
    report = build_report(merged, settings, lang=lang.value, codes=parse_codes(codes), hosts=host, strict=strict)
    finish(report, fmt, dest)
