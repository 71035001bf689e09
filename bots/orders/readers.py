"""Order files for ``bots enqueue``: CSV, XLSX, YAML and JSON.

Every problem becomes a :class:`RowError` naming the file, the row as the user sees it
(spreadsheet rows count the header as row 1; YAML/JSON count orders as items from 1), the
field (the column header as written in the file) and the reason. A bad row never stops the
good ones; a bad file (encoding, header) yields no orders at all.

Decisions: unknown columns refuse the file (a misspelt optional column such as 手机包 would
otherwise silently give the customer the default plan); rows that share a reference, a
mobile number, a UIM card, an IMEI, a broadband account or an access number are all refused,
since which one is right is for a person to say.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import yaml

from bots.orders import columns
from bots.orders.model import ANY_NUMBER, Order, validate_order

_SCIENTIFIC = re.compile(r"[+-]?\d+(\.\d+)?[eE][+-]?\d+")
# Order fields that must be distinct within one file, with how to read them from an order.
UNIQUE_FIELDS: dict[str, Callable[[Order], str | None]] = {
    "reference": lambda o: o.reference,
    "mobile.number": lambda o: None if o.mobile.number == ANY_NUMBER else o.mobile.number,
    "mobile.uim": lambda o: o.mobile.uim,
    "phone.imei": lambda o: o.phone.imei,
    "broadband.account": lambda o: o.broadband.account,
    "broadband.access_number": lambda o: o.broadband.access_number,
}


@dataclass(frozen=True)
class RowError:
    """One refused row (or, with ``row`` None, the whole file)."""

    file: str
    row: int | None
    field: str | None
    reason: str
    unit: str = "row"

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.unit} {self.row}"
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


@dataclass
class ReadResult:
    orders: list[Order] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # the row (or item) of each order


class FileProblem(Exception):
    """The whole file is unreadable: encoding, header, format. Caught in :func:`read_orders`."""


@dataclass
class _Row:
    number: int
    values: dict[str, Any]  # order field path → raw value
    problems: dict[str, str]  # order field path → reason found while reading the cell


def read_orders(path: str | Path) -> ReadResult:
    """Read an order file; the reader is chosen by the file's extension."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        hint = " (save it as .xlsx)" if path.suffix.lower() == ".xls" else ""
        return ReadResult(
            errors=[
                RowError(
                    str(path),
                    None,
                    None,
                    f"unsupported file type {path.suffix!r}{hint}; use {known}",
                )
            ]
        )
    if not path.is_file():
        return ReadResult(errors=[RowError(str(path), None, None, "file not found")])
    return reader(path)


# -- spreadsheets ---------------------------------------------------------------------------


