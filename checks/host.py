"""Probes every Windows role answers, and the prerequisites that hold on any of them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from conncheck.catalog.codes import SCEP_CHALLENGE_EXPIRED, UNKNOWN_ERROR
from conncheck.checks import _learn as learn
from conncheck.checks._common import certificates
from conncheck.plugin import Context, Plugin
from conncheck.results import Fix, Msg, Outcome, failed, passed, unknown, warned
from conncheck.schema import RegistryKey, StoreCertificate, UtcTime, registry_dword

PLUGIN = Plugin("host")
WINDOWS = ("connector", "ca", "ndes")


class Session(msgspec.Struct):
    """The PowerShell session the facts were read in: what a probe could not see may be this account's rights."""

    user: str
    elevated: Annotated[bool, msgspec.Meta(description="the token holds BUILTIN\\Administrators (UAC elevated)")]
    process_64bit: bool
    os_64bit: bool
    culture: str = ""
    ui_culture: str = ""
    ps_version: str = ""


class HostInfo(msgspec.Struct):
    computer_name: str
    fqdn: str
    domain: str
    os_caption: str
    os_version: Annotated[str, msgspec.Meta(description="Win32_OperatingSystem.Version: 10.0.17763 is Server 2019")]
    domain_role: Annotated[int, msgspec.Meta(ge=0, le=5, description="Win32_ComputerSystem.DomainRole; 4, 5: DC")]
    last_boot_utc: UtcTime
    session: Annotated[Session | None, msgspec.Meta(description="absent from older fact scripts")] = None


class Clock(msgspec.Struct):
    utc: Annotated[UtcTime, msgspec.Meta(description="the host's clock, read first in the script")]
    utc_end: Annotated[UtcTime | None, msgspec.Meta(description="the host's clock after the last probe")] = None
    reference_window: Annotated[
        list[UtcTime],
        msgspec.Meta(min_length=2, max_length=2,
                     description="added by the live collector: conncheck's clock before sending, after receiving"),
    ] | None = None


ServiceState = Literal[
    "Running", "Stopped", "Start Pending", "Stop Pending", "Continue Pending", "Pause Pending", "Paused", "Unknown"
]
StartType = Literal["Automatic", "Manual", "Disabled", "Boot", "System"]


class Service(msgspec.Struct):
    """A Win32_Service: State and StartMode are WMI's own (English) values, not localized text."""

    name: str
    display_name: str
    status: ServiceState
    start_type: StartType
    account: Annotated[str, msgspec.Meta(description="StartName: LocalSystem, NT AUTHORITY\\..., DOMAIN\\user")]


class InstalledProduct(msgspec.Struct):
    display_name: str
    display_version: str
    publisher: str


class DotNet(msgspec.Struct):
    release: Annotated[int | None, msgspec.Meta(description="NDP\\v4\\Full Release (REG_DWORD); null: none")]


class TlsConfig(msgspec.Struct):
    schannel: Annotated[dict[str, RegistryKey | None], msgspec.Meta(description="'TLS 1.2\\Client', ...")]
    netfx: Annotated[dict[str, RegistryKey | None], msgspec.Meta(description="'v4.0.30319', 'Wow6432Node\\...'")]


HOST_INFO = PLUGIN.probe(
    "host_info", HostInfo, roles=WINDOWS, powershell="ps/host_info.ps1",
    description="Computer name, FQDN, domain, OS, domain role, last boot",
)
CLOCK = PLUGIN.probe("clock", Clock, roles=WINDOWS, powershell="ps/clock.ps1", description="The host's UTC clock")
SERVICES = PLUGIN.probe(
    "services", list[Service], roles=WINDOWS, powershell="ps/services.ps1",
    description="Every service: name, status, start type, account",
)
CERTS_MY = PLUGIN.probe(
    "certs_my", list[StoreCertificate], roles=WINDOWS, powershell="ps/certs_my.ps1",
    description="Certificates of LocalMachine\\My as base64 DER with HasPrivateKey",
)
CERTS_ROOT = PLUGIN.probe(
    "certs_root", list[StoreCertificate], roles=WINDOWS, powershell="ps/certs_root.ps1",
    description="Certificates of LocalMachine\\Root as base64 DER",
)
INSTALLED_SOFTWARE = PLUGIN.probe(
    "installed_software", list[InstalledProduct], roles=WINDOWS, powershell="ps/installed_software.ps1",
    description="Uninstall entries (64- and 32-bit): display name, version, publisher",
)
WINDOWS_FEATURES = PLUGIN.probe(
    "windows_features", list[str], roles=("ca", "ndes"), powershell="ps/windows_features.ps1",
    description="Installed Windows features",
)
DOTNET = PLUGIN.probe(
    "dotnet", DotNet, roles=("connector", "ndes"), powershell="ps/dotnet.ps1",
    description=".NET Framework 4 Release value",
)
TLS_CONFIG = PLUGIN.probe(
    "tls_config", TlsConfig, roles=("connector", "ndes"), powershell="ps/tls_config.ps1",
    description="SCHANNEL TLS 1.2 and .NET strong-crypto registry values",
)

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


