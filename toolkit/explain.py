"""``conncheck explain`` and ``conncheck list-checks``: the catalog and the registry, as text for people.

``explain_text`` takes a diagnostic code in any spelling the catalog accepts (``0x403``,
``0x00000403``, decimal ``1027``, the published table's ``0xC0000`` and ``0x0FFFFFFFF``) or a
connector event ID, and says what it is, what relates to it, which checks stand behind it and what
to do. A decimal number that is both an event ID and a code (1032 is event PkcsDigiCertRequest and
code 0x408) is explained as both.
"""

from __future__ import annotations

from collections.abc import Iterable

from conncheck import strict_json
from conncheck.catalog import Catalog, Code, Event, ParsedCode, format_code, load, parse_code, parse_number, text
from conncheck.catalog.codes import DiagnosticCode
from conncheck.check_cards import Cards, CheckCard, check_cards
from conncheck.errors import InputError

SUCCESS, UNKNOWN_ERROR = DiagnosticCode.Success, DiagnosticCode.Unknown_Error

_WORDS = {
    "en": {
        "code": "Diagnostic code",
        "event": "Event",
        "note": "Note",
        "meaning": "Meaning",
        "events": "Related events",
        "codes": "Related codes",
        "checks": "Checks behind it",
        "fix": "What to do",
        "legacy": "legacy connector (NDES Connector / PFX Certificate Connector)",
        "current": "Certificate Connector for Microsoft Intune",
        "channel": "Log",
        "level": "Level",
        "connector": "Connector",
        "legacy_short": "legacy connector",
        "operation": "Operation",
        "no_checks": "no check tests a precondition of this one",
        "same_op": "The legacy connector's events for the same operation",
        "general": "every legacy event lists Success and Unknown_Error; the checks shown are those behind "
        "Unknown_Error",
        "info_fix": "Nothing to do: this event records a normal step.",
        "event_fix": "Read the diagnostic code in the event's message or data, run "
        "`conncheck explain <code>`, then re-check what stands behind it with `--codes <code>`.",
        "both": "{n} is both event ID {n} and the decimal spelling of code {code}; both are shown.",
        "decimal": "{s} is decimal for {code}.",
        "other": "{s} is {code} written another way.",
        "alias": "{s} is the published table's spelling of {code} ({name}); conncheck shows it as {code}.",
        "alias_equal": "{s} equals {alias}, the published table's spelling of {code} ({name}); conncheck shows "
        "it as {code}.",
        "Error": "Error",
        "Warning": "Warning",
        "Information": "Information",
        "list_headers": "id|title|codes|roles|probes",
        "prerequisite": "prerequisite",
        "list_total": "{checks} checks from {plugins} plugins",
        "range": "ID range",
        "unlisted": "Microsoft does not list this ID; it falls in the range the connector's {area} area writes "
        "({first}–{last}).",
        "references": "Microsoft's pages behind these checks",
    },
    "tr": {
        "code": "Tanılama kodu",
        "event": "Olay",
        "note": "Not",
        "meaning": "Anlamı",
        "events": "İlgili olaylar",
        "codes": "İlgili kodlar",
        "checks": "Arkasındaki denetimler",
        "fix": "Yapılacaklar",
        "legacy": "eski bağlayıcı (NDES Connector / PFX Certificate Connector)",
        "current": "Certificate Connector for Microsoft Intune",
        "channel": "Günlük",
        "level": "Düzey",
        "connector": "Bağlayıcı",
        "legacy_short": "eski bağlayıcı",
        "operation": "İşlem",
        "no_checks": "bunun bir önkoşulunu sınayan denetim yok",
        "same_op": "Eski bağlayıcının aynı işleme ait olayları",
        "general": "her eski olay Success ve Unknown_Error kodlarını listeler; gösterilen denetimler "
        "Unknown_Error'ın arkasındakilerdir",
        "info_fix": "Yapılacak bir şey yok: bu olay olağan bir adımı kaydeder.",
        "event_fix": "Olayın iletisinde veya verisinde tanılama kodunu bulun, `conncheck explain <kod>` "
        "çalıştırın, sonra arkasındakileri `--codes <kod>` ile yeniden denetleyin.",
        "both": "{n} hem {n} numaralı olay hem de {code} kodunun onluk yazılışıdır; ikisi de gösteriliyor.",
        "decimal": "{s}, {code} kodunun onluk yazılışıdır.",
        "other": "{s}, {code} kodunun başka bir yazılışıdır.",
        "alias_equal": "{s}, yayımlanan tablonun {code} ({name}) için kullandığı {alias} yazılışına eşittir; "
        "conncheck bunu {code} olarak gösterir.",
        "alias": "{s}, yayımlanan tablonun {code} ({name}) için kullandığı yazılıştır; conncheck bunu {code} "
        "olarak gösterir.",
        "Error": "Hata (Error)",
        "Warning": "Uyarı (Warning)",
        "Information": "Bilgi (Information)",
        "list_headers": "kimlik|başlık|kodlar|roller|yoklamalar",
        "prerequisite": "önkoşul",
        "list_total": "{plugins} eklentiden {checks} denetim",
        "range": "Kimlik aralığı",
        "unlisted": "Microsoft bu kimliği listelemiyor; bağlayıcının {area} alanının yazdığı aralıkta "
        "({first}–{last}).",
        "references": "Bu denetimlerin dayandığı Microsoft sayfaları",
    },
}


