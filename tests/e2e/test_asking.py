"""A step that asks a person, end to end: ``bots work`` processes against the running mock
portal, the 金库 approval of a 下调 and the login 验证码 asked through the ledger and
answered with ``bots answer`` (a separate process) or straight into the ledger; no answer in
time, and a worker killed while it waits. Effects are read on the portal's /qa/state."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bots.demo import demo_staff, write_credentials
from bots.intake import work_item
from bots.ledger import State, WorkItem, open_store
from bots.ledger.model import Asked
from bots.orders.model import load_order
from bots.orders.rules import reference_in_remark
from tests.e2e import orders
from tests.fixtures.portal import PortalClient

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
APPROVER = "JK0001"
QUESTION = f"金库审批:请输入审批人{APPROVER}手机收到的6位短信验证码(5分钟内有效)"
LEASE = 3.0
STAFF = demo_staff(1)[0][0]


class Desk:
    """A ledger, ``bots work`` processes and the person who answers their questions."""

    def __init__(self, portal: PortalClient, root: Path, chromium_tmp: Path) -> None:
        self.portal, self.root, self.chromium_tmp = portal, root, chromium_tmp
        self.db = f"sqlite:///{root / 'ledger.db'}"
        self.credentials = write_credentials(root / "credentials", demo_staff(2))
        self.env = {**os.environ, "TMPDIR": str(chromium_tmp), "PYTHONPATH": str(ROOT),
                    "BOTS_SECRET_APPROVER": APPROVER}
        self.env.pop("BOTS_FAULT_KILL", None)

    def enqueue(self, *raw_orders: dict[str, Any]) -> None:
        with open_store(self.db) as store:
            store.enqueue([work_item(load_order(raw, "test")) for raw in raw_orders])

    def start(self, *extra: str) -> subprocess.Popen[str]:
        command = [
            sys.executable, "-m", "bots", "work", "--db", self.db, "--portal", self.portal.url,
            "--flows", str(ROOT / "flows"), "--runs-dir", str(self.root / "runs"),
            "--screenshots", "off", "--lease", str(LEASE), "--retry-delay", "3",
            "--retry-cap", "3", "--credentials", str(self.credentials), "--workers", "1",
            *extra,
        ]  # fmt: skip
        return subprocess.Popen(command, env=self.env, cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def asked(self, reference: str | None = None) -> list[Asked]:
        with open_store(self.db, mode="read") as store:
            return store.questions(reference, open_only=False)

    def until(self, what: Callable[[], Any], worker: subprocess.Popen[str],
              timeout: float = 120) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = what()
            if found:
                return found
            assert worker.poll() is None, worker.communicate()[1][-3000:]
            time.sleep(0.2)
        raise AssertionError(f"nothing after {timeout} s")

    def question(self, reference: str, worker: subprocess.Popen[str],
                 after: int = 0) -> Asked:
        """The next open question of ``reference`` (newer than question ``after``)."""
        def open_one() -> Asked | None:
            return next((q for q in self.asked(reference)
                         if q.state == "open" and q.id > after), None)
        found: Asked = self.until(open_one, worker)
        return found

    def answer(self, reference: str, value: str) -> subprocess.CompletedProcess[str]:
        """A person's answer with ``bots answer``, a process of its own."""
        return subprocess.run(
            [sys.executable, "-m", "bots", "answer", reference, value, "--db", self.db,
             "--actor", "值班长"], env=self.env, cwd=ROOT, capture_output=True, text=True,
            timeout=60)

    def answer_in_ledger(self, reference: str, value: str) -> None:
        with open_store(self.db) as store:
            store.answer(reference, value, actor="console")

    def item(self, reference: str) -> WorkItem:
        with open_store(self.db, mode="read") as store:
            return store.get(reference)

    def code(self) -> str:
        """What the approver's phone shows: the newest code sent."""
        return str(self.portal.approvals()[-1]["code"])


@pytest.fixture
def desk(portal: PortalClient, tmp_path: Path) -> Iterator[Desk]:
    # Chromium's profile path must stay short (xdist's tmp paths are long)
    chromium_tmp = Path(tempfile.mkdtemp(prefix="ba-", dir="/tmp"))
    yield Desk(portal, tmp_path, chromium_tmp)
    shutil.rmtree(chromium_tmp, ignore_errors=True)


def _ended(worker: subprocess.Popen[str]) -> None:
    _, err = worker.communicate(timeout=240)
    assert worker.returncode == 0, err[-3000:]


def _orders(state: dict[str, Any], reference: str) -> list[dict[str, Any]]:
    return [o for o in state["orders"] if reference_in_remark(o["remark"] or "") == reference]


