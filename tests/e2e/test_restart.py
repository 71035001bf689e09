"""The portal restarts in the middle of a run: Chromium shows its own error page where the
portal's answer should be. The run waits for the portal, opens the screen again and goes
on; the order is entered exactly once (the portal's own records say so)."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page

from bots.errors import UnknownOutcome
from mock_portal.process import PortalProcess
from tests.e2e import orders
from tests.e2e.test_replay import assert_entered_once

pytestmark = pytest.mark.browser


class Outage:
    """Stops the portal when step ``at`` is done and starts it again ``down`` seconds
    later on the same port and state file, in the background, while the run goes on.
    ``forget_sessions``: the restarted portal knows no session (its store was reset)."""

    def __init__(self, portal: PortalProcess, at: str, down: float, forget_sessions: bool) -> None:
        self.portal, self.at, self.down = portal, at, down
        self.forget_sessions = forget_sessions
        self.back: threading.Thread | None = None

    def on_step_complete(self, step: Any, record: dict[str, Any]) -> None:
        if record["id"] != self.at or self.back is not None:
            return
        self.portal.stop()
        if self.forget_sessions:
            with sqlite3.connect(self.portal.state_path) as db:
                db.execute("DELETE FROM sessions")
        self.back = threading.Thread(target=self.portal.restart, kwargs={"down": self.down})
        self.back.start()


@pytest.fixture
def own_portal(tmp_path: Path) -> Any:
    """A portal of this test's own: stopping it leaves the other tests' portal alone."""
    with PortalProcess(tmp_path / "portal.sqlite3") as portal:
        yield portal


@pytest.mark.parametrize(
    "at,met,forget_sessions",
    [
        # the next click is a wizard's 下一步 (redo_from): refused, it is done again once
        # the screen is back
        ("enter_order/broadband_next", "enter_order/account_next", False),
        # the same, and the restarted portal forgot the session: the recovery finds the
        # login page, the run logs in again and the commit's guard looks first
        ("enter_order/prepaid", "enter_order/mobile_next", True),
    ],
    ids=["next-refused", "sessions-forgotten"],
)
def test_a_portal_restart_mid_run_enters_the_order_once(
    page: Page,
    own_portal: PortalProcess,
    tmp_path: Path,
    at: str,
    met: str,
    forget_sessions: bool,
) -> None:
    outage = Outage(own_portal, at, down=2.0, forget_sessions=forget_sessions)
    result = orders.run(
        page, own_portal.url, "e9_new_install.yaml", orders.new_install(41), tmp_path, hooks=outage
    )
    assert outage.back is not None
    outage.back.join(timeout=60)
    assert own_portal.restarts == 1
    assert result.ok, result.error
    lines = [json.loads(line) for line in (result.run_dir / "log.jsonl").open(encoding="utf-8")]
    retries = [line for line in lines if line.get("event") == "retry"]
    assert retries and retries[0]["step"] == met
    # the page said it (Chromium's error page), not a 10 s timeout of the next screen
    assert retries[0]["code"] == "unreachable"
    assert "(营账系统没有响应:稍后重放;一直如此请确认营账系统是否在运行)" in retries[0]["message"]
    assert retries[0]["detail"].startswith("http://")
    assert retries[0]["detail"].endswith(": ERR_CONNECTION_REFUSED")
    interrupted = [s["id"] for s in result.steps if s["status"] == "interrupted"]
    assert ("enter_order" in interrupted) is forget_sessions
    state = httpx.get(own_portal.url + "qa/state", timeout=30).json()
    assert_entered_once(state, 3)
    assert "业务参考:E9-A-0041" in state["orders"][0]["remark"]


def test_a_refused_submit_goes_to_an_operator_and_the_replay_enters_the_order_once(
    page: Page, own_portal: PortalProcess, tmp_path: Path
) -> None:
    # 提交 (sends: true) refused: the last try did not connect, but Chromium may have sent
    # the POST once before on a connection that broke (the portal dying while it handled
    # it), so the run does not send it again on its own
    outage = Outage(own_portal, "enter_order/broadband_saved", down=2.0, forget_sessions=False)
    order = orders.new_install(42)
    result = orders.run(page, own_portal.url, "e9_new_install.yaml", order, tmp_path,
                        hooks=outage)
    assert outage.back is not None
    outage.back.join(timeout=60)
    assert result.status == "failed"
    assert isinstance(result.error, UnknownOutcome)
    assert result.error.code == "commit_interrupted"
    assert str(result.error) == (
        "“第一步:完成e9套餐内手机及宽带开户,点击提交”的请求已发出,但结果不明"
        "(营账系统没有响应):请先在营账系统查询这张订单是否已办理,再决定重放或取消"
    )
    assert httpx.get(own_portal.url + "qa/state", timeout=30).json()["orders"] == []

    again = orders.run(page, own_portal.url, "e9_new_install.yaml", order, tmp_path,
                       replay=True)
    assert again.ok, again.error
    state = httpx.get(own_portal.url + "qa/state", timeout=30).json()
    assert_entered_once(state, 3)