def _w(key: str, lang: str) -> str:
    return _WORDS.get(lang, _WORDS["en"])[key]


def _is_decimal(spelled: str) -> bool:
    return spelled.strip().isascii() and spelled.strip().isdigit()


def _spelling_note(parsed: ParsedCode, code: Code, lang: str) -> str | None:
    """Why the spelling given is not the canonical one, or None when it is (hex case does not matter)."""
    spelled = parsed.spelled.strip()
    if spelled.lower() == code.hex.lower():
        return None
    if _is_decimal(spelled):
        return _w("decimal", lang).format(s=spelled, code=code.hex)
    alias = next((a for a in code.spellings if parse_number(a) == parse_number(spelled)), None)
    if alias is not None and alias.lower() == spelled.lower():
        return _w("alias", lang).format(s=spelled, code=code.hex, name=code.name)
    if alias is not None:  # 0xFFFFFFFF: the same number as the table's nine-digit 0x0FFFFFFFF, not 0x0FFFFFFF
        return _w("alias_equal", lang).format(s=spelled, alias=alias, code=code.hex, name=code.name)
    return _w("other", lang).format(s=spelled, code=code.hex)


def checks_for_codes(cards: Cards, codes: Iterable[int]) -> list[CheckCard]:
    wanted = set(codes)
    return [c for c in cards.checks if wanted.intersection(c.codes)]


def _check_lines(checks: list[CheckCard], lang: str) -> list[str]:
    if not checks:
        return [f"  ({_w('no_checks', lang)})"]
    lines = [f"  {c.id}: {c.title_in(lang)} [{', '.join(c.roles)}]" for c in checks]
    pages = list(dict.fromkeys(url for c in checks for url in c.references))
    if pages:
        lines += ["", f"{_w('references', lang)}:", *(f"  {url}" for url in pages)]
    return lines


def _event_label(event: Event, lang: str) -> str:
    return f"{event.id} {event.name} ({event.channel or _w('legacy_short', lang)})"


def _explain_code(code: Code, note: str | None, catalog: Catalog, cards: Cards, lang: str) -> list[str]:
    lines = [f"{_w('code', lang)}: {code.hex} {code.name}"]
    if note:
        lines.append(f"{_w('note', lang)}: {note}")
    lines += ["", f"{_w('meaning', lang)}: {text(code.message, lang)}"]
    events = [e for e in catalog.events if code.value in e.codes]
    if events:
        lines += ["", f"{_w('events', lang)}:"]
        lines += [f"  {_event_label(e, lang)}" for e in events]
    if code.value != SUCCESS:
        behind = checks_for_codes(cards, [code.value])
        lines += ["", f"{_w('checks', lang)}:", *_check_lines(behind, lang)]
    lines += ["", f"{_w('fix', lang)}: {text(code.remediation, lang)}"]
    return lines


def _related_codes(event: Event, catalog: Catalog) -> list[int]:
    """The event's own codes; for a current-connector event, those of the legacy events of its operation."""
    if event.codes:
        return list(event.codes)
    legacy = [e for e in catalog.events if e.generation == "legacy" and e.operation == event.operation]
    return sorted({c for e in legacy if e.outcome == event.outcome for c in e.codes})


