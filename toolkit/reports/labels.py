"""Words the human-readable renderers share, in English and Turkish."""

from __future__ import annotations

from conncheck.results import Status

_WORDS = {
    "en": {
        "code": "Code",
        "name": "Name",
        "status": "Status",
        "checks": "Checks",
        "host": "Host",
        "check": "Check",
        "finding": "Finding",
        "fix": "Fix",
        "details": "Details (everything not PASS)",
        "site": "Site",
        "collected": "Facts collected",
        "summary": "Summary",
        "exit": "Exit code",
        "verdict": "Verdict",
        "meaning": "What the code means when the connector reports it",
        "score": "applicable checks pass",
        "score_note": "WARN, FAIL and UNKNOWN count against; SKIP is not applicable here",
        "rows_pass": "code rows pass",
        "legend": "Legend",
        "per_host": "Per host",
        "by_code": "Checks by code",
        "evidence": "Evidence",
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
    },
    "tr": {
        "code": "Kod",
        "name": "Ad",
        "status": "Durum",
        "checks": "Denetimler",
        "host": "Sunucu",
        "check": "Denetim",
        "finding": "Bulgu",
        "fix": "Çözüm",
        "details": "Ayrıntılar (PASS olmayan her şey)",
        "site": "Site",
        "collected": "Veri toplama zamanı",
        "summary": "Özet",
        "exit": "Çıkış kodu",
        "verdict": "Sonuç",
        "meaning": "Bağlayıcı bu kodu bildirdiğinde anlamı",
        "score": "geçerli denetim geçti",
        "score_note": "WARN, FAIL ve UNKNOWN aleyhte sayılır; SKIP burada geçerli değildir",
        "rows_pass": "kod satırı geçti",
        "legend": "Durumların anlamı",
        "per_host": "Sunucu bazında",
        "by_code": "Koda göre denetimler",
        "evidence": "Kanıt",
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
    },
}

_STATUS_TR = {
    Status.PASS: "GEÇTİ",
    Status.WARN: "UYARI",
    Status.FAIL: "BAŞARISIZ",
    Status.UNKNOWN: "BİLİNMİYOR",
    Status.SKIP: "ATLANDI",
}


# What each status means, for the HTML report's legend.
_MEANINGS = {
    "en": {
        Status.PASS: "verified and as it should be",
        Status.WARN: "works, but act soon (an expiry inside the warning window, say)",
        Status.FAIL: "verified and broken: the fix is in the check's panel",
        Status.UNKNOWN: "could not be verified (unreachable, access denied, unreadable input): never counted as a pass",
        Status.SKIP: "not applicable to this site",
    },
    "tr": {
        Status.PASS: "doğrulandı, olması gerektiği gibi",
        Status.WARN: "çalışıyor, ancak yakında müdahale edin (örneğin uyarı penceresindeki bir süre sonu)",
        Status.FAIL: "doğrulandı ve bozuk: çözüm denetimin panelinde",
        Status.UNKNOWN: "doğrulanamadı (erişilemiyor, erişim reddedildi, okunamayan girdi): asla geçti sayılmaz",
        Status.SKIP: "bu sitede geçerli değil",
    },
}


def meaning(status: Status, lang: str) -> str:
    return _MEANINGS.get(lang, _MEANINGS["en"])[status]


def word(key: str, lang: str) -> str:
    return _WORDS.get(lang, _WORDS["en"])[key]


def status_label(status: Status, lang: str) -> str:
    """Status names stay the English keywords machines match on; Turkish adds the word in brackets."""
    return f"{status.value} ({_STATUS_TR[status]})" if lang == "tr" else status.value
