"""catalog/checks.json: the built-in checks' cards ``explain`` and ``list-checks`` read instead of importing the
check modules. It must equal what the registry says, and be ignored the moment it may not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conncheck import check_cards as cards_mod
from conncheck.catalog import read_json
from conncheck.check_cards import CARDS_FILE, Cards, CheckCard, check_cards, recorded_cards_json
from conncheck.explain import explain_text, list_checks_text
from conncheck.registry import default_registry
from conncheck.results import Fix, Msg

REPO = Path(__file__).resolve().parent.parent
REGENERATE = "python -m conncheck.check_cards > toolkit/catalog/checks.json"


@pytest.fixture(autouse=True)
def fresh_cards() -> Any:
    check_cards.cache_clear()
    yield
    check_cards.cache_clear()


def test_the_committed_cards_are_current() -> None:
    committed = (REPO / "toolkit" / "catalog" / CARDS_FILE).read_text(encoding="utf-8")
    assert committed == recorded_cards_json(), f"catalog/checks.json is stale: run `{REGENERATE}`"


def test_the_recorded_cards_are_used_and_equal_the_registrys() -> None:
    cards = check_cards()
    assert cards == Cards.of(default_registry())
    assert len(cards.checks) == len(default_registry().checks) > 80


def test_a_card_survives_its_json_form() -> None:
    card = CheckCard("x", Msg("T", "Ş"), (0x400,), (1001,), ("ca",), ("p",), Fix("do", None), "plug", ("https://a",))
    assert CheckCard.from_json(card.to_json()) == card


def doctored(monkeypatch: pytest.MonkeyPatch, **changes: Any) -> None:
    """catalog/checks.json with one check's title replaced, plus ``changes`` to the document."""
    doc = read_json(CARDS_FILE)
    doc["checks"][0]["title"] = ["FROM THE FILE", None]
    doc.update(changes)
    monkeypatch.setattr(cards_mod, "_recorded", lambda: doc)


def first_title() -> str:
    return check_cards().checks[0].title.en


def test_the_file_is_what_explain_reads_while_it_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    doctored(monkeypatch)  # the control for the three below: digest and entry points still match
    assert first_title() == "FROM THE FILE"


def test_edited_check_sources_make_the_registry_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    doctored(monkeypatch)
    monkeypatch.setattr(cards_mod, "sources_digest", lambda: "crc32:00000000")
    assert first_title() == next(iter(default_registry().checks.values())).title.en != "FROM THE FILE"


def test_unreadable_sources_make_the_registry_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    doctored(monkeypatch, digest=None)  # even a file that recorded "unreadable" too
    monkeypatch.setattr(cards_mod, "sources_digest", lambda: None)
    assert first_title() != "FROM THE FILE"


def test_other_entry_points_make_the_registry_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    doctored(monkeypatch, entry_points={"ca": "conncheck.checks.ca"})
    assert first_title() != "FROM THE FILE"


def test_a_missing_or_foreign_file_makes_the_registry_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cards_mod, "read_json", lambda name: (_ for _ in ()).throw(OSError("gone")))
    assert check_cards() == Cards.of(default_registry())
    monkeypatch.setattr(cards_mod, "read_json", lambda name: {"format": "something/else"})
    assert cards_mod._recorded() is None


def test_explain_and_list_checks_read_no_check_module() -> None:
    """The point of the file: a fresh process explains a code without importing conncheck.checks.*."""
    code = ("import sys; from conncheck.explain import explain_text, list_checks_text; "
            "explain_text('0x402'); list_checks_text('json'); "
            "print(sorted(m for m in sys.modules if m.startswith('conncheck.checks.') or m == 'conncheck.plugin'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd="/")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_explain_says_the_same_from_the_file_and_from_the_registry() -> None:
    registry_cards = Cards.of(default_registry())
    for what in ("0x402", "0x405", "0x0FFFFFFF", "5001", "1032"):
        assert explain_text(what) == explain_text(what, cards=registry_cards)
    assert list_checks_text("json") == list_checks_text("json", cards=registry_cards)
