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
    },
}

_STATUS_TR = {
    Status.PASS: "GEÇTİ",
    Status.WARN: "UYARI",
    Status.FAIL: "BAŞARISIZ",
    Status.UNKNOWN: "BİLİNMİYOR",
    Status.SKIP: "ATLANDI",
}


def word(key: str, lang: str) -> str:
    return _WORDS.get(lang, _WORDS["en"])[key]


def status_label(status: Status, lang: str) -> str:
    """Status names stay the English keywords machines match on; Turkish adds the word in brackets."""
    return f"{status.value} ({_STATUS_TR[status]})" if lang == "tr" else status.value
