"""Words the human-readable renderers share, in English and Turkish (the glossary's terms where it has one)."""

from __future__ import annotations

from conncheck.i18n import GLOSSARY
from conncheck.results import Status


def _capital(word: str) -> str:
    """Turkish capitalisation too: a dotted i becomes İ."""
    return ("İ" if word[:1] == "i" else word[:1].upper()) + word[1:]


_OWN_WORDS = {
    "en": {
        "code": "Code",
        "name": "Name",
        "status": "Status",
        "checks": "Checks",
        "details": "Needs attention, by cause",
        "site": "Site",
        "collected": "Facts collected",
        "summary": "Summary",
        "exit": "Exit code",
        "verdict": "Verdict",
        "meaning": "When the connector reports this code",
        "score": "applicable checks pass",
        "score_note": "WARN, FAIL and UNKNOWN count against; SKIP is not applicable here",
        "rows_pass": "code rows pass",
        "legend": "Legend",
        "per_host": "Per host",
        "by_code": "Checks by code",
        "references": "Microsoft references",
        "events": "Related event IDs",
        "regressions": "Regressions",
        "attention": "Needs attention",
        "nothing": "Nothing needs attention.",
        "expiry": "Certificate and CRL expiry",
        "site_wide": "site-wide",
        "run": "Run",
        "first_run": "First run of this site: no earlier run to compare with.",
        "against_run": "Against run",
        "no_regressions": "No regressions.",
        "no_expiry": "No certificate or CRL appears in the evidence of this run.",
        "expiry_columns": "days left|expires|kind|subject / issuer|thumbprint|hosts|checks",
        "prerequisites": "Prerequisites",
        "not_checked_title": "Not checked",
        "checks_count": "{n} checks",
        "and_more": "and {n} more",
        "verified": "verified",
        "skipped": "not applicable",
        "not_in_run": "no check of this code was part of this run",
        "partly": "{n} of its checks not run (see Not checked)",
        "yes": "yes",
        "no": "no",
        "none": "none",
        "empty": "(empty)",
        "certificate": "certificate",
        "crl": "CRL",
        "now": "now",
        "days_short": "d",
        "timeline": "Certificate expiry timeline",
        "days_left_tip": "{days} days left, expires {when}",
        "regressions_against": "Regressions against run",
        "none_found": "None.",
        "audit_stored": "Audit run #{id} stored; exit code {code}.",
        "first_run_short": "First run of this site: no baseline to compare with.",
        "against_count": "Against run {run}: {n} regression(s).",
        "fixed_since": "Fixed since then: {n}.",
        "expiring_within": "Expired or expiring within {days} days:",
        "demo_banner": "conncheck demo: evaluating EXAMPLE data (a generated site with three faults), not a real site.",
    },
    "tr": {
        "code": "Kod",
        "name": "Ad",
        "status": "Durum",
        "checks": "Denetimler",
        "details": "İlgilenilmesi gerekenler, nedene göre",
        "site": "Site",
        "collected": "Olguların toplandığı zaman",
        "summary": "Özet",
        "exit": "Çıkış kodu",
        "verdict": "Sonuç",
        "meaning": "Bağlayıcı bu kodu bildirdiğinde",
        "score": "uygulanabilir denetim geçti",
        "score_note": "WARN, FAIL ve UNKNOWN aleyhte sayılır; SKIP burada uygulanamaz demektir",
        "rows_pass": "kod satırı geçti",
        "legend": "Durumların anlamı",
        "per_host": "Sunucu bazında",
        "by_code": "Koda göre denetimler",
        "references": "Microsoft kaynakları",
        "events": "İlgili olay kimlikleri",
        "regressions": "Gerilemeler",
        "attention": "İlgilenilmesi gerekenler",
        "nothing": "İlgilenilmesi gereken bir şey yok.",
        "expiry": "Sertifika ve CRL süre sonları",
        "site_wide": "site geneli",
        "run": "Çalıştırma",
        "first_run": "Bu sitenin ilk çalıştırması: karşılaştırılacak önceki bir çalıştırma yok.",
        "against_run": "Karşılaştırılan çalıştırma",
        "no_regressions": "Gerileme yok.",
        "no_expiry": "Bu çalıştırmanın kanıtında sertifika ya da CRL yok.",
        "expiry_columns": "kalan gün|süre sonu|tür|konu / veren|parmak izi|sunucular|denetimler",
        "prerequisites": "Önkoşullar",
        "not_checked_title": "Denetlenmeyenler",
        "checks_count": "{n} denetim",
        "and_more": "ve {n} tane daha",
        "verified": "doğrulandı",
        "skipped": "uygulanamaz",
        "not_in_run": "bu kodun hiçbir denetimi bu çalıştırmaya dahil değildi",
        "partly": "denetimlerinden {n} tanesi çalıştırılmadı (bkz. Denetlenmeyenler)",
        "yes": "evet",
        "no": "hayır",
        "none": "yok",
        "empty": "(boş)",
        "certificate": "sertifika",
        "crl": "CRL",
        "now": "şimdi",
        "days_short": "g",
        "timeline": "Sertifika süre sonu zaman çizelgesi",
        "days_left_tip": "{days} gün kaldı, süre sonu {when}",
        "regressions_against": "Karşılaştırılan çalıştırmaya göre gerilemeler",
        "none_found": "Yok.",
        "audit_stored": "Denetim çalıştırması #{id} kaydedildi; çıkış kodu {code}.",
        "first_run_short": "Bu sitenin ilk çalıştırması: karşılaştırılacak bir temel yok.",
        "against_count": "{run} çalıştırmasına göre {n} gerileme.",
        "fixed_since": "O zamandan beri düzelen: {n}.",
        "expiring_within": "Süresi dolmuş ya da {days} gün içinde dolacak olanlar:",
        "demo_banner": "conncheck demo: gerçek bir site değil, ÖRNEK veri değerlendiriliyor (üç hatası olan, üretilmiş "
        "bir site).",
    },
}

