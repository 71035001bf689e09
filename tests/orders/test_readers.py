from __future__ import annotations

import json
import tracemalloc
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from bots.orders import columns
from bots.orders.readers import RowError, read_orders
from bots.orders.samples import generate_orders

# these pin the English texts (BOTS_LANG=en); the Chinese ones are pinned in test_words.py
pytestmark = pytest.mark.usefixtures("english")

ORDERS = generate_orders(4, seed=3, start_index=700)  # new, renewal, new, renewal


def rows(header: str = "name") -> list[list[str]]:
    table = [[getattr(c, header) for c in columns.COLUMNS]]
    for order in ORDERS:
        flat = columns.flatten(order.model_dump(mode="json"))
        table.append(["" if flat[c.name] is None else str(flat[c.name]) for c in columns.COLUMNS])
    return table


def write_csv(path: Path, table: list[list[str]], encoding: str = "utf-8") -> Path:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(table)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def errors(path: Path) -> list[str]:
    return [str(e).removeprefix(f"{path}") for e in read_orders(path).errors]


def test_row_error_text() -> None:
    assert str(RowError("a.csv", 3, "证件号码", "is required")) == (
        "a.csv:row 3: 证件号码: is required")
    assert str(RowError("a.yaml", 2, "phone.imei", "bad", unit="item")) == (
        "a.yaml:item 2: phone.imei: bad")
    assert str(RowError("a.csv", None, None, "is empty")) == "a.csv: is empty"


@pytest.mark.parametrize("header", ["name", "label"])
def test_english_and_chinese_headers(tmp_path: Path, header: str) -> None:
    result = read_orders(write_csv(tmp_path / "o.csv", rows(header)))
    assert result.errors == []
    assert result.orders == ORDERS
    assert result.rows == [2, 3, 4, 5]


def test_header_aliases_spacing_and_fullwidth_hints(tmp_path: Path) -> None:
    table = rows("label")
    table[0] = [h.replace("(", "（").replace(")", "）") for h in table[0]]
    table[0][0] = " 业务参考 "
    table[0][columns.COLUMNS.index(columns.column_for("imei"))] = "手机串号"  # type: ignore[arg-type]
    table[0][1] = "办理类型"
    assert read_orders(write_csv(tmp_path / "o.csv", table)).orders == ORDERS


def test_errors_name_the_column_as_written(tmp_path: Path) -> None:
    table = rows("label")
    table[2][columns.COLUMNS.index(columns.column_for("id_number"))] = "41010519900101001"  # type: ignore[arg-type]
    result = read_orders(write_csv(tmp_path / "o.csv", table))
    assert [str(e) for e in result.errors] == [
        f"{tmp_path / 'o.csv'}:row 3: 证件号码: must be 18 characters, got 17"]
    assert result.rows == [2, 4, 5]


def test_gbk_csv(tmp_path: Path) -> None:
    assert read_orders(write_csv(tmp_path / "o.csv", rows("label"), "gbk")).orders == ORDERS


def test_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_bytes("reference\n".encode("utf-16"))
    assert errors(path) == [": is not CSV text (it contains NUL bytes; an .xlsx renamed .csv,"
                             " or UTF-16?): save it as CSV UTF-8"]


