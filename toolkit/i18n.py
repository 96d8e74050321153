"""One Turkish term per concept: the glossary every Turkish text of conncheck follows.

Each ``Term`` gives the English word, the Turkish word conncheck writes for it, and the Turkish renderings of the
same concept it does not write (``avoid``), so that one right, one store or one status never has two Turkish names.
The reports take their shared words from here; tests/test_glossary.py reads every Turkish text conncheck carries
(catalog, checks, reports, explain, events) and fails on an avoided rendering.

Windows, IIS and AD CS names that the admin sees in an English console keep the English in brackets after the
Turkish: "Sertifika Verme ve Yönetme (Issue and Manage Certificates)".
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    en: str
    tr: str
    avoid: tuple[str, ...] = ()  # other Turkish renderings of the same concept, never written

    def in_lang(self, lang: str) -> str:
        return self.tr if lang == "tr" else self.en


GLOSSARY: dict[str, Term] = {
    # what conncheck says about a site
    "check": Term("check", "denetim", ("kontrol",)),
    "finding": Term("finding", "bulgu"),
    "evidence": Term("evidence", "kanıt", ("delil",)),
    "fix": Term("fix", "çözüm", ("düzeltme",)),
    "facts": Term("facts", "olgular", ("gerçekler",)),
    "probe": Term("probe", "yoklama"),
    "host": Term("host", "sunucu", ("ana bilgisayar", "ana makine", "konak")),
    "not_checked": Term("not checked", "denetlenmedi", ("kontrol edilmedi",)),
    # the statuses (the English keywords stay beside them: machines match on those)
    "PASS": Term("PASS", "GEÇTİ"),
    "WARN": Term("WARN", "UYARI"),
    "FAIL": Term("FAIL", "BAŞARISIZ"),
    "UNKNOWN": Term("UNKNOWN", "BİLİNMİYOR"),
    "SKIP": Term("SKIP", "ATLANDI"),
    # the product and the PKI behind it
    "connector": Term("connector", "bağlayıcı", ("konektör",)),
    "ca": Term("certification authority (CA)", "sertifika yetkilisi (CA)", ("sertifika otoritesi",
                                                                          "sertifika makamı")),
    "ra": Term("registration authority (RA)", "kayıt yetkilisi (RA)", ("kayıt otoritesi",)),
    "issue_and_manage": Term(
        "Issue and Manage Certificates", "Sertifika Verme ve Yönetme",
        ("Sertifika Ver ve Yönet", "Sertifikaları Ver ve Yönet", "Sertifikaları Verme ve Yönetme"),
    ),
    "revoke": Term("revoke", "iptal etmek", ("geri almak", "feshetmek")),
    "thumbprint": Term("thumbprint", "parmak izi", ("küçük resim",)),
    "private_key": Term("private key", "özel anahtar", ("gizli anahtar",)),
    "template": Term("certificate template", "sertifika şablonu"),
    "expiry": Term("expiry", "süre sonu", ("bitiş tarihi",)),
    "application_pool": Term("application pool", "uygulama havuzu"),
    "service_account": Term("service account", "hizmet hesabı", ("servis hesabı",)),
    "policy_module": Term("policy module", "ilke modülü", ("politika modülü",)),
    "directory": Term("directory (Active Directory)", "dizin (Active Directory)"),
    "registry": Term("registry", "kayıt defteri"),
    "endpoint": Term("endpoint (a SCEP URL)", "adres", ("uç nokta",)),
    "proxy": Term("proxy", "ara sunucu (proxy)", ("vekil sunucu",)),
}


def term(key: str, lang: str) -> str:
    return GLOSSARY[key].in_lang(lang)
