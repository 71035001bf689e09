"""Order files for ``bots enqueue``: CSV, XLSX, YAML and JSON.

Every problem becomes a :class:`RowError` naming the file, the row as the user sees it
(spreadsheet rows count the header as row 1; YAML/JSON count orders as items from 1), the
field (the column header as written in the file) and the reason. A bad row never stops the
good ones; a bad file (encoding, header) yields no orders at all.

Decisions: unknown columns refuse the file (a misspelt optional column such as 手机包 would
otherwise silently give the customer the default plan); rows that share a reference, a
mobile number, a UIM card, an IMEI, a broadband account or an access number are all refused,
since which one is right is for a person to say.

Files are read as streams (:class:`OrderStream`): a row is checked and handed on, then
forgotten, so a file of 50,000 rows costs no more memory than one of 500 but for what
telling duplicates apart needs. What can refuse a whole file (its encoding, its header, a
spreadsheet beyond ``MAX_ROWS`` rows or ``MAX_COLUMNS`` columns) is found before the first
order is handed on. :func:`read_orders` collects a stream, for whoever wants a list.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import itertools
import json
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any, Protocol

from bots.flow.problems import DefinitionProblems
from bots.flow.yamlsafe import load_yaml
from bots.messages import t
from bots.orders import checks, columns, merges, sheet, workbook
from bots.orders.model import ANY_NUMBER, Order, validate_order

_SCIENTIFIC = re.compile(r"[+-]?\d+(\.\d+)?[eE][+-]?\d+")
# Order fields that must be distinct within one file, with how to read them from an order.
UNIQUE_FIELDS: dict[str, Callable[[Order], str | None]] = {
    "reference": lambda o: o.reference.upper(),  # (the ledger's: another case is the same)
    "mobile.number": lambda o: None if o.mobile.number == ANY_NUMBER else o.mobile.number,
    "mobile.uim": lambda o: o.mobile.uim,
    "phone.imei": lambda o: o.phone.imei,
    "broadband.account": lambda o: o.broadband.account,
    "broadband.access_number": lambda o: o.broadband.access_number,
}


@dataclass(frozen=True)
class RowError:
    """One refused row (or, with ``row`` None, the whole file): ``orders.csv:第3行:证件号码:…``.
    ``reference`` and ``data`` (the row as read, a raw order) when the row had them."""

    file: str
    row: int | None
    field: str | None
    reason: str
    unit: str = "row"
    reference: str | None = None
    data: Mapping[str, Any] | None = dataclasses.field(default=None, compare=False)

    @property
    def where(self) -> str:
        if self.row is None:
            return self.file
        place = t("第{row}行", row=self.row) if self.unit == "row" else t("第{n}项", n=self.row)
        return f"{self.file}:{place}"

    def __str__(self) -> str:
        if self.field:
            return t("{where}:{field}:{reason}", where=self.where, field=self.field,
                     reason=self.reason)  # fmt: skip
        return t("{where}:{reason}", where=self.where, reason=self.reason)


@dataclass
class ReadResult:
    orders: list[Order] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # the row (or item) of each order


class FileProblem(Exception):
    """The whole file is refused (encoding, header, size, format); ``row`` and ``field``
    when it lies in one place, such as the header."""

    def __init__(self, reason: str, row: int | None = None, where: str | None = None) -> None:
        super().__init__(reason)
        self.row, self.where = row, where


@dataclass
class _Row:
    number: int
    values: dict[str, Any]  # order field path → raw value
    problems: dict[str, str]  # order field path → reason found while reading the cell
    raw: dict[str, Any] = field(default_factory=dict)  # every cell as read, problems too


@dataclass
class _Source:
    """A file opened for reading: how its rows are named, and the rows themselves."""

    rows: Iterator[_Row]
    unit: str = "row"
    nested: bool = False  # YAML/JSON items are nested orders; table rows are dotted paths
    labels: dict[str, str] = field(default_factory=dict)  # field path → header as written


class Distinct(Protocol):
    """Where the values that must be distinct within a file (``UNIQUE_FIELDS``) are kept
    while the file is read: in memory (``InMemory``), or wherever an intake keeps them."""

    def note(self, row: int, reference: str, values: Mapping[str, str]) -> None: ...

    def clashes(self) -> Iterable[Clash]:
        """The values met in more than one row, each with its rows and their references."""
        ...


@dataclass(frozen=True)
class Clash:
    path: str
    value: str
    rows: list[int]
    references: list[str]


class InMemory:
    """``Distinct`` in dictionaries: each value once, with the first row that had it."""

    def __init__(self) -> None:
        self.first: dict[str, dict[str, tuple[int, str]]] = {path: {} for path in UNIQUE_FIELDS}
        self.shared: dict[tuple[str, str], list[tuple[int, str]]] = {}

    def note(self, row: int, reference: str, values: Mapping[str, str]) -> None:
        for path, value in values.items():
            first = self.first[path].setdefault(value, (row, reference))
            if first[0] != row:
                self.shared.setdefault((path, value), [first]).append((row, reference))

    def clashes(self) -> Iterable[Clash]:
        for (path, value), found in self.shared.items():
            yield Clash(path, value, [row for row, _ in found], [ref for _, ref in found])


def distinct_values(order: Order) -> dict[str, str]:
    """The order's values that no other order of its file may share."""
    found = {path: read(order) for path, read in UNIQUE_FIELDS.items()}
    return {path: value for path, value in found.items() if value is not None}


