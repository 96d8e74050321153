"""``conncheck audit``, ``history``, ``diff`` and ``expiry``: scheduled audits with a memory.

An audit collects (or takes ``--facts``), evaluates, stores the run with its facts and every result in the
history store, compares it with the site's previous run and writes the report. The store is a SQLite file or a
PostgreSQL URL (``--db``); without ``--db`` every command uses one default file in the user's data directory.
"""

from __future__ import annotations

import os
import re
import tempfile
from datetime import datetime, timezone
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from conncheck import __version__
from conncheck.application import build_report, site_settings, with_site
from conncheck.cli.app import ConfigOpt, Lang, LangOpt, app, write_output
from conncheck.errors import ConfigError, InputError

if TYPE_CHECKING:
    from conncheck.checklist import Report
    from conncheck.facts import Facts
    from conncheck.history import Store


EXIT_REGRESSION = 4


def _default_store() -> str:
    from conncheck.history import default_store_path

    return str(default_store_path())


DB_HELP = (
    "History store: a SQLite file path, or postgresql://user@host/db (password from PGPASSWORD or .pgpass, never "
    f"in the URL). Default: {_default_store()}"
)
DbOpt = Annotated[str | None, typer.Option("--db", help=DB_HELP, show_default=False)]
WaitOpt = Annotated[
    float, typer.Option("--wait", min=0, help="Seconds to wait for a store another run is writing to.")
]
SiteOpt = Annotated[str | None, typer.Option("--site", help="Only this site's runs (its [site] name).")]


class FailOn(str, Enum):
    regression = "regression"
    fail = "fail"
    warn = "warn"


class AuditFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"
    junit = "junit"
    html = "html"
    prometheus = "prometheus"


class ListFormat(str, Enum):
    table = "table"
    json = "json"


AUDIT_EXIT_HELP = (
    f"Exit codes: {EXIT_REGRESSION} a regression against the site's previous run (a result newly FAILs or got "
    "worse); otherwise, with --fail-on fail (default) the checklist's: 0 all PASS/WARN/SKIP, 1 something FAILs, "
    "3 something UNKNOWN; --fail-on warn also exits 1 on WARN; --fail-on regression exits 0 unless something "
    "regressed. 2 usage, input or store error; 70 internal error."
)


def audit_exit_code(report: Report, fail_on: FailOn) -> int:
    """The exit code when nothing regressed: the checklist's, unless only regressions count.

    A regression is the news: the store records EXIT_REGRESSION for a run that regressed against its baseline.
    """
    return 0 if fail_on is FailOn.regression else report.exit_code


def _open(db: str | None, *, create: bool, wait: float) -> Store:
    from conncheck.history import open_store

    return open_store(db, create=create, wait=wait)


def _audit_section(config: Path | None) -> dict[str, object]:
    """site.toml's optional [audit] table: ``db`` (the store for this site's audits)."""
    if config is None:
        return {}
    from conncheck.config import load

    section = load(config).sections.get("audit", {})
    unknown = sorted(set(section) - {"db"})
    if unknown:
        raise ConfigError(f"{config}: [audit] has no key {unknown[0]!r} (known: db)")
    if "db" in section and not isinstance(section["db"], str):
        raise ConfigError(f"{config}: [audit] db must be a string (a file path or postgresql:// URL)")
    return dict(section)


def _facts(config: Path | None, facts_files: list[Path], quiet: bool, lang: str = "en") -> Facts:
    from conncheck import facts as facts_mod

    if facts_files:
        return facts_mod.merge([facts_mod.load(p) for p in facts_files])
    if config is None:
        raise InputError("audit: give -c site.toml to collect live, or --facts FILE to audit collected facts")
    from conncheck.config import load
    from conncheck.registry import default_registry

    try:
        from conncheck.cli.collect import progress_line
        from conncheck.collectors.site import CollectOptions, collect_site
    except ImportError:
        raise InputError("audit: live collection is not available in this build; pass --facts FILE") from None
    progress = None if quiet else partial(progress_line, lang=lang)
    return collect_site(load(config), default_registry(), CollectOptions(progress=progress))


