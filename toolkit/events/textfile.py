"""Opening exported event text (XML, CSV) in whatever encoding Windows wrote it.

``wevtutil … > file`` in PowerShell 5.1 writes UTF-16 LE with a BOM; Event Viewer's CSV export and
``Out-File -Encoding utf8`` write UTF-8 with a BOM; cmd.exe redirection writes bytes as they come. The BOM
decides; without one the text is taken as UTF-8, undecodable bytes replaced rather than fatal.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import TextIO


def text_encoding(first: bytes) -> str:
    if first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def open_text(path: Path) -> TextIO:
    with path.open("rb") as handle:
        first = handle.read(4)
    return path.open("r", encoding=text_encoding(first), errors="replace", newline="")
