"""Small helpers the built-in checks share: reading certificate stores and judging a certificate's dates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conncheck.pki.certs import CertInfo, validity
from conncheck.plugin import Context, Probe
from conncheck.results import Fix, Msg, Outcome, Text, failed, passed, warned
from conncheck.schema import StoreCertificate

# Whose account to judge when site.toml does not say (the CA's Request right, IIS_IUSRS membership).
NDES_ACCOUNT_FIX = Fix(
    "Set site.toml [site] ndes_service_account to the identity of the SCEP application pool (\"CONTOSO\\svc-ndes\"; "
    "the NDES server's computer account, \"NDES01$\", when the pool runs as a built-in identity) and evaluate again.",
    "site.toml [site] ndes_service_account değerini SCEP uygulama havuzunun kimliğine ayarlayın "
    "(\"CONTOSO\\svc-ndes\"; havuz yerleşik bir kimlikle çalışıyorsa NDES sunucusunun bilgisayar hesabı, "
    "\"NDES01$\") ve yeniden değerlendirin.",
)


def certificates(ctx: Context, probe: Probe[list[StoreCertificate]]) -> list[CertInfo]:
    """Every certificate of a store probe, parsed (once per evaluation)."""
    return [entry.info for entry in ctx.read(probe)]


def lookback_days(ctx: Context, collected: int | None) -> int:
    """The look-back window a check can vouch for: site.toml's, or the shorter one the facts were collected over
    (a PASS must not claim days nobody read)."""
    days = ctx.settings.event_lookback_days
    return min(days, collected) if collected else days


def judge_validity(cert: CertInfo, now: datetime, warning_days: int, what: Text) -> Outcome:
    """FAIL when not yet valid or expired, WARN inside the warning window, else PASS; evidence is the certificate.

    The one place the dates of a certificate are judged; the fix is the calling check's. ``what`` names the
    certificate; given as a Msg with Turkish, the finding has its Turkish too."""
    evidence: dict[str, Any] = cert.evidence(now)
    state = validity(cert.not_before, cert.not_after, now, warning_days)
    name, name_tr = (what.en, what.tr) if isinstance(what, Msg) else (what, None)
    start, end, days = evidence["not_before"], evidence["not_after"], f"{cert.days_left(now):.0f}"

    def said(en: str, tr: str) -> Text:
        return Msg(en, tr) if name_tr else en

    if state == "not yet valid":
        return failed(said(f"{name} is not valid yet (valid from {start})",
                           f"{name_tr}: henüz geçerli değil (geçerlilik başlangıcı {start})"), evidence)
    if state == "expired":
        return failed(said(f"{name} expired on {end}", f"{name_tr}: süresi {end} tarihinde doldu"), evidence)
    if state == "expiring":
        return warned(said(f"{name} expires in {days} days ({end})",
                           f"{name_tr}: süresi {days} gün içinde doluyor ({end})"), evidence)
    return passed(said(f"{name} is valid until {end} ({days} days)",
                       f"{name_tr}: {end} tarihine kadar geçerli ({days} gün)"), evidence)


def newest(certs: list[CertInfo]) -> CertInfo:
    return max(certs, key=lambda c: c.not_after)
