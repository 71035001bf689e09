"""`bots run` as QA runs it by hand: never an order twice, and nothing personal in what a
failed run leaves behind. The oracle is the portal's own state."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.e2e import orders
from tests.fixtures.portal import PortalClient

pytestmark = pytest.mark.browser
ORDER_FILE = orders.ROOT / "examples" / "orders" / "E9-20261127-0001.yaml"


def bots_run(
    portal: PortalClient,
    runs: Path,
    *extra: str,
    password: str = "Tele@1006",
    flow: str = "flows/e9_new_install.yaml",
    cwd: Path = orders.ROOT,
) -> subprocess.CompletedProcess[str]:
    # (an approver set: the warning about a secret this computer lacks is not under test here)
    env = {**os.environ, "BOTS_STAFF_ID": "GH1006", "BOTS_STAFF_PASSWORD": password,
           "BOTS_SECRET_APPROVER": "JK0001"}
    return subprocess.run(
        [sys.executable, "-m", "bots", "run", flow, "--input",
         str(ORDER_FILE), "--portal", portal.url, "--runs-dir", str(runs), *extra],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip


def test_a_shipped_flow_runs_by_its_name_from_any_folder(
    portal: PortalClient, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = bots_run(portal, tmp_path / "runs", "--screenshots", "off", flow="e9_new_install",
                    cwd=elsewhere)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    [placed] = portal.state()["orders"]
    assert f"  受理单号: {placed['order_no']}" in done.stdout.splitlines()
    assert list(elsewhere.iterdir()) == []  # nothing written where it ran but --runs-dir


def test_bots_run_twice_on_one_reference_enters_one_order(
    portal: PortalClient, tmp_path: Path
) -> None:
    first = bots_run(portal, tmp_path / "first", "--screenshots", "off")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    [placed] = portal.state()["orders"]
    assert f"  受理单号: {placed['order_no']}" in first.stdout.splitlines()

    again = bots_run(portal, tmp_path / "again", "--screenshots", "off")
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    state = portal.state()
    assert [o["order_no"] for o in state["orders"]] == [placed["order_no"]]
    assert [f["amount"] for f in state["special_funds"]] == [600]
    lines = again.stdout.splitlines()
    assert (
        "≡ 营账系统中已有这些步骤的结果,未再提交:第一步:完成e9套餐内手机及宽带开户,点击提交、"
        "安装调测费收58元,另收取100元自由话费:点击收费、第二步:存入宽带专款600元"
    ) in lines
    assert f"  受理单号: {placed['order_no']}" in lines


def test_a_run_that_fails_before_its_id_step_leaves_no_personal_value_anywhere(
    portal: PortalClient, tmp_path: Path
) -> None:
    order = yaml.safe_load(ORDER_FILE.read_text(encoding="utf-8"))
    # a wrong password: the run ends at the login, long before the ID number is typed
    done = bots_run(
        portal, tmp_path, "--screenshots", "every_step", "--trace", "on_failure",
        password="Wrong@1006",
    )
    assert done.returncode == 5, done.stdout[-3000:] + done.stderr[-3000:]
    assert done.stderr == (
        "错误: 工号或密码错误:请检查这个工号的密码(凭据文件,或 BOTS_STAFF_PASSWORD)\n"
    )
    [run_dir] = [p for p in tmp_path.iterdir() if p.is_dir()]
    texts: list[tuple[str, bytes]] = [("stdout", done.stdout.encode()),
                                      ("stderr", done.stderr.encode())]  # fmt: skip
    for path in run_dir.rglob("*"):
        if path.is_file():
            texts.append((str(path), path.read_bytes()))
            if path.suffix == ".zip":
                with zipfile.ZipFile(path) as archive:
                    texts += [(f"{path}!{n}", archive.read(n)) for n in archive.namelist()]
    names = {Path(name).name for name, _ in texts}
    assert {"run.json", "log.jsonl", "report.html", "trace.zip"} <= names
    personal = (order["customer"]["id_number"], order["customer"]["contact_phone"], "Wrong@1006")
    for value in personal:
        for name, data in texts:
            assert value.encode() not in data, f"{value[:3]}… in {name}"
    assert portal.state()["orders"] == []
