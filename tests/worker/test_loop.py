"""Worker threads in this process against the toy portal, real Chromium and a real ledger:
the portal's own records say what happened, never the bots' reports."""

from __future__ import annotations

import functools
import re
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bots.ledger import State
from bots.worker.credentials import Credential
from tests.fixtures.worker import flows_with

pytestmark = pytest.mark.browser


def test_n_workers_enter_every_item_exactly_once_each_with_its_own_login(worker_kit) -> None:
    refs = [f"R-{n}" for n in range(6)]
    # R-0's page takes longer than a lease: only the heartbeat keeps the others, which
    # reap expired leases whenever they look for work, from taking it over
    worker_kit.lease = 1.0
    worker_kit.portal.slow_page["R-0"] = 2.5
    worker_kit.enqueue(*refs)
    summary = worker_kit.work(workers=3)
    portal = worker_kit.portal
    assert sorted(portal.logins) == ["GH1001", "GH1002", "GH1003"]
    assert portal.submits == {ref: 1 for ref in refs}
    assert set().union(*portal.submitted_by.values()) <= {"GH1001", "GH1002", "GH1003"}
    store = worker_kit.store()
    items = {item.reference: item for item in store.items()}
    assert {r: (i.state, i.attempts) for r, i in items.items()} == {
        r: (State.DONE, 1) for r in refs
    }
    assert items["R-4"].outputs == {"order_no": "NO-R-4"}
    assert summary.stop_kind is None
    assert (summary.snapshot.done, summary.snapshot.failed, summary.snapshot.remaining) == (6, 0, 0)
    assert [e.outcome for e in store.history("R-0") if e.kind == "attempt"] == ["done"]
    assert portal.pages_asked.count("R-0") == 1
    store.close()


def test_business_error_fails_at_once_system_errors_retry_then_fail(worker_kit) -> None:
    portal = worker_kit.portal
    portal.refused.add("REFUSED")
    portal.busy.add("BUSY")
    worker_kit.enqueue("OK-1", "REFUSED", "OK-2")
    worker_kit.enqueue("BUSY", max_attempts=2)
    worker_kit.enqueue("NO-FLOW", flow="missing.yaml")
    summary = worker_kit.work(workers=2)
    store = worker_kit.store()
    refused, busy = store.get("REFUSED"), store.get("BUSY")
    assert (refused.state, refused.attempts, refused.error_kind) == (
        State.FAILED, 1, "business_exception",
    )  # fmt: skip
    # the step by its name in the flow, as the clerk reads it; its id stays for the runner
    assert refused.reason == (
        "客户已欠费,不能办理:请按营账系统的提示改正订单后重放(步骤 等订单页面出来)"
    )
    assert refused.error_step == "ready"
    # the ledger keeps the technical detail beside the reason, not in it
    assert refused.error_context is not None
    # (the toy's login and order pages name the same #error: the first marker in the file)
    assert refused.error_context["detail"] == "login.error: 客户已欠费,不能办理"
    assert (busy.state, busy.attempts, busy.error_kind) == (State.FAILED, 2, "system_exception")
    # (the ledger's own note on the last run attempt is not the engine's to word)
    assert busy.error_message == "营账系统繁忙:稍后重放(试了2次,放弃)"
    assert busy.error_context is not None and busy.error_context["detail"] == "order.busy shows"
    attempts = [e for e in store.history("BUSY") if e.kind == "attempt"]
    assert [e.outcome for e in attempts] == ["retry_wait", "failed"]
    # the first attempt waits for the queue's own retry, not for an operator's replay
    said = attempts[0].error_message or ""
    assert re.fullmatch(r"营账系统繁忙:队列会在\d\d:\d\d:\d\d自动再试", said), said
    assert store.get("OK-1").state is store.get("OK-2").state is State.DONE
    # a flow that cannot load fails its item at once; the worker carries on
    missing = store.get("NO-FLOW")
    assert (missing.state, missing.attempts, missing.error_kind) == (
        State.FAILED, 1, "definition_error",
    )  # fmt: skip
    assert portal.submits == {"OK-1": 1, "OK-2": 1}
    assert summary.stop_kind is None
    store.close()


def test_a_submit_the_portal_answered_busy_every_time_is_tried_again_after_a_look(
    worker_kit,
) -> None:
    # the portal's busy page answered each 提交 (it took none of them): no operator is needed,
    # the order waits for its next run, and that run looks in 业务查询 before it submits
    worker_kit.portal.busy_submits["B-1"] = 1
    worker_kit.enqueue("B-1", max_attempts=3)
    summary = worker_kit.work(workers=1)
    store = worker_kit.store()
    item = store.get("B-1")
    assert (item.state, item.attempts, item.outputs) == (
        State.DONE, 2, {"order_no": "NO-B-1"},
    )  # fmt: skip
    attempts = [e for e in store.history("B-1") if e.kind == "attempt"]
    assert [e.outcome for e in attempts] == ["retry_wait", "done"]
    assert attempts[0].note == "营账系统没有受理提交步骤“提交订单”的请求;下次运行先查询再办理"
    assert worker_kit.portal.looked_up == ["B-1"]  # the second run's guard, and only it
    assert worker_kit.portal.submits == {"B-1": 1}
    assert summary.stop_kind is None
    store.close()


