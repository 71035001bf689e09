"""``bots work`` as a real process: SIGTERM mid-batch stops it cleanly with nothing left
running; SIGKILL (BOTS_FAULT_KILL) loses nothing once the lease expires and is reaped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bots.console.views import attempts_of
from bots.ledger import State
from tests.fixtures.worker import WorkerKit

pytestmark = pytest.mark.browser


def processes_under(folder: Path) -> list[int]:
    """Pids whose command line names ``folder`` (Chromium's profile lives there)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # the process ended while we looked
            continue
        if str(folder) in cmdline and "--user-data-dir" in cmdline:
            found.append(int(entry.name))
    return found


def started(worker_kit: WorkerKit, *args: str) -> subprocess.Popen[str]:
    """``bots work`` with ``args``, its output kept."""
    return subprocess.Popen(
        worker_kit.command(*args),
        env=worker_kit.environ(),
        cwd=worker_kit.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_chromium(worker_kit: WorkerKit) -> None:
    """Chromium killed outright (out of memory, by hand), the worker left running."""
    for pid in processes_under(worker_kit.chromium_tmp):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # a child that went with its parent


def kill_driver(process: subprocess.Popen[str]) -> None:
    """Playwright's Node driver, the child of ``bots work`` that runs ``run-driver``,
    killed outright."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:  # the process ended while we looked
            continue
        if parent == process.pid and "run-driver" in cmdline:
            os.kill(int(entry.name), signal.SIGKILL)
            return
    raise AssertionError("no Playwright driver under bots work")


def wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def steps_of(run_dir: Path) -> dict[str, str]:
    run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    return {step["id"]: step["status"] for step in run["steps"]}


def test_sigterm_hands_back_items_under_way_and_leaves_nothing_running(worker_kit) -> None:
    portal = worker_kit.portal
    portal.slow_page["SLOW-PAGE"] = 3.0  # in a plain step when the signal comes
    portal.slow_submit["IN-COMMIT"] = 2.0  # inside its commit step when the signal comes
    worker_kit.enqueue("IN-COMMIT", "SLOW-PAGE", "NEVER")
    process = started(worker_kit, "--workers", "2")
    wait_for(lambda: portal.submits["IN-COMMIT"] == 1 and "SLOW-PAGE" in portal.pages_asked)
    chromium = processes_under(worker_kit.chromium_tmp)
    assert chromium, "the worker's Chromium should be running"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "已被SIGTERM停止;进行中的订单已交回队列" in stderr
    assert processes_under(worker_kit.chromium_tmp) == []
    assert not list(worker_kit.chromium_tmp.glob("bots-chromium-*"))
    store = worker_kit.store()
    slow, committed, never = (store.get(r) for r in ("SLOW-PAGE", "IN-COMMIT", "NEVER"))
    assert (slow.state, slow.attempts, slow.replay) == (State.PENDING, 1, False)
    assert store.history("SLOW-PAGE")[-1].note == "交回队列:操作员要求停止,已在两步之间停下"
    # the commit step ran to its end, then the item went back, flagged to look first
    assert (committed.state, committed.replay) == (State.PENDING, True)
    assert store.history("IN-COMMIT")[-1].committed_step == "submit"
    assert (never.state, never.attempts) == (State.PENDING, 0)
    assert portal.submits == {"IN-COMMIT": 1}
    store.close()

    portal.slow_page.clear()
    portal.slow_submit.clear()
    worker_kit.work(workers=1)
    store = worker_kit.store()
    assert {i.reference: i.state for i in store.items()} == {
        "IN-COMMIT": State.DONE, "SLOW-PAGE": State.DONE, "NEVER": State.DONE,
    }  # fmt: skip
    assert portal.submits == {"IN-COMMIT": 1, "SLOW-PAGE": 1, "NEVER": 1}
    assert steps_of(worker_kit.root / "runs" / "IN-COMMIT" / "attempt-2")["submit"] == (
        "already_done"
    )
    store.close()


def test_ctrl_c_at_the_terminal_reaches_every_process_and_still_stops_cleanly(
    worker_kit,
) -> None:
    """A terminal's Ctrl-C sends SIGINT to the whole foreground process group, Playwright's
    Node drivers included (Chromium has its own session): the item still goes back."""
    worker_kit.portal.slow_page["A"] = 2.0
    worker_kit.enqueue("A", "B")
    process = subprocess.Popen(
        worker_kit.command(),
        env=worker_kit.environ(),
        cwd=worker_kit.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    wait_for(lambda: "A" in worker_kit.portal.pages_asked)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "已被SIGINT停止;进行中的订单已交回队列" in stderr
    assert processes_under(worker_kit.chromium_tmp) == []
    store = worker_kit.store()
    assert [(i.reference, i.state, i.attempts) for i in store.items()] == [
        ("A", State.PENDING, 1), ("B", State.PENDING, 0),
    ]  # fmt: skip
    assert worker_kit.portal.submits == {}
    store.close()


def kill_at(worker_kit, fault: str, ref: str) -> None:
    """Run ``bots work`` until BOTS_FAULT_KILL kills it; its Chromium must go with it."""
    worker_kit.enqueue(ref)
    process = subprocess.run(
        worker_kit.command(),
        env=worker_kit.environ(BOTS_FAULT_KILL=fault),
        cwd=worker_kit.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == -signal.SIGKILL, process.stderr
    # its Playwright driver sees the pipe close and takes Chromium down with it
    wait_for(lambda: processes_under(worker_kit.chromium_tmp) == [], seconds=10)


def test_sigkill_after_a_commit_needs_review_and_replay_does_not_repeat_it(worker_kit) -> None:
    worker_kit.lease = 1.0
    kill_at(worker_kit, "submit:after", "KILLED")
    assert worker_kit.portal.submits == {"KILLED": 1}
    store = worker_kit.store()
    assert store.get("KILLED").state is State.RUNNING
    time.sleep(1.1)  # the lease runs out
    assert [i.reference for i in store.reap()] == ["KILLED"]
    item = store.get("KILLED")
    assert item.state is State.NEEDS_REVIEW
    assert item.reason == (
        "工作进程cli/0在提交步骤“提交订单”进行中失去了租约;重放前先到营账系统里查看"
        "(步骤 提交订单)"
    )
    # what the killed attempt did is where the operator is sent to look
    folder = worker_kit.root / "runs" / "KILLED" / "attempt-1"
    assert item.artifact_dir == str(folder) and (folder / "log.jsonl").is_file()
    assert store.history("KILLED")[-1].artifact_dir == str(folder)
    # its run.json still says running, without steps; the console shows what its log kept
    (attempt,) = attempts_of(item, store.history("KILLED"), worker_kit.root / "runs")
    assert attempt.cut is True
    assert [(s["id"], s["status"]) for s in attempt.steps][-2:] == [
        ("open", "passed"), ("ready", "passed")]  # (killed inside submit, before its line)
    assert store.replay(["KILLED"], actor="ops") == ["KILLED"]
    store.close()
    worker_kit.work(workers=1)
    store = worker_kit.store()
    assert store.get("KILLED").state is State.DONE
    assert store.get("KILLED").outputs == {"order_no": "NO-KILLED"}
    assert worker_kit.portal.submits == {"KILLED": 1}
    assert steps_of(worker_kit.root / "runs" / "KILLED" / "attempt-2")["submit"] == "already_done"
    store.close()


def test_sigkill_before_any_commit_goes_back_to_pending(worker_kit) -> None:
    worker_kit.lease = 1.0
    kill_at(worker_kit, "ready:after", "EARLY")
    time.sleep(1.1)
    store = worker_kit.store()
    assert [i.reference for i in store.reap()] == ["EARLY"]
    item = store.get("EARLY")
    assert (item.state, item.replay, item.error_message) == (State.PENDING, False, None)
    assert store.history("EARLY")[-1].note == "租约过期,没有留下任何改动"
    assert worker_kit.portal.submits == {}
    store.close()


def test_k_system_errors_in_a_row_stop_as_portal_down_exit_code_6(worker_kit) -> None:
    refs = ["D-1", "D-2", "D-3"]
    worker_kit.portal.busy.update(refs)
    worker_kit.enqueue(*refs)
    process = subprocess.run(
        # (a long back-off: the first order must not come due again before the second is
        # claimed, however slow the machine)
        worker_kit.command(
            "--max-consecutive-failures", "2", "--retry-delay", "60", "--retry-cap", "60"
        ),
        env=worker_kit.environ(),
        cwd=worker_kit.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert process.returncode == 6, process.stderr
    last = " ".join(process.stderr.split())  # Rich wraps long lines
    assert "cli/0:连续2次系统异常(最近一次:" in last
    assert last.endswith("营账系统像是停了,已停止;恢复后再运行 bots work")
    assert processes_under(worker_kit.chromium_tmp) == []
    # two attempts, each now waiting to retry; the third item was never touched
    store = worker_kit.store()
    assert [(i.reference, i.state, i.attempts) for i in store.items()] == [
        ("D-1", State.RETRY_WAIT, 1), ("D-2", State.RETRY_WAIT, 1), ("D-3", State.PENDING, 0),
    ]  # fmt: skip
    assert worker_kit.portal.pages_asked == ["D-1", "D-2"]
    store.close()


def test_a_driver_killed_mid_order_stops_bots_work_in_one_line(worker_kit) -> None:
    # Playwright's driver gone, every worker stops where it was: one reason, exit 6, and
    # the order under way left leased for the next run's reap (no commit had begun)
    portal = worker_kit.portal
    portal.slow_page["SLOW-PAGE"] = 3.0
    worker_kit.enqueue("SLOW-PAGE", "NEXT")
    process = started(worker_kit, "--workers", "1")
    wait_for(lambda: "SLOW-PAGE" in portal.pages_asked)
    kill_driver(process)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 6, stderr
    assert stderr.splitlines()[-1] == (
        "错误: 浏览器已退出(Playwright 驱动已断开);检查机器人电脑的内存后重新运行 bots work"
    ), stderr
    assert "Traceback" not in stderr and "Future exception" not in stderr, stderr
    store = worker_kit.store()
    assert [(i.reference, i.state) for i in store.items()] == [
        ("SLOW-PAGE", State.RUNNING), ("NEXT", State.PENDING),
    ]  # fmt: skip
    store.close()


def test_a_browser_killed_mid_order_stops_the_worker_with_its_reason(worker_kit) -> None:
    # Chromium killed (out of memory, by hand) while a worker is in a step: the order goes
    # back to be tried again, not blamed on the flow, and bots work stops saying why
    portal = worker_kit.portal
    portal.slow_page["SLOW-PAGE"] = 3.0
    worker_kit.enqueue("SLOW-PAGE", "NEXT")
    process = started(worker_kit, "--workers", "1")
    wait_for(lambda: "SLOW-PAGE" in portal.pages_asked)
    kill_chromium(worker_kit)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 6, stderr
    assert "Traceback" not in stderr, stderr
    assert "浏览器已退出(Chromium 已关闭)" in stderr, stderr  # (not Playwright's English)
    assert "检查机器人电脑的内存后重新运行 bots work" in stderr
    store = worker_kit.store()
    slow = store.get("SLOW-PAGE")
    assert slow.state in (State.RETRY_WAIT, State.PENDING), slow
    assert "流程" not in (slow.error_message or ""), slow.error_message
    assert store.get("NEXT").state is State.PENDING
    store.close()


def test_a_browser_found_dead_when_an_order_was_claimed_hands_the_order_back(
    worker_kit,
) -> None:
    # Chromium killed while the worker waited for an order's retry: it claims the order,
    # finds the browser gone, and hands the order back before it stops (held by a dead
    # process until its lease ran out, the order counted an expiry against it)
    portal = worker_kit.portal
    portal.busy.add("A")
    worker_kit.enqueue("A")
    process = started(worker_kit, "--workers", "1", "--retry-delay", "4", "--retry-cap", "4")
    wait_for(lambda: "A" in portal.pages_asked)
    store = worker_kit.store()
    wait_for(lambda: store.get("A").state is State.RETRY_WAIT)
    portal.busy.discard("A")
    time.sleep(1.5)  # the worker waits for A's retry (4 s), its page tidied
    kill_chromium(worker_kit)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 6, stderr
    found = store.get("A")
    assert (found.state, found.lease_owner, found.expiries) == (State.PENDING, None, 0)
    assert store.history("A")[-1].note == "交回队列:浏览器已退出"
    store.close()
