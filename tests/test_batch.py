"""The batch report: failures first, links that resolve, thumbnails inside the page,
personal data masked, names escaped, rows refused at enqueue included; the CSV and the XLSX
hold the same rows as the page; the workbook's cells are typed; a page that reads at
1,366 px; and, after a real batch against the mock portal, totals equal the portal's."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser
from rich.console import Console
from typer.testing import CliRunner

from bots.batch import build_batch_report, columns, reject_row, row_for, write_batch_report
from bots.cli import app
from bots.demo import demo_staff
from bots.errors import BadInput
from bots.intake import enqueue_files, work_item
from bots.ledger import Backoff, ErrorInfo, open_store
from bots.messages import language_of
from bots.orders.model import load_order
from bots.orders.samples import generate_orders
from bots.worker.credentials import Credential
from bots.worker.loop import WorkerConfig
from bots.worker.pool import run_workers
from tests.e2e import orders
from tests.fixtures.portal import PortalClient

EVIL = "<img src=x onerror=alert(1)>王敏"
JPEG = b"\xff\xd8\xff\xe0picture"


class Page(HTMLParser):
    """The rows of the page's two tables (orders, refused rows): class, cell texts, links
    and image sources."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr" and "class" in found:
            self.rows.append({"class": found["class"], "reference": found.get("data-reference"),
                              "cells": [], "links": [], "images": []})  # fmt: skip
        elif tag == "td" and self.rows:
            self.cell = []
        elif tag == "a" and self.rows:
            self.rows[-1]["links"].append(found["href"])
        elif tag == "img" and self.rows and found.get("class") == "thumb":
            self.rows[-1]["images"].append(found["src"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None:
            self.rows[-1]["cells"].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def picture(name: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(JPEG + name).decode()


def parse(path: Path) -> list[dict[str, Any]]:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page.rows


def run_folder(root: Path, ref: str, shots: list[str], failed: str | None = None) -> str:
    folder = root / "runs" / ref / "attempt-1"
    (folder / "screens").mkdir(parents=True)
    steps: list[dict[str, Any]] = [
        {"id": "open", "name": "打开营账系统", "status": "passed", "screenshot": None}
    ]
    for name in shots:
        (folder / "screens" / name).write_bytes(JPEG + name.encode())
        status = "failed" if name == failed else "passed"
        steps.append({"id": "check", "name": "核对费用", "status": status,
                      "screenshot": f"screens/{name}"})  # fmt: skip
    (folder / "run.json").write_text(json.dumps({"steps": steps}), encoding="utf-8")
    (folder / "report.html").write_text("<html></html>", encoding="utf-8")
    return str(folder)


@dataclass
class Refused:
    """A row refused at enqueue, shaped as ``Store.rejects`` gives it."""

    file: str
    row: int | None
    reference: str | None
    field: str | None
    reason: str
    batch: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


REFUSED = Refused("orders.csv", 7, "E9-20261127-0006", "赠机串号(IMEI)", "串号无效",
                  data={"业务参考号": "E9-20261127-0006", "办理类型(新装/续费)": "新装",
                        "客户姓名": "刘洋", "证件号码": "410*************15",
                        "赠机串号(IMEI)": "861234567890126"})  # fmt: skip


@pytest.fixture
def ledger(tmp_path: Path) -> Any:
    """Four orders: done, a failure quoting the ID number, one needing review, one pending."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    store = open_store(url)
    found = generate_orders(4)
    items = [work_item(order) for order in found]
    payload = dict(items[0].payload)
    payload["customer"] = {**payload["customer"], "name": EVIL}
    payload["note"] = "客户要求周末上门装机"  # the order's remark (备注)
    items[0] = type(items[0])(**{**items[0].__dict__, "payload": payload})
    # a remark quoting the customer's ID number: shown masked like every other cell
    quoting = {**items[1].payload, "note": f"证件 {found[1].customer.id_number} 已核"}
    items[1] = type(items[1])(**{**items[1].__dict__, "payload": quoting})
    store.enqueue(items)
    refs = [order.reference for order in found]
    ids = [order.customer.id_number for order in found]
    done, failed, review, _pending = refs
    token = store.claim("w").lease_token  # type: ignore[union-attr]  # done
    store.complete(done, "w", token=token, outputs={
        "order_no": "SO-1", "access_number": "037112345678", "serial_no": "ZK-9",
        "plan": "e9-G", "fees_collected": "158.00",
        "follow_ups": ["evdo: 人工开通EVDO", "modem: 上门取猫"], "notice": "宽带次月停机",
    }, artifact_dir=run_folder(tmp_path, done, ["001-open.jpg", "002-pay.jpg"]))  # fmt: skip
    token = store.claim("w").lease_token  # type: ignore[union-attr]  # failed, quoting the ID
    store.fail(failed, "w", token=token, error=ErrorInfo(
        kind="business_exception", type="BusinessException",
        message=f"证件号码 {ids[1]} 已欠费", step="check",
    ), artifact_dir=run_folder(tmp_path, failed, ["003-check.jpg", "004-after.jpg"],
                               failed="003-check.jpg"))  # fmt: skip
    token = store.claim("w").lease_token  # type: ignore[union-attr]  # needs review: a
    store.commit_started(review, "w", "submit", token=token)  # commit step was under way
    store.fail(review, "w", token=token, error=ErrorInfo(
        kind="unknown_outcome", type="UnknownOutcome", message="提交超时,结果未知",
        step="submit",
    ), artifact_dir=run_folder(tmp_path, review, []))  # fmt: skip
    yield url, store, refs + ids
    store.close()


def test_failures_first_links_resolve_thumbnails_inside_personal_data_masked(
    ledger: Any, tmp_path: Path
) -> None:
    _, store, facts = ledger
    done, failed, review, pending = facts[:4]
    out = tmp_path / "report"
    paths = write_batch_report(store.items(), out, rejects=[REFUSED])
    assert sorted(paths) == ["csv", "html", "xlsx"]
    page = paths["html"].read_text(encoding="utf-8")
    rows = parse(paths["html"])
    assert [r["class"] for r in rows] == ["failed", "needs_review", "pending", "done", "rejected"]
    assert [r["reference"] for r in rows[:4]] == [failed, review, pending, done]
    by_ref = {r["reference"]: r for r in rows[:4]}
    cells = by_ref[done]["cells"]
    assert cells[1] == "新装e9-G"
    assert cells[2] == f"{EVIL} {facts[4][:3]}{'*' * 13}{facts[4][-2:]}"
    assert cells[3].startswith("已完成")
    assert cells[4] == "SO-1037112345678ZK-9"
    assert cells[5] == "158.00600.00"
    assert cells[6] == (
        "后续事项:evdo: 人工开通EVDO; modem: 上门取猫备注:客户要求周末上门装机客户告知宽带次月停机"
    )
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;王敏" in page
    assert by_ref[failed]["cells"][6] == (
        "证件号码 ****** 已欠费出错位置:核对费用备注:证件 ****** 已核"
    )
    assert by_ref[review]["cells"][3].startswith("待人工核查")
    for id_number in facts[4:]:
        assert id_number not in page
    # the run report's link resolves; the thumbnail is the picture itself, inside the page
    # (the failure's for a failed run, else the last one)
    assert by_ref[done]["links"] == ["../runs/" + done + "/attempt-1/report.html"]
    assert (out / by_ref[done]["links"][0]).is_file()
    assert by_ref[done]["images"] == [picture(b"002-pay.jpg")]
    assert by_ref[failed]["images"] == [picture(b"003-check.jpg")]
    assert by_ref[review]["images"] == [] and by_ref[pending]["links"] == []
    assert "../runs" not in page.replace('href="../runs/', "")  # nothing else outside the page
    # the row refused at enqueue, with where it is and why
    assert rows[4]["cells"] == [
        "orders.csv第7行", "E9-20261127-0006", "刘洋",
        "赠机串号(IMEI):串号无效这一行的内容业务参考号: E9-20261127-0006; "
        "办理类型(新装/续费): 新装; 客户姓名: 刘洋; 证件号码: 410*************15; "
        "赠机串号(IMEI): 861234567890126",
    ]  # fmt: skip
    assert "共4单 · 入队时被拒1行" in page


def test_the_summary_counts_by_procedure_and_state_with_money_and_time(
    ledger: Any, tmp_path: Path
) -> None:
    _, store, _ = ledger
    page = write_batch_report(store.items(), tmp_path / "r", rejects=[REFUSED])["html"]
    text = page.read_text(encoding="utf-8")
    assert '<b id="fees-total">158.00</b>' in text
    assert '<b id="deposit-total">600.00</b>' in text
    cards = [
        ("4", "订单"), ("1", "已完成"), ("1", "失败"), ("1", "待人工核查"), ("1", "待处理"),
        ("1", "入队被拒"),
    ]  # fmt: skip
    for number, name in cards:
        assert f"<b>{number}</b><span>{name}</span>" in text
    # the chart: a bar per procedure, a segment per state, its words escaped
    assert text.count("<svg") == 1 and "<title>新装 · 已完成 1</title>" in text
    # a refused row is counted under the procedure its cell names
    assert "<title>新装 · 入队被拒 1</title>" in text


def test_csv_and_xlsx_hold_the_same_rows_as_the_page(ledger: Any, tmp_path: Path) -> None:
    _, store, facts = ledger
    paths = write_batch_report(store.items(), tmp_path / "report", rejects=[REFUSED])
    page_rows = [(r["reference"], r["class"]) for r in parse(paths["html"])[:4]]
    with paths["csv"].open(encoding="utf-8-sig", newline="") as handle:
        csv_rows = list(csv.reader(handle))
    sheet = load_workbook(paths["xlsx"]).active
    assert sheet is not None and sheet.title == "批次报告"
    xlsx_rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    headers = [column.header for column in columns()]
    assert csv_rows[0] == xlsx_rows[0] == headers
    states = {"failed": "失败", "needs_review": "待人工核查", "pending": "待处理", "done": "已完成"}
    assert [(row[0], row[3]) for row in csv_rows[1:5]] == [
        (ref, states[state]) for ref, state in page_rows
    ]
    assert [(row[0], row[3]) for row in xlsx_rows[1:5]] == [(r[0], r[3]) for r in csv_rows[1:5]]
    assert csv_rows[5][:4] == ["E9-20261127-0006", "新装", "刘洋", "入队被拒"]
    assert xlsx_rows[5][:4] == ["E9-20261127-0006", "新装", "刘洋", "入队被拒"]
    assert csv_rows[5][13:15] == ["赠机串号(IMEI):串号无效", "orders.csv第7行"]
    done = csv_rows[4]
    assert done[8:10] == ["158.00", "600.00"]
    for id_number in facts[4:]:
        assert id_number not in paths["csv"].read_text(encoding="utf-8-sig")
        assert all(id_number not in str(cell) for row in xlsx_rows for cell in row)


def test_the_workbook_has_typed_cells_a_styled_frozen_header_a_filter_totals_and_links(
    ledger: Any, tmp_path: Path
) -> None:
    _, store, facts = ledger
    out = tmp_path / "report"
    path = write_batch_report(store.items(), out, rejects=[REFUSED])["xlsx"]
    sheet = load_workbook(path).active
    assert sheet is not None
    keys = [column.key for column in columns()]
    header = {key: sheet.cell(row=1, column=n + 1) for n, key in enumerate(keys)}
    assert header["reference"].font.b and header["reference"].fill.fgColor.rgb == "001F4E79"
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == "A1:R6"  # header, 4 orders, 1 refused row
    rows = {sheet.cell(row=n, column=1).value: n for n in range(2, 7)}
    done = {key: sheet.cell(row=rows[facts[0]], column=n + 1) for n, key in enumerate(keys)}
    assert (done["fees_collected"].value, done["fees_collected"].data_type) == (158, "n")
    assert done["fees_collected"].number_format == "#,##0.00"
    assert (done["deposited"].value, done["deposited"].data_type) == (600, "n")
    assert (done["attempts"].value, done["attempts"].data_type) == (1, "n")
    assert isinstance(done["finished"].value, datetime) and done["finished"].is_date
    # (it read 完成时间 above the time a failed or cancelled order was last handled)
    assert header["finished"].value == "最后处理时间"
    assert done["order_no"].data_type == "s"
    pending = sheet.cell(row=rows[facts[3]], column=keys.index("fees_collected") + 1)
    assert pending.value is None  # nothing collected: an empty cell, not a zero or a text
    # the totals row sums what the filter shows; its range holds the orders' numbers
    totals = [sheet.cell(row=7, column=n + 1).value for n in range(len(keys))]
    assert totals[0] == "合计"
    assert totals[keys.index("fees_collected")] == "=SUBTOTAL(109,I2:I6)"
    assert totals[keys.index("deposited")] == "=SUBTOTAL(109,J2:J6)"
    summed = [sheet.cell(row=n, column=9).value for n in range(2, 7)]
    assert sum(v for v in summed if isinstance(v, int | float)) == 158
    # widths fit the content; each order with a run report links to it
    assert sheet.column_dimensions["L"].width >= 12  # 客户告知
    link = done["reference"].hyperlink
    assert link is not None and (out / link.target).is_file()
    assert sheet.cell(row=rows[facts[3]], column=1).hyperlink is None  # pending: no run yet


def test_an_order_an_operator_marked_reviewed_says_who_in_every_format(
    ledger: Any, tmp_path: Path
) -> None:
    # the console's 标记已核查 showed on the order's page only: a batch report forwarded
    # to a team lead listed the failure as if nobody had looked at it
    _, store, facts = ledger
    store.review(facts[2], actor="console:王敏", note="已电话确认")
    files = write_batch_report(store.items(), tmp_path / "report")
    sheet = load_workbook(files["xlsx"]).active
    assert sheet is not None
    keys = [column.key for column in columns()]
    column = keys.index("reviewed") + 1
    assert sheet.cell(row=1, column=column).value == "核查人"
    cells = {sheet.cell(row=n, column=1).value: sheet.cell(row=n, column=column).value
             for n in range(2, 6)}  # fmt: skip
    assert cells == {facts[0]: None, facts[1]: None, facts[2]: "王敏(控制台)", facts[3]: None}
    with open(files["csv"], encoding="utf-8-sig", newline="") as f:
        rows = {row["业务参考号"]: row["核查人"] for row in csv.DictReader(f)}
    assert rows[facts[2]] == "王敏(控制台)" and rows[facts[1]] == ""
    html = files["html"].read_text(encoding="utf-8")
    rows_html = re.findall(r'<tr class="[^"]*" data-reference="([^"]+)">(.*?)</tr>', html, re.S)
    reviewed = {ref: re.findall(r'<span class="small reviewed">([^<]*)</span>', row)
                for ref, row in rows_html}  # fmt: skip
    assert reviewed == {facts[0]: [], facts[1]: [], facts[2]: ["已核查:王敏(控制台)"],
                        facts[3]: []}  # fmt: skip


FORMULAS = ["=1+2", "+SUM(A1:A9)", "-2+3", "@SUM(A1)", "\t=1+2", "\r=1+2"]


def test_cells_that_start_like_a_formula_are_written_as_text(tmp_path: Path) -> None:
    """OWASP's CSV-injection rule on both spreadsheets: a customer name (or any cell) that
    starts with =, +, -, @, tab or CR is text — an apostrophe first in the CSV, a text cell
    with Excel's quote prefix in the XLSX — and a formula sign inside a cell is left alone.
    The only formulas in the workbook are its totals row's."""
    store = open_store(f"sqlite:///{tmp_path / 'ledger.db'}")
    found = generate_orders(len(FORMULAS) + 1)
    items = []
    for order, name in zip(found, [*FORMULAS, "王=敏"], strict=True):
        item = work_item(order)
        payload = {**item.payload, "customer": {**item.payload["customer"], "name": name}}
        items.append(type(item)(**{**item.__dict__, "payload": payload}))
    store.enqueue(items)
    shown = {item.reference: row_for(item, tmp_path).values["customer"] for item in store.items()}
    paths = write_batch_report(store.items(), tmp_path / "report")
    store.close()
    column = [c.key for c in columns()].index("customer")
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
    formulas = [(c.coordinate, c.value) for row in sheet.iter_rows() for c in row
                if c.data_type == "f"]  # fmt: skip
    assert formulas == [("I9", "=SUBTOTAL(109,I2:I8)"), ("J9", "=SUBTOTAL(109,J2:J8)")]
    with zipfile.ZipFile(paths["xlsx"]) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert sheet_xml.count("<f>") == 2


def test_a_killed_workers_order_names_its_commit_step_as_the_flow_does(tmp_path: Path) -> None:
    # a killed worker's run.json lists no steps: the ledger's name of the step speaks
    run = tmp_path / "runs" / "attempt-1"
    run.mkdir(parents=True)
    (run / "run.json").write_text(json.dumps({"status": "running", "steps": []}))
    clock = [datetime(2026, 12, 1, 9, 0)]
    store = open_store(f"sqlite:///{tmp_path / 'ledger.db'}", clock=lambda: clock[0])
    store.enqueue([work_item(generate_orders(1)[0])])
    item = store.claim("robot-1/0", lease_seconds=60)
    assert item is not None
    store.commit_started(item.reference, "robot-1/0", "deposit", token=item.lease_token,
                         artifact_dir=str(run), name="第二步:存入宽带专款600元")  # fmt: skip
    clock[0] = datetime(2026, 12, 1, 9, 5)
    [reaped] = store.reap()
    store.close()
    assert row_for(reaped, tmp_path).values["step"] == "第二步:存入宽带专款600元"


def test_bots_report_writes_the_three_files(ledger: Any, tmp_path: Path) -> None:
    url, _, _ = ledger
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["report", "--out", str(out), "--db", url])
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"网页(可打开、可转发):{out / 'batch_report.html'}\n"
        f"CSV 表格:{out / 'batch_report.csv'}\n"
        f"Excel 表格:{out / 'batch_report.xlsx'}\n"
    )
    assert all((out / name).is_file() for name in (
        "batch_report.html", "batch_report.csv", "batch_report.xlsx"
    ))  # fmt: skip


def test_bots_report_says_what_is_wrong_with_its_folder_or_batch(
    ledger: Any, tmp_path: Path
) -> None:
    url, store, _ = ledger
    taken = tmp_path / "a-file"
    taken.write_text("")
    result = CliRunner().invoke(app, ["report", "--out", str(taken), "--db", url])
    assert type(result.exception) is BadInput
    assert str(result.exception) == f"没法使用文件夹 {taken}(File exists):换一个 --out"
    named = sorted(b.batch for b in store.batches())
    result = CliRunner().invoke(
        app, ["report", "--out", str(tmp_path / "r"), "--db", url, "--batch", "nope"]
    )
    assert type(result.exception) is BadInput
    assert str(result.exception) == f"账本里没有批次nope:已有的批次:{'、'.join(named) or '无'}"


def test_english_when_asked(ledger: Any, tmp_path: Path) -> None:
    _, store, _ = ledger
    with language_of("en"):
        paths = write_batch_report(store.items(), tmp_path / "en")
    page = paths["html"].read_text(encoding="utf-8")
    assert "Batch report" in page and "批次报告" not in page
    assert load_workbook(paths["xlsx"]).active.cell(row=1, column=1).value == "reference"


@pytest.mark.browser
def test_the_page_reads_at_1366_px(ledger: Any, tmp_path: Path, browser: Browser) -> None:
    _, store, _ = ledger
    path = write_batch_report(store.items(), tmp_path / "report", rejects=[REFUSED])["html"]
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto(path.as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        # no column squeezed to a sliver: the notes column keeps room for a sentence
        widths = page.locator("table.orders thead th").evaluate_all(
            "cells => cells.map(c => c.getBoundingClientRect().width)"
        )
        assert min(widths) >= 90 and widths[6] >= 300, widths
        # the notice stays folded: an order's row is no taller than its thumbnail and a few lines
        heights = page.locator("table.orders tbody tr").evaluate_all(
            "rows => rows.map(r => r.getBoundingClientRect().height)"
        )
        assert max(heights) < 160, heights
    finally:
        page.close()


# -- after a real batch -------------------------------------------------------------------


@pytest.fixture
def chromium_tmp(monkeypatch: pytest.MonkeyPatch) -> Any:
    # Chromium's profile path must stay short (xdist's tmp paths are long)
    folder = Path(tempfile.mkdtemp(prefix="bb-", dir="/tmp"))
    monkeypatch.setenv("TMPDIR", str(folder))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.browser
def test_after_a_real_batch_the_totals_are_the_portal_s(
    portal: PortalClient, tmp_path: Path, chromium_tmp: Path
) -> None:
    """Both procedures, one renewal refused by the flow (not due), worked by two workers
    against the mock portal; the report's totals are what the portal collected and
    holds as deposits."""
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    raw = [orders.new_install(51), orders.new_install(52, pack=29), orders.renewal(53),
           orders.renewal(54, access_number=orders.NOT_DUE_USER)]  # fmt: skip
    with open_store(db) as store:
        store.enqueue([work_item(load_order(order, "test"), batch="b1") for order in raw])
    config = WorkerConfig(
        db_url=db, flows_dir=orders.FLOWS, portal_url=portal.url, runs_dir=tmp_path / "runs",
        screenshots="on_failure", lease_seconds=30, poll_seconds=0.1,
        backoff=Backoff(base=0.2, factor=1, cap=0.2),
    )  # fmt: skip
    staff = [Credential(s, p) for s, p in demo_staff(2)]
    run_workers(config, staff, 2, "t", console=Console(file=io.StringIO()))
    with open_store(db) as store:
        paths = build_batch_report(store, tmp_path / "report", batch="b1")
    state = portal.state()
    collected = sum(Decimal(str(f["final_amount"])) for f in state["fees"] if f["collected"])
    deposited = sum(Decimal(str(f["amount"])) for f in state["special_funds"])
    assert (collected, deposited) == (158 + 158 + 100, 3 * 600)  # the source's amounts
    page = paths["html"].read_text(encoding="utf-8")
    assert f'<b id="fees-total">{collected:.2f}</b>' in page
    assert f'<b id="deposit-total">{deposited:.2f}</b>' in page
    assert "<b>3</b><span>已完成</span>" in page and "<b>1</b><span>失败</span>" in page
    sheet = load_workbook(paths["xlsx"]).active
    assert sheet is not None and sheet.cell(row=6, column=9).value == "=SUBTOTAL(109,I2:I5)"
    column = [sheet.cell(row=n, column=9).value for n in range(2, 6)]
    deposits = [sheet.cell(row=n, column=10).value for n in range(2, 6)]
    assert sum(v or 0 for v in column) == collected and sum(v or 0 for v in deposits) == deposited
    rows = parse(paths["html"])
    assert rows[0]["class"] == "failed"
    assert "不是当期到期续费用户" in rows[0]["cells"][6]
    assert rows[0]["images"][0].startswith("data:image/jpeg;base64,")  # its failure, inside


def test_the_batch_report_lists_the_rows_its_ledger_refused(tmp_path: Path) -> None:
    """A row refused at enqueue is kept by the ledger and shown in its batch's report, with
    its reason, masked data and row number; another batch's refusals are not."""
    sample = Path(__import__("bots").__file__).parent / "shipped" / "examples" / "orders.csv"
    with open_store(f"sqlite:///{tmp_path / 'ledger.db'}") as store:
        enqueue_files(store, [sample], skip_invalid=True, batch="b1")
        enqueue_files(store, [sample], skip_invalid=True, skip_existing=True, batch="b2")
        (refused,) = store.rejects("b1")
        paths = build_batch_report(store, tmp_path / "report", batch="b1")
    assert (refused.row, refused.reference) == (7, "E9-20261127-0006")
    page = paths["html"].read_text(encoding="utf-8")
    assert page.count("E9-20261127-0006") >= 1 and refused.reason in page
    assert "410103198809173713" not in page and "13607711223" not in page
    assert page.count(refused.reason) == 1  # b2's refusal of the same row is not b1's


def test_a_refused_yaml_order_names_its_fields_as_the_order_sheet_does() -> None:
    # a YAML or JSON order's fields are dotted paths in English; the report names them as
    # the sheet's headers do (values as the file gave them), and its procedure and customer
    # as for any other row
    refused = Refused(
        "E9-20261127-0006.yaml", 1, "E9-20261127-0006", "phone.imei", "串号无效",
        data={"reference": "E9-20261127-0006", "procedure": "new_install",
              "customer": {"name": "刘洋", "id_number": "410*************15"},
              "phone": {"imei": "861234567890126", "model": "中兴 BA610C"}, "x_extra": "1"},
    )  # fmt: skip
    row = reject_row(refused)
    assert [row.values[k] for k in ("reference", "procedure", "customer", "reason")] == [
        "E9-20261127-0006", "新装", "刘洋", "赠机串号(IMEI):串号无效",
    ]  # fmt: skip
    assert row.values["data"] == (
        "业务参考号: E9-20261127-0006; 办理类型(新装/续费): new_install; 客户姓名: 刘洋; "
        "证件号码: 410*************15; 赠机串号(IMEI): 861234567890126; 赠机型号: 中兴 BA610C; "
        "x_extra: 1"
    )


def test_a_refused_sheet_row_is_counted_under_its_procedure_in_the_readers_language() -> None:
    # a sheet's cell says 新装 as a clerk types it: the English report names and counts it
    # as the ledger's new installs, and a reason reads "field: why"
    refused = Refused(
        "orders.csv", 3, "E9-20261127-0007", "customer_name", "required",
        data={"业务参考号": "E9-20261127-0007", "办理类型(新装/续费)": "新装"},
    )  # fmt: skip
    with language_of("en"):
        row = reject_row(refused)
    assert (row.values["procedure"], row.procedure) == ("new install", "new_install")
    assert row.values["reason"] == "客户姓名: required"  # (the column as the sheet heads it)


def test_an_id_or_phone_typed_into_a_remark_is_shown_in_part(tmp_path: Path) -> None:
    # someone else's phone in 备注 (the customer's own values were masked already)
    store = open_store(f"sqlite:///{tmp_path / 'ledger.db'}")
    [order] = generate_orders(1)
    item = work_item(order)
    item = replace(item, payload={**item.payload, "note": "家人电话13812345678"})
    store.enqueue([item])
    paths = write_batch_report(store.items(), tmp_path / "report")
    for kind in ("html", "csv"):
        text = paths[kind].read_text(encoding="utf-8-sig")
        assert "13812345678" not in text and "家人电话138******78" in text, kind
    cli = CliRunner().invoke(app, ["show", item.reference, "--db", store.url])
    assert "13812345678" not in cli.output and "备注: 家人电话138******78" in cli.output
    store.close()