# The glossary's words, as the reports' headings write them, beside the reports' own.
_WORDS = {
    lang: {**{key: _capital(GLOSSARY[key].in_lang(lang)) for key in ("host", "check", "finding", "fix", "evidence")},
           **own}
    for lang, own in _OWN_WORDS.items()
}


# What each status means, for the HTML report's legend.
_MEANINGS = {
    "en": {
        Status.PASS: "verified and as it should be",
        Status.WARN: "works, but act soon (an expiry inside the warning window, say)",
        Status.FAIL: "verified and broken: the fix is in the check's panel",
        Status.UNKNOWN: "could not be verified (unreachable, access denied, unreadable input): never counted as a pass",
        Status.SKIP: "not applicable to this site, or not run (the report says why)",
    },
    "tr": {
        Status.PASS: "doğrulandı, olması gerektiği gibi",
        Status.WARN: "çalışıyor, ancak yakında müdahale edin (örneğin uyarı süresi içindeki bir süre sonu)",
        Status.FAIL: "doğrulandı ve bozuk: çözüm denetimin panelinde",
        Status.UNKNOWN: "doğrulanamadı (erişilemiyor, erişim reddedildi, okunamayan girdi): asla geçti sayılmaz",
        Status.SKIP: "bu sitede uygulanamaz ya da çalıştırılmadı (rapor nedenini söyler)",
    },
}


def meaning(status: Status, lang: str) -> str:
    return _MEANINGS.get(lang, _MEANINGS["en"])[status]


def word(key: str, lang: str) -> str:
    return _WORDS.get(lang, _WORDS["en"])[key]


def status_label(status: Status, lang: str) -> str:
    """Status names stay the English keywords machines match on; Turkish adds the glossary's word in brackets."""
    return f"{status.value} ({GLOSSARY[status.value].tr})" if lang == "tr" else status.value


def listed(items: list[str], lang: str, limit: int = 3) -> str:
    """'a; b; c; and 4 more': the first items of a list, and how many more there are."""
    shown = "; ".join(items[:limit])
    return f"{shown}; {word('and_more', lang).format(n=len(items) - limit)}" if len(items) > limit else shown
