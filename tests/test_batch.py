"""The batch report: one row per item, failures first, links that resolve, personal data
masked, names escaped; the CSV and the XLSX hold the same rows as the HTML page."""

from __future__ import annotations

import csv
import json
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from bots.batch import COLUMNS, row_for, write_batch_report
from bots.cli import app
from bots.intake import work_item
from bots.ledger import ErrorInfo, Store, open_store
from bots.orders.samples import generate_orders

EVIL = "<img src=x onerror=alert(1)>王敏"


class Rows(HTMLParser):
    """The body rows of the report table: class, cell texts, links and image sources."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr" and "class" in found:
            self.rows.append({"class": found["class"], "cells": [], "links": [], "images": []})
        elif tag == "td" and self.rows:
            self.cell = []
        elif tag == "a" and self.rows:
            self.rows[-1]["links"].append(found["href"])
        elif tag == "img" and self.rows:
            self.rows[-1]["images"].append(found["src"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None:
            self.rows[-1]["cells"].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def run_folder(root: Path, ref: str, shots: list[str]) -> str:
    folder = root / "runs" / ref / "attempt-1"
    (folder / "screens").mkdir(parents=True)
    steps = [{"id": f"s{n}", "screenshot": None} for n in range(2)]
    for n, name in enumerate(shots):
        (folder / "screens" / name).write_bytes(b"\x89PNG\r\n\x1a\n")
        steps.append({"id": f"shot{n}", "screenshot": f"screens/{name}"})
    (folder / "run.json").write_text(json.dumps({"steps": steps}), encoding="utf-8")
    (folder / "report.html").write_text("<html></html>", encoding="utf-8")
    return str(folder)


@pytest.fixture
def ledger(tmp_path: Path) -> tuple[str, Store, list[str]]:
    """Four orders: DONE-ish (done), a failure quoting the ID number, one needing review,
    one still pending."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    store = open_store(url)
    orders = generate_orders(4)
    items = [work_item(order) for order in orders]
    payload = dict(items[0].payload)
    payload["customer"] = {**payload["customer"], "name": EVIL}
    payload["note"] = "客户要求周末上门装机"  # the order's remark (备注)
    items[0] = type(items[0])(**{**items[0].__dict__, "payload": payload})
    # a remark quoting the customer's ID number: shown masked like every other cell
    quoting = {**items[1].payload, "note": f"证件 {orders[1].customer.id_number} 已核"}
    items[1] = type(items[1])(**{**items[1].__dict__, "payload": quoting})
    store.enqueue(items)
    refs = [order.reference for order in orders]
    ids = [order.customer.id_number for order in orders]
    done, failed, review, _pending = refs
    token = store.claim("w").lease_token  # type: ignore[union-attr]  # done
    store.complete(done, "w", token=token, outputs={
        "order_no": "SO-1", "access_number": "037112345678", "serial_no": "ZK-9",
        "plan": "e9-G", "fees_collected": {"安装调测费": 58, "自由话费": 100},
        "follow_ups": ["evdo: 人工开通EVDO", "modem: 上门取猫"], "notice": "宽带次月停机",
    }, artifact_dir=run_folder(tmp_path, done, ["001-open.png", "002-pay.png"]))  # fmt: skip
    token = store.claim("w").lease_token  # type: ignore[union-attr]  # failed, quoting the ID
    store.fail(failed, "w", token=token, error=ErrorInfo(
        kind="business_exception", type="BusinessException",
        message=f"the portal refused: 证件号码 {ids[1]} 已欠费", step="check",
    ), artifact_dir=run_folder(tmp_path, failed, ["003-check.png"]))  # fmt: skip
    token = store.claim("w").lease_token  # type: ignore[union-attr]  # needs review: a
    store.commit_started(review, "w", "submit", token=token)  # commit step was under way
    store.fail(review, "w", token=token, error=ErrorInfo(
        kind="unknown_outcome", type="UnknownOutcome", message="step 'submit' timed out",
        step="submit",
    ), artifact_dir=run_folder(tmp_path, review, []))  # fmt: skip
    yield url, store, refs + ids
    store.close()


