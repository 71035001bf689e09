"""Batches in the console: an upload is checked with the readers of ``bots enqueue`` (each
rejected row with its data), its good rows enqueued; a corrected file with rows already
queued skips them; a batch's progress and its reports — on SQLite and PostgreSQL."""

from __future__ import annotations

import io

import openpyxl

from bots.ledger import State
from tests.fixtures.console import EXAMPLES, ConsoleKit, fail_next, text_of

XLSX = (EXAMPLES / "orders.xlsx").read_bytes()


def corrected_xlsx() -> bytes:
    """orders.xlsx with row 7's IMEI check digit put right (864712030005066 → …065)."""
    book = openpyxl.load_workbook(io.BytesIO(XLSX))
    sheet = book.active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    column = header.index("赠机串号(IMEI)") + 1
    assert sheet.cell(7, column).value == "864712030005066"
    sheet.cell(7, column).value = "864712030005065"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(console: ConsoleKit, name: str, data: bytes, batch: str = "五月续费") -> str:
    answer = console.client.post(
        "/batches/upload", data={"csrf": console.page_csrf(), "batch": batch},
        files={"file": (name, data)},
    )  # fmt: skip
    assert answer.status_code == 303, text_of(answer.text)
    location: str = answer.headers["location"]
    assert location.startswith("/uploads/")
    return location


def test_an_upload_shows_each_rejected_row_with_its_data_then_enqueues_the_good_ones(
    console: ConsoleKit,
) -> None:
    console.sign_in("li", "clerk")
    checked = _upload(console, "orders.xlsx", XLSX)
    page = console.client.get(checked)
    text = text_of(page.text)
    assert "检查结果:orders.xlsx" in text and "批次: 五月续费" in text
    assert "11 条合格,可以入队 0 条已在队列中,将跳过 1 处问题" in text
    assert (
        "7 赠机串号(IMEI) 串号无效(校验位对不上):请对照手机重新核对整个串号 "
        "业务参考号 E9-20261127-0006 办理类型(新装/续费) 新装 手机包(19/29) 19 客户姓名 杨磊 "
        "证件类型 居民身份证 证件号码 410*************13 联系电话 136******23"
    ) in text
    assert "赠机串号(IMEI) 864712030005066 赠机型号 华为 畅享8e" in text
    assert console.store.counts() == {state: 0 for state in State}  # a check writes nothing
    done = console.client.post(checked + "/enqueue", data={"csrf": console.page_csrf()})
    assert done.headers["location"] == (
        "/batches/%E4%BA%94%E6%9C%88%E7%BB%AD%E8%B4%B9?added=11&skipped=0"
    )
    assert "已入队11条订单,跳过0条已在队列中的订单" in text_of(
        console.client.get(done.headers["location"]).text
    )
    items = console.store.items(batch="五月续费")
    assert len(items) == 11 and "E9-20261127-0006" not in {i.reference for i in items}
    # an upload is enqueued once: pressed again (a double click) or opened again from the
    # browser's history, it leads to its batch
    batch = "/batches/%E4%BA%94%E6%9C%88%E7%BB%AD%E8%B4%B9"
    again = console.client.post(checked + "/enqueue", data={"csrf": console.page_csrf()})
    assert (again.status_code, again.headers["location"]) == (303, batch)
    assert len(console.store.items(batch="五月续费")) == 11
    assert console.client.get(checked).headers["location"] == batch
    other = console.sign_in("zhao", "clerk", console.new_client())
    assert other.get(checked).status_code == 404  # another clerk's upload is none of theirs
    # the refused row is kept, as bots enqueue --skip-invalid keeps it: the upload is gone
    (kept,) = console.store.rejects("五月续费")
    assert (kept.file, kept.row, kept.reference, kept.field, kept.reason) == (
        "orders.xlsx", 7, "E9-20261127-0006", "赠机串号(IMEI)",
        "串号无效(校验位对不上):请对照手机重新核对整个串号",
    )  # fmt: skip
    assert kept.data is not None and kept.data["customer"]["id_number"] == "******"
    # and the batch's page lists it beside the orders
    shown = text_of(console.client.get(batch).text)
    assert (
        "入队时被拒绝的行(1) 文件 行号 字段 原因 orders.xlsx 7 赠机串号(IMEI) "
        "串号无效(校验位对不上):请对照手机重新核对整个串号"
    ) in shown
    report = console.client.get("/batches/%E4%BA%94%E6%9C%88%E7%BB%AD%E8%B4%B9/report.html")
    assert "E9-20261127-0006" in text_of(report.text)