def _explain_event(event: Event, catalog: Catalog, cards: Cards, lang: str) -> list[str]:
    lines = [
        f"{_w('event', lang)}: {event.id} {event.name}",
        f"{_w('connector', lang)}: {_w(event.generation, lang)}",
    ]
    if event.channel:
        lines.append(f"{_w('channel', lang)}: {event.channel}")
    if event.level:
        level = _WORDS.get(lang, _WORDS["en"]).get(event.level, event.level)
        lines.append(f"{_w('level', lang)}: {level}")
    block = catalog.event_range(event.id) if event.generation == "current" else None
    if block is not None:
        lines.append(f"{_w('range', lang)}: {block.first}–{block.last} {text(block.area, lang)}")
    operation = catalog.operations.get(event.operation)
    if operation:
        lines.append(f"{_w('operation', lang)}: {text(operation, lang)}")
    lines += ["", f"{_w('meaning', lang)}: {text(event.description, lang)}"]
    if not event.codes:
        same = [
            e
            for e in catalog.events
            if e.generation == "legacy" and e.operation == event.operation and e.outcome == event.outcome
        ]
        if same:
            lines += ["", f"{_w('same_op', lang)}:", *(f"  {_event_label(e, lang)}" for e in same)]
    related = _related_codes(event, catalog)
    if related:
        lines += ["", f"{_w('codes', lang)}:"]
        for value in related:
            code = catalog.code(value)
            lines.append(f"  {format_code(value)} {code.name if code else ''}".rstrip())
    specific = [c for c in related if c not in (SUCCESS, UNKNOWN_ERROR)]
    direct = [c for c in cards.checks if event.id in c.events]
    if event.outcome == "failure" or direct:
        # An event the checks name directly (a health upload failure, say) is explained by those checks alone.
        by_code = checks_for_codes(cards, specific or [UNKNOWN_ERROR]) if specific or not direct else []
        behind = direct + [c for c in by_code if c not in direct]
        lines += ["", f"{_w('checks', lang)}:"]
        if not specific and related:
            lines.append(f"  ({_w('general', lang)})")
        lines += _check_lines(behind, lang)
    lines.append("")
    if event.outcome != "failure":
        lines.append(f"{_w('fix', lang)}: {_w('info_fix', lang)}")
        return lines
    if direct and not specific:
        lines.append(f"{_w('fix', lang)}:")
        lines += [f"  {c.id}: {c.remediation_in(lang)}" for c in direct]
        return lines
    lines.append(f"{_w('fix', lang)}: {_w('event_fix', lang)}")
    for value in specific:
        code = catalog.code(value)
        if code is not None:
            lines.append(f"  {code.hex} {code.name}: {text(code.remediation, lang)}")
    return lines


def explain_text(what: str, lang: str = "en", cards: Cards | None = None) -> str:
    """Explain a diagnostic code (any spelling) or a connector event ID; InputError when it is neither."""
    catalog = load()
    spelled = what.strip()
    parsed = parse_code(spelled, catalog)
    code = catalog.code(parsed.value)
    events = catalog.events_by_id(int(spelled)) if _is_decimal(spelled) else []
    block = catalog.event_range(int(spelled)) if _is_decimal(spelled) and not events else None
    if code is None and not events and block is not None:
        area = text(block.area, lang)
        return "\n".join([f"{_w('event', lang)}: {int(spelled)}", f"{_w('range', lang)}: {block.first}–{block.last} "
                          f"{area}", "", _w("unlisted", lang).format(area=area, first=block.first, last=block.last)])
    if code is None and not events:
        raise InputError(
            f"{spelled} is neither a diagnostic code of the table (0x00000400 … 0x00000411, 0x0FFFFFFF) "
            "nor a connector event ID (legacy 10010 … 20602, current 1 … 5999)"
        )
    cards = cards or check_cards()
    sections: list[list[str]] = []
    if code is not None and events:
        sections.append([f"{_w('note', lang)}: " + _w("both", lang).format(n=spelled, code=code.hex)])
    sections += [_explain_event(e, catalog, cards, lang) for e in events]
    if code is not None:
        note = None if events else _spelling_note(parsed, code, lang)
        sections.append(_explain_code(code, note, catalog, cards, lang))
    return "\n\n".join("\n".join(s) for s in sections)


def _hex_codes(check: CheckCard) -> list[str]:
    return [format_code(c) for c in check.codes]


def list_checks_text(fmt: str = "table", cards: Cards | None = None, lang: str = "en") -> str:
    """Every registered check: id, title, codes, roles, probes (``table`` for people, ``json`` for tools)."""
    cards = cards or check_cards()
    checks = cards.checks
    if fmt == "json":
        doc = [
            {
                "id": c.id,
                "title": c.title_in(lang),
                "codes": _hex_codes(c),
                "events": list(c.events),
                "roles": list(c.roles),
                "probes": list(c.probes),
                "references": list(c.references),
                "plugin": c.plugin,
            }
            for c in checks
        ]
        return strict_json.dumps(doc, indent=2) + "\n"
    if fmt != "table":
        raise InputError(f"--format {fmt}: expected table or json")
    from tabulate import tabulate

    rows = [
        [c.id, c.title_in(lang), " ".join(_hex_codes(c)) or _w("prerequisite", lang), ", ".join(c.roles),
         ", ".join(c.probes)]
        for c in checks
    ]
    table = tabulate(rows, headers=_w("list_headers", lang).split("|"), tablefmt="simple")
    total = _w("list_total", lang).format(checks=len(checks), plugins=len(cards.plugins))
    return f"{table}\n\n{total}\n"