def _table(
    path: Path,
    header: list[Any],
    rows: Iterable[tuple[int, list[Any], dict[int, str]]],
) -> ReadResult:
    """Orders from a header and ``(row number, cells, {column index: problem})`` rows."""
    name = str(path)
    try:
        by_index, labels = _columns(header)
    except FileProblem as exc:
        return ReadResult(errors=[RowError(name, 1, "header", str(exc))])
    parsed = []
    for number, cells, cell_problems in rows:
        if all(_blank(c) for c in cells):
            continue
        values: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for index, cell in enumerate(cells):
            column = by_index.get(index)
            if column is None:
                if not _blank(cell):
                    problems[f"column {index + 1}"] = "has a value but no header"
                continue
            if index in cell_problems:
                problems[column.path] = cell_problems[index]
            elif isinstance(cell, str) and _SCIENTIFIC.fullmatch(cell.strip()):
                problems[column.path] = (
                    "is in scientific notation (Excel shortened a long "
                    "number): format the column as text and re-enter it"
                )
            elif isinstance(cell, datetime | date | time):
                problems[column.path] = "is a date or time: format the column as text"
            else:
                values[column.path] = None if _blank(cell) else cell
        parsed.append(_Row(number, values, problems))
    if not parsed:
        return ReadResult(errors=[RowError(name, None, None, "has no order rows")])
    return _validate(name, parsed, labels, unit="row", nested=False)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _columns(header: list[Any]) -> tuple[dict[int, columns.Column], dict[str, str]]:
    """Column index → column, and order field path → the header as written."""
    by_index: dict[int, columns.Column] = {}
    labels: dict[str, str] = {}
    unknown = []
    for index, cell in enumerate(header):
        text = "" if cell is None else str(cell).strip()
        if not text:
            continue
        column = columns.column_for(text)
        if column is None:
            unknown.append(f"{text!r}{columns.suggestion(text)}")
        elif column.path in labels:
            raise FileProblem(
                f"columns {labels[column.path]!r} and {text!r} are the same field "
                f"({column.name}); keep one"
            )
        else:
            by_index[index] = column
            labels[column.path] = text
    problems = []
    if unknown:
        problems.append("unknown columns: " + ", ".join(unknown))
    missing = [
        f"{c.name} ({c.label})" for c in columns.COLUMNS if c.required and c.path not in labels
    ]
    if missing:
        problems.append("missing columns: " + ", ".join(missing))
    if problems:
        raise FileProblem("; ".join(problems))
    return by_index, labels


def _validate(
    name: str,
    rows: list[_Row],
    labels: dict[str, str],
    unit: str,
    nested: bool,
) -> ReadResult:
    result = ReadResult()
    valid: list[tuple[_Row, Order]] = []
    for row in rows:
        raw = row.values if nested else columns.nest(row.values)
        order, problems = validate_order(raw)
        found = dict(problems)
        found.update(row.problems)  # a problem seen in the cell says more than the model's
        if found:
            result.errors.extend(
                RowError(name, row.number, labels.get(path, path), reason, unit)
                for path, reason in found.items()
            )
        elif order is not None:
            valid.append((row, order))
    refused = _duplicates(name, valid, labels, unit, result.errors)
    for row, order in valid:
        if row.number not in refused:
            result.orders.append(order)
            result.rows.append(row.number)
    result.errors.sort(key=lambda e: e.row or 0)
    return result


def _duplicates(
    name: str,
    valid: list[tuple[_Row, Order]],
    labels: dict[str, str],
    unit: str,
    errors: list[RowError],
) -> set[int]:
    refused: set[int] = set()
    for path, read in UNIQUE_FIELDS.items():
        seen: dict[str, list[int]] = {}
        for row, order in valid:
            value = read(order)
            if value is not None:
                seen.setdefault(value, []).append(row.number)
        for value, numbers in seen.items():
            if len(numbers) < 2:
                continue
            listed = ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
            for number in numbers:
                errors.append(
                    RowError(
                        name,
                        number,
                        labels.get(path, path),
                        f"{value} appears in {unit}s {listed}; each order needs its own",
                        unit,
                    )
                )
            refused.update(numbers)
    return refused


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise FileProblem(
            "is not CSV text (it contains NUL bytes; an .xlsx renamed .csv, or "
            "UTF-16?): save it as CSV UTF-8"
        )
    encodings: tuple[str, ...]
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "gbk")  # Excel's CSV on a Chinese Windows is GBK
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            error = exc
    raise FileProblem(
        f"is neither UTF-8 nor GBK text (byte 0x{data[error.start]:02X} at offset "
        f"{error.start}): save it as CSV UTF-8"
    )


def read_csv(path: Path) -> ReadResult:
    try:
        text = _decode(path.read_bytes())
    except FileProblem as exc:
        return ReadResult(errors=[RowError(str(path), None, None, str(exc))])
    records = csv.reader(io.StringIO(text, newline=""))
    header = next(records, None)
    if header is None:
        return ReadResult(errors=[RowError(str(path), None, None, "is empty")])
    return _table(
        path,
        list(header),
        ((number, list(cells), {}) for number, cells in enumerate(records, start=2)),
    )


