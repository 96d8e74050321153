"""Private keys as the checks judge them: whether a certificate's key opens (as the fact script found), and which of
the accounts a service runs as may use it, decided from the key container's security descriptor.

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
from conncheck.pki.key_access import key_descriptor, may_use_key
from conncheck.results import Fix, Msg, Outcome, failed, unknown
from conncheck.schema import PrivateKey, StoreCertificate

# HRESULTs that say the account running the fact script may not open a key (not that the key is broken).
ACCESS_DENIED = ("0x80070005", "0x80090010")
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


def key_not_opening(entry: StoreCertificate, what: Msg) -> Outcome | None:
    """The outcome when the certificate's private key was not reported or does not open; None when it opens."""
    key = entry.key
    evidence = entry.info.evidence()
    if isinstance(key, msgspec.UnsetType):
        return unknown(Msg(f"the fact script is older than this conncheck: it did not say whether the private "
                           f"key of {what.en} opens", f"olgu betiği bu conncheck'ten eski: {what.tr} özel anahtarının "
                           "açılıp açılmadığını bildirmedi"), evidence)
    if key is None:
        return failed(Msg(f"{what.en} has no private key", f"{what.tr} özel anahtarı yok"), evidence)
    evidence = {**evidence, "key": {"opens": key.opens, "error": key.error, "provider": key.provider}}
    if key.opens:
        return None
    if key.opens is None:
        return unknown(Msg(f"the private key of {what.en} was not opened ({key.error})",
                           f"{what.tr} özel anahtarı açılmadı ({key.error})"), evidence)
    if (key.error or "").startswith(ACCESS_DENIED):
        return unknown(Msg(f"the private key of {what.en} did not open for the account that ran the fact script "
                           "(access denied): run it as a local administrator of the NDES server",
                           f"{what.tr} özel anahtarı, olgu betiğini çalıştıran hesap için açılmadı (erişim "
                           "reddedildi): betiği NDES sunucusunun yerel yöneticisi olarak çalıştırın"), evidence,
                       fix=Fix("Run the fact script (or the WinRM session) as a local administrator of the NDES "
                               "server, then collect again.",
                               "Olgu betiğini (ya da WinRM oturumunu) NDES sunucusunun yerel yöneticisi olarak "
                               "çalıştırın ve olguları yeniden toplayın."))
    return failed(Msg(f"the private key of {what.en} does not open: {key.error}",
                      f"{what.tr} özel anahtarı açılmıyor: {key.error}"), evidence)


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