def test_empty_files(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("")
    assert errors(tmp_path / "e.csv") == [": the file is empty"]
    write_csv(tmp_path / "h.csv", rows()[:1] + [[""] * len(columns.COLUMNS)])
    assert errors(tmp_path / "h.csv") == [": has no order rows"]
    (tmp_path / "e.yaml").write_text("# nothing\n")
    assert errors(tmp_path / "e.yaml") == [": has no orders"]


def test_same_field_twice(tmp_path: Path) -> None:
    table = rows()
    table[0][-1] = "业务参考号"  # the note column renamed to reference's Chinese name
    assert errors(write_csv(tmp_path / "o.csv", table)) == [
        ":row 1: header: columns 'reference' and '业务参考号' are the same field (reference);"
        " keep one"]


def test_value_under_no_header(tmp_path: Path) -> None:
    table = rows()
    table[0].append("")
    for row in table[1:]:
        row.append("")
    table[2][-1] = "stray"
    result = read_orders(write_csv(tmp_path / "o.csv", table))
    assert [str(e).removeprefix(str(tmp_path / "o.csv")) for e in result.errors] == [
        ":row 3: column 20: has a value but no header"]


def test_duplicate_cards_and_access_numbers_refuse_every_row_involved(tmp_path: Path) -> None:
    table = rows()
    uim = [c.name for c in columns.COLUMNS].index("uim")
    access = [c.name for c in columns.COLUMNS].index("broadband_access_number")
    table[3][uim] = table[1][uim]
    table[4][access] = table[2][access]
    result = read_orders(write_csv(tmp_path / "o.csv", table))
    assert result.orders == []
    card, line = table[1][uim], table[2][access]
    assert [str(e).removeprefix(str(tmp_path / "o.csv")) for e in result.errors] == [
        f":row 2: uim: {card} appears in rows 2 and 4; each order needs its own uim",
        f":row 3: broadband_access_number: {line} appears in rows 3 and 5;"
        " each order needs its own broadband_access_number",
        f":row 4: uim: {card} appears in rows 2 and 4; each order needs its own uim",
        f":row 5: broadband_access_number: {line} appears in rows 3 and 5;"
        " each order needs its own broadband_access_number",
    ]


def test_a_reference_shared_with_a_refused_row_refuses_both(tmp_path: Path) -> None:
    # the refused row, fixed and enqueued again, would be its twin's order a second time
    table = rows()
    names = [c.name for c in columns.COLUMNS]
    ref, phone = names.index("reference"), names.index("contact_phone")
    table[3][ref] = table[1][ref]
    table[1][phone] = "12"
    result = read_orders(write_csv(tmp_path / "o.csv", table))
    assert [o.reference for o in result.orders] == [table[2][ref], table[4][ref]]
    shared = table[1][ref]
    assert [str(e).removeprefix(str(tmp_path / "o.csv")) for e in result.errors] == [
        ":row 2: contact_phone: must be an 11-digit mobile number or a landline with area code"
        " (area code-number, such as 0371- and eight digits); got 2 characters",
        f":row 2: reference: {shared} appears in rows 2 and 4; each order needs its own reference",
        f":row 4: reference: {shared} appears in rows 2 and 4; each order needs its own reference",
    ]


def test_any_numbers_may_repeat(tmp_path: Path) -> None:
    table = rows()
    number = [c.name for c in columns.COLUMNS].index("mobile_number")
    for row in table[1:]:
        row[number] = "any"
    assert len(read_orders(write_csv(tmp_path / "o.csv", table)).orders) == 4


def test_xlsx_dates_and_ints(tmp_path: Path) -> None:
    table: list[list[object]] = list(rows())  # type: ignore[arg-type]
    table[1] = list(table[1])
    table[1][0] = datetime(2026, 11, 27)
    table[2] = list(table[2])
    table[2][[c.name for c in columns.COLUMNS].index("pack")] = 29.0
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in table:
        sheet.append(row)
    book.save(tmp_path / "o.xlsx")
    result = read_orders(tmp_path / "o.xlsx")
    assert [str(e).removeprefix(str(tmp_path / "o.xlsx")) for e in result.errors] == [
        ":row 2: reference: is a date or time: format the column as text"]
    assert result.rows == [3, 4, 5]
    assert result.orders[0].pack == 29


def test_a_title_row_above_the_header_is_named(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["2026年12月e9订单汇总表"])  # a sheet made for printing
    for row in rows("label"):
        sheet.append(row)
    book.save(tmp_path / "o.xlsx")
    assert errors(tmp_path / "o.xlsx") == [
        ":row 1: header: row 1 is not the header (not one known column name, only "
        "'2026年12月e9订单汇总表'): the header must be row 1; delete a title row or blank rows "
        "above it"]


def test_not_an_xlsx(tmp_path: Path) -> None:
    (tmp_path / "o.xlsx").write_text("reference\n")
    assert errors(tmp_path / "o.xlsx") == [
        ": is not a readable .xlsx file: save it again from Excel"]


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    assert errors(tmp_path / "o.xls") == [
        ": unsupported file type '.xls' (save it as .xlsx); use .csv, .json, .xlsx, .yaml, .yml"]
    assert errors(tmp_path / "none.csv") == [": file not found"]


def test_yaml_single_mapping_and_list(tmp_path: Path) -> None:
    import yaml

    one = ORDERS[0].model_dump(mode="json")
    (tmp_path / "one.yaml").write_text(yaml.safe_dump(one, allow_unicode=True))
    assert read_orders(tmp_path / "one.yaml").orders == ORDERS[:1]
    many = [o.model_dump(mode="json") for o in ORDERS]
    (tmp_path / "many.yml").write_text(yaml.safe_dump(many, allow_unicode=True))
    assert read_orders(tmp_path / "many.yml").orders == ORDERS


def test_yaml_unquoted_numbers(tmp_path: Path) -> None:
    raw = ORDERS[1].model_dump(mode="json")  # a renewal
    text = json.dumps(raw, ensure_ascii=False)
    text = text.replace(f'"{raw["phone"]["imei"]}"', raw["phone"]["imei"])
    text = text.replace(f'"{raw["broadband"]["access_number"]}"', "037160010001")
    (tmp_path / "o.yaml").write_text(text)  # JSON is YAML; 037160010001 reads as octal
    assert errors(tmp_path / "o.yaml") == [
        ":item 1: broadband.access_number: must be 10-12 digits starting with 0, got"
        f" '{0o37160010001}' (stored as a number, the leading 0 is lost: store it as text)"]


def test_yaml_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "o.yaml").write_text("reference: [x\n")
    assert errors(tmp_path / "o.yaml") == [
        ": invalid YAML: a list in [ ] is not closed (while parsing a flow sequence: expected"
        " ',' or ']', but got '<stream end>'); close the bracket, or put a comma between two"
        " items; quote a value that holds a colon, a comma or a bracket at line 2, column 1"]


