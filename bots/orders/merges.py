"""What a sheet's merged ranges and unsaved formulas do to its rows.

A merged cell shows the range's value wherever the range covers, so a range merged down a
column gives each row its value; a range merged across columns below the header is a
problem on each of its cells (which column holds the value is for a person to say); a
formula saved without a value is named with its text. It knows ``sheet``'s rows and ranges
(already clipped to the used range), nothing of orders.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any

from bots.messages import t
from bots.orders.sheet import Merge, Sheet, column_letters, rows


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
                problems[col - 1] = t("单元格跨列合并了({ref}):取消合并", ref=merge.ref)
        else:  # a merged cell shows the range's value wherever it covers
            for col in range(merge.min_col, merge.max_col + 1):
                cells[col - 1] = tops.get(merge)
    return problems


def _unsaved(row: int, cells: list[Any], sheet: Sheet, problems: dict[int, str]) -> None:
    for col in range(1, sheet.columns + 1):
        formula = sheet.unsaved.get((row, col))
        if formula is not None and cells[col - 1] is None:
            problems[col - 1] = t(
                "单元格{cell}是公式,没有保存的值({formula}):在 Excel 里打开再保存,或粘贴成数值",
                cell=f"{column_letters(col)}{row}",
                formula=formula,
            )
