"""A check's evidence as HTML tables a person reads: keys down the side, values as they are (no JSON quoting, one
backslash where Windows writes one), nested objects as nested tables, lists of objects as tables with one column per
key. Every value is escaped; long values wrap inside their cell, so no table is wider than the page.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

MAX_DEPTH = 4  # deeper values print as compact JSON
MAX_ITEMS = 50  # a longer list shows its first items and how many more there are
MAX_COLUMNS = 8  # a list of objects with more keys than this prints as one table per object


def evidence_table(evidence: dict[str, Any]) -> str:
    if not evidence:
        return ""
    return _mapping(evidence, 0)


def _mapping(value: dict[str, Any], depth: int) -> str:
    rows = "".join(f"<tr><th>{escape(str(k))}</th><td>{_value(v, depth + 1)}</td></tr>" for k, v in value.items())
    return f'<table class="evidence"><tbody>{rows}</tbody></table>'


def _value(value: Any, depth: int) -> str:
    if value is None:
        return '<span class="none">none</span>'
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, str)):
        return escape(str(value))
    if depth > MAX_DEPTH:
        return f"<code>{escape(json.dumps(value, ensure_ascii=False, default=str))}</code>"
    if isinstance(value, dict):
        return _mapping(value, depth) if value else '<span class="none">(empty)</span>'
    if isinstance(value, (list, tuple)):
        return _sequence(list(value), depth)
    return escape(str(value))


def _more(total: int) -> str:
    return f'<p class="more">… and {total - MAX_ITEMS} more</p>' if total > MAX_ITEMS else ""


def _sequence(items: list[Any], depth: int) -> str:
    if not items:
        return '<span class="none">(empty)</span>'
    shown = items[:MAX_ITEMS]
    if all(isinstance(i, dict) for i in shown):
        columns = list(dict.fromkeys(k for i in shown for k in i))
        if len(columns) <= MAX_COLUMNS:
            head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
            body = "".join(
                "<tr>" + "".join(f"<td>{_value(i.get(c), depth + 1)}</td>" for c in columns) + "</tr>" for i in shown
            )
            return f'<table class="evidence"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>' + _more(
                len(items))
    if all(isinstance(i, (str, int, float)) and not isinstance(i, bool) for i in shown):
        return "<ul>" + "".join(f"<li>{escape(str(i))}</li>" for i in shown) + "</ul>" + _more(len(items))
    return "<ul>" + "".join(f"<li>{_value(i, depth + 1)}</li>" for i in shown) + "</ul>" + _more(len(items))
