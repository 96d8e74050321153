"""The ``conncheck`` command line: a thin layer over config, collectors, evaluation and reports.

Heavy libraries (pypsrp, ldap3, cryptography) are imported inside the commands that need them, so
``conncheck --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from toolkit import __version__
from toolkit.errors import ConncheckError, InputError

if TYPE_CHECKING:
    from toolkit.checklist import Report
    from toolkit.facts import Facts
    from toolkit.plugin import Settings

EXIT_INTERNAL = 70

EXIT_CODES_HELP = (
    "Exit codes: 0 all PASS/WARN/SKIP; 1 something FAILs (or WARN with --strict); 2 usage or input error; "
    "3 something UNKNOWN and nothing FAILs; 4 a regression against the previous audit run (audit, diff); "
    "70 internal error (a bug: please report it)."
)

app = typer.Typer(
    name="conncheck",
    help="Verify the Intune Certificate Connector and the PKI behind it. " + EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    junit = "junit"
    markdown = "markdown"


class Lang(str, Enum):
    en = "en"
    tr = "tr"


FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Report format.")]
LangOpt = Annotated[Lang, typer.Option("--lang", help="Language of names, messages and fixes (en, tr).")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Exit 1 on WARN too (expiry inside the window).")]
CodesOpt = Annotated[
    str | None,
    typer.Option("--codes", help="Only the checks behind these codes, comma-separated (0x402,0x403 or 1026)."),
]
HostOpt = Annotated[list[str] | None, typer.Option("--host", help="Only this host (repeatable).")]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the report to this file instead of stdout.")
]
ConfigOpt = Annotated[Path | None, typer.Option("--config", "-c", help="site.toml (see examples/site.toml).")]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"conncheck {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Verify the Intune Certificate Connector and the PKI behind it."""


def parse_codes(spec: str | None) -> list[int] | None:
    """'0x402,0x403' → [0x402, 0x403]; every spelling the catalog accepts."""
    if spec is None:
        return None
    from toolkit.catalog import load, parse_code

    catalog = load()
    values = []
    for part in spec.split(","):
        if not part.strip():
            continue
        parsed = parse_code(part, catalog)
        if catalog.code(parsed.value) is None:
            raise InputError(
                f"--codes: {part.strip()} is not a diagnostic code of the table (try: conncheck explain {part.strip()})"
            )
        values.append(parsed.value)
    if not values:
        raise InputError("--codes: give at least one code, e.g. --codes 0x402")
    return values


def write_output(text: str, output: Path | None, inputs: list[Path] | None = None) -> None:
    """Print, or write to a file; never over one of the inputs."""
    if output is None:
        sys.stdout.write(text)
        return
    for given in inputs or []:
        if output.exists() and given.exists() and output.resolve() == given.resolve():
            raise InputError(f"--output {output} is one of the input files; refusing to overwrite it")
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--output {output}: cannot write ({exc.strerror})") from None


def settings_for(config: Path | None) -> tuple[Settings, dict[str, object]]:
    from toolkit.config import load as load_config
    from toolkit.plugin import Settings

    if config is None:
        return Settings(), {}
    site = load_config(config)
    return site.settings, site.facts_site()


def report_for(
    facts: Facts, settings: Settings, *, lang: str, codes: list[int] | None, hosts: list[str] | None, strict: bool
) -> Report:
    from toolkit import catalog
    from toolkit.checklist import build_report
    from toolkit.evaluate import evaluate
    from toolkit.registry import default_registry

    results = evaluate(facts, default_registry(), settings, codes=codes, hosts=hosts, lang=lang)
    return build_report(
        str(facts.site.get("name") or "site"),
        results,
        catalog.load(),
        generated_at=datetime.now(timezone.utc),
        collected_at=facts.collected_at,
        lang=lang,
        codes=codes,
        strict=strict,
    )


def finish(report: Report, fmt: OutputFormat, output: Path | None, inputs: list[Path] | None = None) -> None:
    from toolkit.reports import RENDERERS

    write_output(RENDERERS[fmt.value](report), output, inputs)
    raise typer.Exit(report.exit_code)


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
    from toolkit import facts as facts_mod

    docs = [facts_mod.load(p) for p in facts_files]
    merged = facts_mod.merge(docs)
    settings, site = settings_for(config)
    merged.site.update(site)
    report = report_for(merged, settings, lang=lang.value, codes=parse_codes(codes), hosts=host, strict=strict)
    finish(report, fmt, output, list(facts_files))


@app.command()
def explain(
    what: Annotated[
        str, typer.Argument(help="A diagnostic code (0x403, 0x00000403, 1027, 0x0FFFFFFFF) or an event ID.")
    ],
    lang: LangOpt = Lang.en,
) -> None:
    """Explain a diagnostic code or a connector event ID: meaning, related events, the checks behind it, the fix."""
    from toolkit.explain import explain_text

    typer.echo(explain_text(what, lang.value))


class ListFormat(str, Enum):
    table = "table"
    json = "json"


@app.command("list-checks")
def list_checks(
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="table or json.")] = ListFormat.table,
) -> None:
    """List every check: id, title, codes, roles and the probes it reads (third-party plugins included)."""
    from toolkit.explain import list_checks_text

    typer.echo(list_checks_text(fmt.value), nl=False)


@app.command()
def demo(
    fmt: FormatOpt = OutputFormat.table,
    lang: LangOpt = Lang.en,
    strict: StrictOpt = False,
    live: Annotated[bool, typer.Option("--live", help="Serve the example from simulated WinRM hosts on loopback "
                                       "and run the real live check against them (needs conncheck[lab]).")] = False,
) -> None:
    """Evaluate a bundled EXAMPLE site (generated data, not yours) to show what a checklist looks like."""
    from toolkit import samples

    if live:
        from toolkit.commands_collect import demo_live_facts

        facts = demo_live_facts()
    else:
        facts = samples.demo_site()
    typer.echo(
        "conncheck demo: evaluating EXAMPLE data (a generated site with three faults), not a real site.", err=True
    )
    from toolkit.plugin import Settings

    report = report_for(facts, Settings(), lang=lang.value, codes=None, hosts=None, strict=strict)
    finish(report, fmt, None)


# Modules that add their own commands to ``app`` (each imports its heavy libraries inside its commands).
COMMAND_MODULES: tuple[str, ...] = (
    "toolkit.commands_events", "toolkit.commands_audit", "toolkit.commands_scep", "toolkit.commands_collect",
)


def _register_commands() -> None:
    import importlib

    for name in COMMAND_MODULES:
        importlib.import_module(name)


def main() -> None:
    """Console entry point: every ConncheckError is one line on stderr and its exit code, never a traceback."""
    try:
        app()
    except ConncheckError as exc:
        typer.echo(f"conncheck: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        typer.echo("conncheck: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("CONNCHECK_DEBUG"):
            raise
        typer.echo(
            f"conncheck: internal error: {type(exc).__name__}: {exc} (set CONNCHECK_DEBUG=1 for the traceback)",
            err=True,
        )
        sys.exit(EXIT_INTERNAL)


_register_commands()
