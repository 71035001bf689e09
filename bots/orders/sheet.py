"""The first sheet of an .xlsx order file, read within bounds.

It knows the parts of an .xlsx that hold cells (the workbook, its first sheet, the shared
strings, the number formats that make a number a date) and reads them as streams of XML
(expat: no tree is ever built); it knows nothing of orders or columns.

A sheet is read twice, without keeping it: ``scan`` finds the *used range* (the cells
that hold a value or a formula — not the size the file claims, which some writers get
wrong), the merged ranges clipped to it, and the formulas saved without a value; ``rows``
then yields the used range row by row. No cell outside the used range is ever visited, so
a 7 KB file merging ``A1:XFD1048576`` costs nothing, and a sheet whose used range passes
``MAX_ROWS`` rows or ``MAX_COLUMNS`` columns is refused with the cell that passes it. The
shared strings (most of a sheet's text) wait in an unlinked temporary file, not in memory.
"""

from __future__ import annotations

import os
import posixpath
import re
import tempfile
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import from_excel

MAX_ROWS = 100_000
MAX_COLUMNS = 100
MAX_MERGES = 10_000
UNREADABLE = "is not a readable .xlsx file: save it again from Excel"

_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_RANGE = re.compile(r"([A-Z]{1,3})(\d+):([A-Z]{1,3})(\d+)")
_CHUNK = 1 << 16
_BLOCK, _BLOCKS = 1 << 16, 32  # the shared strings kept in memory: 2 MB at most


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


class _Pass:
    """One streaming pass over an XML part with expat. Subclasses get ``start(tag, attrs)``
    and ``end(tag)`` with names stripped of their namespace (writers use several), and the
    text of an element once they set ``self.text`` to a list at its start."""

    def __init__(self) -> None:
        self.parser = expat.ParserCreate(namespace_separator="}")
        self.parser.buffer_text = True
        names: dict[str, str] = {}
        start, end = self.start, self.end

        def local(name: str) -> str:
            found = names.get(name)
            if found is None:
                found = names[name] = name.rpartition("}")[2]
            return found

        # (called for every element of a 50 MB sheet: as few calls between expat and the
        # handler as can be)
        self.parser.StartElementHandler = lambda name, attrs: start(local(name), attrs)
        self.parser.EndElementHandler = lambda name: end(local(name))
        self.parser.CharacterDataHandler = self._text
        self.text: list[str] | None = None

    def _text(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)

    def start(self, tag: str, attrs: dict[str, str]) -> None: ...

    def end(self, tag: str) -> None: ...

    def chunks(self, stream: IO[bytes]) -> Iterator[None]:
        """Feed the part a chunk at a time, pausing after each so the caller can take what
        the handlers found."""
        try:
            while chunk := stream.read(_CHUNK):
                self.parser.Parse(chunk, False)
                yield
            self.parser.Parse(b"", True)
        except expat.ExpatError:
            raise SheetProblem(UNREADABLE) from None
        yield

    def read(self, archive: zipfile.ZipFile, part: str) -> None:
        with archive.open(part) as stream:
            for _ in self.chunks(stream):
                pass


class _Cells(_Pass):
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
            raise SheetProblem(
                f"has a cell with a broken reference {ref!r}: save it again from Excel"
            )
        self.row, self.col = int(match[2]), column_number(match[1])


class _Scan(_Cells):
    def __init__(self, sheet: Sheet) -> None:
        super().__init__()
        self.sheet = sheet
        self.refs: list[str] = []
        self.used = self.saved = False
        self.formula: list[str] | None = None
        self.value: list[str] = []

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "c":
            self.next_cell(attrs)
            self.used = self.saved = False
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
                raise SheetProblem(f"has more than {MAX_MERGES} merged ranges: unmerge the cells")

    def end(self, tag: str) -> None:
        if tag == "v":
            self.saved, self.text = bool("".join(self.value)), None
        elif tag == "f":
            self.text = None
        elif tag == "c" and self.used:  # (a cell with only formatting is not used)
            row, col, sheet = self.row, self.col, self.sheet
            if row > MAX_ROWS or col > MAX_COLUMNS:
                raise _too_far(row, col)
            sheet.rows, sheet.columns = max(sheet.rows, row), max(sheet.columns, col)
            if self.formula is not None and not self.saved and len(sheet.unsaved) < MAX_MERGES:
                sheet.unsaved[(row, col)] = "=" + "".join(self.formula)


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


def scan(archive: zipfile.ZipFile) -> Sheet:
    """Pass one: the used range, the merged ranges clipped to it, unsaved formulas."""
    sheet = _locate(archive)
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
        if kind == "d":
            return datetime.fromisoformat(raw)
        number: float | int = float(raw) if any(c in raw for c in ".eE") else int(raw)
        if self.style in self.dates:
            return from_excel(number)
        return number