def _fees(state: dict[str, Any], reference: str) -> list[tuple[str, float, float, bool]]:
    numbers = {o["order_no"] for o in _orders(state, reference)}
    return [(f["line"], f["original_amount"], f["final_amount"], f["collected"])
            for f in state["fees"] if f["order_no"] in numbers]


def _nothing_lowered_or_collected(state: dict[str, Any], reference: str) -> None:
    [placed] = _orders(state, reference)
    assert placed["status"] == "待收费"
    assert all(original == final and not collected
               for _, original, final, collected in _fees(state, reference))
    assert state["special_funds"] == []


def _entered_once(state: dict[str, Any], reference: str, lowered: int,
                  renews: str | None = None) -> None:
    [placed] = _orders(state, reference)
    assert placed["status"] == "已收费"
    fees = _fees(state, reference)
    assert all(collected for *_, collected in fees)
    assert sum(1 for _, original, final, _ in fees if final == 0 and original > 0) == lowered
    # the order's broadband: a new install's own, or the one a renewal renews
    access = renews or next(s["number"] for s in state["services"]
                            if s["kind"] == "broadband" and s["order_no"] == placed["order_no"])
    assert [f["amount"] for f in state["special_funds"] if f["access_number"] == access] == [600]


def _other(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_an_approval_is_asked_and_answered_with_bots_answer(desk: Desk) -> None:
    desk.portal.habits(approval=True)
    order = orders.new_install(61)
    ref = order["reference"]
    desk.enqueue(order)
    worker = desk.start()
    asked = desk.question(ref, worker)
    assert (asked.question, asked.step, asked.pattern, asked.asked_by is not None) == (
        QUESTION, "code", r"\d{6}", True)
    # the worker waits on the 下调 form: the order is placed, nothing lowered or collected
    _nothing_lowered_or_collected(desk.portal.state(), ref)
    assert desk.item(ref).state is State.RUNNING
    listed = subprocess.run([sys.executable, "-m", "bots", "questions", "--db", desk.db],
                            env=desk.env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0 and f"{ref}  {QUESTION}" in listed.stdout
    refused = desk.answer(ref, "12345")
    assert refused.returncode == 4
    assert "回答12345的格式不对,应为6位数字" in refused.stderr
    answered = desk.answer(ref, desk.code())
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.strip() == f"已回答 {ref}:{QUESTION}"
    _ended(worker)

    assert desk.item(ref).state is State.DONE
    state = desk.portal.state()
    _entered_once(state, ref, lowered=1)
    assert [(a["approver"], a["status"], a["wrong"]) for a in desk.portal.approvals()] == [
        (APPROVER, "approved", 0)]
    [kept] = desk.asked(ref)
    assert (kept.state, kept.answered_by) == ("taken", "值班长")


def test_a_wrong_code_is_refused_and_asked_again_on_the_legacy_portal(desk: Desk) -> None:
    desk.portal.habits(approval=True, legacy=True)
    order = orders.renewal(62)
    ref = order["reference"]
    desk.enqueue(order)
    worker = desk.start()
    first = desk.question(ref, worker)
    code = desk.code()
    desk.answer_in_ledger(ref, _other(code))  # misread from the approver's phone
    second = desk.question(ref, worker, after=first.id)
    assert second.question == f"{QUESTION}(上次的回答没有通过:审批验证码错误)"
    sent = desk.portal.approvals()
    assert [(a["status"], a["wrong"]) for a in sent] == [("sent", 1), ("sent", 0)]
    _nothing_lowered_or_collected(desk.portal.state(), ref)
    desk.answer_in_ledger(ref, desk.code())
    _ended(worker)

    assert desk.item(ref).state is State.DONE
    _entered_once(desk.portal.state(), ref, lowered=3, renews=orders.DUE_USER)
    assert [a["status"] for a in desk.portal.approvals()] == ["sent", "approved"]


def test_no_answer_in_time_sends_the_order_back_and_a_later_run_starts_over(
        desk: Desk) -> None:
    desk.portal.habits(approval=True)
    order = orders.new_install(63)
    ref = order["reference"]
    desk.enqueue(order)
    worker = desk.start("--answer-wait", "2")
    first = desk.question(ref, worker)
    waiting = desk.until(lambda: (item := desk.item(ref)).state is State.RETRY_WAIT and item,
                         worker)
    assert (waiting.error_kind, waiting.error_code, waiting.error_step) == (
        "awaits_person", "awaits_person", "waive_uim_approval/code")
    assert waiting.error_message == (
        f"等待人工回答超时(2秒):{QUESTION};订单回到队列,下次运行时重新提问")
    assert [q.state for q in desk.asked(ref)] == ["expired"]
    _nothing_lowered_or_collected(desk.portal.state(), ref)
    # the queue's next run starts over: the order is found (not entered again), its fee
    # page asks for the approval again, and this time the person answers in time
    second = desk.question(ref, worker, after=first.id)
    answered = desk.answer(ref, desk.code())
    assert answered.returncode == 0, answered.stderr
    _ended(worker)

    item = desk.item(ref)
    assert (item.state, item.run_attempts) == (State.DONE, 2)
    _entered_once(desk.portal.state(), ref, lowered=1)
    assert [a["status"] for a in desk.portal.approvals()] == ["sent", "approved"]
    assert [q.id for q in desk.asked(ref)] == [first.id, second.id]


def test_a_worker_killed_while_it_waits_loses_nothing_and_enters_nothing_twice(
        desk: Desk) -> None:
    desk.portal.habits(approval=True)
    order = orders.new_install(64)
    ref = order["reference"]
    desk.enqueue(order)
    worker = desk.start()
    first = desk.question(ref, worker)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    _nothing_lowered_or_collected(desk.portal.state(), ref)
    time.sleep(LEASE + 0.5)  # the killed worker's lease runs out
    with open_store(desk.db) as store:
        # the order had been entered (a commit step done): an operator looks, then replays
        [reaped] = store.reap()
        assert (reaped.state, reaped.error_message) == (
            State.NEEDS_REVIEW,
            f"工作进程{first.asked_by}在提交步骤“第一步:完成e9套餐内手机及宽带开户,点击提交”之后"
            "失去了租约;重放前先到营账系统里查看",
        )
        assert store.replay([ref], actor="值班长") == [ref]

    again = desk.start()
    second = desk.question(ref, again, after=first.id)
    # the dead worker's question is superseded: only the living one's is answered
    assert [q.state for q in desk.asked(ref)] == ["expired", "open"]
    assert desk.item(ref).commit_in_progress is None
    answered = desk.answer(ref, desk.code())
    assert answered.returncode == 0, answered.stderr
    _ended(again)

    assert desk.item(ref).state is State.DONE
    state = desk.portal.state()
    _entered_once(state, ref, lowered=1)
    assert len(_orders(state, ref)) == 1
    assert [a["status"] for a in desk.portal.approvals()] == ["sent", "approved"]
    assert [q.state for q in desk.asked(ref)] == ["expired", "taken"]
    assert second.asked_by != first.asked_by  # asked by the new process's worker


def test_the_login_captcha_is_asked_once_per_worker_session(desk: Desk) -> None:
    desk.portal.habits(login_captcha=True)
    first, second = orders.new_install(65), orders.new_install(66)
    desk.enqueue(first, second)
    worker = desk.start()
    login = f"login:{STAFF}"
    asked = desk.question(login, worker)
    assert asked.question == "登录验证码:请输入登录页图片中的4位数字"
    assert asked.image is not None
    assert base64.b64decode(asked.image).startswith(b"\x89PNG")
    answered = desk.answer(login, desk.portal.captchas()[-1]["code"])
    assert answered.returncode == 0, answered.stderr
    _ended(worker)

    assert [q.reference for q in desk.asked()] == [login]
    state = desk.portal.state()
    for order in (first, second):
        assert desk.item(order["reference"]).state is State.DONE
        _entered_once(state, order["reference"], lowered=1)
    assert [c["used"] for c in desk.portal.captchas()] == [1]


def test_a_login_captcha_misread_is_asked_again_saying_so(desk: Desk) -> None:
    desk.portal.habits(login_captcha=True)
    order = orders.new_install(69)
    desk.enqueue(order)
    worker = desk.start()
    login = f"login:{STAFF}"
    first = desk.question(login, worker)
    desk.answer_in_ledger(login, _misread(desk.portal.captchas()[-1]["code"]))
    second = desk.question(login, worker, after=first.id)
    assert second.question == ("登录验证码:请输入登录页图片中的4位数字"
                               "(上次的回答没有通过:验证码错误)")
    desk.answer_in_ledger(login, desk.portal.captchas()[-1]["code"])
    _ended(worker)

    assert desk.item(order["reference"]).state is State.DONE
    _entered_once(desk.portal.state(), order["reference"], lowered=1)
    # spent wrong; the refusal's own login page (left: the login opens the page afresh);
    # spent right
    assert [c["used"] for c in desk.portal.captchas()] == [1, 0, 1]


def _misread(code: str) -> str:
    return f"{(int(code) + 1) % 10**4:04d}"


class _Clerk:
    """The person at ``bots run``'s keyboard: reads the login picture wrong ``misreads``
    times, then right."""

    def __init__(self, portal: PortalClient, misreads: int) -> None:
        self.portal, self.misreads = portal, misreads
        self.heard: list[str] = []

    def ask(self, question: Any) -> str:
        self.heard.append(question.text)
        code: str = self.portal.captchas()[-1]["code"]
        return _misread(code) if len(self.heard) <= self.misreads else code


def test_a_run_asks_a_misread_login_captcha_again(page, portal: PortalClient, tmp_path) -> None:
    # bots run at a keyboard: the login page shows a new picture and the person is asked
    # again, not sent to run the order again
    portal.habits(login_captcha=True)
    order = orders.new_install(70)
    clerk = _Clerk(portal, misreads=1)
    result = orders.run(page, portal.url, "e9_new_install.yaml", order, tmp_path, asker=clerk)
    assert result.ok, result.error
    assert clerk.heard == ["登录验证码:请输入登录页图片中的4位数字",
                           "登录验证码:请输入登录页图片中的4位数字(上次的回答没有通过:验证码错误)"]
    assert [(s["id"], s["status"]) for s in result.steps if s["id"] == "login/shell"] == [
        ("login/shell", "redone"), ("login/shell", "passed")]
    assert [c["used"] for c in portal.captchas()] == [1, 0, 1]  # as in the worker's login
    _entered_once(portal.state(), order["reference"], lowered=1)


def test_a_run_stops_after_three_misread_login_captchas(page, portal: PortalClient,
                                                         tmp_path) -> None:
    portal.habits(login_captcha=True)
    clerk = _Clerk(portal, misreads=9)
    result = orders.run(page, portal.url, "e9_new_install.yaml", orders.new_install(71), tmp_path,
                        asker=clerk)  # fmt: skip
    assert result.status == "failed"
    assert result.error is not None and result.error.code == "refused_for_now"
    assert str(result.error) == ("验证码错误:回答的验证码没有通过:再次办理时会重新提问,"
                                 "请输入当时收到(或看到)的验证码")
    assert len(clerk.heard) == 3
    assert [c["used"] for c in portal.captchas()] == [1, 0, 1, 0, 1, 0]  # three tries spent
    assert portal.state()["orders"] == []


def test_a_session_ended_while_a_person_answered_asks_again_saying_so(
        page, portal: PortalClient, tmp_path) -> None:
    # the approver took longer than the portal keeps a session: the code typed in met the
    # login page at 确定; after the login a new code is sent and the question says why
    portal.habits(approval=True, session_expiry_s=4)
    heard: list[str] = []

    class Approver:
        def ask(self, question: Any) -> str:
            heard.append(question.text)
            if len(heard) == 1:
                time.sleep(5.5)  # past the session's 4 s (and well inside the code's 5 min)
            return str(portal.approvals()[-1]["code"])

    order = orders.new_install(72)
    result = orders.run(page, portal.url, "e9_new_install.yaml", order, tmp_path,
                        asker=Approver(), secrets={**orders.SECRETS, "approver": APPROVER})
    assert result.ok, result.error
    assert heard == [QUESTION, f"{QUESTION}(上次回答后营账系统的会话已失效,那次的回答没有用上)"]
    assert [a["status"] for a in portal.approvals()] == ["sent", "approved"]
    _entered_once(portal.state(), order["reference"], lowered=1)


def test_while_one_worker_waits_the_others_go_on(desk: Desk) -> None:
    desk.portal.habits(approval=True)
    first, second = orders.new_install(67), orders.new_install(68)
    desk.enqueue(first, second)
    worker = desk.start("--workers", "2")
    # both questions open at once: the second worker reached its fee page while the first
    # worker waited for its answer (they share one process and one browser)
    desk.until(lambda: len([q for q in desk.asked() if q.state == "open"]) == 2, worker)
    assert len({q.asked_by for q in desk.asked()}) == 2  # one question per worker
    state = desk.portal.state()
    for order in (second, first):
        [placed] = _orders(state, order["reference"])
        code = next(a["code"] for a in desk.portal.approvals()
                    if a["order_no"] == placed["order_no"])
        answered = desk.answer(order["reference"], code)
        assert answered.returncode == 0, answered.stderr
    _ended(worker)
    state = desk.portal.state()
    for order in (first, second):
        assert desk.item(order["reference"]).state is State.DONE
        _entered_once(state, order["reference"], lowered=1)
