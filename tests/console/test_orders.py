"""One order in the console: what it shows up front, and the operator's edit, replay,
cancel and review through the ledger's verbs, with who did it in the history (and in
``bots show``) — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from rich.console import Console

from bots.cli.cmd_queue import describe
from bots.ledger import ErrorInfo, State
from tests.fixtures.console import ConsoleKit, fail_next, run_folder, sample_items, text_of

REF = "E9-20261127-0001"
REFUSAL = "号码18937100501已被占用或不存在"


@pytest.fixture
def refused(console: ConsoleKit) -> ConsoleKit:
    """The sample orders; the first refused by the portal after one attempt with its run
    folder; an operator signed in."""
    console.store.enqueue(sample_items())
    assert fail_next(console.store, REFUSAL, folder=run_folder(console.root, REF, 1)) == REF
    console.sign_in("wang", "operator")
    return console


def _field(html: str, label: str) -> str:
    """The words of the edit form's field with this label (its box and its error)."""
    for block in re.findall(r'<div class="field[^"]*">(.*?)</div>', html, re.S):
        if f">{label}</label>" in block:
            return text_of(block) + (" [error]" if "field-error" in block else "")
    raise AssertionError(f"no field {label}")


def test_a_failed_order_shows_why_with_its_picture_and_every_attempt(refused: ConsoleKit) -> None:
    page = refused.client.get(f"/orders/{REF}").text
    text = text_of(page)
    assert f"{REF} 失败" in text
    assert f"失败原因 {REFUSAL} 失败的步骤:enter_order/submit" in text
    shot = f"/orders/{REF}/attempts/1/screens/003_enter_order__submit.jpg"
    assert f'id="failure-shot" src="{shot}"' in page
    assert refused.client.get(shot).headers["content-type"] == "image/jpeg"
    assert f'href="/orders/{REF}/attempts/1/report.html"' in page
    assert f'href="/orders/{REF}/attempts/1/trace.zip"' in page
    assert "打开新装页面 通过 1 120" in text and f"提交 失败 1 300 {REFUSAL}" in text
    assert "第1次 · robot-07/0" in text
    assert f"拒绝办理:{REFUSAL}" in text and "BusinessException" not in text  # history
    assert "证件号码 410*************15 联系电话 139******34" in text
    for button in ('id="edit"', 'id="replay"', 'id="cancel"', 'id="review"'):
        assert button in page


def test_an_attempt_whose_worker_was_killed_shows_the_steps_its_log_kept(
    console: ConsoleKit,
) -> None:
    console.store.enqueue(sample_items()[:1])
    folder = run_folder(console.root, REF, 1)
    (folder / "run.json").write_text(json.dumps({"status": "running", "steps": []}), "utf-8")
    line = {"event": "step", "id": "open", "name": "打开新装页面", "status": "passed",
            "attempts": 1, "ms": 120, "screenshot": "screens/001_open.jpg"}  # fmt: skip
    torn = json.dumps({**line, "id": "submit"})[:40]  # the kill came while it was written
    (folder / "log.jsonl").write_text(
        json.dumps({"event": "login"}) + "\n" + json.dumps(line, ensure_ascii=False) + "\n"
        + torn, "utf-8")  # fmt: skip
    assert fail_next(console.store, "工作进程中断", kind="unknown_outcome", folder=folder) == REF
    console.sign_in("wang", "operator")
    text = text_of(console.client.get(f"/orders/{REF}").text)
    assert ("这次运行中途停了(工作进程被终止),没有写完运行报告:下面是它停下前记下的步骤"
            in text)
    # the one whole step line, then the history: the torn line is left out
    assert "步骤 结果 次数 用时(毫秒) 错误 截图 打开新装页面 通过 1 120 看 历史 " in text