def read_xlsx(path: Path) -> ReadResult:
    from openpyxl import load_workbook  # only spreadsheets need it
    from openpyxl.utils import get_column_letter, range_boundaries
    from openpyxl.utils.exceptions import InvalidFileException

    name = str(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        return ReadResult(
            errors=[
                RowError(name, None, None, "is not a readable .xlsx file: save it again from Excel")
            ]
        )
    sheet = book.worksheets[0]
    # Read-only mode does not parse merges, and a formula's text is only in the other mode:
    # both come straight from the sheet's XML, the formulas only when the sheet has any.
    with zipfile.ZipFile(path) as archive:
        xml = archive.read(sheet._worksheet_path).decode("utf-8")
    sheet.reset_dimensions()  # some writers record a wrong sheet size: read every row
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    width = max((len(r) for r in rows), default=0)
    rows = [r + [None] * (width - len(r)) for r in rows]
    problems: dict[tuple[int, int], str] = {}
    for ref in re.findall(r'<mergeCell ref="([A-Z]+\d+:[A-Z]+\d+)"', xml):
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        for r in range(min_row, max_row + 1):
            for c in range(min_col, max_col + 1):
                if max_col > min_col and r > 1:
                    problems[(r, c - 1)] = f"cell is merged across columns ({ref}): unmerge it"
                elif r - 1 < len(rows) and c - 1 < width:
                    # a vertical merge shows its value on every row it covers: apply it so
                    rows[r - 1][c - 1] = rows[min_row - 1][min_col - 1]
    if "<f" in xml:
        formulas = load_workbook(path, read_only=True, data_only=False)
        for r, cells in enumerate(formulas.worksheets[0].iter_rows(values_only=True), start=1):
            for c, value in enumerate(cells):
                if (
                    isinstance(value, str)
                    and value.startswith("=")
                    and r - 1 < len(rows)
                    and rows[r - 1][c] is None
                ):
                    problems[(r, c)] = (
                        f"cell {get_column_letter(c + 1)}{r} holds a formula "
                        f"with no saved value ({value}): open and save the file "
                        "in Excel, or paste the values"
                    )
        formulas.close()
    if not rows:
        return ReadResult(errors=[RowError(name, None, None, "is empty")])
    return _table(
        path,
        rows[0],
        (
            (number, cells, {c: p for (r, c), p in problems.items() if r == number})
            for number, cells in enumerate(rows[1:], start=2)
        ),
    )


# -- YAML and JSON ----------------------------------------------------------------------------


def _items(path: Path, data: Any) -> ReadResult:
    name = str(path)
    items = data if isinstance(data, list) else [data]
    if not items or data is None:
        return ReadResult(errors=[RowError(name, None, None, "has no orders")])
    rows = [_Row(i, item, {}) for i, item in enumerate(items, start=1)]
    return _validate(name, rows, {}, unit="item", nested=True)


def read_yaml(path: Path) -> ReadResult:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        return ReadResult(errors=[RowError(str(path), None, None, "is not UTF-8 text")])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        return ReadResult(errors=[RowError(str(path), None, None, f"{problem}{where}")])
    return _items(path, data)


def read_json(path: Path) -> ReadResult:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        return ReadResult(errors=[RowError(str(path), None, None, "is not UTF-8 text")])
    except json.JSONDecodeError as exc:
        return ReadResult(
            errors=[
                RowError(
                    str(path), None, None, f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
                )
            ]
        )
    return _items(path, data)


READERS: dict[str, Callable[[Path], ReadResult]] = {
    ".csv": read_csv,
    ".xlsx": read_xlsx,
    ".yaml": read_yaml,
    ".yml": read_yaml,
    ".json": read_json,
}


def rows_of(result: ReadResult) -> Iterator[tuple[int, Order]]:
    """Each order with the row (or item) it came from."""
    return zip(result.rows, result.orders, strict=True)
