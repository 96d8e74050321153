"""``conncheck explain`` and ``conncheck list-checks``: the code table and the checks behind it."""

from enum import Enum
from typing import Annotated

import typer
from conncheck.cli.app import Lang, LangOpt, app


@app.command()
def explain(
    what: Annotated[
        str, typer.Argument(help="A diagnostic code (0x403, 0x00000403, 1027, 0x0FFFFFFFF) or an event ID.")
    ],
    lang: LangOpt = Lang.en,
) -> None:
    """Explain a diagnostic code or a connector event ID: meaning, related events, the checks behind it, the fix."""
    from conncheck.explain import explain_text

    typer.echo(explain_text(what, lang.value))


class ListFormat(str, Enum):
    table = "table"
    json = "json"


@app.command("list-checks")
def list_checks(
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="table or json.")] = ListFormat.table,
    lang: LangOpt = Lang.en,
) -> None:
    """List every check: id, title, codes, roles and the probes it reads (third-party plugins included)."""
    from conncheck.explain import list_checks_text

    typer.echo(list_checks_text(fmt.value, lang=lang.value), nl=False)