def test_a_remark_holding_an_id_number_or_phone_shows_them_masked(console: ConsoleKit) -> None:
    # a clerk typed the customer's ID number and another phone into 备注
    items = sample_items()[:1]
    customer = items[0].payload["customer"]
    note = f"客户身份证{customer['id_number']},家人电话13812345678"
    items[0] = replace(items[0], payload={**items[0].payload, "note": note})
    console.store.enqueue(items)
    console.sign_in("wang", "operator")
    page = console.client.get(f"/orders/{items[0].reference}").text
    assert "备注 客户身份证******,家人电话138******78" in text_of(page)
    assert customer["id_number"] not in page and "13812345678" not in page


def test_what_the_flow_brought_back_is_named_as_the_batch_report_names_it(
    console: ConsoleKit,
) -> None:
    console.store.enqueue(sample_items()[:1])
    item = console.store.claim("w1")
    assert item is not None
    outputs = {"order_no": "100231", "follow_ups": ["开通EVDO", "上门取猫"], "rows": 3}
    console.store.complete(item.reference, "w1", outputs, token=item.lease_token)
    console.sign_in("wang", "operator")
    text = text_of(console.client.get(f"/orders/{item.reference}").text)
    assert "办理结果 受理单号 100231 后续事项 开通EVDO; 上门取猫 rows 3" in text
    assert "order_no" not in text and "['" not in text
    assert "失败原因" not in text  # a done order has no failure box (it showed, empty)


def test_the_edit_form_of_an_order_whose_commit_may_have_gone_out_warns_first(
    refused: ConsoleKit,
) -> None:
    assert 'id="sent"' not in refused.client.get(f"/orders/{REF}/edit").text  # refused first
    store = refused.store
    item = store.claim("robot-07/0")
    assert item is not None
    store.commit_started(item.reference, "robot-07/0", "deposit", token=item.lease_token)
    died = ErrorInfo("unknown_outcome", "UnknownOutcome", "连接断开")
    store.fail_unknown(item.reference, "robot-07/0", died, token=item.lease_token)
    form = refused.client.get(f"/orders/{item.reference}/edit").text
    assert text_of(re.search(r'<p class="warning" id="sent"[^>]*>.*?</p>', form)[0]) == (
        "注意:提交步骤“deposit”已经(或可能已经)把原来的数据交给了营账系统;重放时先查询,"
        "已办理的部分会跳过,这次修改到不了那里:请先在营账系统里核实,需要时在那里改正"
    )


def _confirm(html: str, action: str) -> str | None:
    form = rf'action="/orders/[^"]+/{action}" class="inline"(?: data-confirm="([^"]*)")?'
    found = re.search(form, html, re.S)
    assert found is not None
    return found.group(1)


def test_cancel_asks_first_and_says_the_portal_keeps_what_a_commit_entered(
    refused: ConsoleKit,
) -> None:
    plain = "确定取消这个订单?取消后机器人不会再处理它。"
    assert _confirm(refused.client.get(f"/orders/{REF}").text, "cancel") == plain
    store = refused.store
    item = store.claim("robot-07/0")
    assert item is not None
    store.commit_started(item.reference, "robot-07/0", "enter_order", token=item.lease_token,
                         name="第一步:点击提交")  # fmt: skip
    store.commit_done(item.reference, "robot-07/0", "enter_order", token=item.lease_token)
    refusal = ErrorInfo("business_exception", "BusinessException", "号码已被占用")
    store.fail_business(item.reference, "robot-07/0", refusal, token=item.lease_token)
    page = refused.client.get(f"/orders/{item.reference}").text
    assert _confirm(page, "cancel") == (
        f"{plain}\n注意:提交步骤“第一步:点击提交”已经(或可能已经)把订单交给了营账系统;"
        "取消只让机器人不再处理它,营账系统里已办的不会撤销:请到营账系统里处理"
    )
    assert _confirm(page, "replay") is None  # a failed order is replayed at once
    # what is done in the portal, beside why it failed (so what is not: the 600 after a fee)
    assert text_of(re.search(r'<p id="sent-steps">.*?</p>', page)[0]) == (  # type: ignore[index]
        "已交给营账系统的提交步骤(或可能已交给):“第一步:点击提交”"
    )
    assert "<h2>失败原因</h2>" in page
    refused.client.post(f"/orders/{item.reference}/cancel",
                        data={"csrf": refused.page_csrf(f"/orders/{item.reference}")})  # fmt: skip
    # undoing a cancel asks first too (it went straight back to pending)
    page = refused.client.get(f"/orders/{item.reference}").text
    assert _confirm(page, "replay") == "这个订单已取消:确定重放?机器人会再处理它。"
    assert "<h2>取消前的失败原因</h2>" in page  # (it read 失败原因 whatever the state)


