"""What ``explain`` and ``list-checks`` show of each check (its card), without importing the check modules when it can.

Importing the built-in check modules (their probe schemas, the PKI parsers, the registration scan) costs more than
all the rest of ``conncheck explain``, so their cards are also kept as data in ``catalog/checks.json``, written by
``python -m conncheck.check_cards > toolkit/catalog/checks.json`` and kept current by tests/test_check_cards.py.
The file is used only while it still describes what is installed: the same built-in entry points, the same digest
of the check modules' sources, and no third-party plugin. Otherwise the cards come from the registry, loaded exactly
as ``evaluate`` loads it (an edited tree or a plugin costs the import, never a stale or partial answer).
"""

from __future__ import annotations

import json
import sys
import zlib
from dataclasses import dataclass
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conncheck.catalog import read_json
from conncheck.results import Fix, Msg

if TYPE_CHECKING:
    from conncheck.plugin import Check
    from conncheck.registry import Registry

CARDS_FILE = "checks.json"
FORMAT = "conncheck.check-cards/1"


@dataclass(frozen=True)
class CheckCard:
    id: str
    title: Msg
    codes: tuple[int, ...]
    events: tuple[int, ...]
    roles: tuple[str, ...]
    probes: tuple[str, ...]
    remediation: Fix
    plugin: str
    references: tuple[str, ...]

    @classmethod
    def of(cls, check: Check) -> CheckCard:
        return cls(check.id, check.title, check.codes, check.events, check.roles, check.probes, check.remediation,
                   check.plugin, check.references)

    def title_in(self, lang: str) -> str:
        return self.title.in_lang(lang)

    def remediation_in(self, lang: str) -> str:
        return self.remediation.in_lang(lang)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": [self.title.en, self.title.tr], "codes": list(self.codes),
                "events": list(self.events), "roles": list(self.roles), "probes": list(self.probes),
                "remediation": [self.remediation.en, self.remediation.tr], "plugin": self.plugin,
                "references": list(self.references)}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> CheckCard:
        return cls(doc["id"], Msg(*doc["title"]), tuple(doc["codes"]), tuple(doc["events"]), tuple(doc["roles"]),
                   tuple(doc["probes"]), Fix(*doc["remediation"]), doc["plugin"], tuple(doc["references"]))


@dataclass(frozen=True)
class Cards:
    """Every check's card in registry order, and the plugins' names."""

    checks: tuple[CheckCard, ...]
    plugins: tuple[str, ...]

    @classmethod
    def of(cls, registry: Registry) -> Cards:
        return cls(tuple(CheckCard.of(c) for c in registry.checks.values()), tuple(p.name for p in registry.plugins))


@lru_cache(maxsize=1)
def check_cards() -> Cards:
    """The installed checks' cards: from catalog/checks.json while it matches what is installed, else the registry."""
    from conncheck.registry import default_registry, plugin_entry_points

    builtin, others = plugin_entry_points()
    recorded = _recorded()
    digest = sources_digest()
    if (
        recorded is not None
        and not others
        and recorded.get("entry_points") == {ep.name: ep.value for ep in builtin}
        and digest is not None
        and recorded.get("digest") == digest
    ):
        return Cards(tuple(CheckCard.from_json(c) for c in recorded["checks"]), tuple(recorded["plugins"]))
    return Cards.of(default_registry())


def _recorded() -> dict[str, Any] | None:
    try:
        doc = read_json(CARDS_FILE)
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("format") == FORMAT else None


def sources_digest() -> str | None:
    """A CRC-32 of the built-in check modules' sources (``conncheck.checks``), None when they cannot be read. It
    notices an edit, which is all it is for; hashlib would cost ``explain`` more than the check it guards."""
    spec = find_spec("conncheck.checks")
    if spec is None or not spec.submodule_search_locations:
        return None
    crc = 0
    try:
        for path in sorted(Path(spec.submodule_search_locations[0]).glob("*.py")):
            crc = zlib.crc32(path.name.encode() + b"\0" + path.read_bytes() + b"\0", crc)
    except OSError:
        return None
    return f"crc32:{crc:08x}"


def recorded_cards_json() -> str:
    """catalog/checks.json as it should read now: the built-in plugins' cards, entry points and sources' digest."""
    from conncheck.registry import load_registry, plugin_entry_points

    builtin, _ = plugin_entry_points()
    cards = Cards.of(load_registry(builtin))
    doc = {
        "format": FORMAT,
        "entry_points": {ep.name: ep.value for ep in builtin},
        "digest": sources_digest(),
        "plugins": list(cards.plugins),
        "checks": [c.to_json() for c in cards.checks],
    }
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(recorded_cards_json())
