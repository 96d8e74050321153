"""Probes every Windows role answers, and the prerequisites that hold on any of them."""

from __future__ import annotations

from conncheck.checks._common import certificates, registry_int
from conncheck.facts import parse_time
from conncheck.plugin import Context, Plugin
from conncheck.results import Outcome, failed, passed, unknown, warned

PLUGIN = Plugin("host")
WINDOWS = ("connector", "ca", "ndes")

PLUGIN.probe(
    "host_info",
    roles=WINDOWS,
    powershell="ps/host_info.ps1",
    description="Computer name, FQDN, domain, OS, domain role, last boot",
)
PLUGIN.probe("clock", roles=WINDOWS, powershell="ps/clock.ps1", description="The host's UTC clock")
PLUGIN.probe(
    "services",
    roles=WINDOWS,
    powershell="ps/services.ps1",
    description="Every service: name, status, start type, account",
)
PLUGIN.probe(
    "certs_my",
    roles=WINDOWS,
    powershell="ps/certs_my.ps1",
    description="Certificates of LocalMachine\\My as base64 DER with HasPrivateKey",
)
PLUGIN.probe(
    "certs_root",
    roles=WINDOWS,
    powershell="ps/certs_root.ps1",
    description="Certificates of LocalMachine\\Root as base64 DER",
)
PLUGIN.probe(
    "installed_software",
    roles=WINDOWS,
    powershell="ps/installed_software.ps1",
    description="Uninstall entries (64- and 32-bit): display name, version, publisher",
)
PLUGIN.probe(
    "windows_features",
    roles=("ca", "ndes"),
    powershell="ps/windows_features.ps1",
    description="Installed Windows features",
)
PLUGIN.probe(
    "dotnet", roles=("connector", "ndes"), powershell="ps/dotnet.ps1", description=".NET Framework 4 Release value"
)
PLUGIN.probe(
    "tls_config",
    roles=("connector", "ndes"),
    powershell="ps/tls_config.ps1",
    description="SCHANNEL TLS 1.2 and .NET strong-crypto registry values",
)

UNKNOWN_ERROR = 0x0FFFFFFF
NET_472_RELEASE = 461808  # the lowest .NET Framework 4.x Release value that is 4.7.2
NET_RELEASES = (
    (533320, "4.8.1"),
    (528040, "4.8"),
    (461808, "4.7.2"),
    (461308, "4.7.1"),
    (460798, "4.7"),
    (394802, "4.6.2"),
    (394254, "4.6.1"),
    (393295, "4.6"),
    (379893, "4.5.2"),
    (378675, "4.5.1"),
    (378389, "4.5"),
)


@PLUGIN.check(
    "clock_within_skew",
    "Host clock agrees with the toolkit's clock",
    roles=("connector", "ndes"),
    probes=("clock",),
    codes=(0x411,),
    remediation="Sync the host's clock with the domain hierarchy (w32tm /resync; check the PDC emulator's source). "
    "SCEP challenges are time-limited: a skewed NDES or connector clock rejects them as expired.",
    title_tr="Sunucu saati araç saatiyle uyumlu",
    remediation_tr="Sunucunun saatini etki alanı hiyerarşisiyle eşitleyin (w32tm /resync; PDC öykünücüsünün zaman "
    "kaynağını denetleyin). SCEP sınamaları süreyle sınırlıdır: saati kaymış bir NDES veya bağlayıcı sunucusu onları "
    "süresi dolmuş sayıp reddeder.",
)
def clock_within_skew(ctx: Context) -> Outcome:
    clock = ctx.data("clock")
    host_time = parse_time(str(clock["utc"]))
    window = clock.get("reference_window")
    if not window:
        return unknown(
            "no reference clock in the facts (a script run by hand); run conncheck check live to judge skew",
            host_utc=clock["utc"],
        )
    start, end = parse_time(window[0]), parse_time(window[1])
    # The host read its clock somewhere between our send (start) and our receive (end).
    if host_time < start:
        skew = (host_time - start).total_seconds()
    elif host_time > end:
        skew = (host_time - end).total_seconds()
    else:
        skew = 0.0
    evidence = {
        "host_utc": clock["utc"],
        "reference_window": list(window),
        "skew_seconds": round(skew, 1),
        "limit_seconds": ctx.settings.clock_skew_seconds,
    }
    if abs(skew) > ctx.settings.clock_skew_seconds:
        direction = "ahead of" if skew > 0 else "behind"
        return failed(
            f"clock is {abs(skew):.0f} s {direction} the toolkit's clock (limit {ctx.settings.clock_skew_seconds} s)",
            **evidence,
        )
    return passed(f"clock within {abs(skew):.0f} s of the toolkit's clock", **evidence)


