"""Fenced leases under ``bots work``: a process frozen (SIGSTOP) past its lease while it holds
an order, the order reclaimed by another process, the first resumed — and the portal's own
state holds the order once, entered by the second. On SQLite and on PostgreSQL.

Both processes carry the same ``--worker-id``, the way two ``bots work`` on one host did
before worker ids were unique: only the lease token tells the two claims apart."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bots.demo import demo_staff, write_credentials
from bots.intake import enqueue_files
from bots.ledger import State, WorkItem, open_store
from bots.orders.rules import reference_in_remark
from tests.fixtures.portal import PortalClient

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ORDER = ROOT / "examples" / "orders" / "E9-20261127-0001.yaml"  # a new install
REF = "E9-20261127-0001"
LEASE = 3.0


@pytest.fixture
def chromium_tmp() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="bf-", dir="/tmp"))  # short: Chromium's profile
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def start(db: str, portal: PortalClient, root: Path, staff: int, tmp: Path) -> subprocess.Popen:
    """``bots work`` as one robot process, logged in as its own staff id."""
    credentials = write_credentials(root / f"staff-{staff}", demo_staff(staff + 1)[staff:])
    command = [
        sys.executable, "-m", "bots", "work", "--db", db, "--portal", portal.url,
        "--flows", str(ROOT / "flows"), "--runs-dir", str(root / "runs"),
        "--screenshots", "off", "--lease", str(LEASE), "--worker-id", "robot",
        "--credentials", str(credentials),
    ]  # fmt: skip
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT), "COLUMNS": "300"}
    env.pop("BOTS_FAULT_KILL", None)
    if os.environ.get("BOTS_TEST_FAULT"):  # this process's fault point (the test sets it)
        env["BOTS_FAULT_KILL"] = os.environ["BOTS_TEST_FAULT"]
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def stop_all(*processes: subprocess.Popen | None) -> None:
    """Whatever is still running (frozen too) ends: a failed test leaves no worker behind."""
    for process in processes:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGCONT)
            process.kill()
            process.communicate()


def steps(root: Path, attempt: int) -> str:
    """The step lines an attempt's log holds so far."""
    log = root / "runs" / REF / f"attempt-{attempt}" / "log.jsonl"
    return log.read_text(encoding="utf-8") if log.exists() else ""


def item(db: str) -> WorkItem:
    return store_item(db, REF)


def store_item(db: str, reference: str) -> WorkItem:
    with open_store(db, mode="read") as store:
        return store.get(reference)


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.02)


def entered(state: dict[str, Any]) -> dict[str, list[str]]:
    """Who entered what for the order, from the portal's own records."""
    orders = [o for o in state["orders"] if reference_in_remark(o["remark"] or "") == REF]
    numbers = {o["order_no"] for o in orders}
    access = {
        s["number"] for s in state["services"]
        if s["kind"] == "broadband" and s["order_no"] in numbers
    }  # fmt: skip
    fees = {f["order_no"] for f in state["fees"] if f["order_no"] in numbers and f["collected"]}
    return {
        "orders": [o["staff_id"] for o in orders],
        "collected": sorted(fees),
        "deposits": [f["staff_id"] for f in state["special_funds"] if f["access_number"] in access],
    }