RUN_LIVE_FIX = Fix(
    "Collect this host live (conncheck check -c site.toml): only a live run brackets the host's clock with "
    "conncheck's own.",
    "Bu sunucuyu canlı toplayın (conncheck check -c site.toml): sunucunun saatini conncheck'in saatiyle yalnızca "
    "canlı bir çalışma karşılaştırabilir.",
)
SCHANNEL_FIX = Fix(
    "Under SCHANNEL\\Protocols\\TLS 1.2\\Client set Enabled=1 and DisabledByDefault=0 (REG_DWORD), then restart "
    "the server.",
    "SCHANNEL\\Protocols\\TLS 1.2\\Client altında Enabled=1 ve DisabledByDefault=0 (REG_DWORD) ayarlayın, "
    "ardından sunucuyu yeniden başlatın.",
)
STORE_FIX = Fix(
    "Collect again as an administrator of this server and check that LocalMachine\\Root opens (certlm.msc > Trusted "
    "Root Certification Authorities).",
    "Olguları bu sunucunun bir yöneticisi olarak yeniden toplayın ve LocalMachine\\Root deposunun açıldığını "
    "denetleyin (certlm.msc > Güvenilen Kök Sertifika Yetkilileri).",
)
NETFX_FIX = Fix(
    "Under both .NETFramework\\v4.0.30319 keys (64- and 32-bit) set SchUseStrongCrypto=1 and "
    "SystemDefaultTlsVersions=1 (REG_DWORD), then restart the connector services.",
    "Her iki .NETFramework\\v4.0.30319 anahtarı altında (64 ve 32 bit) SchUseStrongCrypto=1 ve "
    "SystemDefaultTlsVersions=1 (REG_DWORD) ayarlayın, ardından bağlayıcı hizmetlerini yeniden başlatın.",
)


def service(ctx: Context, name: str) -> Service | None:
    """The service named ``name`` (Windows compares service names without regard to case)."""
    return next((s for s in ctx.read(SERVICES) if s.name.casefold() == name.casefold()), None)


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")[:-4] + "Z"


def skew_bounds(clock: Clock) -> tuple[float, float] | None:
    """The host clock's offset from conncheck's, as an interval of seconds every consistent offset lies in.

    The host read ``utc`` at some moment between our send (t0) and our receive (t1). When it also read ``utc_end``
    after its last probe, that first reading happened at least (utc_end - utc) before t1, which narrows the window
    to the network and start-up time alone. None without a reference window (a script run by hand)."""
    if not clock.reference_window:
        return None
    t0, t1 = clock.reference_window
    after_first = (clock.utc_end - clock.utc).total_seconds() if clock.utc_end is not None else 0.0
    latest = max(t0.timestamp(), t1.timestamp() - max(after_first, 0.0))
    return clock.utc.timestamp() - latest, clock.utc.timestamp() - t0.timestamp()


