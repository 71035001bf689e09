"""The .xlsx sheet reader: values as Excel saved them, the used range, merges clipped."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from bots.orders import merges, sheet, workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def read(path: Path) -> tuple[sheet.Sheet, list[tuple[int, list[object]]]]:
    with zipfile.ZipFile(path) as archive:
        found = sheet.scan(archive)
        return found, list(sheet.rows(archive, found))


def test_values_as_excel_saved_them(tmp_path: Path) -> None:
    book = Workbook()  # not write-only: text goes to the shared strings, as Excel does
    ws = book.active
    assert ws is not None
    ws.append(["文本", 29, 29.5, True, datetime(2026, 11, 27, 9, 30), None, "=1+1"])
    ws.append([None, None, None, None, None, None, None, "后"])
    book.save(tmp_path / "v.xlsx")
    found, rows = read(tmp_path / "v.xlsx")
    assert (found.rows, found.columns) == (2, 8)
    assert rows == [
        (1, ["文本", 29, 29.5, True, datetime(2026, 11, 27, 9, 30), None, None, None]),
        (2, [None] * 7 + ["后"]),
    ]
    assert found.unsaved == {(1, 7): "=1+1"}  # openpyxl saves formulas without a value


def _handmade(path: Path, sheet_xml: str, strings: str = "") -> Path:
    """A minimal .xlsx around ``sheet_xml`` (a prefixed namespace, as some tools write)."""
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("_rels/.rels", (
            f'<Relationships xmlns="{pkg}"><Relationship Id="r1" Target="x/book.xml"'
            f' Type="{rel}/officeDocument"/></Relationships>'))
        z.writestr("x/_rels/book.xml.rels", (
            f'<Relationships xmlns="{pkg}">'
            f'<Relationship Id="s1" Target="/x/one.xml" Type="{rel}/worksheet"/>'
            f'<Relationship Id="t1" Target="strings.xml" Type="{rel}/sharedStrings"/>'
            "</Relationships>"))
        z.writestr("x/book.xml", (
            f'<m:workbook xmlns:m="{MAIN}" xmlns:r="{rel}"><m:sheets>'
            '<m:sheet name="订单" sheetId="1" r:id="s1"/></m:sheets></m:workbook>'))
        z.writestr("x/one.xml", f'<m:worksheet xmlns:m="{MAIN}">{sheet_xml}</m:worksheet>')
        z.writestr("x/strings.xml", f'<m:sst xmlns:m="{MAIN}">{strings}</m:sst>')
    return path


def test_rich_text_phonetic_hints_and_cells_without_references(tmp_path: Path) -> None:
    strings = (
        "<m:si><m:t>王</m:t></m:si>"
        "<m:si><m:r><m:t>张</m:t></m:r><m:r><m:t>伟</m:t></m:r>"
        "<m:rPh><m:t>ちょう</m:t></m:rPh></m:si>"
    )
    data = (
        "<m:sheetData>"
        '<m:row><m:c t="s"><m:v>0</m:v></m:c><m:c t="s"><m:v>1</m:v></m:c></m:row>'
        '<m:row><m:c t="inlineStr"><m:is><m:t>行内</m:t></m:is></m:c>'
        '<m:c t="e"><m:v>#N/A</m:v></m:c><m:c t="b"><m:v>0</m:v></m:c></m:row>'
        "</m:sheetData>"
    )
    found, rows = read(_handmade(tmp_path / "h.xlsx", data, strings))
    assert rows == [(1, ["王", "张伟", None]), (2, ["行内", "#N/A", False])]
    assert (found.rows, found.columns) == (2, 3)


def test_merges_are_clipped_to_the_used_range(tmp_path: Path) -> None:
    data = (
        '<m:sheetData><m:row r="1"><m:c r="A1"><m:v>1</m:v></m:c></m:row>'
        '<m:row r="3"><m:c r="B3"><m:v>2</m:v></m:c><m:c r="XFD3" s="4"/></m:row></m:sheetData>'
        '<m:mergeCells><m:mergeCell ref="A1:XFD1048576"/><m:mergeCell ref="C1:C9"/>'
        '<m:mergeCell ref="A2:A1048576"/></m:mergeCells>'
    )
    found, rows = read(_handmade(tmp_path / "m.xlsx", data))
    assert (found.rows, found.columns) == (3, 2)  # the formatted cell at XFD3 is not used
    assert [(m.ref, m.min_col, m.min_row, m.max_col, m.max_row) for m in found.merges] == [
        ("A1:XFD1048576", 1, 1, 2, 3), ("A2:A1048576", 1, 2, 1, 3),
    ]  # C1:C9 lies outside the used range: dropped
    with zipfile.ZipFile(tmp_path / "m.xlsx") as archive:
        merged = list(merges.merged_rows(archive, found))
    # row 2 has no cell, but the merges cover it; across columns below the header: refused
    refusal = "单元格跨列合并了(A1:XFD1048576):取消合并"
    assert merged == [
        (1, [1, 1], {}),
        (2, [None, None], {0: refusal, 1: refusal}),
        (3, [None, 2], {0: refusal, 1: refusal}),
    ]


def test_too_many_merged_ranges_are_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sheet, "MAX_MERGES", 2)
    merges = "".join(f'<m:mergeCell ref="A{n}:B{n}"/>' for n in range(1, 4))
    data = f'<m:sheetData/><m:mergeCells>{merges}</m:mergeCells>'
    with pytest.raises(sheet.SheetProblem) as caught:
        read(_handmade(tmp_path / "many.xlsx", data))
    assert str(caught.value) == "合并区域超过2个:取消单元格合并"


@pytest.mark.parametrize(("number", "letters"), [(1, "A"), (26, "Z"), (27, "AA"), (16384, "XFD")])
def test_column_letters_both_ways(number: int, letters: str) -> None:
    assert sheet.column_letters(number) == letters
    assert sheet.column_number(letters) == number


def test_shared_strings_are_read_back_from_their_file_whatever_the_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tiny blocks, two kept: strings across a block's end, and strings met again after
    their block was dropped, come back whole."""
    monkeypatch.setattr(workbook, "_BLOCK", 8)
    monkeypatch.setattr(workbook, "_BLOCKS", 2)
    texts = ["王", "张伟伟", "郑州市金水区花园路街道", "", "a" * 20, "最后"]
    strings = "".join(f"<m:si><m:t>{t}</m:t></m:si>" for t in texts)
    cells = "".join(f'<m:c t="s"><m:v>{i}</m:v></m:c>' for i in range(len(texts)))
    again = '<m:row><m:c t="s"><m:v>0</m:v></m:c><m:c t="s"><m:v>2</m:v></m:c></m:row>'
    data = f"<m:sheetData><m:row>{cells}</m:row>{again}</m:sheetData>"
    _, rows = read(_handmade(tmp_path / "s.xlsx", data, strings))
    assert rows == [(1, texts), (2, ["王", texts[2], *[None] * 4])]


