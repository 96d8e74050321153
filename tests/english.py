"""English left over in Turkish text: English function words and report words, once the English that Turkish text
keeps on purpose is set aside (identifiers, paths, codes, product and console names, Title Case names in brackets).
"""

from __future__ import annotations

import re

# Words that never occur in Turkish prose ("not" does: it is Turkish for a note), so one found means a sentence or a
# label was not translated.
STOPWORDS = frozenset({
    "the", "is", "are", "was", "were", "and", "of", "to", "with", "for", "from", "by", "this", "that", "these",
    "those", "it", "its", "has", "have", "does", "be", "been", "which", "when", "than", "then", "there", "must",
    "should", "cannot", "could", "would", "will", "every", "only", "into", "none", "yes", "all", "any", "found",
    "valid", "until", "expires", "expired", "answers", "missing", "nothing", "needs", "attention", "verified",
    "checks", "read", "applicable",
})

# English names Windows, IIS, AD CS and Intune show in their English consoles, kept verbatim in Turkish text.
UI_NAMES = (
    "Certificate Connector for Microsoft Intune",
    "PFX Certificate Connector for Microsoft Intune",
    "Intune Connector for Active Directory",
    "Impersonate a client after authentication",
    "Translate URLs in application body",
)

# Identifiers: anything with an underscore, a backslash, a slash, an @ or =, a dot or colon inside, or backticked.
IDENTIFIER = re.compile(r"`[^`]*`|\S*(?:[_\\/@=]|\.\w|:\w)\S*")
BRACKETED_NAME = re.compile(r"\((?=[A-Z])[^()]*\)")  # "(Issue and Manage Certificates)", "(EXAMPLE DATA)"
WORD = re.compile(r"[A-Za-zÇĞİÖŞÜçğıöşü]+")


def english_leftovers(text: str) -> list[str]:
    for name in UI_NAMES:
        text = text.replace(name, " ")
    text = BRACKETED_NAME.sub(" ", IDENTIFIER.sub(" ", text))
    return [w for w in WORD.findall(text) if w.lower() in STOPWORDS and not w.isupper()]  # WAS, A: acronyms


def html_text(html: str) -> str:
    """What a reader sees of an HTML page: no style, no tags, no evidence tables (the facts as collected)."""
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    innermost = re.compile(r'<table class="evidence">(?:(?!<table).)*?</table>(?:<p class="more">[^<]*</p>)?', re.S)
    while True:  # evidence tables nest: take the innermost away until none is left
        html, found = innermost.subn(" ", html)
        if not found:
            break
    return re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").replace("&amp;", "&").replace("&quot;", '"')
