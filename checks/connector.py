"""The connector host: its certificate, its recorded thumbprints, its services, version and reachability."""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from conncheck.catalog.codes import UNKNOWN_ERROR
from conncheck.checks._common import certificates, judge_validity, newest
from conncheck.checks.host import CERTS_MY, INSTALLED_SOFTWARE, SERVICES, service
from conncheck.pki.certs import OID_CLIENT_AUTH, CertInfo, ThumbprintError, parse_thumbprint
from conncheck.plugin import Context, Plugin
from conncheck.results import Fix, Outcome, failed, passed, skipped, unknown, warned
from conncheck.schema import RegistryKey, registry_dword
from defusedxml import ElementTree

PLUGIN = Plugin("connector")


class CaReachability(msgspec.Struct):
    target: Annotated[str, msgspec.Meta(description="the CA host of site.ca_config")]
    addresses: list[str]
    tcp: Annotated[dict[str, bool], msgspec.Meta(description='{"135": reached}')]
    error: str | None


CONNECTOR_REGISTRY = PLUGIN.probe(
    "connector_registry", dict[str, RegistryKey | None], roles=("connector",),
    powershell="ps/connector_registry.ps1",
    description="HKLM\\SOFTWARE\\Microsoft\\MicrosoftIntune and every subkey: key path → key (null: absent)",
)
CONNECTOR_CONFIG_FILES = PLUGIN.probe(
    "connector_config_files", dict[str, str], roles=("connector",), powershell="ps/connector_config_files.ps1",
    description="The connector services' .exe.config files: path → text (each capped at 1 MiB)",
)
CA_REACHABILITY = PLUGIN.probe(
    "ca_reachability", CaReachability, roles=("connector",), powershell="ps/ca_reachability.ps1",
    description="DNS resolution of the CA host and TCP 135 to it, from the connector",
)
INTUNE_REACHABILITY = PLUGIN.probe(
    "intune_reachability", dict[str, bool], roles=("connector",), powershell="ps/intune_reachability.ps1",
    budget_s=30,
    description="TCP 443 to the Intune service endpoints: 'host:443' → reached",
)

INTUNE_ROOT_KEY = "HKLM\\SOFTWARE\\Microsoft\\MicrosoftIntune"
PFX_CONNECTOR_KEY = INTUNE_ROOT_KEY + "\\PFXCertificateConnector"
# Issuers of the certificate Intune gives the connector when it registers (new connector, then legacy ones).
CONNECTOR_CA_NAMES = (
    "Microsoft Intune ImportPFX Connector CA",
    "Microsoft Intune NDES Connector CA",
    "Microsoft Intune Connector CA",
)
CONNECTOR_SERVICES = (
    "PFXCertificateConnectorSvc",
    "PkiCreateConnectorSvc",
    "PfxCreateLegacyConnectorSvc",
    "PkiRevokeConnectorSvc",
)
CURRENT_PRODUCT = "Certificate Connector for Microsoft Intune"
LEGACY_PRODUCTS = (
    "PFX Certificate Connector for Microsoft Intune",
    "Microsoft Intune Connector",
    "Intune NDES Connector",
    "Microsoft Intune NDES Connector",
)
INVISIBLE_CHARACTER_FIX = Fix(
    "Type the thumbprint again by hand (or paste it from `Get-ChildItem Cert:\\LocalMachine\\My`): a value copied "
    "from the certificate dialog carries an invisible character (U+200E) that makes it match no certificate.",
    "Parmak izini elle yeniden yazın (ya da `Get-ChildItem Cert:\\LocalMachine\\My` çıktısından yapıştırın): "
    "sertifika penceresinden kopyalanan değer, hiçbir sertifikayla eşleşmemesine yol açan görünmez bir karakter "
    "(U+200E) taşır.",
)
MIN_SUPPORTED = (6, 2109, 51, 0)  # older releases of the certificate connector are no longer supported
MIN_STRONG_MAPPING = (6, 2406, 0, 1001)  # first release that can write the SID extension (KB5014754)


def connector_certificates(ctx: Context) -> list[CertInfo]:
    return [c for c in certificates(ctx, CERTS_MY) if c.issuer_cn in CONNECTOR_CA_NAMES]