def test_a_cell_naming_a_shared_string_the_file_lacks_is_refused_before_any_row(
    tmp_path: Path,
) -> None:
    data = (
        '<m:sheetData><m:row><m:c t="s"><m:v>0</m:v></m:c></m:row>'
        '<m:row><m:c t="s"><m:v>7</m:v></m:c></m:row></m:sheetData>'
    )
    path = _handmade(tmp_path / "s.xlsx", data, "<m:si><m:t>一</m:t></m:si>")
    with zipfile.ZipFile(path) as archive:
        found = sheet.scan(archive)
        assert found.strings_used == 8
        rows = sheet.rows(archive, found)
        with pytest.raises(sheet.SheetProblem) as caught:
            next(rows)  # not even row 1 comes out
    assert str(caught.value) == "引用的共享字符串7在文件里没有:文件已损坏,用 Excel 重新保存"


def test_a_number_that_is_not_one_is_read_as_its_text(tmp_path: Path) -> None:
    data = (
        '<m:sheetData><m:row><m:c><m:v>12a</m:v></m:c><m:c t="d"><m:v>昨天</m:v></m:c>'
        '<m:c t="s"><m:v>x</m:v></m:c></m:row></m:sheetData>'
    )
    with pytest.raises(sheet.SheetProblem) as caught:
        read(_handmade(tmp_path / "bad.xlsx", data))
    assert str(caught.value) == "单元格C1引用的共享字符串'x'无效:文件已损坏,用 Excel 重新保存"
    data = data.replace('<m:c t="s"><m:v>x</m:v></m:c>', "")
    assert read(_handmade(tmp_path / "text.xlsx", data))[1] == [(1, ["12a", "昨天"])]
