"""A check's evidence as HTML tables a person reads: keys down the side, values as they are (no JSON quoting, one
backslash where Windows writes one), nested objects as nested tables, lists of objects as tables with one column per
key. Every value is escaped; long values wrap inside their cell, so no table is wider than the page.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from conncheck.reports.labels import word

MAX_DEPTH = 4  # deeper values print as compact JSON
MAX_ITEMS = 50  # a longer list shows its first items and how many more there are
MAX_COLUMNS = 8  # a list of objects with more keys than this prints as one table per object


def evidence_table(evidence: dict[str, Any], lang: str) -> str:
    if not evidence:
        return ""
    return _Tables(lang).mapping(evidence, 0)


class _Tables:
    """The evidence's tables, with the words (yes, no, none, ...) in the report's language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def mapping(self, value: dict[str, Any], depth: int) -> str:
        rows = "".join(f"<tr><th>{escape(str(k))}</th><td>{self.value(v, depth + 1)}</td></tr>"
                       for k, v in value.items())
        return f'<table class="evidence"><tbody>{rows}</tbody></table>'

    def _none(self, key: str) -> str:
        return f'<span class="none">{escape(word(key, self.lang))}</span>'

    def value(self, value: Any, depth: int) -> str:
        if value is None:
            return self._none("none")
        if isinstance(value, bool):
            return escape(word("yes" if value else "no", self.lang))
        if isinstance(value, (int, float, str)):
            return escape(str(value))
        if depth > MAX_DEPTH:
            return f"<code>{escape(json.dumps(value, ensure_ascii=False, default=str))}</code>"
        if isinstance(value, dict):
            return self.mapping(value, depth) if value else self._none("empty")
        if isinstance(value, (list, tuple)):
            return self.sequence(list(value), depth)
        return escape(str(value))

    def _more(self, total: int) -> str:
        if total <= MAX_ITEMS:
            return ""
        return f'<p class="more">… {escape(word("and_more", self.lang).format(n=total - MAX_ITEMS))}</p>'

    def sequence(self, items: list[Any], depth: int) -> str:
        if not items:
            return self._none("empty")
        shown = items[:MAX_ITEMS]
        if all(isinstance(i, dict) for i in shown):
            columns = list(dict.fromkeys(k for i in shown for k in i))
            if len(columns) <= MAX_COLUMNS:
                head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
                body = "".join(
                    "<tr>" + "".join(f"<td>{self.value(i.get(c), depth + 1)}</td>" for c in columns) + "</tr>"
                    for i in shown
                )
                return (f'<table class="evidence"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
                        + self._more(len(items)))
        if all(isinstance(i, (str, int, float)) and not isinstance(i, bool) for i in shown):
            return "<ul>" + "".join(f"<li>{escape(str(i))}</li>" for i in shown) + "</ul>" + self._more(len(items))
        return ("<ul>" + "".join(f"<li>{self.value(i, depth + 1)}</li>" for i in shown) + "</ul>"
                + self._more(len(items)))
