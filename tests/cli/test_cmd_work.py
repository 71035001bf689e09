"""``bots work`` as a clerk runs it: the settings from bots.toml in the current folder, a
quiet console (one line per finished order, what to do next), exit 11 when orders failed,
the step lines in the run folders (and on the console with -v)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bots.ledger import State, open_store
from bots.ledger.model import NewItem
from tests.fixtures.worker import FLOWS

pytestmark = pytest.mark.browser


def desk(worker_kit, lang: str = "zh") -> Path:
    """A folder with a bots.toml naming the toy portal, a ledger beside it, the toy flows,
    the staff file and the language."""
    folder = worker_kit.root / "desk"
    folder.mkdir()
    (folder / "bots.toml").write_text(
        f'portal_url = "{worker_kit.portal.url}"\n'
        'db = "sqlite:///ledger.db"\n'
        f'flows = "{FLOWS}"\n'
        f'credentials = "{worker_kit.credentials}"\n'
        'runs = "runs"\n'
        'screenshots = "off"\n'
        f'lang = "{lang}"\n',
        encoding="utf-8",
    )
    return folder


def enqueue(folder: Path, *refs: str) -> None:
    with open_store(f"sqlite:///{folder / 'ledger.db'}") as store:
        store.enqueue([NewItem(ref, "toy.yaml", {"reference": ref}) for ref in refs])


def work(worker_kit, folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``bots work`` with no option for what bots.toml holds, run in ``folder``."""
    env = worker_kit.environ()
    for name in ("BOTS_DB", "BOTS_PORTAL_URL", "BOTS_FLOWS", "BOTS_CREDENTIALS", "BOTS_LANG"):
        env.pop(name, None)
    command = [sys.executable, "-m", "bots", "work", "--worker-id", "desk", "--lease", "2",
               "--retry-delay", "0.2", "--retry-cap", "0.2", *extra]  # fmt: skip
    return subprocess.run(
        command, cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )


def test_bots_toml_in_this_folder_gives_portal_ledger_flows_and_language(worker_kit) -> None:
    folder = desk(worker_kit, lang="en")
    enqueue(folder, "T-1", "T-2")
    done = work(worker_kit, folder)
    assert done.returncode == 0, done.stderr
    # the portal of bots.toml took both orders, once each, from its staff login
    assert worker_kit.portal.submits == {"T-1": 1, "T-2": 1}
    assert worker_kit.portal.logins == ["GH1001"]
    with open_store(f"sqlite:///{folder / 'ledger.db'}", mode="read") as store:
        assert [(i.reference, i.state) for i in store.items()] == [
            ("T-1", State.DONE), ("T-2", State.DONE),
        ]  # fmt: skip
        numbers = {i.reference: (i.outputs or {})["order_no"] for i in store.items()}
    assert (folder / "runs" / "T-1" / "attempt-1" / "log.jsonl").is_file()
    # in English (bots.toml's lang): the progress line (a log, not a terminal: a line when the
    # counts change, at most every 10 s), one line per order, no step line
    progress = [line for line in done.stderr.splitlines() if line.startswith("orders: ")]
    assert progress[0] == "orders: done 0 · failed or review 0 · remaining 2 · 0.0/min · ETA -"
    lines = [line for line in done.stderr.splitlines() if line not in progress]
    assert sorted(lines[:2]) == [
        f"✓ T-1  done  order no. {numbers['T-1']}",
        f"✓ T-2  done  order no. {numbers['T-2']}",
    ]
    assert lines[2].startswith("this run: done 2 · failed or review 0 · ")
    assert lines[3].startswith("finished in ")
    assert lines[3].endswith(" s; ledger: done 2")
    assert lines[4:] == ["batch report: run bots report --out reports/"]


@pytest.mark.parametrize("given", [(), ("--db", "sqlite:///ledger.db")])
def test_orders_that_failed_exit_11_and_say_what_to_do_next(
    worker_kit, given: tuple[str, ...]
) -> None:
    # (a ledger given as an option is given to the next commands too: theirs would be the
    # configured one)
    folder = desk(worker_kit)
    worker_kit.portal.refused.add("T-2")
    enqueue(folder, "T-1", "T-2")
    done = work(worker_kit, folder, *given)
    db = " ".join(("", *given))
    assert done.returncode == 11, done.stderr
    lines = done.stderr.splitlines()
    refused = next(line for line in lines if "T-2" in line)
    assert refused.startswith("✗ T-2  失败:")
    assert refused.endswith("(步骤 等订单页面出来)")
    assert lines[-3:] == [
        f"下一步:运行 bots status --failed{db} 查看这1单的原因;"
        f"改正后 bots replay --failed{db} 重放(或只重放列出的业务参考号)",
        f"批次报告:运行 bots report{db} --out reports/",
        "注意: 本次有1单失败或待人工核查",
    ]
    assert worker_kit.portal.submits == {"T-1": 1}