@PLUGIN.check(
    "clock_within_skew",
    "Host clock agrees with the toolkit's clock",
    roles=("connector", "ndes"),
    reads=(CLOCK,),
    codes=(SCEP_CHALLENGE_EXPIRED,),
    remediation="Sync the host's clock with the domain hierarchy (w32tm /resync; check the PDC emulator's source). "
    "SCEP challenges are time-limited: a skewed NDES or connector clock rejects them as expired.",
    title_tr="Sunucu saati araç saatiyle uyumlu",
    remediation_tr="Sunucunun saatini etki alanı hiyerarşisiyle eşitleyin (w32tm /resync; PDC öykünücüsünün zaman "
    "kaynağını denetleyin). SCEP sınamaları süreyle sınırlıdır: saati kaymış bir NDES veya bağlayıcı sunucusu onları "
    "süresi dolmuş sayıp reddeder.",
    references=(learn.CONNECTOR_EVENTS, learn.SCEP_CONFIGURE),
)
def clock_within_skew(ctx: Context) -> Outcome:
    clock = ctx.read(CLOCK)
    bounds = skew_bounds(clock)
    if bounds is None:
        return unknown(
            Msg("no reference clock in the facts (a script run by hand); run conncheck check live to judge skew",
                "olgularda başvuru saati yok (betik elle çalıştırılmış); kaymayı ölçmek için conncheck check ile "
                "canlı toplayın"),
            {"host_utc": _iso(clock.utc)},
            fix=RUN_LIVE_FIX,
        )
    low, high = bounds
    limit = ctx.settings.clock_skew_seconds
    evidence = {
        "host_utc": _iso(clock.utc),
        "reference_window": [_iso(t) for t in clock.reference_window or ()],
        "skew_seconds": [round(low, 1), round(high, 1)],
        "limit_seconds": limit,
    }
    if low > limit or high < -limit:
        skew = low if low > limit else high
        ahead = skew > 0
        return failed(
            Msg(f"clock is at least {abs(skew):.0f} s {'ahead of' if ahead else 'behind'} the toolkit's clock "
                f"(limit {limit} s)",
                f"saat, araç saatinin en az {abs(skew):.0f} sn {'ilerisinde' if ahead else 'gerisinde'} "
                f"(sınır {limit} sn)"),
            evidence,
        )
    if low < -limit or high > limit:
        return unknown(
            Msg(f"cannot tell whether the clock is within {limit} s: the answer took so long that the skew lies "
                f"between {low:.0f} s and {high:.0f} s; run the check again",
                f"saatin {limit} sn içinde olup olmadığı anlaşılamıyor: yanıt o kadar uzun sürdü ki kayma "
                f"{low:.0f} sn ile {high:.0f} sn arasında; denetimi yeniden çalıştırın"),
            evidence,
            fix=RUN_LIVE_FIX,
        )
    worst = max(abs(low), abs(high))
    return passed(Msg(f"clock within {worst:.0f} s of the toolkit's clock",
                      f"saat, araç saatinden en çok {worst:.0f} sn farklı"), evidence)


@PLUGIN.check(
    "dotnet_472_or_later",
    ".NET Framework 4.7.2 or later is installed",
    roles=("connector", "ndes"),
    reads=(DOTNET,),
    codes=(UNKNOWN_ERROR,),
    remediation="Install .NET Framework 4.7.2 or later (4.8 recommended), then restart the connector services.",
    title_tr=".NET Framework 4.7.2 veya üstü kurulu",
    remediation_tr=".NET Framework 4.7.2 veya üstünü kurun (4.8 önerilir), ardından bağlayıcı hizmetlerini yeniden "
    "başlatın.",
    references=(learn.CONNECTOR_PREREQUISITES, learn.DOTNET_VERSIONS),
)
def dotnet_472_or_later(ctx: Context) -> Outcome:
    release = ctx.read(DOTNET).release
    if release is None:
        return failed(Msg(".NET Framework 4.5 or later is not installed (no Release value)",
                          ".NET Framework 4.5 veya üstü kurulu değil (Release değeri yok)"), {"release": None})
    version = next((name for minimum, name in NET_RELEASES if release >= minimum), "older than 4.5")
    evidence = {"release": release, "version": version}
    if release < NET_472_RELEASE:
        return failed(Msg(f".NET Framework {version} is older than the 4.7.2 the connector needs",
                          f".NET Framework {version}, bağlayıcının gerektirdiği 4.7.2'den eski"), evidence)
    return passed(Msg(f".NET Framework {version} installed", f".NET Framework {version} kurulu"), evidence)