def test_a_corrected_file_skips_the_rows_already_queued(console: ConsoleKit) -> None:
    console.sign_in("li", "clerk")
    first = _upload(console, "orders.xlsx", XLSX)
    console.client.post(first + "/enqueue", data={"csrf": console.page_csrf()})
    again = _upload(console, "orders-fixed.xlsx", corrected_xlsx())
    text = text_of(console.client.get(again).text)
    assert "1 条合格,可以入队 11 条已在队列中,将跳过 0 处问题" in text
    assert "已在队列中(跳过) 行号 业务参考号 2 E9-20261127-0001 3 E9-20261127-0002" in text
    assert "把1条合格订单入队" in text
    done = console.client.post(again + "/enqueue", data={"csrf": console.page_csrf()})
    assert done.headers["location"].endswith("?added=1&skipped=11")
    fixed = console.store.get("E9-20261127-0006")
    assert (fixed.batch, fixed.payload["phone"]["imei"]) == ("五月续费", "864712030005065")
    assert console.store.counts(batch="五月续费")[State.PENDING] == 12
    # the other rows were left as they were: one history row each, their enqueue
    assert [e.kind for e in console.store.history("E9-20261127-0001")] == ["enqueue"]
    # the row refused at first is queued now: no longer listed as refused (it was, and the
    # batch report counted it twice)
    assert console.store.rejects("五月续费") == []
    shown = text_of(console.client.get("/batches/%E4%BA%94%E6%9C%88%E7%BB%AD%E8%B4%B9").text)
    assert "入队时被拒绝的行" not in shown


def test_rows_enqueued_meanwhile_refuse_the_enqueue_and_the_check_is_done_again(
    console: ConsoleKit,
) -> None:
    console.sign_in("li", "clerk")
    mine = _upload(console, "orders.xlsx", XLSX)
    other = console.sign_in("zhao", "clerk", client=console.new_client())
    theirs = other.post(
        "/batches/upload", data={"csrf": console.page_csrf(client=other), "batch": "x"},
        files={"file": ("orders.xlsx", XLSX)},
    ).headers["location"]  # fmt: skip
    assert console.client.get(theirs).status_code == 404  # another's upload is not ours
    other.post(theirs + "/enqueue", data={"csrf": console.page_csrf(client=other)})
    answer = console.client.post(mine + "/enqueue", data={"csrf": console.page_csrf()})
    assert answer.status_code == 409
    text = text_of(answer.text)
    assert (
        "检查之后,这些业务参考号已被入队:E9-20261127-0001、E9-20261127-0002、" in text
        and "E9-20261127-0012;这次什么都没有入队。下面是重新检查的结果。" in text
    )
    assert "0 条合格,可以入队 11 条已在队列中,将跳过" in text
    assert len(console.store.items()) == 11


def test_two_rows_of_one_reference_are_refused_and_the_rest_enqueued(console: ConsoleKit) -> None:
    """The ledger refuses a reference twice in one enqueue: the check refuses both rows, so
    the enqueue it offers goes in (it answered 409, blaming an enqueue meanwhile)."""
    book = openpyxl.load_workbook(io.BytesIO(corrected_xlsx()))
    sheet = book.active
    assert sheet is not None
    sheet.cell(10, 1).value = sheet.cell(9, 1).value
    out = io.BytesIO()
    book.save(out)
    console.sign_in("li", "clerk")
    checked = _upload(console, "dup.xlsx", out.getvalue())
    text = text_of(console.client.get(checked).text)
    assert "10 条合格,可以入队 0 条已在队列中,将跳过 2 处问题" in text
    assert "9 业务参考号 E9-20261127-0008同时出现在第9和10行;每单要有自己的业务参考号" in text
    done = console.client.post(checked + "/enqueue", data={"csrf": console.page_csrf()})
    assert done.status_code == 303 and done.headers["location"].endswith("?added=10&skipped=0")
    assert "E9-20261127-0008" not in {item.reference for item in console.store.items()}
    assert [(r.row, r.reference) for r in console.store.rejects("五月续费")] == [
        (9, "E9-20261127-0008"), (10, "E9-20261127-0008"),
    ]  # fmt: skip


