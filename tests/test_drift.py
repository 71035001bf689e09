"""``bots check-selectors`` (bots/drift.py) against the running mock portal: both modes, a
release that renamed a caption, and the portal's own state to prove nothing was entered."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from bots import drift
from tests.e2e import orders
from tests.fixtures.portal import PortalClient

pytestmark = pytest.mark.browser
UNTOUCHED = ("orders", "fees", "special_funds", "customers", "accounts", "services")


def _verdicts(findings: drift.Findings) -> dict[str, drift.Verdict]:
    return {v.ref: v for v in findings.verdicts}


@pytest.mark.parametrize("legacy", [False, True], ids=["modern", "legacy"])
def test_the_repository_fits_both_modes_and_nothing_is_entered(
        page: Page, portal: PortalClient, tmp_path: Path, legacy: bool) -> None:
    portal.habits(legacy=legacy)
    before = portal.state()
    findings = drift.check(page, orders.FLOWS, portal.url, orders.SECRETS, tmp_path)

    assert findings.problems == []
    found = _verdicts(findings)
    for ref in ("login.staff_id", "shell.menu_install", "shell.menu_funds",
                "order_query.remark", "install.customer_name", "install.group",
                "addon.access_number", "addon.owner_id_number", "addon.pack_button"):
        assert (found[ref].status, found[ref].candidate) == (drift.OK, 1), ref
    for ref in ("install.brand", "member.pick_number", "numbers.choose", "fees.collect",
                "funds.submit"):
        assert found[ref].status == drift.UNREACHED, ref
    assert found["work.busy_page"].status == drift.MARKER
    assert found["install.plan_option"].status == drift.UNSEEN  # no flow uses it
    stops = [(s.flow, s.step, s.reason) for s in findings.stops]
    assert stops == [
        ("e9_new_install.yaml", "enter_order/customer_next",
         "该步骤会提交表单(POST /install/customer),只读检查不发送"),
        ("e9_renewal.yaml", "enter_order/pack",
         "该步骤会提交表单(POST /addon/start),只读检查不发送"),
    ]
    assert findings.refused == ["POST /install/customer", "POST /addon/start"]
    after = portal.state()
    assert {k: after[k] for k in UNTOUCHED} == {k: before[k] for k in UNTOUCHED}


def _check(portal: PortalClient, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[Any]:
    env = {**os.environ, "BOTS_STAFF_ID": "GH1006", "BOTS_STAFF_PASSWORD": "Tele@1006",
           "BOTS_LANG": "zh"}
    return subprocess.run(
        [sys.executable, "-m", "bots", "check-selectors", "--portal", portal.url,
         "--runs-dir", str(tmp_path), *args],
        cwd=orders.ROOT, env=env, capture_output=True, text=True, timeout=240)


def test_a_renamed_caption_is_named_and_fails_the_check(portal: PortalClient,
                                                        tmp_path: Path) -> None:
    portal.habits(legacy=True, renamed_captions={"联系地址": "通讯地址"})
    done = _check(portal, tmp_path)
    assert done.returncode == 10, done.stdout[-2000:] + done.stderr[-2000:]
    report = {line.split()[0]: line for line in done.stdout.splitlines() if line[:1].isalpha()}
    assert report["install.address"].split(None, 1)[1] == (
        "✗ 没有候选匹配到唯一元素(候选1:0个);步骤enter_order/address需要它")
    assert report["install.phone"].split(None, 1)[1] == "✓ 候选1匹配"  # the same screen
    assert "试运行e9_new_install.yaml:停在enter_order/address:" in done.stdout
    assert done.stderr.strip().endswith("1个元素没有候选匹配:install.address")
    assert portal.state()["orders"] == []


def test_the_check_takes_the_configuration_from_any_folder_and_prints_only_its_findings(
    portal: PortalClient, tmp_path: Path
) -> None:
    # (the portal, the runs folder from bots.toml; the flows shipped with bots; no step
    # lines of the dry runs: those are in their run folders)
    (tmp_path / "bots.toml").write_text(
        f'portal_url = "{portal.url}"\nruns = "dry"\n', encoding="utf-8"
    )
    env = {**os.environ, "BOTS_STAFF_ID": "GH1006", "BOTS_STAFF_PASSWORD": "Tele@1006",
           "BOTS_LANG": "zh"}  # fmt: skip
    env.pop("BOTS_PORTAL_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "bots", "check-selectors"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "试运行e9_new_install.yaml:停在enter_order/customer_next:" in done.stdout
    report = {line.split()[0]: line for line in done.stdout.splitlines() if line[:1].isalpha()}
    assert report["install.phone"].split(None, 1)[1] == "✓ 候选1匹配"
    assert "| INFO |" not in done.stdout + done.stderr and "✗ 运行失败" not in done.stdout
    assert (tmp_path / "dry").is_dir()
