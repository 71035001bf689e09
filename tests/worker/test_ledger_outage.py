"""``bots work`` on a PostgreSQL ledger that goes away mid-batch: the server ends every
connection (a restart, a failover) and takes none for a while. Back within the wait
(``ledger_wait``), the batch goes on as if nothing happened; gone for longer, ``bots work``
stops with one line, touching the portal no more, and the next run finishes the order.
Every order is checked in the portal's own records: entered once."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bots.errors import BusinessException
from bots.intake import enqueue_files
from bots.ledger import LedgerUnusable, NewItem, State, open_store
from bots.orders.rules import reference_in_remark
from bots.runner.records import RunResult
from bots.worker import loop
from bots.worker.credentials import Credential
from bots.worker.hooks import Heartbeat, Lease
from bots.worker.loop import Shared, Worker, WorkerConfig
from bots.worker.presence import Presence
from tests.fixtures.ledger import cut, pg_url, welcome
from tests.fixtures.pgproxy import AnswerLoser
from tests.fixtures.portal import PortalClient
from tests.worker.test_fencing import (
    ORDER,
    REF,
    RENEWAL,
    RENEWED,
    chromium_tmp,  # noqa: F401 - the fixture, used by name
    start,
    steps,
    stop_all,
    store_item,
    wait_for,
)

pytestmark = pytest.mark.postgres
RENEWED_LINE = "037160010001"


def entered(state: dict[str, Any], ref: str) -> list[str]:
    """Who entered the order with this reference, once per order the portal holds."""
    return [o["staff_id"] for o in state["orders"] if reference_in_remark(o["remark"] or "") == ref]


def deposits(state: dict[str, Any], line: str) -> list[str]:
    return [f["staff_id"] for f in state["special_funds"] if f["access_number"] == line]


@pytest.mark.browser
def test_a_ledger_back_within_the_wait_loses_nothing_and_doubles_nothing(
    portal: PortalClient, own_database: str, tmp_path: Path, chromium_tmp: Path  # noqa: F811
) -> None:
    db = pg_url(own_database)
    with open_store(db, check_schema=False) as store:
        store.upgrade()
        enqueue_files(store, [ORDER, RENEWAL])
    before = deposits(portal.state(), RENEWED_LINE)
    portal.habits(latency_ms=[100, 200])
    work = start(db, portal, tmp_path, 0, chromium_tmp)
    try:
        wait_for(lambda: "enter_order/id_number" in steps(tmp_path, 1), "the order is typed")
        cut(own_database, refuse=True)
        time.sleep(3)  # longer than a lease (3 s): nobody may renew it meanwhile
        welcome(own_database)
        _, err = work.communicate(timeout=180)
    finally:
        stop_all(work)
    assert work.returncode == 0, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    state = portal.state()
    assert entered(state, REF) == ["GH1001"]
    assert deposits(state, RENEWED_LINE)[len(before):] == ["GH1001"]
    for ref in (REF, RENEWED):
        item = store_item(db, ref)
        assert (item.state, item.attempts, item.expiries) == (State.DONE, 1, 0), ref


@pytest.mark.browser
def test_a_ledger_gone_past_the_wait_stops_bots_work_and_the_next_run_finishes(
    portal: PortalClient, own_database: str, tmp_path: Path, chromium_tmp: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    db = pg_url(own_database)
    with open_store(db, check_schema=False) as store:
        store.upgrade()
        enqueue_files(store, [ORDER])
    portal.habits(latency_ms=[100, 200])
    monkeypatch.setenv("BOTS_LEDGER_WAIT", "2")
    first = start(db, portal, tmp_path, 0, chromium_tmp)
    second = None
    try:
        wait_for(lambda: "enter_order/id_number" in steps(tmp_path, 1), "the order is typed")
        cut(own_database, refuse=True)
        _, first_err = first.communicate(timeout=120)
        assert first.returncode == 8, first_err[-3000:]
        left = portal.state()
        welcome(own_database)
        monkeypatch.delenv("BOTS_LEDGER_WAIT")
        time.sleep(3.5)  # the first process's lease (3 s) runs out
        second = start(db, portal, tmp_path, 1, chromium_tmp)
        _, second_err = second.communicate(timeout=180)
    finally:
        stop_all(first, second)
    assert "Traceback" not in first_err, first_err[-3000:]
    last = first_err.strip().splitlines()[-1]
    assert last == (
        f"错误: robot/0:连不上账本{db}(已等2秒):数据库“{own_database}”暂时不接受连接;"
        "检查数据库服务器和网络后重新运行"
    ), last
    assert entered(left, REF) == []  # it stopped before 提交
    assert second.returncode == 0, second_err[-3000:]
    assert entered(portal.state(), REF) == ["GH1002"]
    item = store_item(db, REF)
    assert (item.state, item.attempts, item.expiries) == (State.DONE, 2, 1)
    with open_store(db, mode="read") as store:
        attempts = [(e.attempt, e.outcome, e.note) for e in store.history(REF) if e.attempt]
    assert attempts == [(1, "pending", "租约过期,没有留下任何改动"), (2, "done", None)]


# --- the parts of bots work that meet the ledger on their own -----------------------------


def test_a_failure_whose_answer_was_lost_is_counted_and_shown(
    own_database: str, answer_loser: AnswerLoser, tmp_path: Path
) -> None:
    url = answer_loser.url(own_database)
    with open_store(url, check_schema=False) as store:
        store.upgrade()
        store.enqueue([NewItem(reference="E9-1", flow="f.yaml", payload={})])
        ended: list[State] = []
        config = WorkerConfig(db_url=url, flows_dir=tmp_path, portal_url="http://portal.invalid/",
                              runs_dir=tmp_path, lease_seconds=30)  # fmt: skip
        worker = Worker("w1", Credential("GH1001", "pw"), config, Shared(),
                        lambda name, item: ended.append(item.state))  # fmt: skip
        refused = BusinessException("营账系统拒绝:证件号码有误", code="refused")

        def run(*args: object) -> RunResult:  # the order's run: the portal refused it
            answer_loser.arm(b"COMMIT")  # ... and the answer to fail_business's COMMIT is lost
            return RunResult("failed", {}, refused, [], None, failed_step="submit")

        worker._run = run  # type: ignore[method-assign]
        item = store.claim("w1")
        assert item is not None
        worker._process(store, None, item)
        assert answer_loser.cuts == 1
        assert store.get("E9-1").state is State.FAILED
    # its ✗ line and bots work's exit 11 ("orders need attention") come from this
    assert ended == [State.FAILED]


def login_answers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *errors: LedgerUnusable
) -> tuple[Worker, Shared, list[int]]:
    """A worker whose login flow fails with ``errors`` in turn, then logs in."""
    runs: list[int] = []

    class Login:  # the login flow's 验证码 step, as LedgerAsker leaves it
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def run(self) -> RunResult:
            runs.append(1)
            if len(runs) <= len(errors):
                return RunResult("failed", {}, errors[len(runs) - 1], [], None,
                                 failed_step="captcha")  # fmt: skip
            return RunResult("passed", {}, None, [], None)

    monkeypatch.setattr(loop, "Runner", Login)
    config = WorkerConfig(db_url="unused", flows_dir=tmp_path, portal_url="http://p/",
                          runs_dir=tmp_path)  # fmt: skip
    shared = Shared()
    worker = Worker("w1", Credential("GH1001", "pw"), config, shared)
    monkeypatch.setattr(worker, "flow_for", lambda name: SimpleNamespace(inputs={}))
    monkeypatch.setattr(worker, "_work_left", lambda store: True)
    return worker, shared, runs


def test_a_login_whose_code_was_lost_on_the_way_to_the_ledger_is_done_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lost = LedgerUnusable.lost("postgresql:///e9", "server closed the connection", sent=True)
    worker, shared, runs = login_answers(monkeypatch, tmp_path, lost)
    assert worker._login(None, None) is True  # type: ignore[arg-type]
    # not "登录营账系统被拒", which would send someone to reset a staff password
    assert (len(runs), shared.stop_reason) == (2, [])


def test_a_login_whose_ledger_stays_away_stops_for_the_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    away = LedgerUnusable.unreachable("postgresql:///e9", 60, "connection refused")
    worker, shared, runs = login_answers(monkeypatch, tmp_path, away)
    with pytest.raises(LedgerUnusable) as raised:
        worker._login(None, None)  # type: ignore[arg-type]
    assert raised.value is away and shared.stop_reason == []  # run() stops it as "ledger"
    assert len(runs) == 1


def ledger(database: str) -> str:
    """An up-to-date ledger in ``database``, with one order claimed by w1 (3 s lease)."""
    db = pg_url(database)
    with open_store(db, check_schema=False) as store:
        store.upgrade()
        store.enqueue([NewItem(reference="E9-1", flow="f.yaml", payload={})])
        store.claim("w1", lease_seconds=3)
    return db


def test_the_workers_record_does_not_hold_up_a_process_whose_ledger_is_away(
    own_database: str, capture_warnings: list[str]
) -> None:
    db = ledger(own_database)
    cut(own_database, refuse=True)
    began = time.monotonic()
    with Presence(db, "p1", [("p1/0", "GH1001")], every=0.2):
        entered_after = time.monotonic() - began
    assert entered_after < 5
    [warning] = capture_warnings
    assert warning.startswith(
        f"p1:没能写入工作进程的心跳:连不上账本{db}:数据库“{own_database}”暂时不接受连接"
    )


def test_a_lease_heartbeat_stuck_on_the_ledger_does_not_hold_up_the_workers(
    own_database: str, capture_warnings: list[str]
) -> None:
    db = ledger(own_database)
    with open_store(db, mode="read") as store:
        lease = Lease(store.get("E9-1"), "w1", 3.0)
    with Heartbeat(db, lease, ledger_wait=30):
        cut(own_database, refuse=True)
        time.sleep(1.5)  # past the first beat: it is trying to reach the ledger again
        began = time.monotonic()
    # the greenlet that leaves the block is every worker's: it must not wait 30 s
    assert time.monotonic() - began < 5
    assert not lease.lost.is_set()
