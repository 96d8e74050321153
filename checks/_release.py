"""Where the installed connector stands in Microsoft's lifecycle: its Uninstall entries judged against the dated
release table (conncheck.catalog.releases), told in English and Turkish with the table's date."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from conncheck.catalog.releases import Lifecycle, Version, load_releases, parse_version, spell
from conncheck.checks.host import INSTALLED_SOFTWARE, InstalledProduct
from conncheck.plugin import Context
from conncheck.results import Fix, Msg, Outcome, failed, passed, unknown, warned

UPDATE_FIX = Fix(
    "Update the connector: let it update itself (the server needs autoupdate.msappproxy.net on TCP 443) or download "
    "the current release from the Intune admin center (Tenant administration > Connectors and tokens > Certificate "
    "connectors > Add) and install it over this one.",
    "Bağlayıcıyı güncelleyin: kendi kendini güncellemesine izin verin (sunucunun TCP 443 üzerinden "
    "autoupdate.msappproxy.net adresine erişmesi gerekir) ya da güncel sürümü Intune yönetim merkezinden indirip "
    "(Kiracı yönetimi > Bağlayıcılar ve belirteçler > Sertifika bağlayıcıları > Ekle; Tenant administration > "
    "Connectors and tokens > Certificate connectors > Add) bunun üzerine kurun.",
)


def connector_installs(ctx: Context) -> list[InstalledProduct]:
    """The current connector's Uninstall entries (more than one: the installer's 'duplicate versions')."""
    product = load_releases().product
    return [p for p in ctx.read(INSTALLED_SOFTWARE) if p.display_name == product]


def installed_version(ctx: Context) -> tuple[Version, list[str]] | None:
    """The highest version among the current connector's Uninstall entries, and every entry's version as written;
    None when it is not installed. ValueError when an entry's version is not a version."""
    spelled = [p.display_version for p in connector_installs(ctx)]
    if not spelled:
        return None
    versions = [parse_version(text) for text in spelled]
    if any(v is None for v in versions):
        raise ValueError(", ".join(spelled))
    return max(v for v in versions if v is not None), spelled


def lifecycle_evidence(state: Lifecycle, spelled: list[str]) -> dict[str, Any]:
    table = load_releases()
    evidence: dict[str, Any] = {
        "installed": spell(state.installed),
        "released": state.listed.released.isoformat() if state.listed else None,
        "latest": state.latest.spelled,
        "latest_released": state.latest.released.isoformat(),
        "release_table_as_of": table.as_of.isoformat(),
    }
    if state.successor:
        evidence.update(superseded_by=state.successor.spelled, superseded_on=state.successor.released.isoformat(),
                        support_ends=state.support_ends.isoformat() if state.support_ends else None,
                        working_ends=state.working_ends.isoformat() if state.working_ends else None)
    if state.required:
        evidence["required"] = state.required.spelled
    if len(spelled) > 1:
        evidence["uninstall_entries"] = spelled
    return evidence