def test_a_worker_frozen_past_its_lease_never_touches_the_order_again(
    portal: PortalClient, ledger_url: str, tmp_path: Path, chromium_tmp: Path
) -> None:
    db = ledger_url
    with open_store(db, check_schema=False) as store:
        store.upgrade()
        enqueue_files(store, [ORDER])
    portal.habits(latency_ms=[100, 200])  # a clerk's pace: the freeze lands before 提交
    first = start(db, portal, tmp_path, 0, chromium_tmp)
    second = None
    try:
        # freeze it inside the order's first screen: customer fields typed, nothing sent
        wait_for(lambda: "enter_order/id_number" in steps(tmp_path, 1), "the first types")
        first.send_signal(signal.SIGSTOP)
        portal.habits(latency_ms=[0, 0])  # the second process need not wait
        frozen = item(db)
        assert frozen.commit_in_progress is None and frozen.committed_step is None
        expiry = frozen.lease_expires_at
        assert expiry is not None
        wait_for(lambda: time.time() > expiry.timestamp() + 0.5, "the lease runs out")

        second = start(db, portal, tmp_path, 1, chromium_tmp)
        wait_for(
            lambda: item(db).state is State.RUNNING and item(db).attempts == 2,
            "the second process reclaims the order",
        )
        reclaimed = item(db)
        assert reclaimed.lease_owner == frozen.lease_owner == "robot/0"  # the same name...
        assert reclaimed.lease_token != frozen.lease_token  # ...but not the same claim
        assert reclaimed.commit_in_progress is None, "resume the first before the commit"
        resumed = datetime.now(UTC)
        first.send_signal(signal.SIGCONT)

        _, second_err = second.communicate(timeout=120)
        assert second.returncode == 0, second_err[-3000:]
        _, first_err = first.communicate(timeout=60)
        assert first.returncode == 0, first_err[-3000:]
    finally:
        stop_all(first, second)

    # the portal: the order once, every effect by the second process's staff id (GH1002)
    found = entered(portal.state())
    assert (found["orders"], len(found["collected"]), found["deposits"]) == (
        ["GH1002"], 1, ["GH1002"],
    )  # fmt: skip
    # the first process found out at its next step, and said so
    assert f"robot/0失去了{REF}的租约;已在两步之间停下" in first_err, first_err
    # it did nothing after the resume: its last step was refused before acting, and no
    # other step began after the resume (the step the freeze caught in flight finished on
    # its own; the freeze may also land inside the refused step, after its start was noted
    # and before the lease was asked: the pictures of the steps before are taken there)
    run = json.loads((tmp_path / "runs" / REF / "attempt-1" / "run.json").read_text("utf-8"))
    last = run["steps"][-1]
    assert (last["attempts"], last["status"]) == (0, "running"), run["steps"][-3:]
    after = [s for s in run["steps"] if datetime.fromisoformat(s["start"]) > resumed]
    assert after in ([], [last]), after
    assert run["error"]["type"] == "LeaseLost"
    done = item(db)
    assert (done.state, done.attempts, done.run_attempts, done.expiries) == (
        State.DONE, 2, 1, 1,
    )  # fmt: skip
    with open_store(db, mode="read") as store:
        attempts = [(e.attempt, e.outcome, e.note) for e in store.history(REF) if e.attempt]
    assert attempts == [(1, "pending", "租约过期,没有留下任何改动"), (2, "done", None)]


RENEWAL = ROOT / "examples" / "orders" / "E9-20261127-0007.yaml"  # renews 037160010001
RENEWED = "E9-20261127-0007"


def frozen(process: subprocess.Popen) -> bool:
    return Path(f"/proc/{process.pid}/stat").read_text().split(") ")[1][0] == "T"


def test_a_worker_frozen_as_it_deposits_does_not_deposit_after_the_replay(
    portal: PortalClient, ledger_url: str, tmp_path: Path, chromium_tmp: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    # frozen inside 专款缴费 with its start recorded, right before 提交 goes out; the order
    # is reaped to an operator, who finds no deposit in the portal and replays it; another
    # worker deposits. Woken, the first must not deposit a second 600
    db = ledger_url
    with open_store(db, check_schema=False) as store:
        store.upgrade()
        enqueue_files(store, [RENEWAL])

    def deposits() -> list[str]:
        funds = portal.state()["special_funds"]
        return [f["staff_id"] for f in funds if f["access_number"] == "037160010001"]

    before = deposits()
    monkeypatch.setenv("BOTS_TEST_FAULT", "deposit/submit:sending")
    first = start(db, portal, tmp_path, 0, chromium_tmp)
    second = None
    try:
        wait_for(lambda: frozen(first), "the first freezes as it deposits", 120)
        stopped = store_item(db, RENEWED)
        assert stopped.commit_in_progress == "deposit" and deposits() == before
        expiry = stopped.lease_expires_at
        assert expiry is not None
        wait_for(lambda: time.time() > expiry.timestamp() + 0.5, "the lease runs out")
        with open_store(db, mode="write") as store:
            assert [i.state for i in store.reap()] == [State.NEEDS_REVIEW]
            assert deposits() == before  # what the operator finds in the portal
            store.replay([RENEWED], actor="ops")
        monkeypatch.delenv("BOTS_TEST_FAULT")
        second = start(db, portal, tmp_path, 1, chromium_tmp)
        _, second_err = second.communicate(timeout=180)
        assert second.returncode == 0, second_err[-3000:]
        first.send_signal(signal.SIGCONT)
        _, first_err = first.communicate(timeout=60)
    finally:
        stop_all(first, second)
    assert deposits()[len(before):] == ["GH1002"]  # once, by the second process
    assert f"robot/0失去了{RENEWED}的租约;没有发出“deposit/submit”" in first_err, first_err[-3000:]
    assert store_item(db, RENEWED).state is State.DONE