@PLUGIN.check(
    "connector_cert_present",
    "The connector's Intune certificate is in LocalMachine\\My with its private key",
    roles=("connector",),
    reads=(CERTS_MY,),
    codes=(0x404,),
    remediation="Re-run the certificate connector's configuration wizard and sign in again: it requests a new "
    "connector certificate from Intune into LocalMachine\\My.",
    title_tr="Bağlayıcının Intune sertifikası özel anahtarıyla LocalMachine\\My içinde",
    remediation_tr="Sertifika bağlayıcısının yapılandırma sihirbazını yeniden çalıştırıp yeniden oturum açın: "
    "sihirbaz Intune'dan LocalMachine\\My deposuna yeni bir bağlayıcı sertifikası ister.",
)
def connector_cert_present(ctx: Context) -> Outcome:
    found = connector_certificates(ctx)
    if not found:
        return failed(
            f"no certificate issued by {CONNECTOR_CA_NAMES[0]} in LocalMachine\\My",
            {"store_count": len(ctx.read(CERTS_MY))},
        )
    with_key = [c for c in found if c.has_private_key]
    if not with_key:
        return failed(
            "the connector certificate is present but its private key is not", newest(found).evidence(ctx.now)
        )
    cert = newest(with_key)
    return passed(f"connector certificate {cert.thumbprint} present with its private key", cert.evidence(ctx.now))


@PLUGIN.check(
    "connector_cert_not_expired",
    "The connector's Intune certificate is within its validity period",
    roles=("connector",),
    reads=(CERTS_MY, CONNECTOR_REGISTRY),
    codes=(0x405,),
    remediation="Renew the connector certificate: re-run the connector configuration and sign in, or let the "
    "connector renew it (it needs outbound access to Intune); then restart the connector services.",
    title_tr="Bağlayıcının Intune sertifikası geçerlilik süresi içinde",
    remediation_tr="Bağlayıcı sertifikasını yenileyin: bağlayıcı yapılandırmasını yeniden çalıştırıp oturum açın ya "
    "da yenilemeyi bağlayıcıya bırakın (Intune'a giden erişimi olmalıdır); ardından bağlayıcı hizmetlerini yeniden "
    "başlatın.",
)
def connector_cert_not_expired(ctx: Context) -> Outcome:
    found = connector_certificates(ctx)
    if not found:
        return skipped("no connector certificate to judge (connector_cert_present reports it)")
    # The certificate the connector loads is the one its registry names; the newest only when it names none.
    recorded = {tp for tp in recorded_thumbprints(ctx.read(CONNECTOR_REGISTRY)).values() if isinstance(tp, str)}
    loaded = [c for c in found if c.thumbprint in recorded]
    cert = newest(loaded or found)
    what = "the connector certificate the registry names" if loaded else "the connector certificate"
    return judge_validity(cert, ctx.now, ctx.settings.expiry_warning_days, what)


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


