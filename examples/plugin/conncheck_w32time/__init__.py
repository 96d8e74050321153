"""Example conncheck plugin: NDES keeps its clock from a real time source.

SCEP challenges expire (0x00000411, CRPSCEPChallenge_Expired) when NDES's clock drifts from the connector's and
Intune's. conncheck's own clock check measures the skew at one moment; this plugin checks the cause behind drift:
a domain-joined NDES server should take its time from the domain hierarchy (or configured NTP peers), not from its
own CMOS clock.

Probe ``w32time_source`` (role ndes), data::

    {"type": "NT5DS" | "NTP" | "NoSync" | "AllSync", "ntp_server": "time.contoso.com,0x9",
     "service_status": "Running" | "Stopped" | null, "source": "<output of w32tm /query /source>"}
"""

from __future__ import annotations

from typing import Literal

import msgspec
from conncheck.plugin import Context, Plugin
from conncheck.results import Fix, Outcome, failed, passed, warned

PLUGIN = Plugin("example-w32time")


class TimeSource(msgspec.Struct):
    """What the fragment reports: W32Time's configured type and peers, its service state, its current source."""

    type: Literal["NT5DS", "NTP", "NoSync", "AllSync"] | None
    ntp_server: str | None
    service_status: str | None
    source: str | None


W32TIME_SOURCE = PLUGIN.probe(
    "w32time_source",
    TimeSource,
    roles=("ndes",),
    powershell="ps/w32time_source.ps1",
    description="W32Time type, NTP peers, service state and current source (w32tm /query /source)",
)

# What `w32tm /query /source` prints when the clock is not synchronised from anywhere.
UNSYNCHRONISED = ("local cmos clock", "free-running system clock")
HYPERV_PROVIDER = "vm ic time synchronization provider"


@PLUGIN.check(
    "ndes_time_source_set",
    "NDES takes its time from the domain hierarchy or NTP, not its own clock",
    roles=("ndes",),
    reads=(W32TIME_SOURCE,),
    codes=(0x411,),
    remediation="Run the Windows Time service and sync from the domain hierarchy: "
    "w32tm /config /syncfromflags:domhier /update, then w32tm /resync.",
    title_tr="NDES saatini kendi saatinden değil etki alanı hiyerarşisinden veya NTP'den alıyor",
    remediation_tr="Windows Saat hizmetini çalıştırın ve etki alanı hiyerarşisinden eşitleyin: "
    "w32tm /config /syncfromflags:domhier /update, ardından w32tm /resync.",
)
def ndes_time_source_set(ctx: Context) -> Outcome:
    data = ctx.read(W32TIME_SOURCE)
    source = (data.source or "").strip()
    evidence = {"type": data.type, "source": source, "service_status": data.service_status}
    if data.service_status != "Running":
        return failed("the Windows Time service is not running", evidence)
    if data.type == "NoSync":
        return failed("W32Time is configured not to synchronise (Type = NoSync)", evidence)
    if data.type == "NTP" and not (data.ntp_server or "").strip():
        return failed("W32Time is set to NTP but names no NtpServer", {**evidence, "ntp_server": data.ntp_server})
    if not source or source.lower() in UNSYNCHRONISED or "error" in source.lower():
        return failed(f"NDES is not synchronised from any time source ({source or 'no answer'})", evidence)
    if source.lower() == HYPERV_PROVIDER:
        return warned(
            "NDES takes its time from the Hyper-V host, not from the domain hierarchy",
            evidence,
            fix=Fix("Disable the Hyper-V time synchronisation integration service for this domain member, "
                    "or make sure the host itself syncs from the domain."),
        )
    return passed(f"NDES syncs its clock from {source}", evidence)