def test_a_submit_taken_whose_next_page_was_busy_waits_for_an_operator(worker_kit) -> None:
    # the portal took the 提交 and redirected; only the page after it was busy. That busy
    # page is no answer to the 提交: the order is the operator's, not retried
    worker_kit.portal.busy_after_submit["B-2"] = 1
    worker_kit.enqueue("B-2", max_attempts=3)
    worker_kit.work(workers=1)
    store = worker_kit.store()
    item = store.get("B-2")
    assert (item.state, item.attempts) == (State.NEEDS_REVIEW, 1)
    attempts = [e for e in store.history("B-2") if e.kind == "attempt"]
    assert [(e.outcome, e.note) for e in attempts] == [
        ("needs_review", "提交步骤“提交订单”进行中出了系统错误;重放前先到营账系统里查看"),
    ]
    assert worker_kit.portal.submits == {"B-2": 1}
    store.close()


def test_a_portal_that_does_not_answer_the_login_stops_the_pool_as_portal_down(
    worker_kit, monkeypatch
) -> None:
    # not "登录营账系统被拒" (exit 5, reset a password?) nor the order's "稍后重放"
    monkeypatch.setattr("bots.actions.markers.DOWN_BUDGET_S", 1.0)
    worker_kit.enqueue("R-1")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        nobody = f"http://127.0.0.1:{closed.getsockname()[1]}/"
    summary = worker_kit.work(workers=1, portal_url=nobody)
    assert summary.stop_kind == "portal_down"
    assert summary.stop_reason == (
        "t/0:工号GH1001登录失败:营账系统1秒内一直连不上(连接被拒绝):"
        "检查营账系统网址和网络,营账系统恢复后重新运行"
    )
    store = worker_kit.store()
    assert (store.get("R-1").state, store.get("R-1").attempts) == (State.PENDING, 0)
    store.close()


