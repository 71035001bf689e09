"""Writes the bad-input corpus next to this file; the outputs are committed.

Run from the repository root: ``.venv/bin/python tests/orders/corpus/make_corpus.py``.
tests/orders/test_corpus.py states each file's exact expected outcome. The 10 000-row file
is not here: the test generates it.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import sys
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from bots.orders.columns import COLUMNS, flatten  # noqa: E402
from bots.orders.rules import REMARK_LIMIT, remark  # noqa: E402
from bots.orders.samples import raw_order  # noqa: E402

HERE = Path(__file__).resolve().parent
ENGLISH = [c.name for c in COLUMNS]
CHINESE = [c.label for c in COLUMNS]


def orders(count: int, first: int = 0) -> list[dict[str, Any]]:
    """Valid orders at pool indexes 600+first …, references C-0000 …"""
    rng = random.Random(first)
    return [raw_order(600 + i, rng, f"C-{i:04d}") for i in range(first, first + count)]


def table(raws: list[dict[str, Any]], header: list[str] = ENGLISH) -> list[list[str]]:
    rows = [list(header)]
    for raw in raws:
        flat = flatten(raw)
        rows.append(["" if flat[c.name] is None else str(flat[c.name]) for c in COLUMNS])
    return rows


def csv_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def write_csvs(target: Path = HERE) -> None:
    # GBK, Chinese headers, a blank row in the middle (skipped)
    rows = table(orders(2), CHINESE)
    rows.insert(2, [""] * len(COLUMNS))
    (target / "gbk.csv").write_bytes(csv_text(rows).encode("gbk"))
    (target / "utf8_bom.csv").write_bytes(csv_text(table(orders(2))).encode("utf-8-sig"))
    (target / "latin1.csv").write_bytes("reference,name\nC-0001,Müller café\n".encode("latin-1"))
    rows = table(orders(1))
    keep = [i for i, name in enumerate(rows[0]) if name not in ("id_number", "imei")]
    (target / "missing_columns.csv").write_text(
        csv_text([[r[i] for i in keep] for r in rows]), encoding="utf-8")
    rows = table(orders(1))
    rows[0] = ["bandwith" if h == "bandwidth" else h for h in rows[0]] + ["salesman"]
    rows[1].append("x")
    (target / "extra_columns.csv").write_text(csv_text(rows), encoding="utf-8")
    raws = orders(3)
    raws[0]["customer"]["name"] = "<script>alert(1)</script>"
    raws[1]["customer"]["name"] = '张"三"<b>'
    raws[2]["customer"]["address"] = "郑州市'金水区', \"农业路\" 1号 & <i>院</i>"
    (target / "html_quotes.csv").write_text(csv_text(table(raws)), encoding="utf-8")
    raws = orders(4)
    raws[0]["note"] = "备" * 201
    raws[1]["customer"]["address"] = "郑" * 101
    # the note's own maximum, but with the manager line and the reference it overflows
    # the portal's 备注: refused naming the limit
    raws[2]["note"] = "备" * 200
    # exactly filling the portal's 备注: accepted
    raws[3]["note"] = "备" * (REMARK_LIMIT - 1 - len(
        remark(raws[3]["account_manager"], raws[3]["reference"])))
    (target / "long_fields.csv").write_text(csv_text(table(raws)), encoding="utf-8")
    raws = orders(3)
    raws[1]["reference"] = raws[0]["reference"]
    (target / "duplicates.csv").write_text(csv_text(table(raws)), encoding="utf-8")
    rows = table(orders(1))
    rows[1][ENGLISH.index("id_number")] = "4.10105E+17"
    (target / "scientific.csv").write_text(csv_text(rows), encoding="utf-8")


def write_structured(target: Path = HERE) -> None:
    raw = orders(1)[0]
    raw["customer"]["name"] = "𠮷田"
    import yaml

    (target / "rare_chars.yaml").write_text(
        yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    raws = orders(2)
    raws[0]["customer"]["name"] = "王\t敏"
    raws[1]["account_manager"] = "李\x07四"
    (target / "control_chars.json").write_text(
        json.dumps(raws, ensure_ascii=True, indent=1), encoding="utf-8")


def write_xlsx(target: Path = HERE) -> None:
    from openpyxl import Workbook

    def book(rows: list[list[Any]]) -> Any:
        wb = Workbook()
        ws = wb.active
        for row in rows:
            ws.append(row)
        return wb, ws

    # merged: account manager merged down rows 2-4; row 5 has name+id merged across columns
    rows = table(orders(4))
    manager = ENGLISH.index("account_manager") + 1
    name = ENGLISH.index("customer_name") + 1
    for r in (3, 4):
        rows[r - 1][manager - 1] = ""
    wb, ws = book(rows)
    ws.merge_cells(start_row=2, end_row=4, start_column=manager, end_column=manager)
    ws.merge_cells(start_row=5, end_row=5, start_column=name, end_column=name + 1)
    wb.save(target / "merged.xlsx")

    # formulas: the reference is ="C-"&"0000"; without a cached value (openpyxl saves none),
    # and with one (patched into the XML as Excel would save it)
    rows = table(orders(1))
    rows[1][0] = '="C-"&"0000"'
    wb, ws = book(rows)
    wb.save(target / "formula_uncached.xlsx")
    _with_cached_value(target / "formula_uncached.xlsx", target / "formula_cached.xlsx",
                       "A2", "C-0000")

    # numbers Excel mangled: ID number as a float, ICCID in scientific notation (a float too),
    # IMEI and mobile number as integers (exact: converted)
    raws = orders(2)
    rows: list[list[Any]] = table(raws)
    rows[1][ENGLISH.index("id_number")] = float(raws[0]["customer"]["id_number"])
    rows[1][ENGLISH.index("uim")] = float(raws[0]["mobile"]["uim"])
    rows[2][ENGLISH.index("imei")] = int(raws[1]["phone"]["imei"])
    rows[2][ENGLISH.index("mobile_number")] = int(raws[1]["mobile"]["number"])
    wb, ws = book(rows)
    wb.save(target / "excel_numbers.xlsx")


def _with_cached_value(source: Path, target: Path, cell: str, value: str) -> None:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                text, count = re.subn(
                    rf'<c r="{cell}"([^>]*)><f>(.*?)</f><v\s*/?>(</v>)?</c>',
                    rf'<c r="{cell}" t="str"><f>\2</f><v>{value}</v></c>', text)
                if count != 1:
                    raise SystemExit(f"formula cell {cell} not found in {source}")
                data = text.encode("utf-8")
            out.writestr(item, data)


def write_all(target: Path = HERE) -> None:
    write_csvs(target)
    write_structured(target)
    write_xlsx(target)


if __name__ == "__main__":
    write_all()