def rows(archive: zipfile.ZipFile, sheet: Sheet) -> Iterator[tuple[int, list[Any]]]:
    """Pass two: (row number, the row's values across the used columns) for each row of
    the used range that has any cell; the rows between them are blank."""
    with Strings(archive, sheet.strings) as strings:
        reader = _Rows(sheet, strings, _date_styles(archive, sheet.styles))
        with archive.open(sheet.path) as stream:
            for _ in reader.chunks(stream):
                yield from reader.done
                reader.done.clear()


class Strings(_Pass):
    """The shared strings, in an unlinked temporary file (only its owner could read it while
    it exists) with their offsets in memory: 8 bytes a string however much text. Read back a
    block at a time, the last ``_BLOCKS`` blocks kept (a sheet's rows mostly use strings
    first met nearby, or the few that repeat, met first)."""

    def __init__(self, archive: zipfile.ZipFile, part: str | None) -> None:
        super().__init__()
        self.file = tempfile.TemporaryFile()
        self.offsets = array("Q", [0])
        self.item: list[str] | None = None
        self.hints = 0
        self.blocks: dict[int, bytes] = {}
        if part is not None and part in archive.namelist():
            self.read(archive, part)
        self.file.flush()

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "si":
            self.item = []
        elif tag == "t" and self.item is not None and not self.hints:
            self.text = self.item
        elif tag == "rPh":
            self.hints += 1

    def end(self, tag: str) -> None:
        if tag == "t":
            self.text = None
        elif tag == "rPh":
            self.hints -= 1
        elif tag == "si" and self.item is not None:
            data = "".join(self.item).encode("utf-8")
            self.file.write(data)
            self.offsets.append(self.offsets[-1] + len(data))
            self.item = None

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < len(self.offsets) - 1:
            raise SheetProblem(f"refers to shared string {index}, which it lacks: {UNREADABLE}")
        start, end = self.offsets[index], self.offsets[index + 1]
        first, last = divmod(start, _BLOCK), divmod(end - 1, _BLOCK)
        if end == start:
            return ""
        if first[0] != last[0]:  # across two blocks: read it alone
            return os.pread(self.file.fileno(), end - start, start).decode("utf-8")
        return self._block(first[0])[first[1] : last[1] + 1].decode("utf-8")

    def _block(self, number: int) -> bytes:
        found = self.blocks.get(number)
        if found is None:
            found = self.blocks[number] = os.pread(self.file.fileno(), _BLOCK, number * _BLOCK)
            if len(self.blocks) > _BLOCKS:
                del self.blocks[next(iter(self.blocks))]
        return found

    def __enter__(self) -> Strings:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()


class _Styles(_Pass):
    def __init__(self) -> None:
        super().__init__()
        self.custom: dict[int, str] = {}
        self.formats: list[int] = []
        self.in_cell_xfs = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "cellXfs":
            self.in_cell_xfs = True
        elif tag == "numFmt":
            self.custom[int(attrs.get("numFmtId", "0"))] = attrs.get("formatCode", "")
        elif tag == "xf" and self.in_cell_xfs:
            self.formats.append(int(attrs.get("numFmtId", "0")))

    def end(self, tag: str) -> None:
        if tag == "cellXfs":
            self.in_cell_xfs = False


def _date_styles(archive: zipfile.ZipFile, part: str | None) -> set[str]:
    """The style indexes (a cell's ``s``, as written) whose number format shows a date."""
    if part is None or part not in archive.namelist():
        return set()
    styles = _Styles()
    styles.read(archive, part)
    dates = set()
    for index, number in enumerate(styles.formats):
        code = styles.custom.get(number, BUILTIN_FORMATS.get(number))
        if code and is_date_format(code):
            dates.add(str(index))
    return dates


class _Relations(_Pass):
    def __init__(self, folder: str) -> None:
        super().__init__()
        self.folder = folder
        self.found: dict[str, str] = {}

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "Relationship":
            target = attrs.get("Target", "")
            target = target[1:] if target.startswith("/") else posixpath.join(self.folder, target)
            self.found.setdefault(attrs.get("Type", "").rpartition("/")[2], target)
            self.found.setdefault(attrs.get("Id", ""), target)


class _FirstSheet(_Pass):
    def __init__(self) -> None:
        super().__init__()
        self.relation: str | None = None

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if tag == "sheet" and self.relation is None:
            self.relation = next((v for k, v in attrs.items() if k.endswith("}id")), None)


def _targets(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship type (its last word) and id → the part it points to, for ``part``."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", f"{name}.rels")
    found = _Relations(folder)
    if rels in archive.namelist():
        found.read(archive, rels)
    return found.found


def _locate(archive: zipfile.ZipFile) -> Sheet:
    book = _targets(archive, "").get("officeDocument", "xl/workbook.xml")
    parts = _targets(archive, book)
    first = _FirstSheet()
    first.read(archive, book)
    if first.relation is None or first.relation not in parts:
        raise SheetProblem(UNREADABLE)
    return Sheet(parts[first.relation], parts.get("sharedStrings"), parts.get("styles"))