def write_atomically(text: str, output: Path | None, inputs: list[Path]) -> None:
    """Like ``write_output``, but through a temporary file renamed into place: node_exporter's textfile
    collector, a web server or a CI step reading the file never sees half of it."""
    if output is None:
        write_output(text, None)
        return
    for given in inputs:
        if output.exists() and given.exists() and output.resolve() == given.resolve():
            raise InputError(f"--output {output} is one of the input files; refusing to overwrite it")
    if output.is_dir():
        raise InputError(f"--output {output}: is a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent or Path("."))
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, output)
    except OSError as exc:
        raise InputError(f"--output {output}: cannot write ({exc.strerror})") from None


@app.command()
def audit(
    config: ConfigOpt = None,
    db: DbOpt = None,
    facts_files: Annotated[
        list[Path] | None,
        typer.Option("--facts", help="Audit these facts files (repeatable) instead of collecting live."),
    ] = None,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="What makes the exit code non-zero: regression, fail or warn.")
    ] = FailOn.fail,
    fmt: Annotated[AuditFormat, typer.Option("--format", "-f", help="Report format.")] = AuditFormat.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file (atomically).")
    ] = None,
    lang: LangOpt = Lang.en,
    wait: WaitOpt = 60.0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines on stderr.")] = False,
) -> None:
    """Collect (or take --facts), evaluate, store the run, compare with the site's previous run, report.

    Example (cron, systemd timer, Task Scheduler): conncheck audit -c site.toml --db audit.sqlite -f html -o audit.html
    """
    from conncheck.history import NewRun
    from conncheck.history.diff import diff_results
    from conncheck.history.expiry import expiry_items
    from conncheck.reports.audit import AUDIT_RENDERERS, AuditReport

    started = datetime.now(timezone.utc)
    settings, site = site_settings(config)
    db = db if db is not None else _audit_section(config).get("db")  # type: ignore[assignment]
    inputs = [*(facts_files or []), *([config] if config else []), *([Path(db)] if db and "://" not in db else [])]
    if output is not None and not output.parent.is_dir():
        raise InputError(f"--output {output}: directory {output.parent} does not exist")
    with _open(db, create=True, wait=wait) as store:  # open first: a bad store fails before a long collection
        facts = with_site(_facts(config, facts_files or [], quiet, lang.value), site)
        report = build_report(facts, settings, lang=lang.value, codes=None, hosts=None, strict=fail_on is FailOn.warn)
        recorded = store.record(
            NewRun(report.site, started, datetime.now(timezone.utc), facts.collected_at, __version__,
                   audit_exit_code(report, fail_on), facts.to_json(), exit_code_on_regression=EXIT_REGRESSION),
            report.results,
        )
    diff = diff_results(recorded.previous_results, report.results)
    if recorded.previous is None:
        diff = diff_results(report.results, report.results)  # a first run has no baseline: nothing changed
    audit_report = AuditReport(
        report, recorded.run, recorded.previous, diff, expiry_items(report.results, facts.collected_at),
        recorded.run.exit_code, settings.expiry_warning_days,
    )
    write_atomically(AUDIT_RENDERERS[fmt.value](audit_report), output, inputs)
    raise typer.Exit(audit_report.exit_code)


audit.__doc__ = f"{audit.__doc__}\n\n{AUDIT_EXIT_HELP}"


@app.command()
def history(
    db: DbOpt = None,
    site: SiteOpt = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many runs, newest first.")] = 20,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="table or json.")] = ListFormat.table,
    wait: WaitOpt = 60.0,
) -> None:
    """One line per stored audit run, newest first: id, when the facts were collected, site, verdict, counts."""
    import json

    from conncheck.reports.audit import history_text

    with _open(db, create=False, wait=wait) as store:
        runs = store.runs(site, limit)
    if fmt is ListFormat.json:
        typer.echo(json.dumps([r.to_json() for r in runs], indent=2, ensure_ascii=False))
        return
    if not runs:
        typer.echo("No audit runs recorded" + (f" for site {site}." if site else "."))
        return
    typer.echo(history_text(runs), nl=False)


