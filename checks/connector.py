"""The connector host: its certificate and key, its recorded thumbprints, its services, release and reachability."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import msgspec
from conncheck.catalog.codes import (
    CA_UNAVAILABLE,
    CERTIFICATE_EXPIRED,
    CERTIFICATE_NOT_FOUND,
    DIGICERT_RA_CERT,
    SCEP_SIGNING_CERT,
    THUMBPRINT_NOT_FOUND,
    UNKNOWN_ERROR,
)
from conncheck.catalog.releases import lifecycle, load_releases, parse_version, spell
from conncheck.checks import _learn as learn
from conncheck.checks._common import certificates, judge_validity, newest
from conncheck.checks._endpoints import EndpointTest, EndpointVerdict, judge
from conncheck.checks._keys import judge_key_opens
from conncheck.checks._release import (
    UPDATE_FIX,
    installed_version,
    lifecycle_evidence,
    lifecycle_outcome,
    note_duplicates,
    unreadable_version,
)
from conncheck.checks.host import CERTS_MY, HOST_INFO, INSTALLED_SOFTWARE, SERVICES, service
from conncheck.pki.certs import OID_CLIENT_AUTH, CertificateError, ThumbprintError, parse_thumbprint
from conncheck.plugin import Context, Plugin
from conncheck.results import SEVERITY, Fix, Msg, Outcome, failed, passed, skipped, unknown, warned
from conncheck.schema import RegistryKey, StoreCertificate, registry_dword
from defusedxml import ElementTree

PLUGIN = Plugin("connector")


class CaReachability(msgspec.Struct):
    target: Annotated[str, msgspec.Meta(description="the CA host of site.ca_config")]
    addresses: list[str]
    tcp: Annotated[dict[str, bool], msgspec.Meta(description='{"135": reached}')]
    error: str | None


class IntuneReachability(msgspec.Struct):
    cloud: Annotated[str, msgspec.Meta(description="site.intune_cloud: whose endpoint list was tested")]
    proxy: Annotated[str | None, msgspec.Meta(description="the proxy the connector is configured to use")]
    proxy_source: Annotated[str | None, msgspec.Meta(description="where the fragment found that proxy")]
    endpoints: list[EndpointTest]


CONNECTOR_REGISTRY = PLUGIN.probe(
    "connector_registry", dict[str, RegistryKey | None], roles=("connector",),
    powershell="ps/connector_registry.ps1",
    description="HKLM\\SOFTWARE\\Microsoft\\MicrosoftIntune and every subkey: key path → key (null: absent)",
)
CONNECTOR_CONFIG_FILES = PLUGIN.probe(
    "connector_config_files", dict[str, str], roles=("connector",), powershell="ps/connector_config_files.ps1",
    description="The connector services' .exe.config files, from the folders their services run from and the "
    "default ones: path → text (each capped at 1 MiB)",
)
CA_REACHABILITY = PLUGIN.probe(
    "ca_reachability", CaReachability, roles=("connector",), powershell="ps/ca_reachability.ps1",
    description="DNS resolution of the CA host and TCP 135 to it, from the connector",
)
INTUNE_REACHABILITY = PLUGIN.probe(
    "intune_reachability", IntuneReachability, roles=("connector",), powershell="ps/intune_reachability.ps1",
    budget_s=45,
    description="The Intune endpoints of site.intune_cloud through the connector's configured proxy: TCP, the "
    "proxy's CONNECT status, and the TLS 1.2 chain Windows built for the certificate presented",
)

INTUNE_ROOT_KEY = "HKLM\\SOFTWARE\\Microsoft\\MicrosoftIntune"
PFX_CONNECTOR_KEY = INTUNE_ROOT_KEY + "\\PFXCertificateConnector"
# Issuers of the certificate Intune gives the connector when it registers (new connector, then legacy ones).
CONNECTOR_CA_NAMES = (
    "Microsoft Intune ImportPFX Connector CA",
    "Microsoft Intune NDES Connector CA",
    "Microsoft Intune Connector CA",
)
# The services each feature of the connector's wizard needs. Microsoft names the PKCS and revocation services on its
# DigiCert page (PkiCreateConnectorSvc, PfxCreateLegacyConnectorSvc, PkiRevokeConnectorSvc); PFXCertificateConnectorSvc,
# named after the product's install folder, is taken as the connector's own service that every feature needs. SCEP
# runs inside IIS as NDES's policy module (the ndes role's iis_running and scep_app_pool_started judge it).
CORE_SERVICE = "PFXCertificateConnectorSvc"
FEATURE_SERVICES: dict[str, tuple[str, ...]] = {
    "pkcs": ("PkiCreateConnectorSvc", "PfxCreateLegacyConnectorSvc"),
    "pkcs_import": (),
    "scep": (),
    "revocation": ("PkiRevokeConnectorSvc",),
}
CONNECTOR_SERVICES = (CORE_SERVICE, *(s for names in FEATURE_SERVICES.values() for s in names))
WINDOWS_SERVER_2019_BUILD = 17763
HEALTH_UPLOAD_FAILURES = (5001, 5002)  # HealthMessageUploadFailedAttempt, HealthMessageUploadFailure

INVISIBLE_CHARACTER_FIX = Fix(
    "Type the thumbprint again by hand (or paste it from `Get-ChildItem Cert:\\LocalMachine\\My`): a value copied "
    "from the certificate dialog carries an invisible character (U+200E) that makes it match no certificate.",
    "Parmak izini elle yeniden yazın (ya da `Get-ChildItem Cert:\\LocalMachine\\My` çıktısından yapıştırın): "
    "sertifika penceresinden kopyalanan değer, hiçbir sertifikayla eşleşmemesine yol açan görünmez bir karakter "
    "(U+200E) taşır.",
)
RECONFIGURE_FIX = Fix(
    "Re-run the connector's configuration wizard (PFXCertificateConnectorUI.exe, elevated) and sign in again: it "
    "requests a new connector certificate and key from Intune into LocalMachine\\My.",
    "Bağlayıcının yapılandırma sihirbazını (PFXCertificateConnectorUI.exe, yükseltilmiş) yeniden çalıştırıp yeniden "
    "oturum açın: sihirbaz Intune'dan LocalMachine\\My deposuna yeni bir bağlayıcı sertifikası ve anahtarı ister.",
)
LEGACY_FIX = Fix(
    "Uninstall the legacy connector and install the current Certificate Connector for Microsoft Intune from the Intune "
    "admin center (Tenant administration > Connectors and tokens).",
    "Eski bağlayıcıyı kaldırın ve güncel Certificate Connector for Microsoft Intune sürümünü Intune yönetim "
    "merkezinden kurun (Kiracı yönetimi > Bağlayıcılar ve belirteçler; Tenant administration > Connectors and "
    "tokens).",
)
FEATURES_FIX = Fix(
    "Say in site.toml which features this connector has ([site] connector_features = [\"pkcs\", \"revocation\"], from "
    "pkcs, pkcs_import, scep, revocation: what its configuration wizard shows on the Features page), or start the "
    "stopped services.",
    "Bu bağlayıcının hangi özellikleri kullandığını site.toml'da belirtin ([site] connector_features = [\"pkcs\", "
    "\"revocation\"]; pkcs, pkcs_import, scep, revocation değerlerinden: yapılandırma sihirbazının Özellikler "
    "(Features) sayfasında görünenler) ya da durmuş hizmetleri başlatın.",
)

OS_FIX = Fix(
    "Move the connector to Windows Server 2019 or later (install it there, configure it, then uninstall this one): "
    "Microsoft supports strong mapping in the connector only from Windows Server 2019.",
    "Bağlayıcıyı Windows Server 2019 veya sonraki bir sürüme taşıyın (orada kurup yapılandırın, ardından bunu "
    "kaldırın): Microsoft bağlayıcıda güçlü eşlemeyi yalnızca Windows Server 2019'dan itibaren destekler.",
)

CA_CONFIG_FIX = Fix(
    "Set [site] ca_config in site.toml (\"ca01.contoso.com\\Contoso Issuing CA\") and collect again.",
    "site.toml'da [site] ca_config değerini ayarlayın (\"ca01.contoso.com\\Contoso Issuing CA\") ve yeniden toplayın.",
)

RECOLLECT_FIX = Fix(
    "Collect the connector host again with the site's site.toml, so the CA its [site] ca_config names is tested.",
    "Bağlayıcı sunucusunu sitenin site.toml dosyasıyla yeniden toplayın; böylece [site] ca_config değerinin "
    "adlandırdığı CA sınanır.",
)

DNS_FIX = Fix(
    "Make the CA's host name resolve from the connector (DNS record, or the DNS servers the connector uses).",
    "CA'nın sunucu adının bağlayıcıdan çözümlenmesini sağlayın (DNS kaydı ya da bağlayıcının kullandığı DNS "
    "sunucuları).",
)

COLLECT_FIX = Fix(
    "Collect this host again with the site's [site] intune_cloud (commercial, gcc_high, dod or china).",
    "Bu sunucuyu sitenin [site] intune_cloud değeriyle (commercial, gcc_high, dod ya da china) yeniden toplayın.",
)


def store_entries(ctx: Context) -> list[StoreCertificate]:
    return ctx.read(CERTS_MY)


def connector_entries(ctx: Context) -> list[StoreCertificate]:
    return [e for e in store_entries(ctx) if e.info.issuer_cn in CONNECTOR_CA_NAMES]


def registry_key(registry: dict[str, RegistryKey | None], path: str) -> RegistryKey | None:
    """The key at ``path``; None when absent (Windows compares registry paths without regard to case)."""
    return next((values for key, values in registry.items() if key.casefold() == path.casefold()), None)


def recorded_thumbprints(registry: dict[str, RegistryKey | None]) -> dict[str, str | ThumbprintError]:
    """Every '...Thumbprint' REG_SZ the connector keeps under MicrosoftIntune, as 'key\\value' → thumbprint, or the
    reason Windows would match no certificate with it (an invisible character pasted from the certificate dialog)."""
    out: dict[str, str | ThumbprintError] = {}
    for key, values in registry.items():
        for name, value in (values or {}).items():
            if name.lower().endswith("thumbprint") and isinstance(value, str) and value.strip():
                try:
                    out[f"{key}\\{name}"] = parse_thumbprint(value.strip())
                except ThumbprintError as exc:
                    out[f"{key}\\{name}"] = exc
    return out


def loaded_connector_entry(ctx: Context, found: list[StoreCertificate]) -> tuple[StoreCertificate, bool]:
    """The connector certificate the connector loads: the one its registry names, else the newest; and whether the
    registry named it."""
    recorded = {tp for tp in recorded_thumbprints(ctx.read(CONNECTOR_REGISTRY)).values() if isinstance(tp, str)}
    named = [e for e in found if e.info.thumbprint in recorded]
    pick = named or found
    return max(pick, key=lambda e: e.info.not_after), bool(named)


@PLUGIN.check(
    "connector_cert_present",
    "The connector's Intune certificate is in LocalMachine\\My with its private key",
    roles=("connector",),
    reads=(CERTS_MY,),
    codes=(CERTIFICATE_NOT_FOUND,),
    remediation=RECONFIGURE_FIX.en,
    title_tr="Bağlayıcının Intune sertifikası özel anahtarıyla LocalMachine\\My içinde",
    remediation_tr=RECONFIGURE_FIX.tr,
    references=(learn.CONNECTOR_EVENTS, learn.CONNECTOR_INSTALL),
)
def connector_cert_present(ctx: Context) -> Outcome:
    found = [e.info for e in connector_entries(ctx)]
    if not found:
        return failed(
            Msg(f"no certificate issued by {CONNECTOR_CA_NAMES[0]} in LocalMachine\\My",
                f"LocalMachine\\My içinde {CONNECTOR_CA_NAMES[0]} tarafından verilmiş sertifika yok"),
            {"store_count": len(store_entries(ctx))},
        )
    with_key = [c for c in found if c.has_private_key]
    if not with_key:
        return failed(Msg("the connector certificate is present but its private key is not",
                          "bağlayıcı sertifikası var ama özel anahtarı yok"), newest(found).evidence(ctx.now))
    cert = newest(with_key)
    return passed(Msg(f"connector certificate {cert.thumbprint} present with its private key",
                      f"bağlayıcı sertifikası {cert.thumbprint} özel anahtarıyla birlikte mevcut"),
                  cert.evidence(ctx.now))


@PLUGIN.check(
    "connector_cert_key_opens",
    "The private key of the connector's Intune certificate opens",
    roles=("connector",),
    reads=(CERTS_MY, CONNECTOR_REGISTRY, HOST_INFO),
    codes=(CERTIFICATE_NOT_FOUND,),
    remediation=RECONFIGURE_FIX.en,
    title_tr="Bağlayıcının Intune sertifikasının özel anahtarı açılıyor",
    remediation_tr=RECONFIGURE_FIX.tr,
    references=(learn.CONNECTOR_EVENTS, learn.PKCS_TROUBLESHOOT),
)
def connector_cert_key_opens(ctx: Context) -> Outcome:
    found = [e for e in connector_entries(ctx) if e.has_private_key]
    if not found:
        return skipped(Msg("no connector certificate with a private key (connector_cert_present reports it)",
                           "özel anahtarlı bağlayıcı sertifikası yok (connector_cert_present bildirir)"))
    entry, _ = loaded_connector_entry(ctx, found)
    return judge_key_opens(ctx, entry, Msg("the connector certificate", "bağlayıcı sertifikasının"), RECONFIGURE_FIX)


@PLUGIN.check(
    "connector_cert_not_expired",
    "The connector's Intune certificate is within its validity period",
    roles=("connector",),
    reads=(CERTS_MY, CONNECTOR_REGISTRY),
    codes=(CERTIFICATE_EXPIRED,),
    remediation="Renew the connector certificate: re-run the connector configuration and sign in, or let the "
    "connector renew it (it needs outbound access to Intune); then restart the connector services.",
    title_tr="Bağlayıcının Intune sertifikası geçerlilik süresi içinde",
    remediation_tr="Bağlayıcı sertifikasını yenileyin: bağlayıcı yapılandırmasını yeniden çalıştırıp oturum açın ya "
    "da yenilemeyi bağlayıcıya bırakın (Intune'a giden erişimi olmalıdır); ardından bağlayıcı hizmetlerini yeniden "
    "başlatın.",
    references=(learn.CONNECTOR_EVENTS, learn.CONNECTOR_INSTALL),
)
def connector_cert_not_expired(ctx: Context) -> Outcome:
    found = connector_entries(ctx)
    if not found:
        return skipped(Msg("no connector certificate to judge (connector_cert_present reports it)",
                           "değerlendirilecek bağlayıcı sertifikası yok (connector_cert_present bildirir)"))
    entry, named = loaded_connector_entry(ctx, found)
    what = (Msg("the connector certificate the registry names", "kayıt defterinin adını verdiği bağlayıcı sertifikası")
            if named else Msg("the connector certificate", "bağlayıcı sertifikası"))
    return judge_validity(entry.info, ctx.now, ctx.settings.expiry_warning_days, what)


@PLUGIN.check(
    "recorded_thumbprint_in_store",
    "Thumbprints the connector recorded match certificates in LocalMachine\\My",
    roles=("connector",),
    reads=(CONNECTOR_REGISTRY, CERTS_MY),
    codes=(THUMBPRINT_NOT_FOUND,),
    remediation="Re-run the connector configuration so it records the certificate that is in LocalMachine\\My, "
    "or restore the missing certificate (with its private key) from backup.",
    title_tr="Bağlayıcının kaydettiği parmak izleri LocalMachine\\My sertifikalarıyla eşleşiyor",
    remediation_tr="Bağlayıcı yapılandırmasını yeniden çalıştırarak LocalMachine\\My deposundaki sertifikayı "
    "kaydetmesini sağlayın ya da eksik sertifikayı (özel anahtarıyla birlikte) yedekten geri yükleyin.",
    references=(learn.CONNECTOR_EVENTS,),
)
def recorded_thumbprint_in_store(ctx: Context) -> Outcome:
    registry = ctx.read(CONNECTOR_REGISTRY)
    if registry_key(registry, INTUNE_ROOT_KEY) is None:
        return failed(Msg(f"{INTUNE_ROOT_KEY} does not exist: the connector is not installed or not configured",
                          f"{INTUNE_ROOT_KEY} yok: bağlayıcı kurulu ya da yapılandırılmış değil"), fix=RECONFIGURE_FIX)
    recorded = recorded_thumbprints(registry)
    if not recorded:
        return unknown(
            Msg("the connector records no certificate thumbprint in its registry; nothing to compare",
                "bağlayıcı kayıt defterinde hiçbir sertifika parmak izi tutmuyor; karşılaştırılacak bir şey yok"),
            {"keys": sorted(registry)},
        )
    unusable = {where: err for where, err in recorded.items() if isinstance(err, ThumbprintError)}
    if unusable:
        where, err = next(iter(unusable.items()))
        return failed(
            Msg(f"the thumbprint recorded in {where} holds a {err}: it matches no certificate",
                f"{where} içinde kayıtlı parmak izi görünmez bir karakter içeriyor ({err}): hiçbir sertifikayla "
                "eşleşmez"),
            {"value": where, "character": f"U+{ord(err.char):04X}", "position": err.position + 1},
            fix=INVISIBLE_CHARACTER_FIX,
        )
    thumbprints = {where: tp for where, tp in recorded.items() if isinstance(tp, str)}
    store = {c.thumbprint: c for c in certificates(ctx, CERTS_MY)}
    missing = {where: tp for where, tp in thumbprints.items() if tp not in store}
    no_key = {where: tp for where, tp in thumbprints.items() if tp in store and store[tp].has_private_key is False}
    evidence: dict[str, Any] = {"recorded": thumbprints}
    if missing:
        listed = ", ".join(f"{tp} ({where})" for where, tp in missing.items())
        return failed(Msg(f"recorded thumbprint not found in LocalMachine\\My: {listed}",
                          f"kayıtlı parmak izi LocalMachine\\My içinde bulunamadı: {listed}"),
                      {**evidence, "store_thumbprints": sorted(store)})
    if no_key:
        listed = ", ".join(no_key.values())
        return failed(Msg(f"recorded certificate has no private key: {listed}",
                          f"kayıtlı sertifikanın özel anahtarı yok: {listed}"), evidence)
    return passed(Msg(f"{len(thumbprints)} recorded thumbprint(s) found in LocalMachine\\My with private keys",
                      f"kayıtlı {len(thumbprints)} parmak izi LocalMachine\\My içinde özel anahtarlarıyla bulundu"),
                  evidence)


def needed_services(features: Sequence[str]) -> dict[str, list[str]]:
    """Service name → the enabled features that need it."""
    needed: dict[str, list[str]] = {CORE_SERVICE: list(features)}
    for feature in features:
        for name in FEATURE_SERVICES[feature]:
            needed.setdefault(name, []).append(feature)
    return needed


@PLUGIN.check(
    "connector_services_running",
    "The connector services its enabled features need are running and start automatically",
    roles=("connector",),
    reads=(SERVICES,),
    codes=(SCEP_SIGNING_CERT, UNKNOWN_ERROR),
    remediation="Start the stopped connector services (services.msc) and set them to Automatic; if they stop "
    "again, read the connector's Admin event log for the reason.",
    title_tr="Bağlayıcının etkin özelliklerinin gerektirdiği hizmetler çalışıyor ve otomatik başlıyor",
    remediation_tr="Durmuş bağlayıcı hizmetlerini başlatın (services.msc) ve başlangıç türlerini Otomatik "
    "(Automatic) yapın; yeniden dururlarsa nedenini bağlayıcının Yönetici (Admin) olay günlüğünde arayın.",
    references=(learn.CONNECTOR_INSTALL, learn.DIGICERT_CONFIGURE),
)
def connector_services_running(ctx: Context) -> Outcome:
    present = [s for s in (service(ctx, name) for name in CONNECTOR_SERVICES) if s is not None]
    if not present:
        return failed(Msg("no certificate connector service is installed",
                          "hiçbir sertifika bağlayıcısı hizmeti kurulu değil"),
                      {"expected": list(CONNECTOR_SERVICES)}, fix=UPDATE_FIX)
    states = {s.name: f"{s.status}/{s.start_type}" for s in present}
    down = [s.name for s in present if s.status != "Running" or s.start_type == "Disabled"]
    features = ctx.site.connector_features
    evidence: dict[str, Any] = {"services": states, "features": features}
    if features is None:
        if down:
            listed = ", ".join(down)
            return unknown(
                Msg(f"not running: {listed}; whether this connector needs them depends on the features it has, which "
                    "the facts do not say",
                    f"çalışmıyor: {listed}; bu bağlayıcının onlara gerek duyup duymadığı kullandığı özelliklere "
                    "bağlı ve olgular bunu söylemiyor"),
                evidence, fix=FEATURES_FIX)
        return passed(Msg(f"{len(present)} connector service(s) running",
                          f"{len(present)} bağlayıcı hizmeti çalışıyor"), evidence)
    needed = needed_services(features)
    evidence["needed"] = needed
    # Windows names services without regard to case: the facts may spell a needed service otherwise.
    installed = {s.name.casefold() for s in present}
    wanted = {name.casefold(): name for name in needed}
    absent = [name for name in needed if name.casefold() not in installed]
    stopped = [name for name in down if name.casefold() in wanted]
    if absent or stopped:
        parts = [f"{name} ({'not installed' if name in absent else states[name]}; needed by "
                 f"{', '.join(needed[wanted[name.casefold()]]) or 'the connector'})" for name in absent + stopped]
        parts_tr = [f"{name} ({'kurulu değil' if name in absent else states[name]}; gerektiren: "
                    f"{', '.join(needed[wanted[name.casefold()]]) or 'bağlayıcı'})" for name in absent + stopped]
        return failed(Msg("not running: " + "; ".join(parts), "çalışmıyor: " + "; ".join(parts_tr)), evidence,
                      fix=UPDATE_FIX if absent and not stopped else None)
    idle = [name for name in down if name.casefold() not in wanted]
    note = Msg(f"; not needed by {', '.join(features)} and not running: {', '.join(idle)}",
               f"; {', '.join(features)} için gerekmeyen ve çalışmayan: {', '.join(idle)}") if idle else Msg("", "")
    return passed(Msg(f"the {len(needed)} service(s) that {', '.join(features)} need are running{note.en}",
                      f"{', '.join(features)} özelliklerinin gerektirdiği {len(needed)} hizmet çalışıyor"
                      f"{note.in_lang('tr')}"), evidence)


@PLUGIN.check(
    "connector_version_supported",
    "The installed Certificate Connector for Microsoft Intune is a supported release",
    roles=("connector",),
    reads=(INSTALLED_SOFTWARE,),
    codes=(UNKNOWN_ERROR,),
    remediation=UPDATE_FIX.en,
    title_tr="Kurulu Certificate Connector for Microsoft Intune desteklenen bir sürüm",
    remediation_tr=UPDATE_FIX.tr,
    references=(learn.CONNECTOR_OVERVIEW,),
)
def connector_version_supported(ctx: Context) -> Outcome:
    table = load_releases()
    legacy = {p.display_name: p.display_version for p in ctx.read(INSTALLED_SOFTWARE)
              if p.display_name in table.legacy_products}
    if legacy:
        listed = ", ".join(f"{n} {v}" for n, v in legacy.items())
        return failed(Msg(f"legacy connector installed, no longer supported: {listed}",
                          f"eski bağlayıcı kurulu, artık desteklenmiyor: {listed}"), {"installed": legacy},
                      fix=LEGACY_FIX)
    try:
        found = installed_version(ctx)
    except ValueError as exc:
        return unreadable_version(exc)
    if found is None:
        return failed(Msg(f"{table.product} is not installed", f"{table.product} kurulu değil"), fix=UPDATE_FIX)
    version, spelled = found
    state = lifecycle(table, version, ctx.now.date())
    return note_duplicates(lifecycle_outcome(state, lifecycle_evidence(state, spelled)), spelled)


def windows_build(version: str) -> int | None:
    """'10.0.17763' → 17763 (Win32_OperatingSystem.Version)."""
    parts = parse_version(version)
    return parts[2] if parts and len(parts) >= 3 else None


@PLUGIN.check(
    "strong_mapping_enabled",
    "PKCS certificates carry the SID extension (KB5014754 strong mapping)",
    roles=("connector",),
    reads=(INSTALLED_SOFTWARE, CONNECTOR_REGISTRY, HOST_INFO),
    remediation="Upgrade the connector to 6.2406.0.1001 or later, set EnableSidSecurityExtension=1 under "
    "HKLM\\SOFTWARE\\Microsoft\\MicrosoftIntune\\PFXCertificateConnector, restart the PFX Create "
    "services. Without it, domain controllers in full enforcement reject certificate logons.",
    title_tr="PKCS sertifikaları SID uzantısını taşıyor (KB5014754 güçlü eşleme)",
    remediation_tr="Bağlayıcıyı 6.2406.0.1001 veya sonraki bir sürüme yükseltin, "
    "HKLM\\SOFTWARE\\Microsoft\\MicrosoftIntune\\PFXCertificateConnector altında EnableSidSecurityExtension=1 "
    "ayarlayın ve PFX Create hizmetlerini yeniden başlatın. Bu yapılmazsa tam zorlama (Full Enforcement) modundaki "
    "etki alanı denetleyicileri sertifikayla oturum açmayı reddeder.",
    references=(learn.CONNECTOR_PREREQUISITES, learn.CONNECTOR_OVERVIEW, learn.PKCS_CONFIGURE),
)
def strong_mapping_enabled(ctx: Context) -> Outcome:
    features = ctx.site.connector_features
    if features is not None and "pkcs" not in features:
        return skipped(Msg(f"PKCS is not among this connector's features ({', '.join(features)}): the SID extension "
                           "setting applies to PKCS certificates only",
                           f"PKCS bu bağlayıcının özellikleri arasında değil ({', '.join(features)}): SID uzantısı "
                           "ayarı yalnızca PKCS sertifikalarına uygulanır"))
    try:
        found = installed_version(ctx)
    except ValueError as exc:
        return unreadable_version(exc)
    if found is None:
        return skipped(Msg(f"{load_releases().product} not installed (connector_version_supported reports it)",
                           f"{load_releases().product} kurulu değil (connector_version_supported bildirir)"))
    first = load_releases().first_with("sid_extension")
    host = ctx.read(HOST_INFO)
    flag = registry_dword(registry_key(ctx.read(CONNECTOR_REGISTRY), PFX_CONNECTOR_KEY), "EnableSidSecurityExtension")
    version = spell(found[0])
    build = windows_build(host.os_version)
    evidence = {"version": version, "EnableSidSecurityExtension": flag, "os": host.os_caption,
                "os_version": host.os_version, "features": features}
    if build is None or build < WINDOWS_SERVER_2019_BUILD:
        return warned(Msg(f"{host.os_caption} ({host.os_version}): strong mapping in the connector needs Windows "
                          "Server 2019 or later",
                          f"{host.os_caption} ({host.os_version}): bağlayıcıda güçlü eşleme Windows Server 2019 veya "
                          "sonrasını gerektirir"), evidence, fix=OS_FIX)
    if found[0] < first.version:
        return warned(Msg(f"connector {version} cannot add the SID extension (needs {first.spelled})",
                          f"bağlayıcı {version} SID uzantısını ekleyemez ({first.spelled} gerekir)"), evidence,
                      fix=UPDATE_FIX)
    if flag != 1:
        scope_en = "" if features else " (if this connector issues PKCS certificates: its features are not known)"
        scope_tr = "" if features else " (bu bağlayıcı PKCS sertifikası veriyorsa: özellikleri bilinmiyor)"
        return warned(Msg("EnableSidSecurityExtension is not 1 (REG_DWORD): PKCS certificates lack the SID extension"
                          + scope_en,
                          "EnableSidSecurityExtension 1 (REG_DWORD) değil: PKCS sertifikaları SID uzantısını "
                          "taşımıyor" + scope_tr), evidence)
    return passed(Msg("the connector adds the SID extension to PKCS certificates",
                      "bağlayıcı PKCS sertifikalarına SID uzantısını ekliyor"), evidence)


def same_host(a: str, b: str) -> bool:
    """'CA01.contoso.com.' and 'ca01.contoso.com', or a short name and an FQDN with that first label, name one host
    (DNS names are compared without regard to case; a short name resolves through the DNS suffix)."""
    a, b = a.casefold().rstrip("."), b.casefold().rstrip(".")
    if "." in a and "." in b:
        return a == b
    return a.split(".")[0] == b.split(".")[0]


@PLUGIN.check(
    "ca_reachable_from_connector",
    "The connector resolves the CA and reaches it on TCP 135 (RPC)",
    roles=("connector",),
    reads=(CA_REACHABILITY,),
    codes=(CA_UNAVAILABLE,),
    remediation="Fix DNS for the CA's name and open TCP 135 plus the dynamic RPC range (49152-65535) from the "
    "connector to the CA in every firewall between them.",
    title_tr="Bağlayıcı CA'yı çözümlüyor ve TCP 135 (RPC) ile erişiyor",
    remediation_tr="CA'nın adı için DNS'i düzeltin; bağlayıcıdan CA'ya giden yol üzerindeki her güvenlik duvarında "
    "TCP 135'i ve dinamik RPC aralığını (49152-65535) açın.",
    references=(learn.CONNECTOR_EVENTS, learn.CONNECTOR_OVERVIEW),
)
def ca_reachable_from_connector(ctx: Context) -> Outcome:
    reach = ctx.read(CA_REACHABILITY)
    evidence = {"target": reach.target, "addresses": reach.addresses, "tcp": reach.tcp}
    if not reach.target:
        reason = reach.error or "no target"
        return unknown(Msg(f"the connector host was not told which CA to test: {reason}",
                           f"bağlayıcı sunucusuna hangi CA'nın sınanacağı söylenmedi: {reason}"), evidence,
                       fix=CA_CONFIG_FIX)
    configured = (ctx.site.ca_config or "").split("\\")[0]
    if configured and not same_host(configured, reach.target):
        return unknown(Msg(f"the facts tested {reach.target}; the site's CA ([site] ca_config) is on {configured}",
                           f"olgular {reach.target} sunucusunu sınadı; sitenin CA'sı ([site] ca_config) {configured} "
                           "üzerinde"), evidence, fix=RECOLLECT_FIX)
    if not reach.addresses:
        reason = reach.error or "no address"
        return failed(Msg(f"cannot resolve {reach.target}: {reason}", f"{reach.target} çözümlenemiyor: {reason}"),
                      evidence, fix=DNS_FIX)
    if reach.tcp.get("135") is not True:
        reason = reach.error or "refused"
        return failed(Msg(f"TCP 135 to {reach.target} is not reachable: {reason}",
                          f"{reach.target} adresine TCP 135 erişilemiyor: {reason}"), evidence)
    return passed(Msg(f"{reach.target} resolves and answers on TCP 135",
                      f"{reach.target} çözümleniyor ve TCP 135'te yanıt veriyor"), evidence)


REACH_FIXES: dict[str, Fix] = {
    "blocked": Fix(
        "Allow outbound TCP 443 from the connector to the endpoints named (through its proxy, if it has one) in every "
        "firewall on the way; Microsoft's network endpoints page lists them.",
        "Bağlayıcıdan adı geçen adreslere giden TCP 443 trafiğine (varsa ara sunucusu üzerinden) yol üzerindeki her "
        "güvenlik duvarında izin verin; Microsoft'un ağ adresleri (network endpoints) sayfası bunları listeler.",
    ),
    "proxy_refused": Fix(
        "Allow the connector's proxy to open CONNECT tunnels to the endpoints named (its allow list), or correct the "
        "proxy in the connector's configuration wizard (Proxy page).",
        "Bağlayıcının ara sunucusunun adı geçen adreslere CONNECT tüneli açmasına izin verin (izin listesi) ya da "
        "bağlayıcının yapılandırma sihirbazındaki ara sunucuyu düzeltin (Proxy sayfası).",
    ),
    "inspected": Fix(
        "Exempt the endpoints named from TLS inspection on the proxy or firewall (Microsoft does not support "
        "inspecting the Intune service endpoints); the connector must see Microsoft's own certificates.",
        "Adı geçen adresleri ara sunucuda ya da güvenlik duvarında TLS denetiminin (TLS inspection) dışında tutun "
        "(Microsoft Intune hizmet adreslerinin denetlenmesini desteklemez); bağlayıcı Microsoft'un kendi "
        "sertifikalarını görmelidir.",
    ),
    "untrusted": Fix(
        "Install the latest root certificate update on the connector (or re-enable automatic root updates): Windows "
        "does not trust the root Microsoft's endpoints chain to.",
        "Bağlayıcıya en son kök sertifika güncelleştirmesini kurun (ya da otomatik kök güncelleştirmesini yeniden "
        "açın): Windows, Microsoft adreslerinin bağlandığı köke güvenmiyor.",
    ),
    "tls_failed": Fix(
        "Find what ends the TLS handshake (a firewall or proxy resetting it, TLS 1.2 disabled: see tls12_enabled).",
        "TLS el sıkışmasını neyin kestiğini bulun (onu sıfırlayan bir güvenlik duvarı ya da ara sunucu, kapalı TLS "
        "1.2: tls12_enabled'a bakın).",
    ),
    "untested": Fix(
        "Collect again when the connector's network answers faster, or test the endpoints named from the connector by "
        "hand: each endpoint not reached in 15 s is left out so the fact script keeps its time.",
        "Bağlayıcının ağı daha hızlı yanıt verdiğinde yeniden toplayın ya da adı geçen adresleri bağlayıcıdan elle "
        "sınayın: 15 sn içinde erişilemeyecek her adres, olgu betiği süresini aşmasın diye dışarıda bırakılır.",
    ),
    "proxy_auth": Fix(
        "The connector's proxy asks for credentials, which conncheck does not hold: check these endpoints from the "
        "connector by hand, or let the proxy pass the connector without authentication (Microsoft asks for "
        "unauthenticated access to manage.microsoft.com and graph.microsoft.com).",
        "Bağlayıcının ara sunucusu conncheck'te olmayan kimlik bilgileri istiyor: bu adresleri bağlayıcıdan elle "
        "denetleyin ya da ara sunucunun bağlayıcıyı kimlik doğrulamasız geçirmesine izin verin (Microsoft "
        "manage.microsoft.com ve graph.microsoft.com için kimlik doğrulamasız erişim ister).",
    ),
}
UNTESTED = ("proxy_auth", "untested")  # kinds that verified nothing: UNKNOWN, unless something else FAILs
# What each kind of result says, worst first: (English, Turkish).
REACH_LABELS: dict[str, tuple[str, str]] = {
    "blocked": ("not reachable", "erişilemiyor"),
    "proxy_refused": ("refused by the proxy", "ara sunucu reddediyor"),
    "inspected": ("TLS inspected", "TLS denetiminden geçiyor"),
    "untrusted": ("certificate refused by Windows", "sertifikayı Windows reddediyor"),
    "tls_failed": ("TLS handshake failed", "TLS el sıkışması başarısız"),
    "proxy_auth": ("not tested: the proxy wants credentials", "sınanamadı: ara sunucu kimlik bilgisi istiyor"),
    "untested": ("not tested in the probe's time", "yoklamanın süresi içinde sınanmadı"),
}


def _reach_finding(by_kind: dict[str, list[EndpointVerdict]], lang: str) -> str:
    """'not reachable: a:443 (error); TLS inspected: b:443, c:443 (issued by X; chain ends at X)', worst kind first;
    endpoints one middlebox re-signs are named together."""
    index = 1 if lang == "tr" else 0
    parts = []
    for kind, found in by_kind.items():
        if not found:
            continue
        if kind == "inspected":
            by_signer: dict[tuple[str | None, str | None], list[str]] = {}
            for v in found:
                by_signer.setdefault((v.issuer, v.root), []).append(v.name)
            details = [", ".join(names) + (f" (sunulan sertifikayı veren: {issuer}; zincirin kökü: {root})"
                                           if lang == "tr" else
                                           f" (certificate presented issued by {issuer}; chain ends at {root})")
                       for (issuer, root), names in by_signer.items()]
        else:
            details = [_reach_detail(v) for v in found]
        parts.append(f"{REACH_LABELS[kind][index]}: " + ", ".join(details))
    return "; ".join(parts)


def _reach_detail(verdict: EndpointVerdict) -> str:
    test = verdict.test
    if verdict.reach in ("proxy_refused", "proxy_auth"):
        return f"{verdict.name} (HTTP {test.proxy_status})"
    return f"{verdict.name} ({test.error})" if test.error else verdict.name


@PLUGIN.check(
    "intune_endpoints_reachable",
    "The connector reaches the Intune endpoints of its cloud the way it connects, without TLS inspection",
    roles=("connector",),
    reads=(INTUNE_REACHABILITY,),
    events=HEALTH_UPLOAD_FAILURES,
    remediation=REACH_FIXES["blocked"].en,
    title_tr="Bağlayıcı kendi bulutunun Intune adreslerine kendi bağlandığı yoldan, TLS denetimi olmadan erişiyor",
    remediation_tr=REACH_FIXES["blocked"].tr,
    references=(learn.INTUNE_ENDPOINTS, learn.US_GOVERNMENT_ENDPOINTS, learn.CHINA_ENDPOINTS,
                learn.CONNECTOR_OVERVIEW, learn.AZURE_CA_DETAILS, learn.ROOT_UPDATES),
)
def intune_endpoints_reachable(ctx: Context) -> Outcome:
    reach = ctx.read(INTUNE_REACHABILITY)
    cloud = ctx.site.intune_cloud
    if reach.cloud != cloud:
        return unknown(Msg(f"the facts tested the {reach.cloud} endpoints; the site's cloud is {cloud}",
                           f"olgular {reach.cloud} adreslerini sınadı; sitenin bulutu {cloud}"),
                       {"tested": reach.cloud, "site": cloud}, fix=COLLECT_FIX)
    if not reach.endpoints:
        return unknown(Msg("no Intune endpoint was tested", "hiçbir Intune adresi sınanmadı"), fix=COLLECT_FIX)
    try:
        verdicts = [judge(test) for test in reach.endpoints]
    except CertificateError as exc:
        return unknown(Msg(f"a presented certificate chain is not readable: {exc}",
                           f"sunulan bir sertifika zinciri okunamıyor: {exc}"))
    via = (f"via {reach.proxy}", f"{reach.proxy} üzerinden") if reach.proxy else ("direct", "doğrudan")
    evidence = {"cloud": cloud, "proxy": reach.proxy, "proxy_source": reach.proxy_source,
                "endpoints": [v.evidence() for v in verdicts]}
    by_kind = {kind: [v for v in verdicts if v.reach == kind] for kind in REACH_LABELS}
    if any(by_kind.values()):
        finding = Msg(_reach_finding(by_kind, "en") + f" ({via[0]})", _reach_finding(by_kind, "tr") + f" ({via[1]})")
        # TLS inspection of an endpoint where Microsoft does not say it is unsupported is a WARN; the rest FAIL.
        failing = [kind for kind, found in by_kind.items() if kind not in UNTESTED and any(
            kind != "inspected" or v.inspection_unsupported for v in found)]
        if failing:
            return failed(finding, evidence, fix=REACH_FIXES[failing[0]])
        untested = [kind for kind in UNTESTED if by_kind[kind]]
        if untested:
            return unknown(finding, evidence, fix=REACH_FIXES[untested[0]])
        return warned(finding, evidence, fix=REACH_FIXES["inspected"])
    return passed(Msg(f"{len(verdicts)} {cloud} Intune endpoint(s) reachable with Microsoft's certificates "
                      f"({via[0]})",
                      f"{len(verdicts)} {cloud} Intune adresine Microsoft'un sertifikalarıyla erişiliyor "
                      f"({via[1]})"), evidence)


def ra_thumbprints_in_config(files: dict[str, str]) -> dict[str, str]:
    """The RACertThumbprint appSetting of each connector .config file (DigiCert CA integration), as written."""
    out = {}
    for path, text in files.items():
        root = ElementTree.fromstring(text)
        for add in root.iter("add"):
            if add.get("key") == "RACertThumbprint":
                out[path] = (add.get("value") or "").strip()
    return out


def digicert_configuration(ctx: Context) -> dict[str, str] | Outcome:
    """The RACertThumbprint of each connector .config file; the outcome that stops a DigiCert check instead: SKIP
    without a DigiCert CA, UNKNOWN when a file is not XML."""
    if not ctx.site.digicert:
        return skipped(Msg("no DigiCert CA configured for this site ([site] digicert = false)",
                           "bu site için DigiCert CA yapılandırılmamış ([site] digicert = false)"))
    try:
        return ra_thumbprints_in_config(ctx.read(CONNECTOR_CONFIG_FILES))
    except ElementTree.ParseError as exc:
        return unknown(Msg(f"a connector .config file is not readable XML (or was cut at the 1 MiB cap): {exc}",
                           f"bir bağlayıcı .config dosyası okunabilir XML değil (ya da 1 MiB sınırında kesildi): "
                           f"{exc}"))


DIGICERT_FIX = Fix(
    "Import the DigiCert RA certificate with its private key into LocalMachine\\My, put its thumbprint in "
    "RACertThumbprint of each connector .config file, restart the connector services.",
    "DigiCert RA sertifikasını özel anahtarıyla birlikte LocalMachine\\My deposuna aktarın, parmak izini her "
    "bağlayıcı .config dosyasındaki RACertThumbprint değerine yazın ve bağlayıcı hizmetlerini yeniden başlatın.",
)


@PLUGIN.check(
    "digicert_ra_cert_configured",
    "The DigiCert RA certificate is installed and named in the connector's config",
    roles=("connector",),
    reads=(CERTS_MY, CONNECTOR_CONFIG_FILES),
    codes=(DIGICERT_RA_CERT,),
    remediation=DIGICERT_FIX.en,
    title_tr="DigiCert RA sertifikası kurulu ve bağlayıcı yapılandırmasında adı geçiyor",
    remediation_tr=DIGICERT_FIX.tr,
    references=(learn.DIGICERT_CONFIGURE, learn.CONNECTOR_EVENTS),
)
def digicert_ra_cert_configured(ctx: Context) -> Outcome:
    configured = digicert_configuration(ctx)
    if isinstance(configured, Outcome):
        return configured
    if not configured or not any(configured.values()):
        return failed(Msg("no RACertThumbprint is set in the connector's .config files",
                          "bağlayıcının .config dosyalarında RACertThumbprint ayarlanmamış"),
                      {"files": sorted(configured)})
    store = {c.thumbprint: c for c in certificates(ctx, CERTS_MY)}
    for path, value in configured.items():
        try:
            thumbprint = parse_thumbprint(value)
        except ThumbprintError as exc:
            return failed(Msg(f"RACertThumbprint in {path} holds a {exc}: it matches no certificate",
                              f"{path} içindeki RACertThumbprint görünmez bir karakter içeriyor ({exc}): hiçbir "
                              "sertifikayla eşleşmez"), {"file": path}, fix=INVISIBLE_CHARACTER_FIX)
        cert = store.get(thumbprint)
        if cert is None:
            return failed(Msg(f"RACertThumbprint {thumbprint or '(empty)'} in {path} is not in LocalMachine\\My",
                              f"{path} içindeki RACertThumbprint {thumbprint or '(boş)'} LocalMachine\\My içinde yok"),
                          {"configured": configured})
        if not cert.has_eku(OID_CLIENT_AUTH) or cert.has_private_key is False:
            return failed(Msg(f"the RA certificate {thumbprint} lacks Client Authentication or its private key",
                              f"RA sertifikası {thumbprint} İstemci Kimlik Doğrulaması (Client Authentication) "
                              "EKU'sundan ya da özel anahtarından yoksun"), cert.evidence(ctx.now))
    # Each .config file may name its own certificate: every one is judged, the worst told.
    judged = [judge_validity(store[thumbprint], ctx.now, ctx.settings.expiry_warning_days,
                             Msg("the DigiCert RA certificate", "DigiCert RA sertifikası"))
              for thumbprint in dict.fromkeys(parse_thumbprint(value) for value in configured.values())]
    return min(judged, key=lambda outcome: SEVERITY.index(outcome.status))


@PLUGIN.check(
    "digicert_ra_key_opens",
    "The private key of the DigiCert RA certificate opens",
    roles=("connector",),
    reads=(CERTS_MY, CONNECTOR_CONFIG_FILES, HOST_INFO),
    codes=(DIGICERT_RA_CERT,),
    remediation=DIGICERT_FIX.en,
    title_tr="DigiCert RA sertifikasının özel anahtarı açılıyor",
    remediation_tr=DIGICERT_FIX.tr,
    references=(learn.DIGICERT_CONFIGURE,),
)
def digicert_ra_key_opens(ctx: Context) -> Outcome:
    configured = digicert_configuration(ctx)
    if isinstance(configured, Outcome):
        return configured
    try:
        thumbprints = {parse_thumbprint(value) for value in configured.values() if value}
    except ThumbprintError as exc:
        return skipped(Msg(f"RACertThumbprint cannot be used ({exc}): digicert_ra_cert_configured reports it",
                           f"RACertThumbprint kullanılamıyor ({exc}): digicert_ra_cert_configured bildirir"))
    entries = [e for e in store_entries(ctx) if e.info.thumbprint in thumbprints and e.has_private_key]
    if not entries:
        return skipped(Msg("no configured DigiCert RA certificate with a private key in LocalMachine\\My "
                           "(digicert_ra_cert_configured reports it)",
                           "LocalMachine\\My içinde yapılandırılmış, özel anahtarlı DigiCert RA sertifikası yok "
                           "(digicert_ra_cert_configured bildirir)"))
    judged = [judge_key_opens(ctx, entry, Msg("the DigiCert RA certificate", "DigiCert RA sertifikasının"),
                              DIGICERT_FIX) for entry in entries]
    return min(judged, key=lambda outcome: SEVERITY.index(outcome.status))