def test_one_row_per_item_failures_first_links_resolve_personal_data_masked(
    ledger, tmp_path: Path
) -> None:
    _, store, facts = ledger
    done, failed, review, pending = facts[:4]
    out = tmp_path / "report"
    paths = write_batch_report(store.items(), out)
    assert sorted(paths) == ["csv", "html", "xlsx"]
    page = paths["html"].read_text(encoding="utf-8")
    parser = Rows()
    parser.feed(page)
    rows = parser.rows
    assert [r["class"] for r in rows] == ["failed", "needs_review", "done", "pending"]
    assert [r["cells"][0] for r in rows] == [failed, review, done, pending]
    by_ref = {r["cells"][0]: r for r in rows}
    names = [label for _, label in COLUMNS]
    cells = dict(zip(names, by_ref[done]["cells"], strict=False))
    assert cells["状态"] == "完成"
    assert cells["受理单号"] == "SO-1"
    assert cells["宽带接入号"] == "037112345678"
    assert cells["专款流水号"] == "ZK-9"
    assert cells["实收费用"] == "安装调测费 58, 自由话费 100"
    assert cells["后续事项"] == "evdo: 人工开通EVDO; modem: 上门取猫"
    assert cells["客户告知"] == "宽带次月停机"
    assert cells["备注"] == "客户要求周末上门装机"
    assert cells["客户"] == f"{EVIL} {facts[4][:3]}{'*' * 13}{facts[4][-2:]}"
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;王敏" in page
    failed_cells = dict(zip(names, by_ref[failed]["cells"], strict=False))
    assert failed_cells["备注"] == "证件 ****** 已核"
    assert failed_cells["失败原因"] == (
        "BusinessException at step check: the portal refused: 证件号码 ****** 已欠费"
    )
    for id_number in facts[4:]:
        assert id_number not in page
    # links: run report and last screenshot, relative to the report, pointing at real files
    assert by_ref[done]["links"] == [
        "../runs/" + done + "/attempt-1/report.html",
        "../runs/" + done + "/attempt-1/screens/002-pay.png",
    ]
    assert by_ref[done]["images"] == ["../runs/" + done + "/attempt-1/screens/002-pay.png"]
    assert by_ref[review]["links"] == ["../runs/" + review + "/attempt-1/report.html"]
    assert by_ref[review]["images"] == [] and by_ref[pending]["links"] == []
    for row in rows:
        for link in row["links"] + row["images"]:
            assert (out / link).is_file(), link


def test_csv_and_xlsx_hold_the_same_rows_as_the_page(ledger, tmp_path: Path) -> None:
    _, store, facts = ledger
    paths = write_batch_report(store.items(), tmp_path / "report")
    parser = Rows()
    parser.feed(paths["html"].read_text(encoding="utf-8"))
    columns = len(COLUMNS)
    page_rows = [row["cells"][:columns] for row in parser.rows]
    with paths["csv"].open(encoding="utf-8-sig", newline="") as handle:
        csv_rows = list(csv.reader(handle))
    sheet = load_workbook(paths["xlsx"]).active
    assert sheet is not None and sheet.title == "批次报告"
    xlsx_rows = [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ]
    headers = [label for _, label in COLUMNS]
    assert csv_rows[0] == xlsx_rows[0] == headers
    assert csv_rows[1:] == xlsx_rows[1:] == page_rows
    assert len(page_rows) == 4
    for id_number in facts[4:]:
        assert id_number not in paths["csv"].read_text(encoding="utf-8-sig")
        assert all(id_number not in cell for row in xlsx_rows for cell in row)


def test_bots_report_writes_the_three_files(ledger, tmp_path: Path) -> None:
    url, _, _ = ledger
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", "--out", str(out), "--db", url])
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"html: {out / 'batch_report.html'}\n"
        f"csv: {out / 'batch_report.csv'}\n"
        f"xlsx: {out / 'batch_report.xlsx'}\n"
    )
    assert all((out / name).is_file() for name in (
        "batch_report.html", "batch_report.csv", "batch_report.xlsx"
    ))  # fmt: skip


FORMULAS = ["=1+2", "+SUM(A1:A9)", "-2+3", "@SUM(A1)", "\t=1+2", "\r=1+2"]


def test_cells_that_start_like_a_formula_are_written_as_text(tmp_path: Path) -> None:
    """OWASP's CSV-injection rule on both spreadsheets: a customer name (or any cell) that
    starts with =, +, -, @, tab or CR is text — an apostrophe first in the CSV, a text cell
    with Excel's quote prefix in the XLSX — and a formula sign inside a cell is left alone."""
    store = open_store(f"sqlite:///{tmp_path / 'ledger.db'}")
    orders = generate_orders(len(FORMULAS) + 1)
    items = []
    for order, name in zip(orders, [*FORMULAS, "王=敏"], strict=True):
        item = work_item(order)
        payload = {**item.payload, "customer": {**item.payload["customer"], "name": name}}
        items.append(type(item)(**{**item.__dict__, "payload": payload}))
    store.enqueue(items)
    # the customer cell as the page shows it: the name, then the masked ID number
    shown = {item.reference: row_for(item, tmp_path).values["customer"] for item in store.items()}
    paths = write_batch_report(store.items(), tmp_path / "report")
    store.close()
    column = [key for key, _ in COLUMNS].index("customer")
    with paths["csv"].open(encoding="utf-8-sig", newline="") as handle:
        csv_cells = {row[0]: row[column] for row in list(csv.reader(handle))[1:]}
    sheet = load_workbook(paths["xlsx"]).active
    assert sheet is not None
    xlsx_cells = {row[0].value: row[column] for row in sheet.iter_rows(min_row=2)}
    for ref, text in shown.items():
        formula_like = text[0] in "=+-@\t\r"
        assert csv_cells[ref] == ("'" + text if formula_like else text), ref
        cell = xlsx_cells[ref]
        # (XML reads a CR back as a line feed: the cell is still text, never a formula)
        assert (cell.value, cell.data_type) == (text.replace("\r", "\n"), "s"), ref
        assert cell.quotePrefix is formula_like, ref
    assert sum(text[0] in "=+-@\t\r" for text in shown.values()) == len(FORMULAS)
    with zipfile.ZipFile(paths["xlsx"]) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