def test_a_file_refused_whole_offers_nothing_to_enqueue(console: ConsoleKit) -> None:
    console.sign_in("li", "clerk")
    checked = _upload(console, "orders.csv", "业务参考号,颜色\nE9-1,红\n".encode())
    page = console.client.get(checked)
    text = text_of(page.text)
    assert "整个文件被拒绝,没有可入队的订单" in text
    assert "1 表头 不认识的列:“颜色”;缺少的列:办理类型(新装/续费)(procedure)、" in text
    assert 'id="enqueue"' not in page.text
    refused = console.client.post(checked + "/enqueue", data={"csrf": console.page_csrf()})
    assert refused.status_code == 409 and "这个文件不能入队:请先修正文件" in text_of(refused.text)
    wrong = console.client.post(
        "/batches/upload", data={"csrf": console.page_csrf()},
        files={"file": ("orders.xls", b"old excel")},
    )  # fmt: skip
    assert wrong.status_code == 400
    assert "不支持的文件类型.xls:请上传 .csv, .json, .xlsx, .yaml, .yml" in text_of(wrong.text)


def test_a_batch_shows_its_progress_and_gives_its_reports(console: ConsoleKit) -> None:
    console.sign_in("li", "clerk")
    checked = _upload(console, "orders.xlsx", XLSX, batch="b1")
    console.client.post(checked + "/enqueue", data={"csrf": console.page_csrf()})
    for _ in range(3):
        fail_next(console.store, "不符合办理条件")
    progress = console.client.get("/batches/b1/progress").json()
    assert (progress["total"], progress["finished"], progress["remaining"]) == (11, 3, 8)
    assert progress["counts"]["failed"] == 3 and progress["names"]["failed"] == "失败"
    # three in the batch's first minute: the pace of that minute (over the last ten
    # minutes, 0.3, it read 约27分钟 for what takes three)
    assert progress["per_minute"] == 3.0
    assert progress["eta"] == "约3分钟"
    page = text_of(console.client.get("/batches/b1").text)
    assert "3 / 11 单已处理 · 每分钟完成: 3.0 · 预计剩余时间: 约3分钟" in page
    assert "失败 3" in page and "待处理 8" in page
    console.client.post("/language", data={"lang": "en", "next": "/batches/b1",
                                           "csrf": console.page_csrf()})  # fmt: skip
    english = console.client.get("/batches/b1").text
    # a label and its value, a heading and its count, spaced as English writes them
    assert "<h1>Batch: b1</h1>" in english
    assert "orders a minute: <span" in english
    assert "3 / 11 orders processed · orders a minute: 3.0 · time left: about 3 min" in (
        text_of(english)
    )
    assert "Orders (11 in all, those needing a person first)" in text_of(english)
    console.client.post("/language", data={"lang": "zh", "next": "/batches/b1",
                                           "csrf": console.page_csrf()})  # fmt: skip
    html = console.client.get("/batches/b1/report.html")
    assert html.status_code == 200 and "E9-20261127-0001" in html.text
    assert "b1-batch_report.html" in html.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(console.client.get("/batches/b1/report.xlsx").content))
    sheet = book.active
    assert sheet is not None
    refs = {row[0] for row in sheet.iter_rows(values_only=True)} & {
        item.reference for item in console.store.items()
    }
    assert len(refs) == 11
    assert console.client.get("/batches/nope").status_code == 404


def test_a_row_shifted_by_a_cell_shows_its_id_number_and_phone_only_in_part(
    console: ConsoleKit,
) -> None:
    # one cell left out before 证件类型: the ID number stands under 证件类型 and the phone
    # under 证件号码's neighbour, where the field names say nothing personal
    lines = (EXAMPLES / "orders.csv").read_text(encoding="utf-8-sig").splitlines()
    header, first = lines[0].split(","), lines[1].split(",")
    at = header.index("证件类型")
    id_number, phone = first[header.index("证件号码")], first[header.index("联系电话")]
    shifted = ",".join([*first[:at], *first[at + 1 :], ""])
    console.sign_in("li", "clerk")
    page = console.client.get(_upload(console, "shifted.csv", f"{lines[0]}\n{shifted}\n".encode()))
    text = text_of(page.text)
    assert f"证件类型 {id_number[:3]}{'*' * 13}{id_number[-2:]}" in text
    assert id_number not in page.text and phone not in page.text
    # its several problems show its data once (it was repeated for each)
    problems = page.text.count('<tr class="reject">')
    assert problems > 1 and page.text.count('<dl class="rowdata">') == 1
    assert text.count("同上") == problems - 1