def test_yaml_a_key_written_twice_is_refused(tmp_path: Path) -> None:
    # PyYAML keeps the last: the order would be enqueued under the second reference
    import yaml

    one = yaml.safe_dump(ORDERS[0].model_dump(mode="json"), allow_unicode=True)
    (tmp_path / "o.yaml").write_text(one + "reference: E9-20261127-0099\n")
    line = one.count("\n") + 1
    assert errors(tmp_path / "o.yaml") == [
        f": duplicate key 'reference'; keep only one at line {line}, column 1"]


def test_yaml_not_in_utf_8_is_refused_where_it_stops_being_utf_8(tmp_path: Path) -> None:
    (tmp_path / "o.yaml").write_bytes("reference: E9-1\nnote: 周末联系\n".encode("gbk"))
    assert errors(tmp_path / "o.yaml") == [
        ": not UTF-8 text: save it as UTF-8 in your editor (e.g. Notepad's Save As) at line 2,"
        " column 7"]


def test_json_list_and_errors(tmp_path: Path) -> None:
    (tmp_path / "o.json").write_text(json.dumps([o.model_dump(mode="json") for o in ORDERS]))
    assert read_orders(tmp_path / "o.json").orders == ORDERS
    (tmp_path / "bad.json").write_text('[{"reference": }]')
    assert errors(tmp_path / "bad.json") == [
        ": invalid JSON: Expecting value; check the quotes, commas and brackets at line 1,"
        " column 16"]
    (tmp_path / "item.json").write_text('[1]')
    assert errors(tmp_path / "item.json") == [":item 1: order: must be a mapping of fields"]


# -- bounded reading: the bomb files (tests/orders/bombs/make_bombs.py writes them) ---------

