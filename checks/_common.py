"""Small helpers the built-in checks share: reading certificate stores, judging validity, finding services."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conncheck.pki.certs import CertificateError, CertInfo, store_certs
from conncheck.plugin import Context, ProbeUnavailable
from conncheck.results import Outcome, failed, passed, warned


def certificates(ctx: Context, probe: str) -> list[CertInfo]:
    """Every certificate of a store probe; an unreadable entry makes the store unread (UNKNOWN), not empty."""
    try:
        return store_certs(ctx.data(probe))
    except (CertificateError, KeyError, TypeError) as exc:
        raise ProbeUnavailable(ctx.host, probe, f"unreadable certificate data: {exc}") from None


def judge_validity(cert: CertInfo, now: datetime, warning_days: int, what: str) -> Outcome:
    """FAIL when not yet valid or expired, WARN inside the warning window, else PASS; evidence is the certificate.

    The fix is left to the calling check's remediation.
    """
    evidence = cert.evidence(now)
    if now < cert.not_before:
        return failed(f"{what} is not valid yet (valid from {evidence['not_before']})", **evidence)
    if now > cert.not_after:
        return failed(f"{what} expired on {evidence['not_after']}", **evidence)
    days = cert.days_left(now)
    if days <= warning_days:
        return warned(f"{what} expires in {days:.0f} days ({evidence['not_after']})", **evidence)
    return passed(f"{what} is valid until {evidence['not_after']} ({days:.0f} days)", **evidence)


def newest(certs: list[CertInfo]) -> CertInfo:
    return max(certs, key=lambda c: c.not_after)


def service(ctx: Context, name: str) -> dict[str, Any] | None:
    for entry in ctx.data("services"):
        if str(entry.get("name", "")).lower() == name.lower():
            return dict(entry)
    return None


def registry_int(key: dict[str, Any] | None, value: str) -> int | None:
    """A REG_DWORD from a registry key object; None when the key or value is absent or not a number."""
    if not key:
        return None
    raw = key.get(value)
    if isinstance(raw, bool):
        return int(raw)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw)
    return None