def test_orders_to_review_are_sent_to_the_portal_before_any_replay(worker_kit) -> None:
    # the 提交 was taken, the page after it busy: money may have moved, so the advice for
    # these is to look in the portal first, not the failed orders' replay
    folder = desk(worker_kit)
    worker_kit.portal.refused.add("T-2")
    worker_kit.portal.busy_after_submit["T-3"] = 1
    enqueue(folder, "T-1", "T-2", "T-3")
    done = work(worker_kit, folder)
    assert done.returncode == 11, done.stderr
    assert done.stderr.splitlines()[-4:] == [
        "下一步:运行 bots status --failed 查看这1单的原因;"
        "改正后 bots replay --failed 重放(或只重放列出的业务参考号)",
        "待人工核查1单(款项可能已变动):bots status --failed 列出它们;先在营账系统核对,"
        "已办成的用 bots review 业务参考号 --note 说明 标为已核查,"
        "没有办成的再用 bots replay --needs-review 重放",
        "批次报告:运行 bots report --out reports/",
        "注意: 本次有2单失败或待人工核查",
    ]
    assert worker_kit.portal.submits == {"T-1": 1, "T-3": 1}


def test_verbose_brings_the_step_lines_back_to_the_console(worker_kit) -> None:
    folder = desk(worker_kit)
    enqueue(folder, "T-1")
    quiet = work(worker_kit, folder)
    assert quiet.returncode == 0, quiet.stderr
    enqueue(folder, "T-2")
    loud = work(worker_kit, folder, "-v")
    assert loud.returncode == 0, loud.stderr
    steps = [line for line in loud.stderr.splitlines() if "submit" in line]
    assert steps, loud.stderr
    assert not [line for line in quiet.stderr.splitlines() if "submit" in line]
    logged = (folder / "runs" / "T-1" / "attempt-1" / "log.jsonl").read_text(encoding="utf-8")
    assert '"id": "submit"' in logged


def test_the_summary_counts_this_run_s_orders_and_the_ledger_apart() -> None:
    # another host on the same ledger finished 5 more meanwhile: the ledger's line shows
    # them, "本次运行" only what this process's workers finished
    from collections import Counter
    from io import StringIO

    from rich.console import Console

    from bots.cli.cmd_work import print_summary
    from bots.worker.pool import Summary
    from bots.worker.progress import Snapshot

    out = StringIO()
    summary = Summary(
        counts={"done": 7, "failed": 1, "pending": 0},
        snapshot=Snapshot(done=7, failed=1, remaining=0, seconds=60.0),
        finished=Counter(done=2, failed=1),
        seconds=60.0,
    )
    print_summary(summary, Console(file=out, width=200))
    assert out.getvalue().splitlines() == [
        "本次运行:完成 2 · 失败或待核查 1 · 每分钟 3.0 单",
        "用时60.0秒;账本:已完成 7 · 失败 1",
    ]


def test_windows_without_a_desktop_stop_before_any_worker_starts(worker_kit) -> None:
    folder = desk(worker_kit)
    enqueue(folder, "H-1")
    env = worker_kit.environ()
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run(
        [sys.executable, "-m", "bots", "work", "--worker-id", "desk", "--headed"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 8, done.stderr  # (a set-up problem)
    assert done.stderr == (
        "错误: --headed 要打开浏览器窗口,但这台机器没有图形桌面"
        "(DISPLAY 和 WAYLAND_DISPLAY 都没有设置):"
        "去掉 --headed,或在桌面会话里运行;没有桌面的机器可以用 xvfb-run 包住这条命令\n"
    )
    # no worker registered, none crashed, the order untouched
    with open_store(f"sqlite:///{folder / 'ledger.db'}") as store:
        assert store.workers(since=datetime(2000, 1, 1, tzinfo=UTC)) == []
        assert store.get("H-1").state is State.PENDING
