"""``conncheck scep URL``: probe one SCEP endpoint (and its published URLs) as a device does, and print the checks."""

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

import typer
from conncheck.cli.app import FormatOpt, Lang, LangOpt, OutputFormat, OutputOpt, StrictOpt, app, finish

ExternalOpt = Annotated[
    list[str] | None,
    typer.Option("--external", help="A published URL of the same NDES (Entra application proxy or another reverse "
                                    "proxy); its GetCACert answer must match the internal one byte for byte. "
                                    "Repeatable."),
]
CaBundleOpt = Annotated[
    Path | None,
    typer.Option("--ca-bundle", help="PEM file of the CAs the TLS certificate must chain to (default: the system "
                                     "store)."),
]
LongUrlOpt = Annotated[
    bool,
    typer.Option("--probe-long-url", help="Also send a GET with a ~30 KB PKIOperation query, as devices do, to see "
                                          "that URL limits let it through. NDES logs an error event for this probe."),
]
InsecureOpt = Annotated[
    bool,
    typer.Option("--insecure", help="Do not verify TLS for the HTTP requests (the TLS checks still judge the "
                                    "certificate)."),
]
TimeoutOpt = Annotated[float, typer.Option("--timeout", help="Seconds to wait for each answer.")]


@app.command()
def scep(
    url: Annotated[str, typer.Argument(help="The SCEP URL, e.g. https://ndes01.contoso.com/certsrv/mscep/mscep.dll")],
    external: ExternalOpt = None,
    ca_bundle: CaBundleOpt = None,
    probe_long_url: LongUrlOpt = False,
    insecure: InsecureOpt = False,
    timeout: TimeoutOpt = 10.0,
    fmt: FormatOpt = OutputFormat.table,
    lang: LangOpt = Lang.en,
    strict: StrictOpt = False,
    output: OutputOpt = None,
) -> None:
    """Probe a SCEP endpoint over HTTP(S), without credentials: mscep.dll's 403, GetCACaps, GetCACert's RA
    certificates, the TLS certificate, client-certificate requests, and external URLs against the internal one.

    HTTPS_PROXY / NO_PROXY apply. Example: conncheck scep https://ndes01.contoso.com/certsrv/mscep/mscep.dll
    --external https://ndes-contoso.msappproxy.net/certsrv/mscep/mscep.dll
    """
    import socket

    from conncheck import __version__
    from conncheck.application import build_report
    from conncheck.cli.output import destination
    from conncheck.collectors.scep import collect, parse_section
    from conncheck.facts import Facts
    from conncheck.plugin import Settings
    from conncheck.registry import default_registry
    from conncheck.site import FactsSite

    dest = destination(output, [ca_bundle])
    section: dict[str, object] = {"urls": [url], "external_urls": list(external or []), "timeout_seconds": timeout}
    if ca_bundle is not None:
        section["ca_bundle"] = str(ca_bundle)
    endpoints, options = parse_section(section, "conncheck scep")
    options = replace(options, insecure=insecure, probe_long_url=probe_long_url)
    collected_at = datetime.now(timezone.utc)
    targets = collect(endpoints, default_registry(), options)
    facts = Facts(
        collected_at=collected_at,
        collector={"version": __version__, "vantage": f"conncheck scep from {socket.gethostname()}"},
        site=FactsSite(name="scep", roles_expected=["scep"]),
        hosts={},
        scep=targets,
    )
    report = build_report(facts, Settings(), lang=lang.value, codes=None, hosts=list(targets), strict=strict)
    finish(report, fmt, dest)