def test_an_edit_is_checked_by_the_order_model_and_errors_stand_by_their_field(
    refused: ConsoleKit,
) -> None:
    form = refused.client.get(f"/orders/{REF}/edit").text
    assert _field(form, "赠机串号(IMEI)") == "赠机串号(IMEI)"
    assert 'value="864712030005016"' in form
    assert 'placeholder="当前 410*************15,留空不改"' in form
    csrf = refused.csrf(form)
    bad = refused.client.post(f"/orders/{REF}/edit", data={
        "csrf": csrf, "phone.imei": "864712030005017", "broadband.bandwidth": "150M"})  # fmt: skip
    assert bad.status_code == 400
    assert _field(bad.text, "赠机串号(IMEI)") == (
        "赠机串号(IMEI) 串号无效(校验位对不上):请对照手机重新核对整个串号 [error]"
    )
    assert _field(bad.text, "带宽(新装)") == (
        "带宽(新装) 应为 20M 50M 100M 200M 300M 500M 1000M 之一,实际为“150M” [error]"
    )
    assert _field(bad.text, "客户姓名") == "客户姓名"
    assert 'value="864712030005017"' in bad.text  # what was typed stays in its box
    assert refused.store.get(REF).payload["phone"]["imei"] == "864712030005016"
    same = refused.client.post(f"/orders/{REF}/edit", data={"csrf": csrf, "customer.name": "张伟"})
    assert same.status_code == 400 and "没有改动任何字段" in text_of(same.text)
    # the same IMEI typed in full-width digits: the order model makes it the same value
    wide = refused.client.post(f"/orders/{REF}/edit", data={
        "csrf": csrf, "phone.imei": "８６４７１２０３０００５０１６"})  # fmt: skip
    assert wide.status_code == 400 and "没有改动任何字段" in text_of(wide.text)
    assert "phone.imei" not in text_of(wide.text)
    good = refused.client.post(f"/orders/{REF}/edit", data={
        "csrf": csrf, "mobile.number": "any", "customer.id_number": ""})  # fmt: skip
    assert (good.status_code, good.headers["location"]) == (303, f"/orders/{REF}?saved=1")
    # the page it leads to says so (an edit changes no state: nothing else on it would)
    saved = refused.client.get(good.headers["location"]).text
    [notice] = re.findall(r'<p class="notice" role="status" id="saved">(.*?)</p>', saved)
    assert notice == "修改已保存(见下方“历史”);点“重放”让机器人按新数据再办"
    assert 'id="saved"' not in refused.client.get(f"/orders/{REF}").text
    item = refused.store.get(REF)
    assert item.payload["mobile"]["number"] == "any"
    assert item.payload["customer"]["id_number"] == "410105198503121315"  # empty: kept
    last = refused.store.history(REF)[-1]
    assert (last.kind, last.actor, last.changes) == (
        "edit", "console:wang", {"mobile.number": {"before": "18937100501", "after": "any"}},
    )  # fmt: skip
    shown = Console(record=True, width=200, markup=False)
    for line in describe(refused.store, REF):
        shown.print(line)
    printed = shown.export_text()
    assert re.search(r"│ 修改 +│ [^│]+│ +│ wang\(控制台\) +│", printed), printed
    history = text_of(refused.client.get(f"/orders/{REF}").text)
    assert "修改 wang(控制台) 手机号码(号码或any): 18937100501 → any" in history


