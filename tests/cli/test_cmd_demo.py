"""``bots demo --out DIR`` from an empty folder that is not the repository: the shipped
sample batch and flows are found through the package; the console is quiet; the oracle is
the portal's own state (its state file, served again after the demo)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from bots.demo import mock_portal
from bots.ledger import State, open_store

pytestmark = pytest.mark.browser

NOT_DUE = "E9-20261127-0012"  # a renewal whose term does not end this period: refused


def test_the_demo_runs_from_an_empty_folder(tmp_path: Path) -> None:
    empty, out = tmp_path / "empty", tmp_path / "out"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOTS_")}
    env.pop("PYTHONPATH", None)  # the installed package, not the repository's folder
    done = subprocess.run(
        [sys.executable, "-m", "bots", "demo", "--out", str(out), "--workers", "2",
         "--screenshots", "off"],
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
    assert lines[14].startswith("本次运行:完成 10 · 失败或待核查 1 · 剩余 0 · ")
    assert lines[16:] == [
        "下一步:运行 bots status --failed 查看这1单的原因;改正后 bots replay 重放",
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
