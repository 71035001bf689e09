"""The console in a real browser, beside a running mock portal and real ``bots work``
processes: a clerk uploads the sample batch and fixes its refused row with a corrected
file; workers enter it; an operator opens the order the portal refused, sees its picture,
corrects it, replays it, and a worker finishes it — checked on the portal's own state
(``/qa/state``) and on the ledger."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from bots.demo import demo_staff, write_credentials
from bots.ledger import State, open_store
from bots.orders.samples import owner
from tests.fixtures.console import EXAMPLES, PASSWORD, ROOT, ConsoleServer
from tests.fixtures.portal import PortalClient

pytestmark = pytest.mark.browser
REFUSED_ROW = "E9-20261127-0006"  # its IMEI's check digit is wrong
NOT_DUE = "E9-20261127-0012"  # renews 037160010090, whose term does not end this period
DUE_USER = 6  # 037160010006: due this period, and no other sample order renews it


def sign_in(page: Page, url: str, name: str) -> None:
    page.goto(url + "login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    expect(page.locator(".who .me")).to_contain_text(name)


def corrected(folder: Path) -> Path:
    """The clerk's corrected file: the whole sheet again, row 7's IMEI put right."""
    book = openpyxl.load_workbook(EXAMPLES / "orders.xlsx")
    sheet = book.active
    assert sheet is not None
    column = [cell.value for cell in sheet[1]].index("赠机串号(IMEI)") + 1
    sheet.cell(7, column).value = "864712030005065"
    path = folder / "orders-更正.xlsx"
    book.save(path)
    return path


def work(server: ConsoleServer, portal: PortalClient, folder: Path, exit_code: int = 0) -> None:
    """``bots work`` until the queue is empty, as a process of its own (exit 11: orders it
    finished failed). Chromium's profile lives under a short TMPDIR (xdist's paths are long
    for its socket)."""
    credentials = folder / "credentials"
    if not credentials.exists():
        write_credentials(credentials, demo_staff(2))
    done = subprocess.run(
        [sys.executable, "-m", "bots", "work", "--db", server.db, "--portal", portal.url,
         "--flows", str(ROOT / "flows"), "--runs-dir", str(folder / "runs"), "--workers", "2",
         "--credentials", str(credentials), "--screenshots", "on_failure"],
        cwd=folder, env={**os.environ, "TMPDIR": tempfile.mkdtemp(prefix="cb-", dir="/tmp")},
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == exit_code, done.stderr[-3000:]


# two runs of `bots work` over the twelve sample orders: some two minutes on an idle 2-core
# machine, more beside other suites; the bound is the suite's default, tripled
@pytest.mark.timeout(900)
def test_the_sample_batch_from_upload_to_the_last_order(
    page: Page, portal: PortalClient, console_server: ConsoleServer, tmp_path: Path
) -> None:
    url = console_server.url
    console_server.add_user("李娜", "clerk")
    console_server.add_user("wang", "operator")

    # the clerk uploads the sample batch and sees the refused row with its data
    sign_in(page, url, "李娜")
    page.set_input_files("input[name=file]", EXAMPLES / "orders.xlsx")
    page.fill("input[name=batch]", "样例批次")
    page.click("text=上传并检查")
    expect(page.locator("#good-rows")).to_have_text("11")
    refused = page.locator("tr.reject")
    expect(refused).to_have_count(1)
    for shown in ("7", "赠机串号(IMEI)", "串号无效(校验位对不上):请对照手机重新核对整个串号",
                  REFUSED_ROW, "杨磊", "864712030005066", "410*************13"):  # fmt: skip
        expect(refused).to_contain_text(shown)
    page.click("#enqueue")
    expect(page.locator(".notice")).to_have_text("已入队11条订单,跳过0条已在队列中的订单")

    # ... and fixes it with the corrected file, uploaded into the same batch
    expect(page.locator("input[name=batch]")).to_have_value("样例批次")
    page.set_input_files("input[name=file]", corrected(tmp_path))
    page.click("text=上传并检查")
    expect(page.locator("#good-rows")).to_have_text("1")
    expect(page.locator("#skipped-rows")).to_have_text("11")
    expect(page.locator("table.skipped tbody tr")).to_have_count(11)
    page.click("#enqueue")
    expect(page.locator(".notice")).to_have_text("已入队1条订单,跳过11条已在队列中的订单")
    with open_store(console_server.db, mode="read") as store:
        assert store.counts(batch="样例批次")[State.PENDING] == 12

    # workers enter the batch: the portal refuses the renewal that is not due
    work(console_server, portal, tmp_path, exit_code=11)
    page.reload()
    expect(page.locator("#finished")).to_have_text("12")
    state = portal.state()
    remarks = [o["remark"] for o in state["orders"]]
    assert not any(NOT_DUE in remark for remark in remarks)
    assert sum(REFUSED_ROW in remark for remark in remarks) == 1
    with open_store(console_server.db, mode="read") as store:
        counts = store.counts(batch="样例批次")
        assert (counts[State.DONE], counts[State.FAILED]) == (11, 1)
        first_id = store.get(NOT_DUE).payload["customer"]["id_number"]

    # the operator opens the failed order and sees why, with its picture
    page.click("form[action='/logout'] button")
    sign_in(page, url, "wang")
    page.goto(url + "queue?state=failed")
    page.click(f"text={NOT_DUE}")
    expect(page.locator("#state")).to_have_text("失败")
    expect(page.locator("#reason")).to_contain_text("不是当期到期续费用户")
    shot = page.locator("#failure-shot")
    expect(shot).to_be_visible()
    assert shot.evaluate("img => img.naturalWidth") > 100  # a real picture, loaded
    report = page.request.get(url + f"orders/{NOT_DUE}/attempts/1/report.html")
    assert report.ok and first_id.encode() not in report.body()
    # its run report, sandboxed, shows the failing screen's picture (its own script, allowed
    # by its hash, puts it there; it showed none)
    shown = page.context.new_page()
    blocked: list[str] = []
    shown.on("console", lambda message: blocked.append(message.text))
    shown.goto(url + f"orders/{NOT_DUE}/attempts/1/report.html")
    failing = shown.locator("#failure figure.picture img")
    expect(failing).to_be_visible()
    assert failing.evaluate("img => img.naturalWidth") > 100
    assert blocked == []
    shown.close()

    # ... corrects it: the broadband due this period, with its owner as the customer
    name, id_number = owner(DUE_USER)
    page.click("#edit")
    page.fill("input[name='broadband.access_number']", f"0371600100{DUE_USER:02d}")
    page.fill("input[name='customer.name']", name)
    page.fill("input[name='customer.id_number']", id_number)
    page.click("#save")
    expect(page.locator(".fields")).to_contain_text(f"0371600100{DUE_USER:02d}")
    assert id_number not in page.content()

    # ... replays it: a business refusal asks first, and says the data was changed
    page.click("#replay")
    expect(page.locator("#data-state")).to_contain_text("拒绝之后订单数据已被wang(控制台)在")
    page.click("#confirm-replay")
    expect(page.locator("#state")).to_have_text("待处理")

    # a worker finishes it: entered once in the portal, done in the ledger
    work(console_server, portal, tmp_path)
    page.reload()
    expect(page.locator("#state")).to_have_text("已完成")
    state = portal.state()
    [placed] = [o for o in state["orders"] if NOT_DUE in o["remark"]]
    line = f"0371600100{DUE_USER:02d}"
    deposits = [f for f in state["special_funds"] if f["access_number"] == line]
    assert [f["amount"] for f in deposits] == [600]
    assert len(state["orders"]) == 12
    with open_store(console_server.db, mode="read") as store:
        item = store.get(NOT_DUE)
        assert item.state is State.DONE and item.outputs
        assert item.outputs["order_no"] == placed["order_no"]
        who = [(e.kind, e.actor) for e in store.history(NOT_DUE) if e.kind in ("edit", "replay")]
        assert who == [("edit", "console:wang"), ("replay", "console:wang")]
    history = page.locator("table.history")
    expect(history).to_contain_text("wang(控制台)")
