"""Small helpers the built-in checks share: reading certificate stores and judging a certificate's dates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conncheck.pki.certs import CertInfo, validity
from conncheck.plugin import Context, Probe
from conncheck.results import Msg, Outcome, failed, passed, warned
from conncheck.schema import StoreCertificate


def certificates(ctx: Context, probe: Probe[list[StoreCertificate]]) -> list[CertInfo]:
    """Every certificate of a store probe, parsed (once per evaluation)."""
    return [entry.info for entry in ctx.read(probe)]


def judge_validity(cert: CertInfo, now: datetime, warning_days: int, what: str | Msg) -> Outcome:
    """FAIL when not yet valid or expired, WARN inside the warning window, else PASS; evidence is the certificate.

    The one place the dates of a certificate are judged; the fix is the calling check's. ``what`` names the
    certificate; as a ``Msg`` (English, Turkish) the finding is bilingual too."""
    evidence: dict[str, Any] = cert.evidence(now)
    state = validity(cert.not_before, cert.not_after, now, warning_days)
    name = what if isinstance(what, Msg) else Msg(what)
    before, after, days = evidence["not_before"], evidence["not_after"], cert.days_left(now)

    def finding(en: str, tr: str) -> str | Msg:
        return Msg(en, tr) if name.tr else en

    if state == "not yet valid":
        return failed(finding(f"{name.en} is not valid yet (valid from {before})",
                              f"{name.tr} henüz geçerli değil (geçerlilik başlangıcı {before})"), evidence)
    if state == "expired":
        return failed(finding(f"{name.en} expired on {after}", f"{name.tr} süresi {after} tarihinde doldu"),
                      evidence)
    if state == "expiring":
        return warned(finding(f"{name.en} expires in {days:.0f} days ({after})",
                              f"{name.tr} süresi {days:.0f} gün içinde doluyor ({after})"), evidence)
    return passed(finding(f"{name.en} is valid until {after} ({days:.0f} days)",
                          f"{name.tr} {after} tarihine kadar geçerli ({days:.0f} gün)"), evidence)


def newest(certs: list[CertInfo]) -> CertInfo:
    return max(certs, key=lambda c: c.not_after)
