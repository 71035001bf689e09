"""The parts of an .xlsx around its first sheet: where that sheet is, its shared strings,
which of its styles show dates — each read as a stream of XML with expat (no tree is built).

It knows the package's relationships and these three parts; the cells themselves are
``bots.orders.sheet``'s.
"""

from __future__ import annotations

import os
import posixpath
import tempfile
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from xml.parsers import expat

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

from bots.messages import t

_CHUNK = 1 << 16
_BLOCK, _BLOCKS = 1 << 16, 32  # the shared strings kept in memory: 2 MB at most


def unreadable() -> str:
    """A file named .xlsx that is no workbook (renamed, damaged), as the clerk reads it."""
    return t("不是可读的 .xlsx 文件:请用 Excel 重新另存为 .xlsx")


class SheetProblem(Exception):
    """The file cannot be read as it is: the message says what to do."""


@dataclass(frozen=True)
class Parts:
    """Where the first sheet is, and the parts its cells refer to."""

    sheet: str
    strings: str | None
    styles: str | None


class Pass:
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
            raise SheetProblem(unreadable()) from None
        yield

    def read(self, archive: zipfile.ZipFile, part: str) -> None:
        with archive.open(part) as stream:
            for _ in self.chunks(stream):
                pass


class Strings(Pass):
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

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index: int) -> str:
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


class _Styles(Pass):
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


def date_styles(archive: zipfile.ZipFile, part: str | None) -> set[str]:
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


class _Relations(Pass):
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


class _FirstSheet(Pass):
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


def locate(archive: zipfile.ZipFile) -> Parts:
    """The first sheet's part and the parts it refers to, from the package's relationships."""
    book = _targets(archive, "").get("officeDocument", "xl/workbook.xml")
    parts = _targets(archive, book)
    first = _FirstSheet()
    first.read(archive, book)
    if first.relation is None or first.relation not in parts:
        raise SheetProblem(unreadable())
    return Parts(parts[first.relation], parts.get("sharedStrings"), parts.get("styles"))
