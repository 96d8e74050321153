"""Who may enroll for a certificate template, and whether the template is an ESC1 path for them.

ESC1 (SpecterOps, "Certified Pre-Owned", 2021): a template whose requester supplies the subject, whose certificates
authenticate a client (Client Authentication, PKINIT client, Smart Card Logon, Any Purpose, or no EKU at all), and
that needs neither a CA manager's approval nor authorized signatures lets everyone who may enroll request a
certificate in anyone's name, a domain admin's included. Intune's SCEP and PKCS templates must let the requester
supply the subject (Intune's policy module on NDES, and the connector, fill it in), so who may enroll is all that
stands between them and ESC1.

``enrollees(sd)`` lists every principal the template's DACL lets enroll, each decided by the access check of
``security_descriptor`` (the Enroll extended right; Full Control, GenericAll and "all extended rights" grant it
too), with Everyone and Authenticated Users in every token so that their deny entries count. ``kind`` sorts them:
``broad`` (every user or computer of the domain holds it), ``privileged`` (tier-0 principals, who can issue
themselves anything anyway), or ``other``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from conncheck.pki import security_descriptor as sdm

IMPLICIT_SIDS = ("S-1-1-0", "S-1-5-11")  # Everyone and Authenticated Users: in every authenticated token
# Everyone, Authenticated Users, Anonymous Logon, Network, Interactive, BUILTIN\Users, Guests, Pre-Windows 2000
# Compatible Access; and in a domain: Domain Users, Domain Guests, Domain Computers.
BROAD_SIDS = {"S-1-1-0", "S-1-5-11", "S-1-5-7", "S-1-5-2", "S-1-5-4", "S-1-5-32-545", "S-1-5-32-546", "S-1-5-32-554"}
BROAD_DOMAIN_RIDS = {513, 514, 515}
# Local System, BUILTIN\Administrators, Enterprise Domain Controllers; Administrator, Domain Admins, Domain
# Controllers, Schema Admins, Enterprise Admins.
PRIVILEGED_SIDS = {"S-1-5-18", "S-1-5-32-544", "S-1-5-9"}
PRIVILEGED_DOMAIN_RIDS = {500, 512, 516, 518, 519}

# What lets a certificate authenticate a client (ESC1's "client authentication" condition).
AUTHENTICATING_EKUS = {
    "1.3.6.1.5.5.7.3.2": "Client Authentication", "1.3.6.1.5.2.3.4": "PKINIT Client Authentication",
    "1.3.6.1.4.1.311.20.2.2": "Smart Card Logon", "2.5.29.37.0": "Any Purpose",
}
ENROLLEE_SUPPLIES_SUBJECT = 0x1  # msPKI-Certificate-Name-Flag
PEND_ALL_REQUESTS = 0x2  # msPKI-Enrollment-Flag: a CA manager approves every request

Kind = Literal["broad", "privileged", "other"]


def _domain_rid(sid: str) -> int | None:
    if not sid.startswith("S-1-5-21-"):
        return None
    tail = sid.rsplit("-", 1)[1]
    return int(tail) if tail.isdigit() else None


def kind_of(sid: str) -> Kind:
    rid = _domain_rid(sid)
    if sid in BROAD_SIDS or rid in BROAD_DOMAIN_RIDS:
        return "broad"
    if sid in PRIVILEGED_SIDS or rid in PRIVILEGED_DOMAIN_RIDS:
        return "privileged"
    return "other"


@dataclass(frozen=True)
class Enrollee:
    sid: str
    kind: Kind
    decision: sdm.AccessDecision


def may_enroll(sd: sdm.SecurityDescriptor, sids: set[str] | frozenset[str]) -> sdm.AccessDecision:
    """Whether a token holding ``sids`` may enroll (the Enroll extended right, generic rights mapped)."""
    return sdm.effective_access(sd, sids, mask=sdm.DS_CONTROL_ACCESS, object_type=sdm.ENROLL,
                                generic_mapping=sdm.DS_GENERIC_MAPPING)


def enrollees(sd: sdm.SecurityDescriptor) -> list[Enrollee]:
    """Every principal an allow entry of the DACL lets enroll, in DACL order (a NULL DACL: Everyone)."""
    if sd.dacl is None:
        return [Enrollee("S-1-1-0", "broad", may_enroll(sd, {"S-1-1-0"}))]
    found: list[Enrollee] = []
    for sid in dict.fromkeys(a.sid.upper() for a in sd.dacl.aces if a.allows and not a.inherit_only and a.sid):
        alone = may_enroll(sd, {sid})
        # Granted to the principal itself, and not taken away by a deny every member's token also meets.
        if alone.granted and may_enroll(sd, {sid, *IMPLICIT_SIDS}).granted:
            found.append(Enrollee(sid, kind_of(sid), alone))
    return found


@dataclass(frozen=True)
class Esc1Conditions:
    """The template settings ESC1 needs besides who may enroll."""

    supplies_subject: bool
    authenticating_ekus: tuple[str, ...]  # names; ("no EKU",) when the template sets none
    manager_approval: bool
    authorized_signatures: int

    @property
    def open(self) -> bool:
        """Every condition holds: whoever may enroll may get a certificate in anyone's name."""
        return (self.supplies_subject and bool(self.authenticating_ekus) and not self.manager_approval
                and self.authorized_signatures == 0)


def esc1_conditions(name_flags: int, enrollment_flags: int, authorized_signatures: int,
                    ekus: list[str]) -> Esc1Conditions:
    """``ekus``: the template's application policies (v2+) or its pKIExtendedKeyUsage."""
    authenticating = tuple(AUTHENTICATING_EKUS[e] for e in ekus if e in AUTHENTICATING_EKUS)
    return Esc1Conditions(
        supplies_subject=bool(name_flags & ENROLLEE_SUPPLIES_SUBJECT),
        authenticating_ekus=authenticating if ekus else ("no EKU",),
        manager_approval=bool(enrollment_flags & PEND_ALL_REQUESTS),
        authorized_signatures=authorized_signatures,
    )