@app.command()
def diff(
    run_a: Annotated[int | None, typer.Argument(help="The earlier run's id (default: the run before RUN_B).")] = None,
    run_b: Annotated[int | None, typer.Argument(help="The later run's id (default: the latest run).")] = None,
    db: DbOpt = None,
    site: SiteOpt = None,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="table or json.")] = ListFormat.table,
    wait: WaitOpt = 60.0,
) -> None:
    """What changed between two runs: newly failing, worse, fixed, changed evidence. With one id, that run
    against the one before it; with none, the latest run (of --site) against the one before it.

    Exit code: 4 when the later run has regressions against the earlier one, else 0; 2 on bad input.
    """
    import json

    from conncheck.history.diff import diff_results
    from conncheck.reports.audit import diff_text

    with _open(db, create=False, wait=wait) as store:
        if run_a is not None and run_b is None:
            run_a, run_b = None, run_a
        after = store.run(run_b) if run_b is not None else store.latest(site)
        if after is None:
            raise InputError("diff: no audit runs recorded" + (f" for site {site}" if site else ""))
        before = store.run(run_a) if run_a is not None else store.previous(after)
        changes = diff_results(store.results(before.id) if before else [], store.results(after.id))
    if before is None:
        typer.echo(diff_text(changes, None, after), nl=False)
        return
    if fmt is ListFormat.json:
        doc = {"before": before.to_json(), "after": after.to_json(), **changes.to_json()}
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False, default=str))
    else:
        typer.echo(diff_text(changes, before, after), nl=False)
    raise typer.Exit(EXIT_REGRESSION if changes.regressions else 0)


def parse_days(spec: str) -> float:
    """'90d', '90', '12w' → days."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([dw]?)\s*", spec.lower())
    if not match:
        raise InputError(f"--within {spec!r}: give a number of days such as 90d (or weeks: 12w)")
    return float(match.group(1)) * (7 if match.group(2) == "w" else 1)


@app.command()
def expiry(
    within: Annotated[
        str | None, typer.Option("--within", help="Only what expires within this long, e.g. 90d or 12w.")
    ] = None,
    db: DbOpt = None,
    site: SiteOpt = None,
    run: Annotated[int | None, typer.Option("--run", help="This run instead of each site's latest.")] = None,
    fmt: Annotated[ListFormat, typer.Option("--format", "-f", help="table or json.")] = ListFormat.table,
    wait: WaitOpt = 60.0,
) -> None:
    """Every certificate and CRL the site depends on (as the checks saw them in the latest run), soonest first,
    with days left as of that run's collection time."""
    import json

    from conncheck.history.expiry import expiry_items
    from conncheck.reports.audit import expiry_text

    limit = parse_days(within) if within is not None else None
    with _open(db, create=False, wait=wait) as store:
        if run is not None:
            runs = [store.run(run)]
        else:
            found = [store.latest(s) for s in ([site] if site else store.sites())]
            runs = [r for r in found if r is not None]
        if not runs:
            raise InputError("expiry: no audit runs recorded" + (f" for site {site}" if site else ""))
        per_run = [(r, expiry_items(store.results(r.id), r.collected_at)) for r in runs]
    if fmt is ListFormat.json:
        doc = [
            {"run": r.id, "site": r.site, "as_of": r.to_json()["collected_at"],
             "items": [i.to_json() for i in items if limit is None or i.days_left <= limit]}
            for r, items in per_run
        ]
        typer.echo(json.dumps(doc, indent=2, ensure_ascii=False))
        return
    for r, items in per_run:
        shown = [i for i in items if limit is None or i.days_left <= limit]
        window = f", within {limit:g} days" if limit is not None else ""
        typer.echo(f"{r.site}: run #{r.id}, days left as of {r.collected_at:%Y-%m-%d %H:%MZ}{window}")
        typer.echo(expiry_text(shown))
