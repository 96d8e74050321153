"""One Turkish term per concept (conncheck.i18n.GLOSSARY): no Turkish text conncheck carries uses a rendering the
glossary avoids, and where an English text names a concept by the glossary's English, its Turkish uses the
glossary's Turkish. Issue and Manage Certificates had two Turkish names (the catalog's "Sertifika Ver ve Yönet", the
checks' "Sertifika Verme ve Yönetme"): this is what keeps it at one.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from conncheck.i18n import GLOSSARY, Term
from conncheck.registry import default_registry
from conncheck.reports.labels import status_label
from conncheck.results import Status

from tests.conftest import REPO

# Every module but the glossary itself (it spells out the renderings to avoid).
SOURCES = [p for p in [*sorted((REPO / "toolkit").rglob("*.py")), *sorted((REPO / "checks").rglob("*.py"))]
           if p != REPO / "toolkit" / "i18n.py"]
CATALOG = [REPO / "toolkit" / "catalog" / "codes.json", REPO / "toolkit" / "catalog" / "events.json"]


def tr_lower(text: str) -> str:
    return text.replace("I", "ı").replace("İ", "i").lower()


def _pairs(doc: object) -> Iterator[tuple[str, str]]:
    """Every {"en": ..., "tr": ...} pair of a catalog document."""
    if isinstance(doc, dict):
        if isinstance(doc.get("en"), str) and isinstance(doc.get("tr"), str):
            yield doc["en"], doc["tr"]
        for value in doc.values():
            yield from _pairs(value)
    elif isinstance(doc, list):
        for value in doc:
            yield from _pairs(value)


@cache
def translated_pairs() -> list[tuple[str, str]]:
    """English and Turkish side by side: the catalog's texts, every check's title and fix."""
    pairs = [pair for path in CATALOG for pair in _pairs(json.loads(path.read_text(encoding="utf-8")))]
    for check in default_registry().checks.values():
        pairs += [(m.en, m.tr) for m in (check.title, check.remediation) if m.tr]
    return pairs


def source_strings(path: Path) -> list[str]:
    """The string constants of a module: its Turkish findings, labels and messages among them."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def _avoided(text: str, term: Term) -> list[str]:
    lowered = tr_lower(text)
    return [a for a in term.avoid if re.search(rf"(?<!\w){re.escape(tr_lower(a))}(?!\w)", lowered)]


@cache
def every_turkish_text() -> list[tuple[str, str]]:
    texts = [(f"{path.name}: {tr}", tr) for path in CATALOG for _, tr in _pairs(json.loads(path.read_text("utf-8")))]
    texts += [(f"{path.relative_to(REPO)}", s) for path in SOURCES for s in source_strings(path)]
    texts += [(f"check {c.id}", m.tr) for c in default_registry().checks.values()
              for m in (c.title, c.remediation) if m.tr]
    return texts


@pytest.mark.parametrize("key", sorted(GLOSSARY))
def test_no_text_uses_a_rendering_the_glossary_avoids(key: str) -> None:
    term = GLOSSARY[key]
    found = [(where, _avoided(text, term)) for where, text in every_turkish_text() if _avoided(text, term)]
    assert not found, f"{term.en} is '{term.tr}' in Turkish: {found[:5]}"


@pytest.mark.parametrize("key", ["issue_and_manage", "connector", "thumbprint", "private_key", "service_account"])
def test_the_turkish_of_a_text_naming_a_concept_uses_its_term(key: str) -> None:
    term = GLOSSARY[key]
    word = re.compile(rf"\b{re.escape(term.en)}s?\b")  # case kept: "Certificate Connector for ..." is a name
    stem = tr_lower(term.tr)[: max(4, len(term.tr) - 2)]  # Turkish adds suffixes: bağlayıcı-nın, parmak izi-ni
    named = [(en, tr) for en, tr in translated_pairs() if word.search(en)]
    assert named, f"no English text names {term.en}"
    missing = [tr for en, tr in named if stem not in tr_lower(tr)]
    assert not missing, f"{term.en} is '{term.tr}' in Turkish: {missing[:3]}"


def test_the_detector_finds_the_old_second_name() -> None:
    old = "bağlayıcının hesabına \"Sertifika Ver ve Yönet\" (Issue and Manage Certificates) iznini verin"
    assert _avoided(old, GLOSSARY["issue_and_manage"]) == ["Sertifika Ver ve Yönet"]
    assert _avoided("Sertifika Verme ve Yönetme iznini verin", GLOSSARY["issue_and_manage"]) == []


def test_status_names_come_from_the_glossary() -> None:
    for status in Status:
        assert status_label(status, "tr") == f"{status.value} ({GLOSSARY[status.value].tr})"
        assert status_label(status, "en") == status.value


def test_terms_are_one_turkish_word_each() -> None:
    turkish = [tr_lower(t.tr) for t in GLOSSARY.values()]
    assert len(set(turkish)) == len(turkish)
    for term in GLOSSARY.values():
        assert tr_lower(term.tr) not in [tr_lower(a) for a in term.avoid]