@PLUGIN.check(
    "dotnet_472_or_later",
    ".NET Framework 4.7.2 or later is installed",
    roles=("connector", "ndes"),
    probes=("dotnet",),
    codes=(UNKNOWN_ERROR,),
    remediation="Install .NET Framework 4.7.2 or later (4.8 recommended), then restart the connector services.",
    title_tr=".NET Framework 4.7.2 veya üstü kurulu",
    remediation_tr=".NET Framework 4.7.2 veya üstünü kurun (4.8 önerilir), ardından bağlayıcı hizmetlerini yeniden "
    "başlatın.",
)
def dotnet_472_or_later(ctx: Context) -> Outcome:
    release = ctx.data("dotnet").get("release")
    if not isinstance(release, int):
        return failed(".NET Framework 4.5 or later is not installed (no Release value)", release=release)
    version = next((name for minimum, name in NET_RELEASES if release >= minimum), "older than 4.5")
    if release < NET_472_RELEASE:
        return failed(
            f".NET Framework {version} is older than the 4.7.2 the connector needs", release=release, version=version
        )
    return passed(f".NET Framework {version} installed", release=release, version=version)


@PLUGIN.check(
    "tls12_enabled",
    "TLS 1.2 is enabled for SCHANNEL and .NET",
    roles=("connector", "ndes"),
    probes=("tls_config",),
    codes=(UNKNOWN_ERROR,),
    remediation="Enable TLS 1.2: under SCHANNEL\\Protocols\\TLS 1.2\\Client set Enabled=1, DisabledByDefault=0; "
    "under both .NETFramework\\v4.0.30319 keys set SchUseStrongCrypto=1 and SystemDefaultTlsVersions=1.",
    title_tr="SCHANNEL ve .NET için TLS 1.2 etkin",
    remediation_tr="TLS 1.2'yi etkinleştirin: SCHANNEL\\Protocols\\TLS 1.2\\Client altında Enabled=1 ve "
    "DisabledByDefault=0 ayarlayın; her iki .NETFramework\\v4.0.30319 anahtarı altında SchUseStrongCrypto=1 ve "
    "SystemDefaultTlsVersions=1 ayarlayın.",
)
def tls12_enabled(ctx: Context) -> Outcome:
    tls = ctx.data("tls_config")
    client = (tls.get("schannel") or {}).get("TLS 1.2\\Client")
    if registry_int(client, "Enabled") == 0 or registry_int(client, "DisabledByDefault") == 1:
        return failed("TLS 1.2 is disabled for SCHANNEL clients", schannel_client=client)
    netfx = tls.get("netfx") or {}
    weak = [
        view
        for view in ("v4.0.30319", "Wow6432Node\\v4.0.30319")
        if registry_int(netfx.get(view), "SchUseStrongCrypto") != 1
        and registry_int(netfx.get(view), "SystemDefaultTlsVersions") != 1
    ]
    evidence = {"schannel_client": client, "netfx": netfx}
    if weak:
        return warned(
            ".NET may not offer TLS 1.2 by default: neither SchUseStrongCrypto nor "
            f"SystemDefaultTlsVersions is 1 under {', '.join(weak)}",
            **evidence,
        )
    return passed("TLS 1.2 enabled for SCHANNEL and .NET strong crypto on", **evidence)


@PLUGIN.check(
    "no_intermediate_in_root",
    "No intermediate CA certificate in the Trusted Root store",
    roles=WINDOWS,
    probes=("certs_root",),
    codes=(UNKNOWN_ERROR,),
    remediation="Move every certificate that is not self-signed from Trusted Root Certification Authorities "
    "to Intermediate Certification Authorities (certlm.msc). On NDES it stops the SCEP app pool (503).",
    title_tr="Güvenilen Kök deposunda ara CA sertifikası yok",
    remediation_tr="Kendinden imzalı olmayan her sertifikayı Güvenilen Kök Sertifika Yetkilileri (Trusted Root "
    "Certification Authorities) deposundan Ara Sertifika Yetkilileri (Intermediate Certification Authorities) "
    "deposuna taşıyın (certlm.msc). NDES'te böyle bir sertifika SCEP uygulama havuzunu durdurur (503).",
)
def no_intermediate_in_root(ctx: Context) -> Outcome:
    misplaced = [c for c in certificates(ctx, "certs_root") if not c.self_signed]
    if misplaced:
        return failed(
            f"{len(misplaced)} certificate(s) in LocalMachine\\Root are not self-signed: "
            + "; ".join(c.subject for c in misplaced),
            misplaced=[{"subject": c.subject, "issuer": c.issuer, "thumbprint": c.thumbprint} for c in misplaced],
        )
    return passed("every certificate in LocalMachine\\Root is self-signed")
