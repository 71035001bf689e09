"""The work queue's asker (bots/worker/asker.py) on a real SQLite ledger: the question goes
into the ledger, an answer given meanwhile (another connection, another thread) comes back;
no answer in time, a stop or a lost lease end the wait, and the question is not left open."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from bots.asking import Question
from bots.errors import AwaitsPerson
from bots.ledger import open_store
from bots.ledger.errors import LeaseLost
from bots.worker.asker import LedgerAsker, login_reference
from bots.worker.hooks import Interrupted

QUESTION = Question("金库审批:请输入验证码", "code", 30, pattern=r"\d{6}", image=b"\x89PNG")


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    open_store(url).close()
    return url


def _answer_when_asked(db: str, reference: str, value: str) -> threading.Thread:
    def person() -> None:
        with open_store(db) as store:
            while not store.questions(reference):
                time.sleep(0.05)
            store.answer(reference, value, actor="值班长")

    thread = threading.Thread(target=person, daemon=True)
    thread.start()
    return thread


def test_the_answer_given_in_the_ledger_comes_back(db: str) -> None:
    person = _answer_when_asked(db, "E9-1", "123456")
    with open_store(db) as store:
        asker = LedgerAsker(store, "E9-1", "w1", threading.Event(), poll_seconds=0.05)
        assert asker.ask(QUESTION) == "123456"
        [asked] = store.questions("E9-1", open_only=False)
    person.join(5)
    assert (asked.state, asked.asked_by, asked.image, asked.answered_by) == (
        "taken", "w1", "iVBORw==", "值班长")


def test_no_answer_in_time_expires_the_question(db: str) -> None:
    with open_store(db) as store:
        asker = LedgerAsker(store, "E9-1", "w1", threading.Event(), max_wait=0.3,
                            poll_seconds=0.05)
        started = time.monotonic()
        with pytest.raises(AwaitsPerson) as late:
            asker.ask(QUESTION)
        assert time.monotonic() - started < 5  # the worker's cap, not the flow's 30 s
        assert str(late.value) == (
            "等待人工回答超时(0秒):金库审批:请输入验证码;订单回到队列,下次运行时重新提问")
        assert [q.state for q in store.questions("E9-1", open_only=False)] == ["expired"]
        # a worker's own login has no order to send back to the queue
        login = LedgerAsker(store, login_reference("GH1002"), "w1", threading.Event(),
                            max_wait=0.1, poll_seconds=0.05)  # fmt: skip
        with pytest.raises(AwaitsPerson) as late:
            login.ask(QUESTION)
        assert str(late.value) == (
            "等待人工回答超时(0秒):金库审批:请输入验证码;这次登录没有完成,工作进程会重新登录并再次提问"
        )


def test_a_stop_or_a_lost_lease_ends_the_wait(db: str) -> None:
    with open_store(db) as store:
        stop = threading.Event()
        stop.set()
        with pytest.raises(Interrupted):
            LedgerAsker(store, "E9-1", "w1", stop, poll_seconds=0.05).ask(QUESTION)
        lost = threading.Event()
        lost.set()
        with pytest.raises(LeaseLost) as gone:
            LedgerAsker(store, "E9-2", "w1", threading.Event(), lost,
                        poll_seconds=0.05).ask(QUESTION)
        assert str(gone.value) == "w1等待人工回答时失去了E9-2的租约"
        assert [q.state for q in store.questions(open_only=False)] == ["expired", "expired"]


def test_a_workers_login_asks_under_its_staff_id() -> None:
    assert login_reference("GH1001") == "login:GH1001"
