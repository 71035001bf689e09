"""``bots demo``: from an empty folder that is not the repository, the shipped sample batch
and flows are found through the package, the console is quiet, and the oracle is the portal's
own state (its state file, served again after the demo); afterwards the operator console runs
on the demo's ledger, with a demo operator account printed once, until Ctrl-C
(``--no-console`` ends with the batch)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path

import httpx
import pytest

from bots.demo import mock_portal
from bots.ledger import State, open_store
from tests.fixtures.console import CSRF, EXAMPLES, ROOT

pytestmark = pytest.mark.browser
ACCOUNT = re.compile(r"演示运维员账号:(\w+) 密码:([A-Za-z0-9_-]+)")


def one_order(folder: Path) -> Path:
    lines = (EXAMPLES / "orders.csv").read_text(encoding="utf-8-sig").splitlines()
    path = folder / "one.csv"
    path.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    return path


def demo(folder: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bots", "demo", "--orders", str(one_order(folder)),
         "--workers", "1", "--out", str(folder / "demo"), "--screenshots", "off", *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip


def test_the_demo_leaves_the_console_running_until_ctrl_c(tmp_path: Path) -> None:
    process = demo(tmp_path)
    assert process.stdout is not None
    seen: deque[str] = deque(maxlen=60)
    found: dict[str, str] = {}
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line.rstrip())
            if line.startswith("控制台:"):
                found["url"] = line.split(":", 1)[1].strip()
            if match := ACCOUNT.search(line):
                found["name"], found["password"] = match.groups()
            if "按 Ctrl-C 结束" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(300), "\n".join(seen)
        url = found["url"]
        assert found["name"] == "demo"
        with httpx.Client(base_url=url, timeout=30) as web:
            token = CSRF.search(web.get("login").text)
            assert token is not None
            signed = web.post("login", data={"name": "demo", "password": found["password"],
                                             "csrf": token.group(1)})  # fmt: skip
            assert signed.status_code == 303
            queue = web.get("queue")
            assert queue.status_code == 200 and "E9-20261127-0001" in queue.text
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert sum(1 for line in seen if found["password"] in line) == 1  # printed once
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "login", timeout=5)


def test_no_console_ends_with_the_batch(tmp_path: Path) -> None:
    process = demo(tmp_path, "--no-console")
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    assert "批次报告:" in output and "控制台" not in output


NOT_DUE = "E9-20261127-0012"  # a renewal whose term does not end this period: refused


def test_the_demo_runs_from_an_empty_folder(tmp_path: Path) -> None:
    empty, out = tmp_path / "empty", tmp_path / "out"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOTS_")}
    env.pop("PYTHONPATH", None)  # the installed package, not the repository's folder
    done = subprocess.run(
        [sys.executable, "-m", "bots", "demo", "--out", str(out), "--workers", "2",
         "--screenshots", "off", "--no-console"],
        cwd=empty, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert list(empty.iterdir()) == []
    shipped = Path(__import__("bots").__file__).parent / "shipped" / "examples" / "orders.csv"
    lines = [line for line in done.stdout.splitlines() if not line.startswith("订单:")]
    assert lines[:3] == [
        f"录入时拒收 {shipped}:第7行:赠机串号(IMEI):串号无效(校验位对不上):"
        "请对照手机重新核对整个串号",
        f"已录入11单到 sqlite:///{out / 'ledger.db'}",
        lines[2],
    ]
    assert re.fullmatch(r"模拟营账系统:http://127\.0\.0\.1:\d+/", lines[2])
    # one line per finished order: ten done with their order number, one refused; no step
    outcomes = lines[3:14]
    assert len([line for line in outcomes if re.fullmatch(r"✓ E9-\d{8}-\d{4}  已完成  订单号 \S+",
                                                          line)]) == 10  # fmt: skip
    (refused,) = [line for line in outcomes if NOT_DUE in line]
    assert refused.startswith(f"✗ {NOT_DUE}  失败:")
    assert lines[14].startswith("本次运行:完成 10 · 失败或待核查 1 · 每分钟 ")
    db = f"sqlite:///{out / 'ledger.db'}"
    assert lines[16:] == [
        # (its ledger is not the configured one: the next commands are told which it is)
        f"下一步:运行 bots status --failed --db {db} 查看这1单的原因;"
        f"改正后 bots replay --failed --db {db} 重放(或只重放列出的业务参考号)",
        f"批次报告:{out / 'report' / 'batch_report.html'}",
    ]
    assert (out / "report" / "batch_report.html").is_file()
    assert (out / "rejects.csv").is_file()
    with open_store(f"sqlite:///{out / 'ledger.db'}", mode="read") as store:
        states = {item.reference: item.state for item in store.items()}
        assert [r.row for r in store.rejects()] == [7]
    assert states.pop(NOT_DUE) is State.FAILED
    assert set(states.values()) == {State.DONE}
    # the portal's own record: ten orders, one per reference the ledger has done, and a
    # 600-yuan special fund for each
    with mock_portal(out / "portal.sqlite") as url:
        state = httpx.get(url + "qa/state", timeout=30).json()
    remarks = [order["remark"] for order in state["orders"]]
    assert sorted(ref for ref in states if any(f"业务参考:{ref}" in r for r in remarks)) == (
        sorted(states)
    )
    assert len(state["orders"]) == 10
    assert [fund["amount"] for fund in state["special_funds"]] == [600] * 10