class OrderStream:
    """The orders of one file, handed on as they are read: iterate for ``(row, order)``.

    Once the iteration ends, ``errors`` holds every refused row (and whole-file problems),
    sorted by row, and ``withdrawn`` the references of orders handed on that share a value
    with another row: whoever took them must give them back (all of them, if ``broken``).
    ``distinct`` keeps those values while the file is read (in memory unless given)."""

    def __init__(self, path: str | Path, distinct: Distinct | None = None) -> None:
        self.path = Path(path)
        self.name = str(path)
        self.distinct = distinct or InMemory()
        self.errors: list[RowError] = []
        self.withdrawn: set[str] = set()
        self.broken = False  # refused part-way: nothing of it may be kept
        self.unreadable = False  # refused before its first row (not a table, its header)
        self.unit = "row"  # how the file counts: rows of a table, items of YAML/JSON

    def __iter__(self) -> Iterator[tuple[int, Order]]:
        try:
            source = _open(self.path)
        except FileProblem as problem:
            self.unreadable = True
            self.errors.append(RowError(self.name, problem.row, problem.where, str(problem)))
            return
        rows = 0
        self.unit = source.unit
        try:
            for row in source.rows:
                rows += 1
                order = self._check(row, source)
                if order is not None:
                    self.distinct.note(row.number, order.reference, distinct_values(order))
                    yield row.number, order
        except (FileProblem, workbook.SheetProblem) as problem:
            # what can refuse a file is looked for before its first row; should something
            # still turn up part-way, the whole file is refused, rows handed on included
            self.broken = True
            self.errors.append(RowError(self.name, None, None, str(problem)))
            return
        if not rows:  # (a header and nothing under it): refused whole, there is no row to fix
            self.unreadable = True
            empty = t("没有订单行") if source.unit == "row" else t("没有订单")
            self.errors.append(RowError(self.name, None, None, empty))
        self._clashes(source)
        self.errors.sort(key=lambda e: e.row or 0)

    @property
    def refused(self) -> bool:
        """The file was refused as a whole: none of its orders is in its errors to fix and
        enqueue again, so skipping the bad rows cannot take it in."""
        return self.broken or self.unreadable

    def _check(self, row: _Row, source: _Source) -> Order | None:
        raw = row.values if source.nested else columns.nest(row.values)
        order, problems = validate_order(raw)
        found = dict(problems)
        found.update(row.problems)  # a problem seen in the cell says more than the model's
        if found:
            data = raw if source.nested else columns.nest({**row.values, **row.raw})
            reference = data.get("reference") if isinstance(data, Mapping) else None
            ref = str(reference).strip() if reference not in (None, "") else None
            for path, reason in found.items():
                label = source.labels.get(path, path)
                self.errors.append(
                    RowError(self.name, row.number, label, reason, source.unit, ref, data)
                )
            if ref is not None and "reference" not in found:
                # a refused row's reference still counts: its twin queued now would be
                # entered a second time once this row is fixed and enqueued again
                self.distinct.note(row.number, ref, {"reference": ref.upper()})
        return None if found else order

    def _clashes(self, source: _Source) -> None:
        unit = source.unit
        order = list(UNIQUE_FIELDS)
        found = sorted(self.distinct.clashes(), key=lambda c: (order.index(c.path), c.rows))
        for clash in found:
            numbers = clash.rows
            listed = t("{some}和{last}", some=t("、").join(map(str, numbers[:-1])),
                       last=numbers[-1])  # fmt: skip
            label = source.labels.get(clash.path, clash.path)
            reason = (
                t("{value}同时出现在第{rows}行;每单要有自己的{field}", value=clash.value,
                  rows=listed, field=label)
                if unit == "row"
                else t("{value}同时出现在第{rows}项;每单要有自己的{field}", value=clash.value,
                       rows=listed, field=label)
            )
            self.errors += [
                RowError(self.name, n, label, reason, unit, ref)
                for n, ref in zip(numbers, clash.references, strict=True)
            ]
            self.withdrawn.update(clash.references)