BOMBS = Path(__file__).parent / "bombs"
REQUIRED = ["reference", "procedure", "customer", "account_manager", "mobile", "phone"]
BOMB_EXPECTED: dict[str, tuple[list[int], list[str]]] = {
    # the merge is clipped to the used range A1:S2; on the header, every cell shows A1's text
    "merged_sheet.xlsx": ([], [
        ":第1行:表头:“reference”和“reference”是同一个字段(reference);只留一列"]),
    "merged_columns.xlsx": ([2, 3], []),
    "far_row.xlsx": ([], [
        ":第1048576行(单元格XFD1048576)有内容:最多读100000行;删掉订单下面的内容,或把文件拆开"]),
    "far_column.xlsx": ([], [":第XFD列(单元格XFD3)有内容:最多读100列(到CV列);删掉订单右边的内容"]),
    "styled_far.xlsx": ([2], []),
    "wide.csv": ([], [":第2行在第100列之后还有内容:最多读100列;删掉订单右边的内容"]),
    # read as a flow is: refused at the alias that expands past the bound
    "laughs.yaml": ([], [
        ":别名*c展开超过1000个值(别名里又套别名):把值直接写出来,或少用几层别名(第4行第8列)"]),
}


@pytest.mark.parametrize("name", sorted(BOMB_EXPECTED))
@pytest.mark.usefixtures("chinese")
def test_a_bomb_file_is_read_within_bounds(name: str) -> None:
    """What the naive reader took gigabytes for is read (or refused) in a few megabytes:
    never a cell outside the used range, never a row past the caps."""
    rows, expected = BOMB_EXPECTED[name]
    path = BOMBS / name
    tracemalloc.start()
    try:
        result = read_orders(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [str(e) for e in result.errors] == [f"{path}{e}" for e in expected]
    assert result.rows == rows
    assert peak < 8 * 2**20, f"{peak / 2**20:.1f} MB to read a {path.stat().st_size} B file"


def test_every_bomb_file_has_an_expectation_and_is_what_make_bombs_writes(
    tmp_path: Path,
) -> None:
    import importlib.util

    assert {p.name for p in BOMBS.iterdir() if p.suffix != ".py"} == set(BOMB_EXPECTED)
    spec = importlib.util.spec_from_file_location("make_bombs", BOMBS / "make_bombs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_all(tmp_path)
    for name in BOMB_EXPECTED:
        fresh, committed = read_orders(tmp_path / name), read_orders(BOMBS / name)
        assert fresh.orders == committed.orders, name
        assert [(e.row, e.field, e.reason) for e in fresh.errors] == [
            (e.row, e.field, e.reason) for e in committed.errors], name


def test_merged_whole_columns_give_each_row_the_merged_value() -> None:
    orders = read_orders(BOMBS / "merged_columns.xlsx").orders
    assert [(o.phone.model, o.note) for o in orders] == [("phone_model", "note")] * 2


@pytest.mark.usefixtures("chinese")
def test_the_row_cap_refuses_a_csv_before_any_order_is_handed_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bots.orders import readers, sheet

    monkeypatch.setattr(sheet, "MAX_ROWS", 3)
    table = rows()  # a header and four orders: five rows
    stream = readers.OrderStream(write_csv(tmp_path / "o.csv", table))
    assert list(stream) == []
    assert [str(e) for e in stream.errors] == [
        f"{tmp_path / 'o.csv'}:超过3行:拆成每个不超过3行的文件"]


def test_an_encoding_error_past_the_first_chunk_is_named_at_its_offset(tmp_path: Path) -> None:
    """The encoding is checked a chunk at a time: the offset is still the file's own."""
    header = rows()[0]  # English: the same bytes in UTF-8 and GBK
    head = ",".join(header) + "\n"
    filler = ("," * (len(header) - 1) + "\n") * 80_000  # blank rows: more than a 1 MB chunk
    data = head.encode() + filler.encode() + b"\xff\xfe,\n"
    (tmp_path / "o.csv").write_bytes(data)
    assert errors(tmp_path / "o.csv") == [
        f": is neither UTF-8 nor GBK text (byte 0xFF at offset {len(data) - 4}): save it as"
        " CSV UTF-8"]


def test_rows_sharing_a_value_far_apart_are_both_refused_and_taken_back(tmp_path: Path) -> None:
    """Streamed: the first row was handed on before the second showed the clash, so the
    stream names it for withdrawal."""
    table = rows()
    imei = [c.name for c in columns.COLUMNS].index("imei")
    table[4][imei] = table[1][imei]
    from bots.orders.readers import OrderStream

    stream = OrderStream(write_csv(tmp_path / "o.csv", table))
    handed = [(row, order.reference) for row, order in stream]
    assert handed == [(2, ORDERS[0].reference), (3, ORDERS[1].reference),
                      (4, ORDERS[2].reference), (5, ORDERS[3].reference)]
    assert stream.withdrawn == {ORDERS[0].reference, ORDERS[3].reference}
    assert [e.row for e in stream.errors] == [2, 5]


def test_a_file_refused_part_way_keeps_none_of_its_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever can refuse a file is looked for before its first row; should a reader
    still fail part-way, no order of that file survives, not even those handed on."""
    from bots.orders import readers

    path = write_csv(tmp_path / "o.csv", rows())
    real = readers.READERS[".csv"]

    def failing_after_two(csv_path: Path) -> readers._Source:
        source = real(csv_path)
        good = source.rows

        def rows_then_fail() -> Iterator[readers._Row]:
            yield next(good)
            yield next(good)
            raise readers.FileProblem("broke at row 4")

        source.rows = rows_then_fail()
        return source

    monkeypatch.setitem(readers.READERS, ".csv", failing_after_two)
    stream = readers.OrderStream(path)
    assert len(list(stream)) == 2
    assert stream.broken
    assert [str(e) for e in stream.errors] == [f"{path}: broke at row 4"]
    assert read_orders(path).orders == []


@pytest.mark.usefixtures("chinese")
def test_a_csv_field_past_the_csv_modules_limit_refuses_the_file(tmp_path: Path) -> None:
    table = rows()
    table[2][columns.COLUMNS.index(columns.column_for("note"))] = "备" * 200_000  # type: ignore[arg-type]
    path = write_csv(tmp_path / "o.csv", table)
    assert errors(path) == [":第3行有一格超过131072个字:删掉那一格多余的内容"]


def test_an_id_or_phone_number_quoted_in_a_reason_is_shown_in_part(tmp_path: Path) -> None:
    # a file without its header row: its first order is read as the header, and every
    # cell is quoted; a row shifted by a cell puts the ID number under 证件类型
    table = rows("label")
    names = [c.name for c in columns.COLUMNS]
    order = ORDERS[0]
    id_number, phone = order.customer.id_number, order.customer.contact_phone
    write_csv(tmp_path / "headless.csv", table[1:])
    (headless,) = errors(tmp_path / "headless.csv")
    assert headless.startswith(":row 1: header: row 1 is not the header (not one known column")
    # a header with one known name and the rest an order's cells: each cell is quoted
    write_csv(tmp_path / "mixed.csv", [[table[0][0], *table[1][1:]]])
    (reason,) = errors(tmp_path / "mixed.csv")
    shifted = table[:2]
    shifted[1] = [*shifted[1][: names.index("id_type")], *shifted[1][names.index("id_type") + 1 :]]
    write_csv(tmp_path / "shifted.csv", shifted)
    found = errors(tmp_path / "shifted.csv")
    for text in (headless, reason, *found):
        assert id_number not in text and phone not in text
    id_shown = f"'{id_number[:3]}{'*' * 13}{id_number[-2:]}'"
    assert id_shown in reason
    assert f"'{phone[:3]}{'*' * (len(phone) - 5)}{phone[-2:]}'" in reason
    assert f":row 2: 证件类型: must be 居民身份证, got {id_shown}" in found