@PLUGIN.check(
    "recorded_thumbprint_in_store",
    "Thumbprints the connector recorded match certificates in LocalMachine\\My",
    roles=("connector",),
    reads=(CONNECTOR_REGISTRY, CERTS_MY),
    codes=(0x403,),
    remediation="Re-run the connector configuration so it records the certificate that is in LocalMachine\\My, "
    "or restore the missing certificate (with its private key) from backup.",
    title_tr="Bağlayıcının kaydettiği parmak izleri LocalMachine\\My sertifikalarıyla eşleşiyor",
    remediation_tr="Bağlayıcı yapılandırmasını yeniden çalıştırarak LocalMachine\\My deposundaki sertifikayı "
    "kaydetmesini sağlayın ya da eksik sertifikayı (özel anahtarıyla birlikte) yedekten geri yükleyin.",
)
def recorded_thumbprint_in_store(ctx: Context) -> Outcome:
    registry = ctx.read(CONNECTOR_REGISTRY)
    if registry.get(INTUNE_ROOT_KEY) is None:
        return failed(f"{INTUNE_ROOT_KEY} does not exist: the connector is not installed or not configured")
    recorded = recorded_thumbprints(registry)
    if not recorded:
        return unknown(
            "the connector records no certificate thumbprint in its registry; nothing to compare",
            {"keys": sorted(registry)},
        )
    unusable = {where: err for where, err in recorded.items() if isinstance(err, ThumbprintError)}
    if unusable:
        where, err = next(iter(unusable.items()))
        return failed(
            f"the thumbprint recorded in {where} holds a {err}: it matches no certificate",
            {"value": where, "character": f"U+{ord(err.char):04X}", "position": err.position + 1},
            fix=INVISIBLE_CHARACTER_FIX,
        )
    thumbprints = {where: tp for where, tp in recorded.items() if isinstance(tp, str)}
    store = {c.thumbprint: c for c in certificates(ctx, CERTS_MY)}
    missing = {where: tp for where, tp in thumbprints.items() if tp not in store}
    no_key = {where: tp for where, tp in thumbprints.items() if tp in store and store[tp].has_private_key is False}
    evidence: dict[str, Any] = {"recorded": thumbprints}
    if missing:
        return failed(
            "recorded thumbprint not found in LocalMachine\\My: "
            + ", ".join(f"{tp} ({where})" for where, tp in missing.items()),
            {**evidence, "store_thumbprints": sorted(store)},
        )
    if no_key:
        return failed("recorded certificate has no private key: " + ", ".join(no_key.values()), evidence)
    return passed(f"{len(thumbprints)} recorded thumbprint(s) found in LocalMachine\\My with private keys", evidence)


@PLUGIN.check(
    "connector_services_running",
    "The connector's services are running and start automatically",
    roles=("connector",),
    reads=(SERVICES,),
    codes=(0x409, UNKNOWN_ERROR),
    remediation="Start the stopped connector services (services.msc) and set them to Automatic; if they stop "
    "again, read the connector's Admin event log for the reason.",
    title_tr="Bağlayıcı hizmetleri çalışıyor ve otomatik başlıyor",
    remediation_tr="Durmuş bağlayıcı hizmetlerini başlatın (services.msc) ve başlangıç türlerini Otomatik "
    "(Automatic) yapın; yeniden dururlarsa nedenini bağlayıcının Yönetici (Admin) olay günlüğünde arayın.",
)
def connector_services_running(ctx: Context) -> Outcome:
    present = [s for s in (service(ctx, name) for name in CONNECTOR_SERVICES) if s is not None]
    if not present:
        return failed("no certificate connector service is installed", {"expected": list(CONNECTOR_SERVICES)})
    states = {s.name: f"{s.status}/{s.start_type}" for s in present}
    down = [s.name for s in present if s.status != "Running"]
    disabled = [s.name for s in present if s.start_type == "Disabled" and s.name not in down]
    if down or disabled:
        return failed("not running: " + ", ".join(down + disabled), {"services": states})
    return passed(f"{len(present)} connector service(s) running", {"services": states})


def installed_versions(ctx: Context) -> dict[str, str]:
    """Display name → display version of every installed product (the Uninstall entries)."""
    return {p.display_name: p.display_version for p in ctx.read(INSTALLED_SOFTWARE)}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:4])


@PLUGIN.check(
    "connector_version_supported",
    "A supported Certificate Connector for Microsoft Intune is installed",
    roles=("connector",),
    reads=(INSTALLED_SOFTWARE,),
    codes=(UNKNOWN_ERROR,),
    remediation="Uninstall the legacy connector and install the current Certificate Connector for Microsoft Intune "
    "from the Intune admin center (Tenant administration > Connectors and tokens).",
    title_tr="Desteklenen Certificate Connector for Microsoft Intune kurulu",
    remediation_tr="Eski bağlayıcıyı kaldırın ve güncel Certificate Connector for Microsoft Intune sürümünü Intune "
    "yönetim merkezinden kurun (Kiracı yönetimi > Bağlayıcılar ve belirteçler; Tenant administration > Connectors "
    "and tokens).",
)
def connector_version_supported(ctx: Context) -> Outcome:
    names = installed_versions(ctx)
    legacy = {n: v for n, v in names.items() if n in LEGACY_PRODUCTS}
    current = names.get(CURRENT_PRODUCT)
    if legacy:
        return failed(
            "legacy connector installed, no longer supported: " + ", ".join(f"{n} {v}" for n, v in legacy.items()),
            {"installed": legacy},
        )
    if current is None:
        return failed(f"{CURRENT_PRODUCT} is not installed")
    if _version(current) < MIN_SUPPORTED:
        return failed(
            f"{CURRENT_PRODUCT} {current} is older than the oldest supported release "
            f"{'.'.join(map(str, MIN_SUPPORTED))}",
            {"version": current},
        )
    return passed(f"{CURRENT_PRODUCT} {current} installed", {"version": current})