def test_replaying_a_business_refusal_asks_first_and_says_whether_the_data_changed(
    refused: ConsoleKit,
) -> None:
    csrf = refused.page_csrf(f"/orders/{REF}")
    asked = refused.client.post(f"/orders/{REF}/replay", data={"csrf": csrf})
    assert asked.status_code == 200
    text = text_of(asked.text)
    assert f"这个订单上次是因为业务原因被拒绝的: {REFUSAL}" in text
    assert "拒绝之后订单数据没有修改过:原样重放,很可能再次被拒绝。" in text
    assert refused.store.get(REF).state is State.FAILED
    refused.client.post(f"/orders/{REF}/edit", data={"csrf": csrf, "mobile.number": "any"})
    asked = text_of(refused.client.post(f"/orders/{REF}/replay", data={"csrf": csrf}).text)
    assert re.search(r"拒绝之后订单数据已被wang\(控制台\)在\S+ \S+修改过。", asked)
    done = refused.client.post(f"/orders/{REF}/replay", data={"csrf": csrf, "confirm": "yes"})
    assert done.headers["location"] == f"/orders/{REF}"
    item = refused.store.get(REF)
    assert (item.state, item.replay) == (State.PENDING, True)
    last = refused.store.history(REF)[-1]
    assert (last.kind, last.actor) == ("replay", "console:wang")
    again = refused.client.post(f"/orders/{REF}/replay", data={"csrf": csrf, "confirm": "yes"})
    assert again.status_code == 409
    assert (
        f"不能重放{REF}:它是待处理(这需要订单是失败、待人工核查或已取消)"
        in text_of(again.text)
    )


def test_an_unknown_outcome_is_replayed_without_asking(console: ConsoleKit) -> None:
    console.store.enqueue(sample_items()[:1])
    fail_next(console.store, "提交时浏览器中断", kind="unknown_outcome")
    console.sign_in("wang", "operator")
    answer = console.client.post(f"/orders/{REF}/replay", data={"csrf": console.page_csrf()})
    assert answer.status_code == 303 and console.store.get(REF).state is State.PENDING


def test_cancel_and_review_leave_who_did_it(refused: ConsoleKit) -> None:
    csrf = refused.page_csrf(f"/orders/{REF}")
    refused.client.post(f"/orders/{REF}/review", data={"csrf": csrf, "note": "已在营账系统核实"})
    item = refused.store.get(REF)
    assert (item.state, item.reviewed_by) == (State.FAILED, "console:wang")
    page = text_of(refused.client.get(f"/orders/{REF}").text)
    # the person, not the ledger's "console:" prefix
    assert "已核查:wang(控制台)" in page and "已核查 wang(控制台) 已在营账系统核实" in page
    assert "console:wang" not in page
    queue = text_of(refused.client.get("/queue").text)
    assert queue.index("E9-20261127-0002") < queue.index(REF)  # no longer heads the queue
    refused.client.post(f"/orders/{REF}/cancel", data={"csrf": csrf})
    assert refused.store.get(REF).state is State.CANCELLED
    last = refused.store.history(REF)[-1]
    assert (last.kind, last.actor, last.note) == ("cancel", "console:wang", "从失败取消")
    page = refused.client.get(f"/orders/{REF}").text
    assert 'id="cancel"' not in page and 'id="review"' not in page and 'id="replay"' in page
    assert refused.client.get("/orders/E9-NOPE").status_code == 404


def _form(html: str) -> dict[str, str]:
    """The hidden fields and boxes of the first form on the page, as the browser posts them."""
    return dict(re.findall(r'name="([^"]+)" value="([^"]*)"', html))


