"""The first sheet of an .xlsx order file, read within bounds.

It knows the parts of an .xlsx that hold cells (the workbook, its first sheet, the shared
strings, the number formats that make a number a date) and reads them as a stream of XML;
it knows nothing of orders or columns.

A sheet is read twice, without keeping it: ``scan`` finds the *used range* (the cells
that hold a value or a formula — not the size the file claims, which some writers get
wrong), the merged ranges clipped to it, and the formulas saved without a value; ``rows``
then yields the used range row by row. No cell outside the used range is ever visited, so
a 7 KB file merging ``A1:XFD1048576`` costs nothing, and a sheet whose used range passes
``MAX_ROWS`` rows or ``MAX_COLUMNS`` columns is refused with the cell that passes it.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any
from xml.etree.ElementTree import Element, iterparse

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import from_excel

MAX_ROWS = 100_000
MAX_COLUMNS = 100
MAX_MERGES = 10_000

_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_RANGE = re.compile(r"([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)")
_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


class SheetProblem(Exception):
    """The file cannot be read as it is: the message says what to do."""


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


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _targets(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship type (its last word) → the part it points to, for ``part``."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    found: dict[str, str] = {}
    if rels not in archive.namelist():
        return found
    with archive.open(rels) as stream:
        for _, element in iterparse(stream):
            if element.tag == _RELATIONSHIP:
                target = element.get("Target", "")
                target = target[1:] if target.startswith("/") else posixpath.join(folder, target)
                found.setdefault(element.get("Type", "").rpartition("/")[2], target)
                found.setdefault(element.get("Id", ""), target)
    return found


def _locate(archive: zipfile.ZipFile) -> Sheet:
    book = _targets(archive, "").get("officeDocument", "xl/workbook.xml")
    parts = _targets(archive, book)
    first = None
    with archive.open(book) as stream:
        for _, element in iterparse(stream):
            if _local(element.tag) == "sheet":
                first = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
                break
    if first is None or first not in parts:
        raise KeyError("no sheet")
    return Sheet(parts[first], parts.get("sharedStrings"), parts.get("styles"))


def _cell_at(element: Element, row: int, last_col: int) -> tuple[int, int]:
    ref = element.get("r")
    if ref is None:  # some writers leave the reference out: the next column
        return row, last_col + 1
    match = _REF.fullmatch(ref)
    if match is None:
        raise SheetProblem(f"has a cell with a broken reference {ref!r}: save it again from Excel")
    return int(match[2]), column_number(match[1])


def _too_far(row: int, col: int) -> SheetProblem:
    cell = f"{column_letters(col)}{row}"
    if row > MAX_ROWS:
        return SheetProblem(
            f"has a value in row {row} (cell {cell}): at most {MAX_ROWS} rows are read; "
            "delete what is below the orders, or split the file"
        )
    return SheetProblem(
        f"has a value in column {column_letters(col)} (cell {cell}): at most "
        f"{MAX_COLUMNS} columns ({column_letters(MAX_COLUMNS)}) are read; delete what is "
        "right of the orders"
    )


class _Tags:
    """The sheet's element names in its own namespace (writers differ), compared whole."""

    def __init__(self, root_tag: str) -> None:
        ns = root_tag[: root_tag.index("}") + 1] if root_tag.startswith("{") else ""
        self.row, self.c, self.v, self.f = ns + "row", ns + "c", ns + "v", ns + "f"
        self.is_, self.merge, self.data = ns + "is", ns + "mergeCell", ns + "sheetData"


def _cells(stream: IO[bytes]) -> Iterator[tuple[str, Element, _Tags]]:
    """("row", element) when a row starts, ("c" | "/row" | "mergeCell", element) as each
    ends; finished rows are dropped, so memory holds one row at a time however long the
    sheet."""
    data = None
    tags: _Tags | None = None
    for event, element in iterparse(stream, events=("start", "end")):
        tag = element.tag
        if tags is None:
            tags = _Tags(tag)
        if event == "start":
            if tag == tags.row:
                yield "row", element, tags
            elif tag == tags.data:
                data = element
        elif tag == tags.c:
            yield "c", element, tags
        elif tag == tags.row:
            yield "/row", element, tags
            if data is not None:
                data.clear()
        elif tag == tags.merge:
            yield "mergeCell", element, tags


def scan(archive: zipfile.ZipFile) -> Sheet:
    """Pass one: the used range, the merged ranges clipped to it, unsaved formulas."""
    sheet = _locate(archive)
    refs: list[str] = []
    row, col = 0, 0
    with archive.open(sheet.path) as stream:
        for kind, element, tags in _cells(stream):
            if kind == "c":
                row, col = _cell_at(element, row, col)
                children = {child.tag: child for child in element}
                if not children or (tags.v not in children and tags.is_ not in children
                                    and tags.f not in children):
                    continue  # formatting only: not part of the used range
                if row > MAX_ROWS or col > MAX_COLUMNS:
                    raise _too_far(row, col)
                if row > sheet.rows:
                    sheet.rows = row
                if col > sheet.columns:
                    sheet.columns = col
                saved = children.get(tags.v)
                if tags.f in children and (saved is None or not saved.text):
                    if len(sheet.unsaved) < MAX_MERGES:
                        sheet.unsaved[(row, col)] = "=" + (children[tags.f].text or "")
            elif kind == "row":
                row, col = int(element.get("r") or row + 1), 0
            elif kind == "mergeCell":
                refs.append(element.get("ref", ""))
                if len(refs) > MAX_MERGES:
                    raise SheetProblem(
                        f"has more than {MAX_MERGES} merged ranges: unmerge the cells"
                    )
    sheet.merges = [m for ref in refs if (m := _clip(ref, sheet)) is not None]
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


