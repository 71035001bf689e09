"""``bots work`` on a PostgreSQL ledger that goes away mid-batch: the server ends every
connection (a restart, a failover) and takes none for a while. Back within the wait
(``ledger_wait``), the batch goes on as if nothing happened; gone for longer, ``bots work``
stops with one line, touching the portal no more, and the next run finishes the order.
Every order is checked in the portal's own records: entered once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from bots.intake import enqueue_files
from bots.ledger import State, open_store
from bots.orders.rules import reference_in_remark
from tests.fixtures.ledger import cut, pg_url, welcome
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

pytestmark = [pytest.mark.browser, pytest.mark.postgres]
RENEWED_LINE = "037160010001"


def entered(state: dict[str, Any], ref: str) -> list[str]:
    """Who entered the order with this reference, once per order the portal holds."""
    return [o["staff_id"] for o in state["orders"] if reference_in_remark(o["remark"] or "") == ref]


def deposits(state: dict[str, Any], line: str) -> list[str]:
    return [f["staff_id"] for f in state["special_funds"] if f["access_number"] == line]


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
    assert last.startswith(f"错误: robot/0:连不上账本{db}(已等2秒):connection failed:"), last
    assert f'database "{own_database}" is not currently accepting connections' in last
    assert last.endswith(";检查数据库服务器和网络后重新运行"), last
    assert entered(left, REF) == []  # it stopped before 提交
    assert second.returncode == 0, second_err[-3000:]
    assert entered(portal.state(), REF) == ["GH1002"]
    item = store_item(db, REF)
    assert (item.state, item.attempts, item.expiries) == (State.DONE, 2, 1)
    with open_store(db, mode="read") as store:
        attempts = [(e.attempt, e.outcome, e.note) for e in store.history(REF) if e.attempt]
    assert attempts == [(1, "pending", "租约过期,没有留下任何改动"), (2, "done", None)]