def test_a_save_from_an_edit_form_made_before_another_save_changes_nothing(
    refused: ConsoleKit,
) -> None:
    # wang and zhao open the same order; wang fixes the IMEI and saves; zhao, from the form
    # made before, changes the phone model: saved, it would put the refused IMEI back
    zhao = refused.sign_in("zhao", "operator", refused.new_client())
    form_wang = _form(refused.client.get(f"/orders/{REF}/edit").text)
    form_zhao = _form(zhao.get(f"/orders/{REF}/edit").text)
    saved = refused.client.post(
        f"/orders/{REF}/edit", data={**form_wang, "phone.imei": "864712030005065"}
    )
    assert saved.status_code == 303
    late = zhao.post(f"/orders/{REF}/edit", data={**form_zhao, "phone.model": "华为 畅享9"})
    assert late.status_code == 409
    changed = "订单在您打开修改页之后已有变化(现在是失败):下面是现在的数据,请看过后重新修改"
    assert changed in text_of(late.text)
    assert 'value="864712030005065"' in late.text  # the form shows the order as it is now
    phone = refused.store.get(REF).payload["phone"]
    assert (phone["imei"], phone["model"]) == ("864712030005065", "中兴 BA610C")
    again = zhao.post(f"/orders/{REF}/edit", data={**_form(late.text), "phone.model": "华为 畅享9"})
    assert again.status_code == 303
    assert refused.store.get(REF).payload["phone"]["model"] == "华为 畅享9"
    # a form opened before a worker took the order: its page as it is now, no form to save
    replayed = refused.client.post(
        f"/orders/{REF}/replay", data={"csrf": refused.page_csrf(f"/orders/{REF}")}
    )
    form = _form(refused.client.get(f"/orders/{REF}/edit").text)
    refused.client.post(f"/orders/{REF}/replay", data={**_form(replayed.text), "confirm": "yes"})
    assert refused.store.claim("robot-07/0") is not None
    taken = refused.client.post(f"/orders/{REF}/edit", data={**form, "phone.model": "小米"})
    assert taken.status_code == 409
    taken_text = text_of(taken.text)
    assert "订单在您打开页面之后已有变化(现在是处理中):请看过最新情况后再操作" in taken_text
    assert 'id="save"' not in taken.text


def test_a_button_pressed_on_a_page_the_order_changed_since_acts_on_nothing(
    refused: ConsoleKit,
) -> None:
    # zhao still looks at the refused order when wang sends it back to the queue; zhao's
    # 取消 would cancel an order that is waiting to be entered
    zhao = refused.sign_in("zhao", "operator", refused.new_client())
    page_zhao = zhao.get(f"/orders/{REF}").text
    cancel_zhao = re.search(
        r'action="/orders/[^"]+/cancel".*?name="csrf" value="([^"]+)"><input type="hidden" '
        r'name="seen" value="([^"]+)"', page_zhao, re.S)  # fmt: skip
    assert cancel_zhao is not None
    confirm = refused.client.post(
        f"/orders/{REF}/replay", data={"csrf": refused.page_csrf(f"/orders/{REF}")}
    )
    sent = refused.client.post(
        f"/orders/{REF}/replay", data={**_form(confirm.text), "confirm": "yes"}
    )
    assert sent.status_code == 303 and refused.store.get(REF).state is State.PENDING
    late = zhao.post(
        f"/orders/{REF}/cancel", data={"csrf": cancel_zhao[1], "seen": cancel_zhao[2]}
    )
    assert late.status_code == 409
    assert "订单在您打开页面之后已有变化(现在是待处理):请看过最新情况后再操作" in text_of(late.text)
    assert refused.store.get(REF).state is State.PENDING
    # the replay's confirmation posted again once the order was refused anew: not sent
    fail_next(refused.store, "客户已欠费,不能办理")
    again = refused.client.post(
        f"/orders/{REF}/replay", data={**_form(confirm.text), "confirm": "yes"}
    )
    assert again.status_code == 409 and refused.store.get(REF).state is State.FAILED