@PLUGIN.check(
    "strong_mapping_enabled",
    "PKCS certificates carry the SID extension (KB5014754 strong mapping)",
    roles=("connector",),
    reads=(INSTALLED_SOFTWARE, CONNECTOR_REGISTRY),
    remediation="Upgrade the connector to 6.2406.0.1001 or later, set EnableSidSecurityExtension=1 under "
    "HKLM\\SOFTWARE\\Microsoft\\MicrosoftIntune\\PFXCertificateConnector, restart the PFX Create "
    "services. Without it, domain controllers in full enforcement reject certificate logons.",
    title_tr="PKCS sertifikaları SID uzantısını taşıyor (KB5014754 güçlü eşleme)",
    remediation_tr="Bağlayıcıyı 6.2406.0.1001 veya sonraki bir sürüme yükseltin, "
    "HKLM\\SOFTWARE\\Microsoft\\MicrosoftIntune\\PFXCertificateConnector altında EnableSidSecurityExtension=1 "
    "ayarlayın ve PFX Create hizmetlerini yeniden başlatın. Bu yapılmazsa tam zorlama (Full Enforcement) modundaki "
    "etki alanı denetleyicileri sertifikayla oturum açmayı reddeder.",
)
def strong_mapping_enabled(ctx: Context) -> Outcome:
    version = installed_versions(ctx).get(CURRENT_PRODUCT)
    flag = registry_dword(ctx.read(CONNECTOR_REGISTRY).get(PFX_CONNECTOR_KEY), "EnableSidSecurityExtension")
    evidence = {"version": version, "EnableSidSecurityExtension": flag}
    if version is None:
        return skipped(f"{CURRENT_PRODUCT} not installed (connector_version_supported reports it)")
    if _version(version) < MIN_STRONG_MAPPING:
        return warned(f"connector {version} cannot add the SID extension (needs 6.2406.0.1001)", evidence)
    if flag != 1:
        return warned("EnableSidSecurityExtension is not 1 (REG_DWORD): PKCS certificates lack the SID extension",
                      evidence)
    return passed("the connector adds the SID extension to PKCS certificates", evidence)


@PLUGIN.check(
    "ca_reachable_from_connector",
    "The connector resolves the CA and reaches it on TCP 135 (RPC)",
    roles=("connector",),
    reads=(CA_REACHABILITY,),
    codes=(0x400,),
    remediation="Fix DNS for the CA's name and open TCP 135 plus the dynamic RPC range (49152-65535) from the "
    "connector to the CA in every firewall between them.",
    title_tr="Bağlayıcı CA'yı çözümlüyor ve TCP 135 (RPC) ile erişiyor",
    remediation_tr="CA'nın adı için DNS'i düzeltin; bağlayıcıdan CA'ya giden yol üzerindeki her güvenlik duvarında "
    "TCP 135'i ve dinamik RPC aralığını (49152-65535) açın.",
)
def ca_reachable_from_connector(ctx: Context) -> Outcome:
    reach = ctx.read(CA_REACHABILITY)
    evidence = {"target": reach.target, "addresses": reach.addresses, "tcp": reach.tcp}
    if not reach.target:
        return unknown(f"the connector host was not told which CA to test: {reach.error or 'no target'}", evidence)
    if not reach.addresses:
        return failed(f"cannot resolve {reach.target}: {reach.error or 'no address'}", evidence)
    if reach.tcp.get("135") is not True:
        return failed(f"TCP 135 to {reach.target} is not reachable: {reach.error or 'refused'}", evidence)
    return passed(f"{reach.target} resolves and answers on TCP 135", evidence)


