"""The batch report as a workbook worth opening: typed cells, a styled and frozen header, an
auto-filter, widths that fit, a totals row, and a link from each order to its run report.

It knows columns (a key, a header, a kind) and rows of plain values; it does not know the
ledger. Cells hold what customers typed and what the portal said: a text cell that starts
like a formula (``=``, ``+``, ``-``, ``@``, tab, CR — OWASP's CSV-injection rule) is stored
as text with Excel's quote prefix, never as a formula. The only formulas are the totals
row's own ``SUBTOTAL``s, which follow the filter.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {"money": "#,##0.00", "count": "0", "time": "yyyy-mm-dd hh:mm:ss"}
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")
TOTAL_FONT = Font(bold=True)
TOTAL_BORDER = Border(top=Side(style="thin"), bottom=Side(style="double"))
LINK_FONT = Font(color="0563C1", underline="single")
MAX_WIDTH = 50


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"  # text | money | count | time
    total: bool = False  # summed in the totals row


def _shown_width(value: Any) -> int:
    """Characters a cell needs: a CJK character takes two."""
    if isinstance(value, datetime):
        return 19
    text = str(value if value is not None else "")
    longest = max(text.split("\n"), key=len, default="")
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in longest)


def text_cell(cell: Any) -> None:
    """A string that starts like a formula stays text (openpyxl would store it as one)."""
    if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
        cell.data_type = "s"
        cell.quotePrefix = True  # and Excel keeps it text when someone edits it


def _typed(value: Any, kind: str) -> Any:
    if value is None or value == "":
        return None
    if kind == "money":
        return float(value) if isinstance(value, Decimal | int | float) else str(value)
    if kind == "time" and isinstance(value, datetime):
        # a spreadsheet has no time zone: the reader's clock
        return value.astimezone().replace(tzinfo=None) if value.tzinfo else value
    return value


def write_sheet(
    sheet: Worksheet,
    columns: Sequence[Column],
    rows: Sequence[Mapping[str, Any]],
    *,
    links: Sequence[str | None] = (),
    total_label: str | None = None,
) -> None:
    """Header, rows, and (with ``total_label``) a totals row under them. ``links[n]`` is the
    target of row n's first cell."""
    widths = [_shown_width(c.header) for c in columns]
    sheet.append([c.header for c in columns])
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for n, row in enumerate(rows):
        sheet.append([_typed(row.get(c.key), c.kind) for c in columns])
        for index, (cell, column) in enumerate(zip(sheet[sheet.max_row], columns, strict=True)):
            if column.kind in FORMATS and cell.value is not None:
                cell.number_format = FORMATS[column.kind]
            text_cell(cell)
            cell.alignment = Alignment(vertical="top", wrap_text=column.kind == "text")
            widths[index] = max(widths[index], _shown_width(cell.value))
        link = links[n] if n < len(links) else None
        if link:
            first = sheet.cell(row=sheet.max_row, column=1)
            first.hyperlink = link
            first.font = LINK_FONT
    last = get_column_letter(len(columns))
    end = sheet.max_row
    sheet.freeze_panes = "B2"  # the header and each row's reference stay in sight
    sheet.auto_filter.ref = f"A1:{last}{end}"
    if total_label is not None:
        _totals(sheet, columns, end, total_label)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(MAX_WIDTH, width + 2)


def _totals(sheet: Worksheet, columns: Sequence[Column], end: int, label: str) -> None:
    row = end + 1
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(row=row, column=index)
        letter = get_column_letter(index)
        if index == 1:
            cell.value = label
        elif column.total and end >= 2:
            # SUBTOTAL(109, …) sums the rows the filter shows
            cell.value = f"=SUBTOTAL(109,{letter}2:{letter}{end})"
            cell.number_format = FORMATS.get(column.kind, "General")
        cell.font, cell.border = TOTAL_FONT, TOTAL_BORDER


def new_book() -> Workbook:
    book = Workbook()
    # the totals are formulas: computed when the file is opened
    book.calculation.fullCalcOnLoad = True
    return book


def save(book: Workbook, path: Path) -> Path:
    book.save(path)
    return path