def read_orders(path: str | Path) -> ReadResult:
    """Read a whole order file into lists (the reader is chosen by the file's extension)."""
    stream = OrderStream(path)
    handed = list(stream)
    result = ReadResult(errors=stream.errors)
    for number, order in [] if stream.broken else handed:
        if order.reference not in stream.withdrawn:
            result.orders.append(order)
            result.rows.append(number)
    return result


def _open(path: Path) -> _Source:
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        hint = t("(另存为 .xlsx)") if path.suffix.lower() == ".xls" else ""
        raise FileProblem(
            t("不支持的文件类型“{suffix}”{hint};可用 {known}", suffix=path.suffix, hint=hint,
              known=known)
        )  # fmt: skip
    if not path.is_file():
        raise FileProblem(t("没有这个文件"))
    return reader(path)


# -- spreadsheets ---------------------------------------------------------------------------


def _table(header: list[Any], rows: Iterable[tuple[int, list[Any], dict[int, str]]]) -> _Source:
    """A source from a header and ``(row number, cells, {column index: problem})`` rows."""
    try:
        by_index, labels, ignored = _columns(header)
    except FileProblem as problem:
        raise FileProblem(str(problem), 1, t("表头")) from None
    return _Source(_table_rows(by_index, ignored, rows), labels=labels)


