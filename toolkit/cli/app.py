"""The ``conncheck`` Typer app and what its commands share: options, code parsing, output.

Each command group lives in its own module of this package and registers itself on ``app``;
``conncheck.cli.main`` imports them all and holds the console entry point.

Heavy libraries (pypsrp, ldap3, cryptography) are imported inside the commands that need them, so
``conncheck --help`` stays fast.
"""

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from conncheck import __version__, exit_codes
from conncheck.errors import InputError

if TYPE_CHECKING:
    from conncheck.checklist import Report
    from conncheck.cli.output import Destination


app = typer.Typer(
    name="conncheck",
    help="Verify the Intune Certificate Connector and the PKI behind it. " + exit_codes.HELP,
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
    html = "html"


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
    from conncheck.catalog import load, parse_code

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


def finish(report: "Report", fmt: OutputFormat, dest: "Destination") -> NoReturn:
    """Render the report where ``dest`` (checked before the work began) says, and exit with its code."""
    from conncheck.reports import RENDERERS

    dest.write(RENDERERS[fmt.value](report))
    raise typer.Exit(report.exit_code)
