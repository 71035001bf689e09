"""`bots run` on a sample order file, as an operator runs it; and `bots validate`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bots.runner.screens import READ_ONLY
from tests.e2e import orders
from tests.fixtures.portal import PortalClient

pytestmark = pytest.mark.browser
ORDER_FILE = orders.ROOT / "examples" / "orders" / "E9-20261127-0001.yaml"
PASSWORD = "Tele@1005"


def test_bots_run_enters_a_sample_order(portal: PortalClient, tmp_path: Path) -> None:
    order = yaml.safe_load(ORDER_FILE.read_text(encoding="utf-8"))
    env = {**os.environ, "BOTS_STAFF_ID": "GH1005", "BOTS_STAFF_PASSWORD": PASSWORD}
    done = subprocess.run(
        [sys.executable, "-m", "bots", "run", "flows/e9_new_install.yaml", "--input",
         str(ORDER_FILE), "--portal", portal.url, "--runs-dir", str(tmp_path),
         "--screenshots", "every_step"],
        cwd=orders.ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    [run_dir] = [p for p in tmp_path.iterdir() if p.is_dir()]
    run = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    assert run["status"] == "passed"
    assert (run_dir / "report.html").stat().st_size > 0
    # every step that changed something has a picture (a screen's steps share one)
    changed = [s for s in run["steps"] if s["status"] in ("passed", "already_done")
               and s["action"] not in READ_ONLY]
    assert len(changed) >= 40
    assert all(s["screenshot"] and (run_dir / s["screenshot"]).is_file() for s in changed)
    screens = {str(p.relative_to(run_dir)) for p in (run_dir / "screens").glob("*.jpg")}
    assert screens == {s["screenshot"] for s in run["steps"] if s["screenshot"]}
    state = portal.state()
    [placed] = state["orders"]
    assert run["outputs"]["order_no"] == placed["order_no"]
    assert placed["remark"] == "客户经理:马丽 业务参考:E9-20261127-0001"
    assert [f["amount"] for f in state["special_funds"]] == [600]

    secrets = [order["customer"]["id_number"], order["customer"]["contact_phone"], PASSWORD]
    outputs = [done.stdout, done.stderr]
    artifacts = [p for p in run_dir.rglob("*") if p.is_file()]
    for secret in secrets:
        assert all(secret not in text for text in outputs)
        for path in artifacts:
            assert secret.encode() not in path.read_bytes(), f"{secret[:3]}… in {path}"
    assert "✓" in done.stdout and "第二步:存入宽带专款600元" in done.stdout


def test_bots_run_exits_9_when_the_receipt_differs_from_the_rules(
        portal: PortalClient, tmp_path: Path) -> None:
    portal.habits(collect_surcharge=5)
    env = {**os.environ, "BOTS_STAFF_ID": "GH1005", "BOTS_STAFF_PASSWORD": PASSWORD}
    done = subprocess.run(
        [sys.executable, "-m", "bots", "run", "flows/e9_new_install.yaml", "--input",
         str(ORDER_FILE), "--portal", portal.url, "--runs-dir", str(tmp_path),
         "--screenshots", "off"],
        cwd=orders.ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 9, done.stdout[-3000:] + done.stderr[-3000:]
    assert "实收金额合计163.00与e9规则应收158.00不符:费用已收取,请人工核对" in done.stderr
    state = portal.state()
    assert [o["status"] for o in state["orders"]] == ["已收费"] and state["special_funds"] == []


def test_bots_validate_passes_on_the_flows_and_selectors() -> None:
    done = subprocess.run([sys.executable, "-m", "bots", "validate", "flows", "selectors"],
                          cwd=orders.ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    names = {line.split()[-1] for line in done.stdout.splitlines() if line.startswith("通过")}
    shipped = "bots/shipped/flows/"  # flows/ is a link to the flows installed with the package
    assert {shipped + name for name in ("login.yaml", "e9_new_install.yaml", "e9_renewal.yaml",
            "special_fund.yaml", "lookup_order.yaml", "lookup_payment.yaml",
            "lookup_deposit.yaml")} <= names
