"""JSON as every conncheck writer emits it: strict (no NaN or Infinity) and ASCII-only.

``json.dumps`` writes a float NaN as a bare ``NaN``, which is not JSON: ``ConvertFrom-Json``, ``jq`` and browsers
refuse the whole document. Facts may carry such numbers (the facts loader refuses them at input; a writer must not
depend on that), so every non-finite number is written as ``null``, and a document that is an object lists where
under ``NULL_FOR_NON_FINITE`` (JSON Pointers), so the replacement is visible rather than silent.

ASCII-only (``\\uXXXX`` escapes) because PowerShell reads a redirected or piped stream in the console's code page
(cp1252, cp857, ...): escaped JSON reads the same in every code page.
"""

from __future__ import annotations

import json
import math
from typing import Any

NULL_FOR_NON_FINITE = "null_for_non_finite"


def dumps(value: Any, *, indent: int | None = None) -> str:
    """``value`` as strict, ASCII-only JSON (objects that JSON lacks, such as datetimes, as their ``str``)."""
    separators = (",", ":") if indent is None else None
    try:  # the common case: nothing to replace, one pass
        return json.dumps(value, indent=indent, separators=separators, ensure_ascii=True, allow_nan=False, default=str)
    except ValueError:
        pass
    replaced: list[str] = []
    clean = _finite(value, "", replaced)
    if replaced and isinstance(clean, dict):
        clean = {**clean, NULL_FOR_NON_FINITE: replaced}
    return json.dumps(clean, indent=indent, separators=separators, ensure_ascii=True, allow_nan=False, default=str)


def _finite(value: Any, path: str, replaced: list[str]) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        replaced.append(path or "/")
        return None
    if isinstance(value, dict):
        return {key: _finite(item, f"{path}/{_escape(str(key))}", replaced) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item, f"{path}/{i}", replaced) for i, item in enumerate(value)]
    return value


def _escape(key: str) -> str:
    """A JSON Pointer reference token (RFC 6901): ``~`` and ``/`` escaped."""
    return key.replace("~", "~0").replace("/", "~1")
