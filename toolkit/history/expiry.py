"""Every certificate and CRL a site depends on, with its days left, from the results' evidence.

By the engine's convention a result whose evidence has ``not_after`` (with ``subject``, ``thumbprint``,
``days_left``) describes a certificate, and one with ``next_update`` describes a CRL. Evidence may also
carry such objects one level down (a value that is an object, or a list of objects), e.g. both RA
certificates of one check. Nothing here re-reads raw facts: what the checks looked at is what is forecast.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from conncheck.facts import format_time, parse_time
from conncheck.results import Result

CERTIFICATE = "certificate"
CRL = "crl"


@dataclass(frozen=True)
class ExpiryItem:
    kind: str  # CERTIFICATE or CRL
    name: str  # the certificate's subject, or the CRL's issuer
    thumbprint: str | None
    expires: datetime  # not_after, or the CRL's next_update
    days_left: int  # whole days left as of the run's collection time (floored: -1 once it expired)
    checks: tuple[str, ...]  # ids of the checks whose evidence names it
    titles: tuple[str, ...]
    hosts: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "thumbprint": self.thumbprint,
            "expires": format_time(self.expires),
            "days_left": self.days_left,
            "checks": list(self.checks),
            "hosts": list(self.hosts),
        }


def _described(evidence: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The evidence object itself and its direct sub-objects that describe a certificate or a CRL."""
    candidates: list[Any] = [evidence]
    for value in evidence.values():
        candidates.extend(value if isinstance(value, list) else [value])
    for item in candidates:
        if isinstance(item, dict) and ("not_after" in item or "next_update" in item):
            yield item


def _item_key(kind: str, name: str, thumbprint: str | None, expires: datetime) -> tuple[str, ...]:
    return (kind, thumbprint) if thumbprint else (kind, name, format_time(expires))


def expiry_items(results: Iterable[Result], now: datetime) -> list[ExpiryItem]:
    """Certificates and CRLs named in the evidence, each once, soonest expiry first."""
    found: dict[tuple[str, ...], ExpiryItem] = {}
    for result in results:
        for seen in _described(result.evidence):
            kind = CERTIFICATE if "not_after" in seen else CRL
            try:
                expires = parse_time(str(seen["not_after" if kind == CERTIFICATE else "next_update"]))
            except ValueError:
                continue  # not a time: nothing to forecast from
            thumbprint = seen.get("thumbprint") if kind == CERTIFICATE else None
            name = str(seen.get("subject") or seen.get("issuer") or seen.get("name") or result.title)
            key = _item_key(kind, name, thumbprint, expires)
            prior = found.get(key)
            found[key] = ExpiryItem(
                kind,
                prior.name if prior else name,
                thumbprint,
                expires,
                math.floor((expires - now).total_seconds() / 86400),
                _union(prior.checks if prior else (), result.check_id),
                _union(prior.titles if prior else (), result.title),
                _union(prior.hosts if prior else (), result.host),
            )
    return sorted(found.values(), key=lambda i: (i.expires, i.kind, i.name))


def _union(items: tuple[str, ...], extra: str) -> tuple[str, ...]:
    return items if extra in items else (*items, extra)