def _table_rows(
    by_index: dict[int, columns.Column],
    ignored: set[int],
    rows: Iterable[tuple[int, list[Any], dict[int, str]]],
) -> Iterator[_Row]:
    for number, cells, cell_problems in rows:
        if all(_blank(c) for c in cells):
            continue
        values: dict[str, Any] = {}
        problems: dict[str, str] = {}
        raw: dict[str, Any] = {}
        for index, cell in enumerate(cells):
            column = by_index.get(index)
            if column is None:
                if not _blank(cell) and index not in ignored:
                    problems[t("第{n}列", n=index + 1)] = t("有内容但没有表头")
                continue
            raw[column.path] = None if _blank(cell) else cell
            if index in cell_problems:
                problems[column.path] = cell_problems[index]
            elif isinstance(cell, str) and _SCIENTIFIC.fullmatch(cell.strip()):
                problems[column.path] = t(
                    "是科学计数法(Excel 把长数字缩写了):把这一列设成文本格式,再重新输入"
                )
            elif isinstance(cell, datetime | date | time):
                problems[column.path] = t("是日期或时间:把这一列设成文本格式")
            else:
                values[column.path] = None if _blank(cell) else cell
        yield _Row(number, values, problems, raw)


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _columns(header: list[Any]) -> tuple[dict[int, columns.Column], dict[str, str], set[int]]:
    """Column index → column, order field path → the header as written, and the columns
    a rejects file adds (where the row was, why it was refused), which are skipped."""
    by_index: dict[int, columns.Column] = {}
    labels: dict[str, str] = {}
    ignored: set[int] = set()
    unknown = []
    for index, cell in enumerate(header):
        text = "" if cell is None else str(cell).strip()
        if not text:
            continue
        column = columns.column_for(text)
        if column is None and columns.is_reject_header(text):
            ignored.add(index)
        elif column is None:
            unknown.append(checks.shown(text) + columns.suggestion(text))
        elif column.path in labels:
            raise FileProblem(
                t("“{first}”和“{second}”是同一个字段({name});只留一列", first=labels[column.path],
                  second=text, name=column.name)
            )  # fmt: skip
        else:
            by_index[index] = column
            labels[column.path] = text
    if unknown and not by_index:
        # not one header known: a title row (or blank rows) above the header, as a sheet
        # made for printing has
        raise FileProblem(
            t("第1行不是表头(没有一个认识的列名,只有{found}):表头要在第1行;"
              "上面的标题行或空行请删掉", found=t("、").join(unknown[:3]))
        )  # fmt: skip
    problems = []
    if unknown:
        problems.append(t("不认识的列:{columns}", columns=t("、").join(unknown)))
    missing = [
        t("{label}({name})", label=c.label, name=c.name)
        for c in columns.COLUMNS
        if c.required and c.path not in labels
    ]
    if missing:
        problems.append(t("缺少的列:{columns}", columns=t("、").join(missing)))
    if problems:
        raise FileProblem(t(";").join(problems))
    return by_index, labels, ignored


_CHUNK = 1 << 20


def _encoding(path: Path) -> str:
    """The file's text encoding, checked over all of it a chunk at a time (never the whole
    file in memory): UTF-8 (with or without BOM), else GBK (Excel's CSV on a Chinese
    Windows)."""
    with path.open("rb") as f:
        head = f.read(3)
    candidates = ("utf-8-sig",) if head.startswith(b"\xef\xbb\xbf") else ("utf-8", "gbk")
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        offset = 0
        try:
            with path.open("rb") as f:
                while chunk := f.read(_CHUNK):
                    if b"\x00" in chunk:
                        raise FileProblem(
                            t(
                                "不是 CSV 文本(含有 NUL 字节;是改了扩展名的 .xlsx,还是 UTF-16?):"
                                "另存为 CSV UTF-8"
                            )
                        )
                    held = len(decoder.getstate()[0])  # bytes of a character cut by the chunk
                    decoder.decode(chunk)
                    offset += len(chunk)
                held = len(decoder.getstate()[0])
                decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError as exc:
            # the error's offset counts from the held bytes before the chunk decoded
            error, at = exc, offset - held + exc.start
    raise FileProblem(
        t(
            "既不是 UTF-8 也不是 GBK 文本(偏移{offset}处的字节 0x{byte}):另存为 CSV UTF-8",
            offset=at,
            byte=f"{error.object[error.start]:02X}",
        )
    )


def _csv_size(path: Path, encoding: str) -> None:
    """Refuse a CSV beyond ``MAX_ROWS`` rows or with values beyond ``MAX_COLUMNS`` columns
    before any row is handed on."""
    with path.open(encoding=encoding, newline="") as f:
        for number, cells in enumerate(_records(f), start=1):
            if number > sheet.MAX_ROWS:
                raise FileProblem(
                    t("超过{limit}行:拆成每个不超过{limit}行的文件", limit=sheet.MAX_ROWS)
                )
            if len(cells) > sheet.MAX_COLUMNS and not all(
                _blank(c) for c in cells[sheet.MAX_COLUMNS :]
            ):
                raise FileProblem(
                    t(
                        "第{row}行在第{limit}列之后还有内容:最多读{limit}列;删掉订单右边的内容",
                        row=number,
                        limit=sheet.MAX_COLUMNS,
                    )
                )


