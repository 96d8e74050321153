"""A Triage as text: a console table, JSON (reads cleanly with ConvertFrom-Json) or Markdown, in English or Turkish
(JSON keys and values stay as they are: scripts match on them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from conncheck import strict_json
from conncheck.catalog import format_code
from conncheck.events.record import ADMIN_LOG, LEGACY_LOG, OPERATIONAL_LOG
from conncheck.events.triage import Triage

TIMELINE_LIMIT = 50  # table and Markdown show the latest runs; JSON has them all

_WORDS = {
    "en": {
        "event_head": "event|name|generation|count|first (UTC)|last (UTC)|levels",
        "code_head": "code|name|records|events|latest (UTC)|computer|details",
        "timeline_head": "failing from|until|host|operation|events|codes|then",
        "events": "Connector events",
        "codes": "Diagnostic codes",
        "timeline": "Failures and recoveries",
        "none": "(none)",
        "totals": "{total} records read, {connector} from the connector, {others} other records ignored",
        "filtered": ", {n} outside --since/--host",
        "unrecovered": "Unrecovered failures: {n}",
        "unrecovered_unknown": "unknown (no connector record read)",
        "next": "What to check next",
        "nothing_next": "no connector failures: nothing to re-check from these events",
        "no_check": "(no check registered yet)",
        "run": "run",
        "recovered": "recovered {when} ({by})",
        "not_recovered": "UNRECOVERED",
        "title": "Connector event triage",
        "legacy": "legacy",
        "current": "current",
    },
    "tr": {
        "event_head": "olay|ad|kuşak|sayı|ilk (UTC)|son (UTC)|düzeyler",
        "code_head": "kod|ad|kayıt|olaylar|en son (UTC)|bilgisayar|ayrıntılar",
        "timeline_head": "hata başlangıcı|bitişi|sunucu|işlem|olaylar|kodlar|sonra",
        "events": "Bağlayıcı olayları",
        "codes": "Tanılama kodları",
        "timeline": "Hatalar ve düzelmeler",
        "none": "(yok)",
        "totals": "{total} kayıt okundu, {connector} tanesi bağlayıcıdan, {others} başka kayıt yok sayıldı",
        "filtered": ", {n} tanesi --since/--host dışında",
        "unrecovered": "Düzelmeyen hatalar: {n}",
        "unrecovered_unknown": "bilinmiyor (bağlayıcı kaydı okunmadı)",
        "outside_filter": "buradaki {n} bağlayıcı kaydının hiçbiri --since/--host içinde değil",
        "no_connector_record": f"burada bağlayıcının günlüklerine ait kayıt yok: bunlar eski '{LEGACY_LOG}' günlüğü "
        f"ile '{ADMIN_LOG}' ve '/{OPERATIONAL_LOG.rsplit('/', 1)[1]}' günlükleridir, bağlayıcı sunucusunda (SCEP ile "
        "NDES sunucusunda) bulunurlar",
        "next": "Sırada ne denetlenmeli",
        "nothing_next": "bağlayıcı hatası yok: bu olaylardan yeniden denetlenecek bir şey yok",
        "no_check": "(henüz kayıtlı bir denetim yok)",
        "run": "çalıştırın",
        "recovered": "düzeldi {when} ({by})",
        "not_recovered": "DÜZELMEDİ",
        "title": "Bağlayıcı olayları incelemesi",
        "legacy": "eski",
        "current": "güncel",
        "Error": "Hata",
        "Warning": "Uyarı",
        "Information": "Bilgi",
        "Critical": "Kritik",
        "Verbose": "Ayrıntılı",
    },
}


def _w(key: str, lang: str) -> str:
    words = _WORDS.get(lang, _WORDS["en"])
    return words.get(key, key)


def _short(time: str | None) -> str:
    return (time or "-").replace("T", " ")[:19]


def _event_rows(triage: Triage, lang: str) -> list[list[Any]]:
    return [
        [e["event_id"], e["name"], _w(e["generation"], lang) if e["generation"] else "-", e["count"],
         _short(e["first"]), _short(e["last"]), ", ".join(_w(level, lang) for level in e["levels"])]
        for e in triage.summary.event_rows()
    ]


def _code_rows(triage: Triage) -> list[list[Any]]:
    rows = []
    for c in triage.summary.code_rows():
        latest = c["latest"] or {}
        details = ", ".join(f"{k}={v}" for k, v in (latest.get("details") or {}).items())
        events = ", ".join(f"{e['event_id']}×{e['count']}" for e in c["events"])
        rows.append([c["code"], c["name"], c["count"], events, _short(latest.get("time_utc")),
                     latest.get("computer") or "-", details or "-"])
    return rows


def _timeline_rows(triage: Triage, lang: str) -> list[list[Any]]:
    rows = []
    for run in triage.runs[-TIMELINE_LIMIT:]:
        doc = run.to_json(triage.summary.names)
        events = ", ".join(f"{e['event_id']} {e['name']}×{e['count']}" for e in doc["events"])
        state = (_w("recovered", lang).format(when=_short(doc["recovered_at"]), by=doc["recovered_by"])
                 if run.recovered else _w("not_recovered", lang))
        rows.append([_short(doc["first"]), _short(doc["last"]), doc["host"], doc["operation"], events,
                     ", ".join(doc["codes"]) or "-", state])
    return rows


def _sections(triage: Triage, lang: str) -> list[tuple[str, list[str], list[list[Any]]]]:
    return [
        (_w("events", lang), _w("event_head", lang).split("|"), _event_rows(triage, lang)),
        (_w("codes", lang), _w("code_head", lang).split("|"), _code_rows(triage)),
        (_w("timeline", lang), _w("timeline_head", lang).split("|"), _timeline_rows(triage, lang)),
    ]


def _totals(triage: Triage, lang: str) -> str:
    s = triage.summary
    line = _w("totals", lang).format(total=s.total, connector=s.connector, others=s.not_connector)
    if s.filtered_out:
        line += _w("filtered", lang).format(n=s.filtered_out)
    return line


def nothing_read_line(triage: Triage, lang: str) -> str | None:
    """Why these inputs say nothing about the connector (``Triage.nothing_read``), in ``lang``."""
    why = triage.nothing_read
    if why is None or lang != "tr":
        return why
    if triage.summary.filtered_out:
        return _w("outside_filter", lang).format(n=triage.summary.filtered_out)
    return _w("no_connector_record", lang)


def _unrecovered(triage: Triage, lang: str) -> str:
    count = _w("unrecovered_unknown", lang) if triage.nothing_read else len(triage.unrecovered)
    return _w("unrecovered", lang).format(n=count)


def _next_lines(triage: Triage, bullet: str, lang: str) -> list[str]:
    nothing = nothing_read_line(triage, lang)
    if nothing:
        return [f"{bullet}{nothing}"]
    if not triage.next_steps:
        return [f"{bullet}{_w('nothing_next', lang)}"]
    return [f"{bullet}{format_code(s.code)} {s.name}: {', '.join(s.checks) or _w('no_check', lang)}"
            for s in triage.next_steps]


def render_table(triage: Triage, lang: str = "en") -> str:
    from tabulate import tabulate  # not imported for JSON: start-up counts on a small file

    out = [_totals(triage, lang), ""]
    for title, head, rows in _sections(triage, lang):
        out.append(f"{title}:")
        out.append(tabulate(rows, headers=head, tablefmt="simple") if rows else f"  {_w('none', lang)}")
        out.append("")
    out.append(_unrecovered(triage, lang))
    out.append(f"{_w('next', lang)}:")
    out += _next_lines(triage, "  ", lang)
    if triage.command:
        out.append(f"  {_w('run', lang)}: {triage.command}")
    return "\n".join(out) + "\n"


def render_markdown(triage: Triage, lang: str = "en") -> str:
    from tabulate import tabulate

    out = [f"# {_w('title', lang)}", "", _totals(triage, lang) + ".", ""]
    for title, head, rows in _sections(triage, lang):
        out += [f"## {title}", ""]
        out.append(tabulate(rows, headers=head, tablefmt="github") if rows else _w("none", lang))
        out.append("")
    out += [f"## {_w('next', lang)}", "", _unrecovered(triage, lang), ""]
    out += _next_lines(triage, "- ", lang)
    if triage.command:
        out += ["", "```sh", triage.command, "```"]
    return "\n".join(out) + "\n"


def render_json(triage: Triage, lang: str = "en") -> str:
    return strict_json.dumps(triage.to_json(), indent=1) + "\n"


RENDERERS: dict[str, Callable[[Triage, str], str]] = {
    "table": render_table,
    "json": render_json,
    "markdown": render_markdown,
}
