"""A client document's text as a PDF (fpdf2, pure Python, no system fonts).

The PDF is drawn from the very client text the studio approved (bold section lines, ``- ``
lists, ``**bold**`` inline), so it can say nothing the leak rules did not see. The built-in
Helvetica covers Windows-1252 (``€``, ``–``, ``…``); any other character is written as its
closest plain form, or ``?``, rather than failing the export.
"""

from __future__ import annotations

import re
import unicodedata

from fpdf import FPDF
from fpdf.enums import XPos, YPos

_SECTION = re.compile(r"^\*\*(?P<text>[^*]+)\*\*\s*$")
_LINK = re.compile(r"\[([^\]]+)\]\((?:https?://[^)]+)\)")
_ENCODING = "cp1252"


def _printable(text: str) -> str:
    """Text the core font can draw: cp1252 as is, the rest folded or replaced."""
    out: list[str] = []
    for char in text:
        try:
            char.encode(_ENCODING)
            out.append(char)
        except UnicodeEncodeError:
            folded = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            out.append(folded or "?")
    return "".join(out)


def _inline(text: str) -> str:
    # fpdf2's markdown knows **bold** and __underline__; links and code marks are shown plain.
    text = _LINK.sub(r"\1", text).replace("`", "")
    return _printable(text.replace("__", "_"))


def text_pdf(text: str, *, title: str = "Proposal", author: str = "") -> bytes:
    """A4 PDF of ``text`` (the client Markdown); the first bold line is the document title."""
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"  # the core fonts then draw €, – and …
    pdf.set_title(_printable(title))
    if author:
        pdf.set_author(_printable(author))
    pdf.set_creator("Atelier")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    first = True
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip():
            pdf.ln(3)
            continue
        section = _SECTION.match(line)
        if section:
            size = 16 if first else 12
            pdf.ln(0 if first else 2)
            pdf.set_font("Helvetica", "B", size)
            pdf.multi_cell(
                0, size * 0.55, _inline(section.group("text")),
                new_x=XPos.LMARGIN, new_y=YPos.NEXT,
            )
            first = False
            continue
        pdf.set_font("Helvetica", "", 10.5)
        if line.lstrip().startswith("- "):
            pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(
                0, 5.5, "\u2022 " + _inline(line.lstrip()[2:]), markdown=True,
                new_x=XPos.LMARGIN, new_y=YPos.NEXT,
            )
        else:
            pdf.multi_cell(
                0, 5.5, _inline(line), markdown=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        first = False
    return bytes(pdf.output())


__all__ = ["text_pdf"]