def lifecycle_outcome(state: Lifecycle, evidence: dict[str, Any]) -> Outcome:
    product = load_releases().product
    v, as_of = evidence["installed"], evidence["release_table_as_of"]
    table_en, table_tr = f"(release table as of {as_of})", f"(sürüm tablosu {as_of} tarihli)"
    if state.stage == "current":
        return passed(Msg(f"{product} {v} installed: the current release {table_en}",
                          f"{product} {v} kurulu: güncel sürüm {table_tr}"), evidence)
    if state.stage == "newer":
        return passed(Msg(f"{product} {v} is newer than every release the table knows (latest {state.latest.spelled}) "
                          f"{table_en}: judged current",
                          f"{product} {v}, tablonun bildiği tüm sürümlerden yeni (en yenisi {state.latest.spelled}) "
                          f"{table_tr}: güncel sayıldı"), evidence)
    assert state.successor is not None and state.support_ends and state.working_ends
    successor, on = state.successor.spelled, state.successor.released.isoformat()
    ends, works = state.support_ends.isoformat(), state.working_ends.isoformat()
    unlisted = Msg("", "")
    if state.listed is None:
        unlisted = Msg(" (older than every release the table knows)", " (tablonun bildiği tüm sürümlerden eski)") \
            if state.installed < load_releases().releases[0].version else \
            Msg(" (a build the table does not list)", " (tablonun listelemediği bir derleme)")
    if state.stage == "past_working_window":
        return failed(Msg(f"{product} {v}{unlisted.en} is past Microsoft's 18-month working window: superseded by "
                          f"{successor} on {on}, it may stop talking to Intune at any time since {works} {table_en}",
                          f"{product} {v}{unlisted.in_lang('tr')} Microsoft'un 18 aylık çalışma süresini aştı: "
                          f"{on} tarihinde yerini {successor} aldı, {works} tarihinden beri Intune ile "
                          f"iletişimi her an kesilebilir {table_tr}"), evidence, fix=UPDATE_FIX)
    if state.stage == "out_of_support":
        return warned(Msg(f"{product} {v}{unlisted.en} is out of support since {ends}: superseded by {successor} on "
                          f"{on}; it keeps working until about {works} {table_en}",
                          f"{product} {v}{unlisted.in_lang('tr')} {ends} tarihinden beri desteklenmiyor: {on} "
                          f"tarihinde yerini {successor} aldı; yaklaşık {works} tarihine kadar çalışmayı "
                          f"sürdürür {table_tr}"), evidence, fix=UPDATE_FIX)
    if state.stage == "required_missing" and state.required:
        required = state.required
        return warned(Msg(f"{product} {v}: Microsoft says {required.spelled} (released "
                          f"{required.released.isoformat()}) must be installed for uninterrupted issuance; support for "
                          f"{v} ends on {ends} {table_en}",
                          f"{product} {v}: Microsoft, sertifika vermenin kesintisiz sürmesi için {required.spelled} "
                          f"sürümünün ({required.released.isoformat()} tarihinde çıktı) kurulmasını zorunlu tutuyor; "
                          f"{v} için destek {ends} tarihinde bitiyor {table_tr}"), evidence, fix=UPDATE_FIX)
    return passed(Msg(f"{product} {v}{unlisted.en} installed: superseded by {successor} on {on}, support ends on "
                      f"{ends} {table_en}",
                      f"{product} {v}{unlisted.in_lang('tr')} kurulu: {on} tarihinde yerini {successor} aldı, "
                      f"desteği {ends} tarihinde bitiyor {table_tr}"), evidence)


def note_duplicates(outcome: Outcome, spelled: list[str]) -> Outcome:
    """The verdict on the highest version, with the Uninstall entries named when there is more than one."""
    if len(spelled) <= 1:
        return outcome
    entries = ", ".join(spelled)
    finding = outcome.finding if isinstance(outcome.finding, Msg) else Msg(outcome.finding)
    return replace(outcome, finding=Msg(
        f"{finding.en}; {len(spelled)} Uninstall entries ({entries}): the highest is judged, the others are the "
        "installer's 'duplicate versions' issue (fixed in 6.2406.0.2002)",
        f"{finding.in_lang('tr')}; {len(spelled)} kaldırma (Uninstall) kaydı ({entries}): en yükseği değerlendirildi, "
        "ötekiler kurulum programının 'yinelenen sürümler' sorunu (6.2406.0.2002'de düzeltildi)"))


def unreadable_version(exc: ValueError) -> Outcome:
    """UNKNOWN for Uninstall entries whose DisplayVersion is not a version (``installed_version``'s ValueError)."""
    return unknown(Msg(f"an Uninstall entry's DisplayVersion is not a version: {exc}",
                       f"bir kaldırma (Uninstall) kaydının DisplayVersion değeri sürüm değil: {exc}"))
