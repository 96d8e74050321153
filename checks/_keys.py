"""Whether a certificate's private key opens, told apart from "this account may not open it".

The fact scripts try to open every private key (CNG and CAPI, read-only: nothing is signed or exported) and report
``key``: ``{"opens", "error", ...}`` (``conncheck.schema.PrivateKey``), null when the certificate has none, absent
(UNSET) from older fact scripts. A key that does not open for an account that was not elevated, or that the key's
ACL keeps out, says nothing about the key itself: that is UNKNOWN, and only an elevated administrator's failure for
another reason (the key container is gone, the provider fails) is a FAIL.
"""

from __future__ import annotations

from typing import Any

import msgspec
from conncheck.checks.host import HOST_INFO
from conncheck.plugin import Context
from conncheck.results import Fix, Msg, Outcome, failed, passed, unknown
from conncheck.schema import StoreCertificate

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
