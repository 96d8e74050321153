"""Small helpers the built-in checks share: reading certificate stores and judging a certificate's dates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conncheck.pki.certs import CertInfo, validity
from conncheck.plugin import Context, Probe
from conncheck.results import Outcome, failed, passed, warned
from conncheck.schema import StoreCertificate


def certificates(ctx: Context, probe: Probe[list[StoreCertificate]]) -> list[CertInfo]:
    """Every certificate of a store probe, parsed (once per evaluation)."""
    return [entry.info for entry in ctx.read(probe)]


def judge_validity(cert: CertInfo, now: datetime, warning_days: int, what: str) -> Outcome:
    """FAIL when not yet valid or expired, WARN inside the warning window, else PASS; evidence is the certificate.

    The one place the dates of a certificate are judged; the fix is the calling check's."""
    evidence: dict[str, Any] = cert.evidence(now)
    state = validity(cert.not_before, cert.not_after, now, warning_days)
    if state == "not yet valid":
        return failed(f"{what} is not valid yet (valid from {evidence['not_before']})", evidence)
    if state == "expired":
        return failed(f"{what} expired on {evidence['not_after']}", evidence)
    days = cert.days_left(now)
    if state == "expiring":
        return warned(f"{what} expires in {days:.0f} days ({evidence['not_after']})", evidence)
    return passed(f"{what} is valid until {evidence['not_after']} ({days:.0f} days)", evidence)


def newest(certs: list[CertInfo]) -> CertInfo:
    return max(certs, key=lambda c: c.not_after)
