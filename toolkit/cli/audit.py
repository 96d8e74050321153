"""``conncheck audit``, ``history``, ``diff`` and ``expiry``: scheduled audits with a memory.

An audit collects (or takes ``--facts``), evaluates, stores the run with its facts and every result in the
history store, compares it with the site's previous run and writes the report. The store is a SQLite file or a
PostgreSQL URL (``--db``); without ``--db`` every command uses one default file in the user's data directory.
"""

import re
from datetime import datetime, timezone
from enum import Enum
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from conncheck import __version__, strict_json
from conncheck.cli.app import ConfigOpt, Lang, LangOpt, app
from conncheck.cli.output import destination
from conncheck.errors import InputError

if TYPE_CHECKING:
    from conncheck.checklist import Report
    from conncheck.facts import Facts
    from conncheck.history.store import Recorded, Store
    from conncheck.reports.audit import AuditReport


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


def audit_exit_code(report: "Report", fail_on: FailOn) -> int:
    """The exit code when nothing regressed: the checklist's, unless only regressions count.

    A regression is the news: the store records EXIT_REGRESSION for a run that regressed against its baseline.
    """
    return 0 if fail_on is FailOn.regression else report.exit_code


def _open(db: str | None, *, create: bool, wait: float) -> "Store":
    from conncheck.history import open_store

    return open_store(db, create=create, wait=wait)


def _audit_section(config: Path | None) -> dict[str, object]:
    """site.toml's optional [audit] table: ``db`` (the store for this site's audits)."""
    if config is None:
        return {}
    from conncheck.config import load

    return load(config).sections.get("audit", {})  # checked against conncheck.config.AuditSection


def _facts(config: Path | None, facts_files: list[Path], quiet: bool, lang: str = "en") -> "Facts":
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
    from conncheck.application import build_report, site_settings, with_site
    from conncheck.history import default_store_path, is_url
    from conncheck.history.model import NewRun
    from conncheck.reports.audit import AUDIT_RENDERERS

    started = datetime.now(timezone.utc)
    settings, site = site_settings(config)
    db = db if db is not None else _audit_section(config).get("db")  # type: ignore[assignment]
    store_file = None if db is not None and is_url(db) else Path(db) if db is not None else default_store_path()
    dest = destination(output, [*(facts_files or []), config, store_file])  # before anything is opened or created
    with _open(db, create=True, wait=wait) as store:  # open first: a bad store fails before a long collection
        facts = with_site(_facts(config, facts_files or [], quiet, lang.value), site)
        report = build_report(facts, settings, lang=lang.value, codes=None, hosts=None, strict=fail_on is FailOn.warn)
        run = NewRun(report.site, started, datetime.now(timezone.utc), facts.collected_at, __version__,
                     audit_exit_code(report, fail_on), facts.to_json(), exit_code_on_regression=EXIT_REGRESSION)
        staged = None
        try:
            # The report is rendered and written (to stdout, or beside its file) before the run commits: a report
            # that cannot be written rolls the run back, so it never becomes the next run's baseline unseen.
            with store.recording(run, report.results) as recorded:
                audit_report = _audit_report(report, recorded, facts, settings.expiry_warning_days)
                staged = dest.stage(AUDIT_RENDERERS[fmt.value](audit_report))
        except BaseException:
            if staged is not None:
                staged.discard()
            raise
    # Committed: only the rename of a file written beside the target remains (if even that fails, the message
    # names where the report is kept).
    staged.publish()
    raise typer.Exit(audit_report.exit_code)


def _audit_report(report: "Report", recorded: "Recorded", facts: "Facts", warning_days: int) -> "AuditReport":
    from conncheck.history.diff import diff_results
    from conncheck.history.expiry import expiry_items
    from conncheck.reports.audit import AuditReport

    diff = diff_results(recorded.previous_results, report.results)
    if recorded.previous is None:
        diff = diff_results(report.results, report.results)  # a first run has no baseline: nothing changed
    return AuditReport(
        report, recorded.run, recorded.previous, diff, expiry_items(report.results, facts.collected_at),
        recorded.run.exit_code, warning_days,
    )


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
    from conncheck.reports.audit import history_text

    with _open(db, create=False, wait=wait) as store:
        runs = store.runs(site, limit)
    if fmt is ListFormat.json:
        typer.echo(strict_json.dumps([r.to_json() for r in runs], indent=2))
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
    from conncheck.history.diff import diff_results
    from conncheck.reports.audit import diff_text

    with _open(db, create=False, wait=wait) as store:
        if run_a is not None and run_b is None:
            run_a, run_b = None, run_a
        after = store.run(run_b) if run_b is not None else store.latest(site)
        if after is None:
            raise InputError("diff: no audit runs recorded" + (f" for site {site}" if site else ""))
        before = store.run(run_a) if run_a is not None else store.previous(after)
        later = store.results(after.id)
        changes = diff_results(store.results(before.id) if before else later, later)  # a first run: no changes
    if fmt is ListFormat.json:  # JSON even for a first run (before: null): a script parses every answer
        doc = {"before": before.to_json() if before else None, "after": after.to_json(), **changes.to_json()}
        typer.echo(strict_json.dumps(doc, indent=2))
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
        typer.echo(strict_json.dumps(doc, indent=2))
        return
    for r, items in per_run:
        shown = [i for i in items if limit is None or i.days_left <= limit]
        window = f", within {limit:g} days" if limit is not None else ""
        typer.echo(f"{r.site}: run #{r.id}, days left as of {r.collected_at:%Y-%m-%d %H:%MZ}{window}")
        typer.echo(expiry_text(shown))
