"""The real procedures under ``bots work``: killed at each commit step, then replayed; and
the sample batch with faults on. Every check reads the mock portal's own state."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bots.demo import demo_staff, write_credentials
from bots.intake import enqueue_files
from bots.ledger import State, open_store
from bots.orders.rules import reference_in_remark
from tests.fixtures.portal import PortalClient

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
NEW_INSTALL = EXAMPLES / "orders" / "E9-20261127-0001.yaml"
RENEWAL = EXAMPLES / "orders" / "E9-20261127-0007.yaml"
LEASE = 2.0


class Robot:
    """A ledger, credentials and ``bots work`` subprocesses against the test's portal."""

    def __init__(self, portal: PortalClient, root: Path, chromium_tmp: Path) -> None:
        self.portal, self.root, self.chromium_tmp = portal, root, chromium_tmp
        self.db = f"sqlite:///{root / 'ledger.db'}"
        self.credentials = write_credentials(root / "credentials", demo_staff(4))

    def enqueue(self, *paths: Path) -> list[str]:
        store = open_store(self.db)
        try:
            before = {item.reference for item in store.items()}
            enqueue_files(store, list(paths), skip_invalid=True)
            return [item.reference for item in store.items() if item.reference not in before]
        finally:
            store.close()

    def work(self, *extra: str, kill_at: str | None = None) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "TMPDIR": str(self.chromium_tmp), "PYTHONPATH": str(ROOT)}
        env.pop("BOTS_FAULT_KILL", None)
        if kill_at:
            env["BOTS_FAULT_KILL"] = kill_at
        command = [
            sys.executable, "-m", "bots", "work", "--db", self.db, "--portal", self.portal.url,
            "--flows", str(ROOT / "flows"), "--runs-dir", str(self.root / "runs"),
            "--screenshots", "off", "--lease", str(LEASE), "--retry-delay", "0.2",
            "--retry-cap", "1", "--credentials", str(self.credentials), *extra,
        ]  # fmt: skip
        return subprocess.run(
            command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=240
        )

    def items(self) -> dict[str, Any]:
        store = open_store(self.db)
        try:
            return {item.reference: item for item in store.items()}
        finally:
            store.close()

    def reap_and_replay(self) -> list[str]:
        time.sleep(LEASE + 0.5)  # the killed worker's lease runs out
        store = open_store(self.db)
        try:
            store.reap()
            return store.replay(state=State.NEEDS_REVIEW, actor="test")
        finally:
            store.close()


@pytest.fixture
def robot(portal: PortalClient, tmp_path: Path) -> Iterator[Robot]:
    chromium_tmp = Path(tempfile.mkdtemp(prefix="bp-", dir="/tmp"))
    yield Robot(portal, tmp_path, chromium_tmp)
    shutil.rmtree(chromium_tmp, ignore_errors=True)


def effects(state: dict[str, Any], reference: str) -> dict[str, int]:
    """What the portal holds for one order reference: orders, collected fee sets, deposits."""
    orders = [o for o in state["orders"] if reference_in_remark(o["remark"] or "") == reference]
    numbers = {o["order_no"] for o in orders}
    fees = state["fees"]
    collected = {f["order_no"] for f in fees if f["order_no"] in numbers and f["collected"]}
    access = {
        s["number"] for s in state["services"]
        if s["kind"] == "broadband" and s["order_no"] in numbers
    }  # fmt: skip
    deposits = [
        f for f in state["special_funds"]
        if f["access_number"] in access and f["amount"] == 600
    ]  # fmt: skip
    return {"orders": len(orders), "collected": len(collected), "deposits": len(deposits)}


ONCE = {"orders": 1, "collected": 1, "deposits": 1}
KILL_POINTS = [
    (order, point)
    for order in (NEW_INSTALL, RENEWAL)
    for point in ("enter_order:after", "collect:after", "deposit:after")
]


