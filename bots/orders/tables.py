"""The portal's tables as flows read them: text with one row a line, cells split by tabs.

An ``extract`` of a ``<table>`` gives its inner text, which is how a clerk's screen reads:
the header row first, then the data rows. This module turns that text into rows keyed by
the header's column names, so a rule never depends on the order of the columns. It knows
nothing about what the columns mean (that is ``bots.orders.rules``).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from bots.messages import t

NO_DATA = "没有查询到数据"  # the portal's one-cell row of an empty result


class TableProblem(ValueError):
    """The text is not the table a rule expects (a column is missing)."""


def rows(text: str | None, required: tuple[str, ...]) -> list[dict[str, str]]:
    """The data rows of a table's text, each ``{header: cell}``; the header row is the
    first line naming every ``required`` column. A row shorter than the header gets empty
    cells (trailing empty cells vanish when the text is trimmed); the "没有查询到数据" row
    is left out."""
    lines = [[c.strip() for c in line.split("\t")] for line in (text or "").splitlines()]
    lines = [cells for cells in lines if any(cells)]
    start = next(
        (n for n, cells in enumerate(lines) if all(name in cells for name in required)), None
    )
    if start is None:
        missing = [name for name in required if not any(name in cells for cells in lines)]
        raise TableProblem(t("表格缺少列:{columns}", columns="、".join(missing or required)))
    header = lines[start]
    # a line too short to reach the last required column is not a row: the text of a
    # control that the page lays out as a block (a 下调 button's form), a "no data" line
    needed = max(header.index(name) for name in required) + 1
    found = []
    for cells in lines[start + 1 :]:
        if len(cells) < needed or cells[0] == NO_DATA:
            continue
        cells = cells + [""] * (len(header) - len(cells))
        found.append(dict(zip(header, cells, strict=False)))
    return found


def amount(text: str | None) -> Decimal | None:
    """A yuan amount as the portal writes it (``58.00``, ``1,200.00``), or None."""
    if text is None:
        return None
    try:
        value = Decimal(str(text).strip().replace(",", "").removesuffix("元"))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
