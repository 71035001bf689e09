"""Transient portal trouble (busy pages, latency) and a lost session end with the order
entered exactly once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page

from tests.e2e import orders
from tests.e2e.test_replay import assert_entered_once
from tests.fixtures.portal import PortalClient

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("flow,order,fee_lines", [
    ("e9_new_install.yaml", orders.new_install(31), 3),
    ("e9_renewal.yaml", orders.renewal(32), 4),
])
def test_busy_pages_and_latency(page: Page, portal: PortalClient, tmp_path: Path, flow: str,
                                order: dict[str, Any], fee_lines: int) -> None:
    portal.reset(seed=7)
    portal.habits(busy_share=0.2, latency_ms=[20, 80])
    result = orders.run(page, portal.url, flow, order, tmp_path, screenshots="on_failure")
    assert result.ok, result.error
    retried = [s["id"] for s in result.steps if s["attempts"] > 1]
    assert retried, "the portal was busy 20% of the time: some step must have been retried"
    assert_entered_once(portal.state(), fee_lines)


class KickAt:
    """Logs the same staff id in elsewhere when a step is done: the portal ends the
    browser's session ("您的工号已在别处登录")."""

    def __init__(self, portal_url: str, step_id: str) -> None:
        self.portal_url = portal_url
        self.step_id = step_id
        self.kicked = False

    def on_step_complete(self, step: Any, record: dict[str, Any]) -> None:
        if record["id"] == self.step_id and not self.kicked:
            self.kicked = True
            response = httpx.post(self.portal_url + "login", data={
                "staff_id": orders.SECRETS["staff_id"], "password": orders.SECRETS["password"]})
            assert response.status_code in (200, 303)


@pytest.mark.parametrize("flow,order,fee_lines,at", [
    ("e9_new_install.yaml", orders.new_install(33), 3, "enter_order/mobile_saved"),
    ("e9_renewal.yaml", orders.renewal(34), 4, "fee_status"),
])
def test_session_lost_mid_run(page: Page, portal: PortalClient, tmp_path: Path, flow: str,
                              order: dict[str, Any], fee_lines: int, at: str) -> None:
    kick = KickAt(portal.url, at)
    result = orders.run(page, portal.url, flow, order, tmp_path, hooks=kick)
    assert kick.kicked
    assert result.ok, result.error
    assert [s["id"] for s in result.steps if s["status"] == "interrupted"]
    assert_entered_once(portal.state(), fee_lines)