def test_a_page_without_the_login_fields_sends_the_clerk_to_the_address_first(
    worker_kit, tmp_path
) -> None:
    # another web server's address given for the portal's: its page has no 工号 box
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>运维控制台</h1>", encoding="utf-8")
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(tmp_path / "site"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    worker_kit.enqueue("R-1")
    try:
        summary = worker_kit.work(
            workers=1, portal_url=f"http://127.0.0.1:{server.server_port}/"
        )
    finally:
        server.shutdown()
    assert summary.stop_kind == "login_page"
    assert summary.stop_reason is not None and summary.stop_reason.endswith(
        ":先核对营账系统网址(portal_url)是否是营账系统的登录页;网址没错再按运行报告修正选择器"
    )


def test_a_refused_login_stops_the_pool_and_touches_no_item(worker_kit) -> None:
    worker_kit.enqueue("R-1")
    summary = worker_kit.work(workers=1, creds=[Credential("GH1001", "wrong-pw")])
    assert summary.stop_kind == "login"
    assert summary.stop_reason is not None
    assert summary.stop_reason == (
        "t/0:工号GH1001登录失败:密码错误:请检查这个工号的密码(凭据文件,或 BOTS_STAFF_PASSWORD)"
    )
    store = worker_kit.store()
    assert store.get("R-1").state is State.PENDING
    assert store.get("R-1").attempts == 0
    store.close()


def test_a_failed_login_stops_the_pool_by_what_failed() -> None:
    from bots.actions.markers import UNAVAILABLE
    from bots.errors import BusinessException, DefinitionError, SelectorError, SystemException
    from bots.worker.loop import _login_stop

    away = SystemException("营账系统30秒内一直没有响应", code=UNAVAILABLE)
    assert _login_stop(away)[0] == "portal_down"
    assert _login_stop(SystemException("浏览器已退出", code="browser_closed")) == ("browser", None)
    assert _login_stop(SelectorError("找不到工号栏"))[0] == "login_page"
    # a broken login flow is the flow's to fix, with its own advice: not the address
    assert _login_stop(DefinitionError("login.yaml:12:除以零")) == ("login", None)
    assert _login_stop(BusinessException("密码错误")) == ("login", None)
    assert _login_stop(SystemException("繁忙", code="busy")) == ("login", None)


def test_a_submit_taken_then_followed_by_the_login_page_waits_for_an_operator(
    worker_kit, tmp_path
) -> None:
    # the portal took the 提交, ended the session and redirected: the login page on the
    # redirect's next hop is no answer to the 提交 (as the busy page there is not)
    worker_kit.portal.logout_after_submit.add("L-1")
    worker_kit.enqueue("L-1", max_attempts=3)
    worker_kit.work(workers=1, flows_dir=flows_with(tmp_path / "f", {}, login_means_lost=True))
    store = worker_kit.store()
    attempts = [(e.outcome, e.note) for e in store.history("L-1") if e.kind == "attempt"]
    assert attempts == [
        ("needs_review", "提交步骤“提交订单”进行中出了系统错误;重放前先到营账系统里查看"),
    ]
    assert worker_kit.portal.submits == {"L-1": 1}
    store.close()


WIZARD_MAIN = """name: toy order (a commit that runs a wizard, retried as a whole)
inputs:
  order: {type: object}
defaults:
  timeout: 5
steps:
  - id: submit
    commit: true
    guard:
      run: lookup.yaml
      with: {ref: "${{ order.reference }}"}
      skip_if: ${{ guard.outputs.found }}
    retry: {attempts: 2}
    run: {flow: wizard.yaml, with: {ref: "${{ order.reference }}"}}
"""
WIZARD = """name: the wizard, its 提交 marked
inputs:
  ref: {type: string}
defaults:
  timeout: 3
steps:
  - id: open
    goto: order.html?ref=${{ ref }}
  - id: ready
    wait_for: order.form
  - id: confirm
    if: ${{ false }}
    sends: true
    press: {key: Enter}
  - id: send
    {kind}
    retry: {attempts: 1}
    click: {target: order.submit, expect: order.done}
"""


OWN_COMMIT = """commit: true
    guard:
      run: lookup.yaml
      with: {ref: "${{ ref }}"}
      skip_if: ${{ guard.outputs.found }}"""


@pytest.mark.parametrize("kind", ["sends: true", OWN_COMMIT], ids=["marked", "its_own_commit"])
def test_a_retry_around_a_wizard_never_sends_a_submit_the_portal_may_have_taken(
    worker_kit, tmp_path, kind: str
) -> None:
    # the 提交 was taken (a 303), only the page after it was busy; the commit step's retry
    # runs the wizard again, up to the 提交, which it must not send a second time — marked
    # as the wizard's send, or a commit step of the wizard's own beside a marked one
    files = {"wizard_main.yaml": WIZARD_MAIN, "wizard.yaml": WIZARD.replace("{kind}", kind)}
    worker_kit.portal.busy_after_submit["W-1"] = 1
    worker_kit.enqueue("W-1", max_attempts=3, flow="wizard_main.yaml")
    worker_kit.work(workers=1, flows_dir=flows_with(tmp_path / "f", files))
    store = worker_kit.store()
    item = store.get("W-1")
    assert (item.state, item.error_code) == (State.NEEDS_REVIEW, "commit_interrupted")
    assert worker_kit.portal.submits == {"W-1": 1}
    store.close()



def test_a_secret_not_set_stops_the_workers_and_hands_the_order_back(
    worker_kit, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the robot's set-up, not the order: failing every order that reaches the step as "bad
    # order data" would spend the queue; the order waits, its 提交 looked for first
    monkeypatch.delenv("BOTS_SECRET_APPROVER", raising=False)
    flows = flows_with(tmp_path / "f", {})
    toy = (flows / "toy.yaml").read_text(encoding="utf-8")
    (flows / "toy.yaml").write_text(
        toy.replace("  - id: receipt\n    goto: receipt.html?ref=${{ order.reference }}",
                    "  - id: receipt\n    goto: receipt.html?ref=${{ order.reference }}"
                    "&by=${{ secrets.approver }}"),
        encoding="utf-8",
    )  # fmt: skip
    worker_kit.enqueue("S-1", "S-2")
    summary = worker_kit.work(workers=1, flows_dir=flows)
    assert (summary.stop_kind, summary.stop_reason) == (
        "setup",
        "t/0:这台机器人电脑没有设置密钥 approver:请在机器人电脑上设置环境变量 "
        "BOTS_SECRET_APPROVER",
    )
    store = worker_kit.store()
    first, second = store.get("S-1"), store.get("S-2")
    assert (first.state, first.replay, first.run_attempts) == (State.PENDING, True, 0)
    assert (second.state, second.attempts) == (State.PENDING, 0)
    assert worker_kit.portal.submits == {"S-1": 1}
    monkeypatch.setenv("BOTS_SECRET_APPROVER", "GH2001")
    assert worker_kit.work(workers=1, flows_dir=flows).stop_kind is None
    assert [store.get(ref).state for ref in ("S-1", "S-2")] == [State.DONE, State.DONE]
    assert worker_kit.portal.submits == {"S-1": 1, "S-2": 1}
    store.close()
