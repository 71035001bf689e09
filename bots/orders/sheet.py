"""The cells of the first sheet of an .xlsx order file, read within bounds.

It knows a sheet's rows, cells, values and merged ranges, read as a stream of XML with
expat (no tree is ever built); the parts around it (shared strings, date styles) are
``bots.orders.workbook``'s; it knows nothing of orders or columns.

A sheet is read twice, without keeping it: ``scan`` finds the *used range* (the cells
that hold a value or a formula — not the size the file claims, which some writers get
wrong), the merged ranges clipped to it, and the formulas saved without a value; ``rows``
then yields the used range row by row. No cell outside the used range is ever visited, so
a 7 KB file merging ``A1:XFD1048576`` costs nothing, and a sheet whose used range passes
``MAX_ROWS`` rows or ``MAX_COLUMNS`` columns is refused with the cell that passes it. The
shared strings (most of a sheet's text) wait in an unlinked temporary file, not in memory.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from openpyxl.utils.datetime import from_excel

from bots.messages import t
from bots.orders.workbook import Pass, SheetProblem, Strings, date_styles, locate

MAX_ROWS = 100_000
MAX_COLUMNS = 100
MAX_MERGES = 10_000

_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_RANGE = re.compile(r"([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)")


@dataclass(frozen=True)
class Merge:
    """A merged range, 1-based and inclusive, already clipped to the used range."""

    ref: str
    min_col: int
    min_row: int
    max_col: int
    max_row: int


@dataclass
class Sheet:
    """What ``scan`` learnt: where the sheet is and how far its cells go."""

    path: str  # the sheet's part in the zip
    strings: str | None  # the shared strings' part
    styles: str | None
    rows: int = 0  # the used range is A1 to (columns, rows)
    columns: int = 0
    merges: list[Merge] = field(default_factory=list)
    unsaved: dict[tuple[int, int], str] = field(default_factory=dict)  # formulas with no value
    strings_used: int = 0  # one more than the highest shared string a cell refers to


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Cells(Pass):
    """Where each cell of a sheet is: rows and cells may leave out their reference."""

    def __init__(self) -> None:
        super().__init__()
        self.row = self.col = 0

    def next_row(self, attrs: dict[str, str]) -> None:
        ref = attrs.get("r")
        self.row, self.col = (int(ref) if ref else self.row + 1), 0

    def next_cell(self, attrs: dict[str, str]) -> None:
        ref = attrs.get("r")
        if ref is None:  # the next column
            self.col += 1
            return
        match = _REF.fullmatch(ref)
        if match is None:
            raise SheetProblem(t("单元格引用{ref}无效:用 Excel 重新保存", ref=repr(ref)))
        self.row, self.col = int(match[2]), column_number(match[1])


class _Scan(_Cells):
    def __init__(self, sheet: Sheet) -> None:
        super().__init__()
        self.sheet = sheet
        self.refs: list[str] = []
        self.used = self.saved = self.shared = False
        self.formula: list[str] | None = None
        self.value: list[str] = []

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "c":
            self.next_cell(attrs)
            self.used = self.saved = False
            self.shared = attrs.get("t") == "s"
            self.formula = None
        elif tag == "v":
            self.used, self.value = True, []
            self.text = self.value
        elif tag == "f":
            self.used, self.formula = True, []
            self.text = self.formula
        elif tag == "is":
            self.used = self.saved = True
        elif tag == "row":
            self.next_row(attrs)
        elif tag == "mergeCell":
            self.refs.append(attrs.get("ref", ""))
            if len(self.refs) > MAX_MERGES:
                raise SheetProblem(t("合并区域超过{limit}个:取消单元格合并", limit=MAX_MERGES))

    def end(self, tag: str) -> None:
        if tag == "v":
            value, self.text = "".join(self.value), None
            self.saved = bool(value)
            if self.shared and value:
                self._shared_string(value)
        elif tag == "f":
            self.text = None
        elif tag == "c" and self.used:  # (a cell with only formatting is not used)
            row, col, sheet = self.row, self.col, self.sheet
            if row > MAX_ROWS or col > MAX_COLUMNS:
                raise _too_far(row, col)
            sheet.rows, sheet.columns = max(sheet.rows, row), max(sheet.columns, col)
            if self.formula is not None and not self.saved and len(sheet.unsaved) < MAX_MERGES:
                sheet.unsaved[(row, col)] = "=" + "".join(self.formula)

    def _shared_string(self, value: str) -> None:
        # checked now, so a sheet that names a string its file lacks is refused before any
        # of its rows is handed on
        if not value.isdigit():
            cell = f"{column_letters(self.col)}{self.row}"
            raise SheetProblem(
                t(
                    "单元格{cell}引用的共享字符串{value}无效:文件已损坏,用 Excel 重新保存",
                    cell=cell,
                    value=repr(value),
                )
            )
        self.sheet.strings_used = max(self.sheet.strings_used, int(value) + 1)


def _too_far(row: int, col: int) -> SheetProblem:
    cell = f"{column_letters(col)}{row}"
    if row > MAX_ROWS:
        return SheetProblem(
            t(
                "第{row}行(单元格{cell})有内容:最多读{limit}行;删掉订单下面的内容,或把文件拆开",
                row=row,
                cell=cell,
                limit=MAX_ROWS,
            )
        )
    return SheetProblem(
        t(
            "第{column}列(单元格{cell})有内容:最多读{limit}列(到{last}列);删掉订单右边的内容",
            column=column_letters(col),
            cell=cell,
            limit=MAX_COLUMNS,
            last=column_letters(MAX_COLUMNS),
        )
    )


def scan(archive: zipfile.ZipFile) -> Sheet:
    """Pass one: the used range, the merged ranges clipped to it, unsaved formulas."""
    parts = locate(archive)
    sheet = Sheet(parts.sheet, parts.strings, parts.styles)
    found = _Scan(sheet)
    found.read(archive, sheet.path)
    sheet.merges = [m for ref in found.refs if (m := _clip(ref, sheet)) is not None]
    return sheet


def _clip(ref: str, sheet: Sheet) -> Merge | None:
    match = _RANGE.fullmatch(ref)
    if match is None:
        return None
    min_col, max_col = column_number(match[1]), column_number(match[3])
    min_row, max_row = int(match[2]), int(match[4])
    if min_row > sheet.rows or min_col > sheet.columns:
        return None
    return Merge(ref, min_col, min_row, min(max_col, sheet.columns), min(max_row, sheet.rows))


class _Rows(_Cells):
    """Pass two: each row's values across the used columns, as the cells end."""

    def __init__(self, sheet: Sheet, strings: Strings, dates: set[str]) -> None:
        super().__init__()
        self.sheet, self.strings, self.dates = sheet, strings, dates
        self.done: list[tuple[int, list[Any]]] = []
        self.values: list[Any] | None = None
        self.kind: str | None = None
        self.style: str | None = None
        self.raw: list[str] = []
        self.inline: list[str] | None = None
        self.hints = 0  # inside phonetic hints (rPh), whose text is not the cell's

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "c":
            self.next_cell(attrs)
            self.kind, self.style = attrs.get("t"), attrs.get("s")
            self.raw, self.inline = [], None
        elif tag == "v":
            self.text = self.raw
        elif tag == "t" and self.inline is not None and not self.hints:
            self.text = self.inline
        elif tag == "is":
            self.inline = []
        elif tag == "rPh":
            self.hints += 1
        elif tag == "row":
            self.next_row(attrs)
            self.values = None

    def end(self, tag: str) -> None:
        if tag in ("v", "t"):
            self.text = None
        elif tag == "rPh":
            self.hints -= 1
        elif tag == "c":
            if self.row <= self.sheet.rows and self.col <= self.sheet.columns:
                if self.values is None:
                    self.values = [None] * self.sheet.columns
                self.values[self.col - 1] = self._value()
        elif tag == "row" and self.values is not None:
            self.done.append((self.row, self.values))
            self.values = None

    def _value(self) -> Any:
        kind = self.kind
        if kind == "inlineStr":
            return None if self.inline is None else "".join(self.inline)
        raw = "".join(self.raw)
        if not raw:
            return None
        if kind == "s":
            return self.strings[int(raw)]
        if kind in ("str", "e"):
            return raw
        if kind == "b":
            return raw == "1"
        try:
            if kind == "d":
                return datetime.fromisoformat(raw)
            number: float | int = float(raw) if any(c in raw for c in ".eE") else int(raw)
            return from_excel(number) if self.style in self.dates else number
        except (ValueError, OverflowError):
            return raw  # not the number or date it says: the order's checks see it as text


def rows(archive: zipfile.ZipFile, sheet: Sheet) -> Iterator[tuple[int, list[Any]]]:
    """Pass two: (row number, the row's values across the used columns) for each row of
    the used range that has any cell; the rows between them are blank."""
    with Strings(archive, sheet.strings) as strings:
        if sheet.strings_used > len(strings):
            lacks = sheet.strings_used - 1
            raise SheetProblem(
                t("引用的共享字符串{index}在文件里没有:文件已损坏,用 Excel 重新保存", index=lacks)
            )
        reader = _Rows(sheet, strings, date_styles(archive, sheet.styles))
        with archive.open(sheet.path) as stream:
            for _ in reader.chunks(stream):
                yield from reader.done
                reader.done.clear()