def _shared_strings(archive: zipfile.ZipFile, part: str | None) -> list[str]:
    strings: list[str] = []
    if part is None or part not in archive.namelist():
        return strings
    with archive.open(part) as stream:
        for _, element in iterparse(stream):
            if _local(element.tag) == "si":
                strings.append(_text(element))
                element.clear()
    return strings


def _text(element: Element) -> str:
    """The text of a string item: its ``t``, or its runs' ``t`` (never the phonetic hints)."""
    out = []
    for child in element:
        tag = _local(child.tag)
        if tag == "t":
            out.append(child.text or "")
        elif tag == "r":
            out.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(out)


def _date_styles(archive: zipfile.ZipFile, part: str | None) -> set[int]:
    """The style indexes (``s``) whose number format shows a date or time."""
    if part is None or part not in archive.namelist():
        return set()
    custom: dict[int, str] = {}
    formats: list[int] = []
    in_cell_xfs = False
    with archive.open(part) as stream:
        for event, element in iterparse(stream, events=("start", "end")):
            tag = _local(element.tag)
            if tag == "cellXfs":
                in_cell_xfs = event == "start"
            elif event == "end" and tag == "numFmt":
                custom[int(element.get("numFmtId", "0"))] = element.get("formatCode", "")
            elif event == "end" and tag == "xf" and in_cell_xfs:
                formats.append(int(element.get("numFmtId", "0")))
    dates = set()
    for index, number in enumerate(formats):
        code = custom.get(number, BUILTIN_FORMATS.get(number))
        if code and is_date_format(code):
            dates.add(index)
    return dates


def _value(
    element: Element, tags: _Tags, strings: list[str], dates: set[int]
) -> Any:
    kind = element.get("t")
    if kind == "inlineStr":
        found = element.find(tags.is_)
        return None if found is None else _text(found)
    found = element.find(tags.v)
    raw = None if found is None else found.text
    if raw is None:
        return None
    if kind == "s":
        return strings[int(raw)]
    if kind in ("str", "e"):
        return raw
    if kind == "b":
        return raw == "1"
    if kind == "d":
        return datetime.fromisoformat(raw)
    number: float | int = float(raw) if any(c in raw for c in ".eE") else int(raw)
    if dates and int(element.get("s", "0")) in dates:
        return from_excel(number)
    return number


def rows(archive: zipfile.ZipFile, sheet: Sheet) -> Iterator[tuple[int, list[Any]]]:
    """Pass two: (row number, the row's values across the used columns) for each row of
    the used range that has any cell; the rows between them are blank."""
    strings = _shared_strings(archive, sheet.strings)
    dates = _date_styles(archive, sheet.styles)
    row, col = 0, 0
    values: list[Any] = []
    with archive.open(sheet.path) as stream:
        for kind, element, tags in _cells(stream):
            if kind == "c":
                row, col = _cell_at(element, row, col)
                if row <= sheet.rows and col <= sheet.columns:
                    if not values:
                        values = [None] * sheet.columns
                    values[col - 1] = _value(element, tags, strings, dates)
            elif kind == "row":
                row, col, values = int(element.get("r") or row + 1), 0, []
            elif kind == "/row" and values:
                yield row, values


def merged_rows(
    archive: zipfile.ZipFile, sheet: Sheet
) -> Iterator[tuple[int, list[Any], dict[int, str]]]:
    """``rows`` with the merged ranges applied: a vertical merge shows its value on every
    row it covers (so each gets it), a merge across columns is a problem on every row but
    the header; and a formula saved without a value is named. ``(row, values, {column
    index: problem})``. The ranges are clipped to the used range, and only those covering
    the row at hand are looked at."""
    starting = sorted(sheet.merges, key=lambda m: m.min_row)
    active: list[Merge] = []
    tops: dict[Merge, Any] = {}
    upcoming, expected = 0, 1
    for number, values in rows(archive, sheet):
        # a row with nothing in it is blank, unless a merge covers it
        gap = range(expected, number) if starting else range(0)
        for row, cells in [*((n, [None] * sheet.columns) for n in gap), (number, values)]:
            while upcoming < len(starting) and starting[upcoming].min_row <= row:
                active.append(starting[upcoming])
                upcoming += 1
            if active:
                active = [m for m in active if m.max_row >= row]
            problems = _apply(row, cells, active, tops) if active else {}
            if sheet.unsaved:
                _unsaved(row, cells, sheet, problems)
            yield row, cells, problems
        expected = number + 1


def _apply(
    row: int, cells: list[Any], active: list[Merge], tops: dict[Merge, Any]
) -> dict[int, str]:
    problems: dict[int, str] = {}
    for merge in active:
        if merge.min_row == row:
            tops[merge] = cells[merge.min_col - 1]
        if merge.max_col > merge.min_col and row > 1:
            for col in range(merge.min_col, merge.max_col + 1):
                problems[col - 1] = f"cell is merged across columns ({merge.ref}): unmerge it"
        else:  # a merged cell shows the range's value wherever it covers
            for col in range(merge.min_col, merge.max_col + 1):
                cells[col - 1] = tops.get(merge)
    return problems


def _unsaved(row: int, cells: list[Any], sheet: Sheet, problems: dict[int, str]) -> None:
    for col in range(1, sheet.columns + 1):
        formula = sheet.unsaved.get((row, col))
        if formula is not None and cells[col - 1] is None:
            problems[col - 1] = (
                f"cell {column_letters(col)}{row} holds a formula with no saved value "
                f"({formula}): open and save the file in Excel, or paste the values"
            )
