"""Writes the bomb files next to this file; the outputs are committed.

Run from the repository root: ``.venv/bin/python tests/orders/bombs/make_bombs.py``.
Small files whose naive reading has no end — ranges merged over the whole sheet, values
(or mere formatting) in a sheet's last row or column, a CSV row too wide, a YAML "billion
laughs" — made from ordinary ones (the corpus's helpers) with the XML patched, as a tool
would. tests/orders/test_readers.py states what reading each gives, and that it stays small.
"""

from __future__ import annotations

import sys
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "corpus"))
sys.path.insert(0, str(HERE.parents[2]))

from make_corpus import ENGLISH, csv_text, orders, table  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from openpyxl.utils import get_column_letter  # noqa: E402


def sheet_with(path: Path, rows: list[list[Any]], merges: list[str], far: str = "") -> None:
    """An .xlsx of ``rows``, with ``merges`` merged and ``far`` (row XML) appended."""
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    wb.save(path)
    merged = "".join(f'<mergeCell ref="{ref}"/>' for ref in merges)
    extra = f'<mergeCells count="{len(merges)}">{merged}</mergeCells>' if merges else ""
    _patch_sheet(path, lambda xml: xml.replace("</sheetData>", f"{far}</sheetData>{extra}", 1))


def _patch_sheet(path: Path, change: Callable[[str], str]) -> None:
    with zipfile.ZipFile(path) as src:
        items = src.infolist()
        data = {item.filename: src.read(item.filename) for item in items}
    sheet = "xl/worksheets/sheet1.xml"
    data[sheet] = change(data[sheet].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in items:
            out.writestr(item, data[item.filename])


def write_all(target: Path = HERE) -> None:
    # the whole sheet merged into one cell (the 7 KB file that took 6.6 GB)
    sheet_with(target / "merged_sheet.xlsx", table(orders(1)), ["A1:XFD1048576"])
    # two whole columns merged (phone model, note): each row shows the header's text
    model, note = (get_column_letter(ENGLISH.index(n) + 1) for n in ("phone_model", "note"))
    sheet_with(target / "merged_columns.xlsx", table(orders(2)),
               [f"{model}1:{model}1048576", f"{note}1:{note}1048576"])
    # a value in the sheet's last cell, and one far to the right of the orders
    last = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    sheet_with(target / "far_row.xlsx", table(orders(1)), [], last)
    sheet_with(target / "far_column.xlsx", table(orders(1)), [],
               '<row r="3"><c r="XFD3" t="n"><v>1</v></c></row>')
    # only formatting in the last cell (Excel writes such cells): not part of the orders
    sheet_with(target / "styled_far.xlsx", table(orders(1)), [],
               '<row r="1048576"><c r="XFD1048576" s="0"/></row>')
    rows = table(orders(1))
    rows[0] += [""] * 100
    rows[1] += [""] * 99 + ["stray"]  # column 120: past the 100 read
    (target / "wide.csv").write_text(csv_text(rows), encoding="utf-8")
    laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        laughs.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    (target / "laughs.yaml").write_text("\n".join(laughs) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_all()