def _records(f: IO[str]) -> Iterator[list[str]]:
    reader = csv.reader(f)
    number = 0  # records, not lines: a cell may hold a line break
    try:
        for number, cells in enumerate(reader, start=1):  # noqa: B007 - read in except
            yield cells
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise FileProblem(
                t("第{row}行有一格超过{limit}个字:删掉那一格多余的内容", row=number + 1,
                  limit=csv.field_size_limit())
            ) from None  # fmt: skip
        raise FileProblem(
            t("第{row}行不是可读的 CSV({reason})", row=number + 1, reason=error)
        ) from None


def read_csv(path: Path) -> _Source:
    encoding = _encoding(path)
    _csv_size(path, encoding)
    f = path.open(encoding=encoding, newline="")
    records = _records(f)
    header = next(records, None)
    if header is None:
        f.close()
        raise FileProblem(t("是空文件"))
    source = _table(
        list(header),
        ((number, cells[: sheet.MAX_COLUMNS], {}) for number, cells in enumerate(records, 2)),
    )
    source.rows = _closing(source.rows, f)
    return source


def read_xlsx(path: Path) -> _Source:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise FileProblem(workbook.unreadable()) from None
    try:
        found = sheet.scan(archive)
        if not found.rows:
            raise FileProblem(t("是空文件"))
        rows = merges.merged_rows(archive, found)
        first = next(rows, None)
    except (zipfile.BadZipFile, KeyError, OSError):
        archive.close()
        raise FileProblem(workbook.unreadable()) from None
    except (workbook.SheetProblem, FileProblem) as problem:
        archive.close()
        raise FileProblem(str(problem)) from None
    header: list[Any] = []
    body: Iterable[tuple[int, list[Any], dict[int, str]]] = rows
    if first is not None and first[0] == 1:
        header = first[1]
    elif first is not None:  # row 1 is the header, even when it is empty
        body = itertools.chain([first], rows)
    source = _table(header, body)
    source.rows = _closing(source.rows, archive)
    return source


def _closing(rows: Iterator[_Row], opened: IO[str] | zipfile.ZipFile) -> Iterator[_Row]:
    with opened:
        yield from rows


# -- YAML and JSON ----------------------------------------------------------------------------


def _items(data: Any) -> _Source:
    items = [] if data is None else data if isinstance(data, list) else [data]
    rows = (_Row(i, item, {}) for i, item in enumerate(items, start=1))
    return _Source(rows, unit="item", nested=True)


def read_yaml(path: Path) -> _Source:
    # the flows' loader: plain data only, and a key written twice refused (PyYAML's own
    # keeps the last one: a second ``reference:`` would enqueue another order's data)
    try:
        data, _ = load_yaml(path)
    except DefinitionProblems as error:
        problem = error.problems[0]
        raise FileProblem(
            t("{problem}(第{line}行第{column}列)", problem=problem.message,
              line=problem.mark.line, column=problem.mark.column)
        ) from None  # fmt: skip
    return _items(data)


def read_json(path: Path) -> _Source:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise FileProblem(t("不是 UTF-8 文本")) from None
    except json.JSONDecodeError as exc:
        problem = t("JSON 格式错误:{words};请检查引号、逗号和括号", words=exc.msg)
        raise FileProblem(
            t("{problem}(第{line}行第{column}列)", problem=problem, line=exc.lineno,
              column=exc.colno)
        ) from None  # fmt: skip
    return _items(data)


READERS: dict[str, Callable[[Path], _Source]] = {
    ".csv": read_csv,
    ".xlsx": read_xlsx,
    ".yaml": read_yaml,
    ".yml": read_yaml,
    ".json": read_json,
}


def rows_of(result: ReadResult) -> Iterator[tuple[int, Order]]:
    """Each order with the row (or item) it came from."""
    return zip(result.rows, result.orders, strict=True)
