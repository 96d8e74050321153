"""``conncheck check``, ``conncheck collect`` and ``conncheck script``: live collection and the fact script."""

import os
import stat
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
from conncheck.cli.output import destination
from conncheck.errors import InputError
from conncheck.results import Msg

if TYPE_CHECKING:
    from conncheck.collectors.site import PeerProgress
    from conncheck.config import SiteConfig
    from conncheck.facts import Facts

RoleOpt = Annotated[
    list[str] | None, typer.Option("--role", help="Only hosts with this role: connector, ca, ndes (repeatable).")
]
ParallelOpt = Annotated[
    int | None, typer.Option("--parallel", min=1, help="Hosts collected at once (default: [winrm] parallel, 16).")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress lines on stderr.")]
InsecureOpt = Annotated[
    bool, typer.Option("--insecure", help="LDAP/SCEP: allow cleartext or unverified TLS (see README); never for WinRM.")
]


PROGRESS = {
    "en": ("started", "nothing read in {s:.1f} s ({error})", "{read}/{of} probes read in {s:.1f} s",
           "; first failure: {error}"),
    "tr": ("başladı", "{s:.1f} sn içinde hiçbir şey okunamadı ({error})",
           "{read}/{of} yoklama {s:.1f} sn içinde okundu", "; ilk hata: {error}"),
}


def progress_line(event: "PeerProgress", lang: str = "en") -> None:
    """One line on stderr when a peer starts and one when it ends (stdout stays the report's alone)."""
    started, nothing, read, first = PROGRESS.get(lang, PROGRESS["en"])
    where = f"conncheck: {event.transport} {event.peer}"
    if event.seconds is None:
        typer.echo(f"{where}: {started}", err=True)
    elif event.probes_read == 0 and event.error is not None:
        typer.echo(f"{where}: {nothing.format(s=event.seconds, error=event.error)}", err=True)
    else:
        failure = first.format(error=event.error) if event.error else ""
        typer.echo(f"{where}: {read.format(read=event.probes_read, of=event.probes, s=event.seconds)}{failure}",
                   err=True)


def _roles(role: list[str] | None) -> tuple[str, ...] | None:
    from conncheck.facts import HOST_ROLES

    if not role:
        return None
    for r in role:
        if r not in HOST_ROLES:
            raise InputError(f"--role {r}: expected one of {', '.join(HOST_ROLES)}")
    return tuple(role)


NO_HOST_WITH_ROLE = Msg(
    "--role {roles}: no host of {config} has this role{also} (it lists: {hosts})",
    "--role {roles}: {config} içindeki hiçbir sunucu bu role sahip değil{also} (listelenenler: {hosts})",
)


def _check_selection(site: "SiteConfig", roles: tuple[str, ...] | None, host: list[str] | None, lang: str) -> None:
    """A --role (with --host) that selects no host of site.toml is an input error naming the hosts there are."""
    if roles is None:
        return
    named = {h.lower() for h in host} if host else None
    if any(set(h.roles) & set(roles) and (named is None or h.name.lower() in named) for h in site.hosts):
        return
    hosts = ", ".join(f"{h.name} ({', '.join(h.roles)})" for h in site.hosts) or ("hiçbiri" if lang == "tr" else "none")
    also = "" if named is None else (" ve --host ile seçilmemiş" if lang == "tr" else " among the --host ones")
    raise InputError(NO_HOST_WITH_ROLE.in_lang(lang).format(roles=",".join(roles), config=site.path or "site.toml",
                                                            also=also, hosts=hosts))


def _site(config: Path | None) -> "SiteConfig":
    """site.toml, read once per command: what to collect, and the thresholds the checks judge by."""
    from conncheck.config import load

    if config is None:
        raise InputError("--config/-c site.toml is required (see examples/site.toml)")
    return load(config)


def _collect(site: "SiteConfig", role: list[str] | None, host: list[str] | None, parallel: int | None,
             quiet: bool, insecure: bool, lang: str = "en") -> "Facts":
    from conncheck.collectors.site import CollectOptions, collect_site
    from conncheck.registry import default_registry

    config = site.path
    if not site.hosts and not site.sections.get("ldap") and not site.sections.get("scep"):
        raise InputError(f"{config}: nothing to collect: no [[hosts]], [ldap] or [scep]")
    roles = _roles(role)
    _check_selection(site, roles, host, lang)
    options = CollectOptions(
        roles=roles, hosts=tuple(host) if host else None, parallel=parallel,
        progress=None if quiet else partial(progress_line, lang=lang), insecure=insecure,
    )
    return collect_site(site, default_registry(), options)


def _facts_json(facts: "Facts") -> str:
    from conncheck import strict_json

    return strict_json.dumps(facts.to_json(), indent=1) + "\n"


SaveFactsOpt = Annotated[
    Path | None, typer.Option("--save-facts", help="Also write the collected facts (JSON) to this file.")
]


@app.command()
def check(
    config: ConfigOpt = None,
    role: RoleOpt = None,
    host: HostOpt = None,
    codes: CodesOpt = None,
    fmt: FormatOpt = OutputFormat.table,
    lang: LangOpt = Lang.en,
    strict: StrictOpt = False,
    save_facts: SaveFactsOpt = None,
    parallel: ParallelOpt = None,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    insecure: InsecureOpt = False,
) -> None:
    """Collect the site live (WinRM, LDAP, SCEP as site.toml says) and print the checklist.

    Example: conncheck check -c site.toml --codes 0x402 --format json --save-facts facts.json
    """
    from conncheck.application import build_report

    wanted = parse_codes(codes)
    site = _site(config)
    if save_facts is not None and output is not None and save_facts.resolve() == output.resolve():
        raise InputError(f"--save-facts and --output both name {output}; give two files")
    facts_dest = destination(save_facts, site.files_read(), "--save-facts") if save_facts is not None else None
    dest = destination(output, site.files_read())
    facts = _collect(site, role, host, parallel, quiet, insecure, lang.value)
    if facts_dest is not None:
        facts_dest.write(_facts_json(facts))
    only = list(facts.hosts) if (role or host) else None
    report = build_report(facts, site.settings, lang=lang.value, codes=wanted, hosts=only, strict=strict)
    finish(report, fmt, dest)


@app.command()
def collect(
    config: ConfigOpt = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Facts file to write (default: stdout).")]
    = None,
    role: RoleOpt = None,
    host: HostOpt = None,
    parallel: ParallelOpt = None,
    quiet: QuietOpt = False,
    insecure: InsecureOpt = False,
) -> None:
    """Collect the site live and write the facts (JSON) for `conncheck evaluate` later or elsewhere.

    Example: conncheck collect -c site.toml -o facts.json
    """
    site = _site(config)
    dest = destination(output, site.files_read())
    dest.write(_facts_json(_collect(site, role, host, parallel, quiet, insecure)))


def _stdout_is_a_file() -> bool:
    """Whether stdout was redirected to a regular file (``conncheck script > collect.ps1``), not a terminal or pipe."""
    try:
        return not sys.stdout.isatty() and stat.S_ISREG(os.fstat(sys.stdout.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):
        return False  # no file descriptor behind stdout (captured, as under a test runner)


@app.command()
def script(
    role: Annotated[list[str], typer.Option("--role", help="connector, ca or ndes (repeat for a host with several).")],
    config: ConfigOpt = None,
    output: OutputOpt = None,
) -> None:
    """Print the fact script for a host: run it there, evaluate its output anywhere (no WinRM needed).

    Example: conncheck script --role ndes -c site.toml -o collect.ps1; on the host, in 64-bit Windows PowerShell:
    powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File .\\collect.ps1 > ndes01.json;
    then: conncheck evaluate ndes01.json
    """
    import msgspec
    from conncheck.collectors.script import for_roles
    from conncheck.config import load

    roles = _roles(role) or ()
    loaded = load(config) if config is not None else None
    dest = destination(output, loaded.files_read() if loaded else [])
    text = for_roles(roles, msgspec.to_builtins(loaded.facts_site()) if loaded else {}).text
    # Windows PowerShell 5.1 reads a BOM-less script file in the ANSI code page; the UTF-8 BOM keeps names exact.
    if dest.path is not None:
        dest.write(text, bom=True)
    elif _stdout_is_a_file():
        typer.echo("conncheck: stdout is a file: written as UTF-8 with BOM, but a shell's redirection may re-encode it "
                   "(Windows PowerShell and cmd.exe do); to write the file directly: "
                   f"conncheck script --role {' --role '.join(roles)} -o collect.ps1", err=True)
        sys.stdout.flush()
        sys.stdout.buffer.write(("\ufeff" + text).encode("utf-8"))
    else:
        dest.write(text)


def demo_live_facts() -> "Facts":
    """The example site collected live from the loopback lab (``conncheck demo --live``)."""
    try:
        from conncheck.lab.demo import collect_demo
    except ImportError as exc:
        raise InputError(
            f"demo --live needs the lab extra: pip install 'conncheck[lab]' ({exc.name} is missing)"
        ) from None
    return collect_demo(progress_line)