@pytest.mark.parametrize(
    ("order", "kill_at"), KILL_POINTS, ids=[f"{o.stem[-4:]}-{k}" for o, k in KILL_POINTS]
)
def test_killed_at_a_commit_step_then_replayed_enters_the_order_once(
    robot: Robot, order: Path, kill_at: str
) -> None:
    (reference,) = robot.enqueue(order)
    killed = robot.work(kill_at=kill_at)
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert robot.reap_and_replay() == [reference]

    again = robot.work()
    assert again.returncode == 0, again.stderr[-2000:]
    item = robot.items()[reference]
    assert item.state is State.DONE, item.reason
    assert effects(robot.portal.state(), reference) == ONCE
    assert item.outputs is not None and item.outputs["serial_no"]


def test_a_submit_answered_busy_every_time_waits_and_is_entered_once_after_a_look(
    robot: Robot,
) -> None:
    # a run tries 提交 five times (flows/new_install_order.yaml): the portal's busy page
    # answers all five, so it took none of them; no operator is needed
    robot.portal.habits(busy_posts={"/install/submit": 5})
    (reference,) = robot.enqueue(NEW_INSTALL)
    done = robot.work()
    assert done.returncode == 0, done.stderr[-2000:]
    assert robot.portal.habits()["busy_posts"] == {"/install/submit": 0}
    item = robot.items()[reference]
    assert (item.state, item.attempts) == (State.DONE, 2), item.reason
    assert effects(robot.portal.state(), reference) == ONCE
    store = open_store(robot.db)
    try:
        attempts = [e for e in store.history(reference) if e.kind == "attempt"]
    finally:
        store.close()
    assert [e.outcome for e in attempts] == ["retry_wait", "done"]
    assert attempts[0].note == (
        "营账系统没有受理提交步骤“第一步:完成e9套餐内手机及宽带开户,点击提交”的请求;下次运行先查询再办理"
    )
    # the second run looked in 业务查询 before it entered the order
    run = json.loads((Path(attempts[1].artifact_dir) / "run.json").read_text(encoding="utf-8"))
    looked = [s["id"] for s in run["steps"] if s["id"].startswith("enter_order.guard/")]
    assert "enter_order.guard/order_no" in looked, looked


def test_killed_before_any_commit_goes_back_to_the_queue(robot: Robot) -> None:
    (reference,) = robot.enqueue(NEW_INSTALL)
    killed = robot.work(kill_at="logged_in:after")
    assert killed.returncode == -9
    assert robot.reap_and_replay() == []  # nothing to review: no side effects
    assert robot.items()[reference].state is State.PENDING
    assert effects(robot.portal.state(), reference) == {"orders": 0, "collected": 0,
                                                        "deposits": 0}


def test_sample_batch_with_faults_is_entered_exactly_once(robot: Robot) -> None:
    robot.portal.habits(busy_share=0.1, latency_ms=[50, 300], session_expiry_s=10)
    references = robot.enqueue(EXAMPLES / "orders.csv")
    assert len(references) == 11  # E9-20261127-0006 (bad IMEI) is refused at enqueue
    done = robot.work("--workers", "4")
    assert done.returncode == 11, done.stderr[-3000:]  # the not-due renewal failed: exit 11
    items = robot.items()
    state = robot.portal.state()
    not_due = "E9-20261127-0012"
    assert items[not_due].state is State.FAILED
    assert items[not_due].error_message is not None
    assert items[not_due].error_message.startswith("不是当期到期续费用户:到期日期")
    assert effects(state, not_due) == {"orders": 0, "collected": 0, "deposits": 0}
    for reference in references:
        if reference != not_due:
            assert items[reference].state is State.DONE, (reference, items[reference].reason)
            assert effects(state, reference) == ONCE, reference
            # exactly the source's amounts: 58 + 100 for a new install, 100 for a renewal
            renewal = items[reference].payload["procedure"] == "renewal"
            assert amounts(state, reference) == (100 if renewal else 158, [600]), reference


def amounts(state: dict[str, Any], reference: str) -> tuple[float, list[float]]:
    """What the portal collected for one order reference, and the deposits on its broadband."""
    orders = {o["order_no"] for o in state["orders"]
              if reference_in_remark(o["remark"] or "") == reference}
    collected = sum(f["final_amount"] for f in state["fees"]
                    if f["order_no"] in orders and f["collected"])
    access = {s["number"] for s in state["services"]
              if s["kind"] == "broadband" and s["order_no"] in orders}
    return collected, [f["amount"] for f in state["special_funds"] if f["access_number"] in access]