@PLUGIN.check(
    "tls12_enabled",
    "TLS 1.2 is enabled for SCHANNEL and .NET",
    roles=("connector", "ndes"),
    reads=(TLS_CONFIG,),
    codes=(UNKNOWN_ERROR,),
    remediation="Enable TLS 1.2: under SCHANNEL\\Protocols\\TLS 1.2\\Client set Enabled=1, DisabledByDefault=0; "
    "under both .NETFramework\\v4.0.30319 keys set SchUseStrongCrypto=1 and SystemDefaultTlsVersions=1.",
    title_tr="SCHANNEL ve .NET için TLS 1.2 etkin",
    remediation_tr="TLS 1.2'yi etkinleştirin: SCHANNEL\\Protocols\\TLS 1.2\\Client altında Enabled=1 ve "
    "DisabledByDefault=0 ayarlayın; her iki .NETFramework\\v4.0.30319 anahtarı altında SchUseStrongCrypto=1 ve "
    "SystemDefaultTlsVersions=1 ayarlayın.",
    references=(learn.CONNECTOR_PREREQUISITES, learn.TLS12),
)
def tls12_enabled(ctx: Context) -> Outcome:
    tls = ctx.read(TLS_CONFIG)
    client = tls.schannel.get("TLS 1.2\\Client")
    # SCHANNEL reads these as REG_DWORD; a value of another type is ignored, as if absent (the default: enabled).
    if registry_dword(client, "Enabled") == 0 or registry_dword(client, "DisabledByDefault") == 1:
        return failed(Msg("TLS 1.2 is disabled for SCHANNEL clients", "TLS 1.2, SCHANNEL istemcileri için kapalı"),
                      {"schannel_client": client}, fix=SCHANNEL_FIX)
    weak = [
        view
        for view in ("v4.0.30319", "Wow6432Node\\v4.0.30319")
        if registry_dword(tls.netfx.get(view), "SchUseStrongCrypto") != 1
        and registry_dword(tls.netfx.get(view), "SystemDefaultTlsVersions") != 1
    ]
    evidence = {"schannel_client": client, "netfx": tls.netfx}
    if weak:
        views = ", ".join(weak)
        return warned(
            Msg(".NET may not offer TLS 1.2 by default: neither SchUseStrongCrypto nor "
                f"SystemDefaultTlsVersions is 1 (REG_DWORD) under {views}",
                ".NET varsayılan olarak TLS 1.2 sunmayabilir: "
                f"{views} altında ne SchUseStrongCrypto ne de SystemDefaultTlsVersions 1 (REG_DWORD)"),
            evidence,
            fix=NETFX_FIX,
        )
    return passed(Msg("TLS 1.2 enabled for SCHANNEL and .NET strong crypto on",
                      "SCHANNEL için TLS 1.2 açık, .NET güçlü şifreleme kullanıyor"), evidence)


@PLUGIN.check(
    "no_intermediate_in_root",
    "No intermediate CA certificate in the Trusted Root store",
    roles=WINDOWS,
    reads=(CERTS_ROOT,),
    codes=(UNKNOWN_ERROR,),
    remediation="Move every certificate that is not self-signed from Trusted Root Certification Authorities "
    "to Intermediate Certification Authorities (certlm.msc). On NDES it stops the SCEP app pool (503).",
    title_tr="Güvenilen Kök deposunda ara CA sertifikası yok",
    remediation_tr="Kendinden imzalı olmayan her sertifikayı Güvenilen Kök Sertifika Yetkilileri (Trusted Root "
    "Certification Authorities) deposundan Ara Sertifika Yetkilileri (Intermediate Certification Authorities) "
    "deposuna taşıyın (certlm.msc). NDES'te böyle bir sertifika SCEP uygulama havuzunu durdurur (503).",
    references=(learn.SCEP_DEVICE_TO_NDES,),
)
def no_intermediate_in_root(ctx: Context) -> Outcome:
    roots = certificates(ctx, CERTS_ROOT)
    if not roots:
        # An empty list is no evidence: Windows keeps its own roots there, and a domain member the enterprise root.
        return unknown(Msg("no certificate was read from LocalMachine\\Root, where Windows keeps at least its own "
                           "roots: the store was not read",
                           "LocalMachine\\Root deposundan hiç sertifika okunmadı; Windows orada en azından kendi kök "
                           "sertifikalarını tutar: depo okunamamış"), {"certificates": 0}, fix=STORE_FIX)
    misplaced = [c for c in roots if not c.self_signed]
    if misplaced:
        subjects = "; ".join(c.subject for c in misplaced)
        return failed(
            Msg(f"{len(misplaced)} certificate(s) in LocalMachine\\Root are not self-signed: {subjects}",
                f"LocalMachine\\Root içindeki {len(misplaced)} sertifika kendinden imzalı değil: {subjects}"),
            {"misplaced": [{"subject": c.subject, "issuer": c.issuer, "thumbprint": c.thumbprint} for c in misplaced]},
        )
    return passed(Msg(f"every certificate in LocalMachine\\Root is self-signed ({len(roots)} read)",
                      f"LocalMachine\\Root içindeki her sertifika kendinden imzalı ({len(roots)} okundu)"),
                  {"certificates": len(roots)})
