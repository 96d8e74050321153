"""Private keys as the checks judge them: whether a certificate's key opens, told apart from "this account may not
open it", and which of the accounts a service runs as may use it (the key container's security descriptor).

The fact scripts try to open every private key (CNG and CAPI, read-only: nothing is signed or exported) and report
``key``: ``{"opens", "error", ...}`` (``conncheck.schema.PrivateKey``), null when the certificate has none, absent
(UNSET) from older fact scripts. A key that does not open for an account that was not elevated, or that the key's
ACL keeps out, says nothing about the key itself: that is UNKNOWN, and only an elevated administrator's failure for
another reason (the key container is gone, the provider fails) is a FAIL.

An account is an ``Identity``: the SIDs its token is known to hold (from the directory when collected, or fixed for a
built-in or virtual account) and a name to match the SIDs a host names. A grant that only a group whose members were
not collected could pass on (BUILTIN\\Users always; a domain group without the directory) leaves the answer open.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
from conncheck.accounts import same_account
from conncheck.checks.host import HOST_INFO
from conncheck.pki.key_access import key_descriptor, may_use_key
from conncheck.plugin import Context
from conncheck.results import Fix, Msg, Outcome, Status, failed, passed, unknown
from conncheck.schema import PrivateKey, StoreCertificate

# The HRESULTs (the first word of the error the prelude reports) that mean "access denied", not "no key".
ACCESS_DENIED = ("0x80070005", "0x80090010")
ELEVATE_FIX = Fix(
    "Collect again from an elevated administrator session (the WinRM account in the local Administrators group, UAC "
    "remote restrictions lifted for it, or run the fact script in an elevated PowerShell): only then does a key that "
    "will not open mean a broken key.",
    "Olguları yükseltilmiş bir yönetici oturumundan yeniden toplayın (WinRM hesabı yerel Administrators grubunda ve "
    "UAC uzak kısıtlamaları kaldırılmış olmalı ya da olgu betiğini yükseltilmiş bir PowerShell'de çalıştırın): "
    "ancak o zaman açılmayan bir anahtar bozuk anahtar demektir.",
)
COLLECT_AGAIN_FIX = Fix(
    "Collect the facts again with this conncheck: the fact script that wrote these facts did not report whether "
    "private keys open.",
    "Olguları bu conncheck sürümüyle yeniden toplayın: bu olguları yazan olgu betiği özel anahtarların açılıp "
    "açılmadığını bildirmiyordu.",
)


def key_evidence(entry: StoreCertificate) -> dict[str, Any]:
    key = entry.key
    evidence: dict[str, Any] = {"thumbprint": entry.info.thumbprint, "subject": entry.info.subject}
    if isinstance(key, msgspec.UnsetType) or key is None:
        return evidence
    return {**evidence, "opens": key.opens, "error": key.error, "provider": key.provider,
            "key_trustees": key.trustees, "acl_error": key.acl_error}


def judge_key_opens(ctx: Context, entry: StoreCertificate, what: Msg, broken_fix: Fix) -> Outcome:
    """PASS when the key opens; FAIL when it has none or an elevated administrator cannot open it for a reason other
    than its ACL; UNKNOWN when the facts cannot tell (older script, not elevated, access denied). ``what`` names the
    certificate ("the connector certificate"), ``broken_fix`` is the fix for a key that is gone or broken."""
    key = entry.key
    evidence = key_evidence(entry)
    en, tr = what.en, what.in_lang("tr")
    session = ctx.read(HOST_INFO).session  # who tried the key: read first, a verdict rests on it
    if isinstance(key, msgspec.UnsetType):
        return unknown(Msg(f"the facts do not say whether the private key of {en} opens (an older fact script)",
                           f"olgular {tr} özel anahtarının açılıp açılmadığını söylemiyor (eski bir olgu "
                           "betiği)"), evidence, fix=COLLECT_AGAIN_FIX)
    if key is None or not entry.has_private_key:
        return failed(Msg(f"{en} has no private key", f"{tr} özel anahtarı yok"), evidence, fix=broken_fix)
    if key.opens:
        return passed(Msg(f"the private key of {en} opens ({key.provider or 'provider not reported'})",
                          f"{tr} özel anahtarı açılıyor ({key.provider or 'sağlayıcı bildirilmedi'})"), evidence)
    error = key.error or "no reason reported"
    if key.opens is None:
        return unknown(Msg(f"the private key of {en} was not opened: {error}",
                           f"{tr} özel anahtarı açılmadı: {error}"), evidence)
    if session is None or not session.elevated:
        who = session.user if session else "the collecting account"
        return unknown(
            Msg(f"the private key of {en} did not open for {who}, which was not an elevated administrator: "
                f"that account may only lack the right to open it ({error})",
                f"{tr} özel anahtarı yükseltilmiş yönetici olmayan {who} için açılmadı: bu hesabın yalnızca "
                f"anahtarı açma hakkı eksik olabilir ({error})"),
            {**evidence, "session_user": who}, fix=ELEVATE_FIX)
    evidence["session_user"] = session.user
    if error.startswith(ACCESS_DENIED):
        return unknown(
            Msg(f"the key's ACL keeps even the elevated {session.user} out of the private key of {en}; whether "
                f"the connector's account may open it cannot be told from here ({error})",
                f"anahtarın ACL'si yükseltilmiş {session.user} hesabını bile {tr} özel anahtarının dışında "
                f"tutuyor; bağlayıcının hesabının açıp açamadığı buradan anlaşılamaz ({error})"),
            evidence)
    return failed(Msg(f"the private key of {en} does not open, even for the elevated {session.user}: {error}",
                      f"{tr} özel anahtarı yükseltilmiş {session.user} için bile açılmıyor: {error}"),
                  evidence, fix=broken_fix)


BUILTIN_USERS = "S-1-5-32-545"


@dataclass(frozen=True)
class Identity:
    """An account a service runs as: what to call it, its name (to match SIDs a host names), the SIDs its token is known
    to hold, and whether its groups are all known (from the directory, or a built-in or virtual account)."""

    label: Msg
    account: str | None
    sids: frozenset[str]
    groups_known: bool

    def token(self, names: Mapping[str, str | None]) -> set[str]:
        """Its SIDs, plus every SID the host names as this account (how it is found without the directory)."""
        named = {sid for sid, name in names.items() if name and self.account and same_account(name, self.account)}
        return {*self.sids, *named}


def key_not_opening(ctx: Context, entry: StoreCertificate, what: Msg, broken_fix: Fix) -> Outcome | None:
    """``judge_key_opens`` for a check that goes on when the key opens: None then, else its outcome."""
    outcome = judge_key_opens(ctx, entry, what, broken_fix)
    return None if outcome.status is Status.PASS else outcome


def key_readers(key: PrivateKey, identities: list[Identity]) -> tuple[dict[str, Any], list[Identity], list[Identity]]:
    """Each identity's access to the key: (evidence, those without Read, those only a group whose members were not
    collected could give it to). SecurityDescriptorError or ValueError when the key's descriptor is unreadable."""
    assert key.security_b64 is not None
    trustees = {sid: name for sid, name in (key.trustees or {}).items() if name}
    sd = key_descriptor(key.security_b64)
    allowed = [sid for sid in dict.fromkeys(a.sid for a in (sd.dacl.aces if sd.dacl else ()) if a.allows)
               if may_use_key(sd, {sid}).granted]
    evidence: dict[str, Any] = {}
    missing: list[Identity] = []
    undecided: list[Identity] = []
    for identity in identities:
        token = identity.token(trustees)
        decision = may_use_key(sd, token)
        evidence[identity.label.en] = decision.evidence(trustees)
        if decision.granted:
            continue
        # A grant to a group whose members were not collected might still reach it: BUILTIN\Users always, a domain
        # group when the directory was not read.
        reach = [sid for sid in allowed if sid not in token
                 and (sid == BUILTIN_USERS or (not identity.groups_known and sid.startswith("S-1-5-21-")))]
        (undecided if reach and not decision.denied_mask else missing).append(identity)
    return evidence, missing, undecided