@PLUGIN.check(
    "intune_endpoints_reachable",
    "The connector reaches the Intune service endpoints on TCP 443",
    roles=("connector",),
    reads=(INTUNE_REACHABILITY,),
    remediation="Allow outbound HTTPS from the connector to the Intune and Entra ID endpoints (proxy and firewall); "
    "see Microsoft's Intune network endpoints list.",
    title_tr="Bağlayıcı Intune uç noktalarına TCP 443 ile erişiyor",
    remediation_tr="Bağlayıcıdan Intune ve Entra ID uç noktalarına giden HTTPS trafiğine izin verin (ara sunucu ve "
    "güvenlik duvarı); Microsoft'un Intune ağ uç noktaları listesine bakın.",
)
def intune_endpoints_reachable(ctx: Context) -> Outcome:
    reach = ctx.read(INTUNE_REACHABILITY)
    if not reach:
        return unknown("no Intune endpoint was tested")
    blocked = [endpoint for endpoint, ok in reach.items() if ok is not True]
    if blocked:
        return failed("not reachable: " + ", ".join(blocked), {"endpoints": reach})
    return passed(f"{len(reach)} Intune endpoint(s) reachable", {"endpoints": reach})


def ra_thumbprints_in_config(files: dict[str, str]) -> dict[str, str]:
    """The RACertThumbprint appSetting of each connector .config file (DigiCert CA integration), as written."""
    out = {}
    for path, text in files.items():
        root = ElementTree.fromstring(text)
        for add in root.iter("add"):
            if add.get("key") == "RACertThumbprint":
                out[path] = (add.get("value") or "").strip()
    return out


@PLUGIN.check(
    "digicert_ra_cert_configured",
    "The DigiCert RA certificate is installed and named in the connector's config",
    roles=("connector",),
    reads=(CERTS_MY, CONNECTOR_CONFIG_FILES),
    codes=(0x401,),
    remediation="Import the DigiCert RA certificate with its private key into LocalMachine\\My, put its thumbprint "
    "in RACertThumbprint of each connector .config file, restart the connector services.",
    title_tr="DigiCert RA sertifikası kurulu ve bağlayıcı yapılandırmasında adı geçiyor",
    remediation_tr="DigiCert RA sertifikasını özel anahtarıyla birlikte LocalMachine\\My deposuna aktarın, parmak "
    "izini her bağlayıcı .config dosyasındaki RACertThumbprint değerine yazın ve bağlayıcı hizmetlerini yeniden "
    "başlatın.",
)
def digicert_ra_cert_configured(ctx: Context) -> Outcome:
    if not ctx.site.digicert:
        return skipped("no DigiCert CA configured for this site ([site] digicert = false)")
    try:
        configured = ra_thumbprints_in_config(ctx.read(CONNECTOR_CONFIG_FILES))
    except ElementTree.ParseError as exc:
        return unknown(f"a connector .config file is not readable XML (or was cut at the 1 MiB cap): {exc}")
    if not configured or not any(configured.values()):
        return failed("no RACertThumbprint is set in the connector's .config files", {"files": sorted(configured)})
    store = {c.thumbprint: c for c in certificates(ctx, CERTS_MY)}
    for path, value in configured.items():
        try:
            thumbprint = parse_thumbprint(value)
        except ThumbprintError as exc:
            return failed(f"RACertThumbprint in {path} holds a {exc}: it matches no certificate",
                          {"file": path}, fix=INVISIBLE_CHARACTER_FIX)
        cert = store.get(thumbprint)
        if cert is None:
            return failed(
                f"RACertThumbprint {thumbprint or '(empty)'} in {path} is not in LocalMachine\\My",
                {"configured": configured},
            )
        if not cert.has_eku(OID_CLIENT_AUTH) or cert.has_private_key is False:
            return failed(
                f"the RA certificate {thumbprint} lacks Client Authentication or its private key",
                cert.evidence(ctx.now),
            )
    cert = store[parse_thumbprint(next(iter(configured.values())))]
    return judge_validity(cert, ctx.now, ctx.settings.expiry_warning_days, "the DigiCert RA certificate")
