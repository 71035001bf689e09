"""A run stopped right after each commit step, then replayed: the guards find what the
first run did, nothing is entered twice, and the order completes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.e2e import orders
from tests.fixtures.portal import PortalClient

pytestmark = pytest.mark.browser
CASES = {
    "e9_new_install.yaml": (orders.new_install(21), 3),
    "e9_renewal.yaml": (orders.renewal(22), 4),
}


class Stopped(Exception):
    """The 'crash' right after a commit step finished."""


class StopAfter:
    def __init__(self, step_id: str) -> None:
        self.step_id = step_id

    def on_commit_done(self, step: Any, outputs: dict[str, Any]) -> None:
        if step.id == self.step_id:
            raise Stopped(step.id)


def assert_entered_once(state: dict[str, Any], fee_lines: int) -> None:
    [order] = state["orders"]
    assert order["status"] == "已收费"
    fees = [f for f in state["fees"] if f["order_no"] == order["order_no"]]
    assert len(fees) == len(state["fees"]) == fee_lines
    assert all(f["collected"] for f in fees)
    assert [f["amount"] for f in state["special_funds"]] == [600]
    mobiles = [s for s in state["services"] if s["kind"] == "mobile"]
    assert len(mobiles) == 1


@pytest.mark.parametrize("commit", ["enter_order", "collect", "deposit"])
@pytest.mark.parametrize("flow", list(CASES))
def test_replay_after_a_stop_right_after_a_commit(page: Page, portal: PortalClient,
                                                  tmp_path: Path, flow: str,
                                                  commit: str) -> None:
    order, fee_lines = CASES[flow]
    with pytest.raises(Stopped):
        orders.run(page, portal.url, flow, order, tmp_path, hooks=StopAfter(commit))
    stopped = portal.state()
    assert len(stopped["orders"]) == 1

    result = orders.run(page, portal.url, flow, order, tmp_path, replay=True)

    assert result.ok, result.error
    statuses = {s["id"]: s["status"] for s in result.steps}
    assert statuses[commit] == "already_done"
    state = portal.state()
    assert_entered_once(state, fee_lines)
    [placed] = state["orders"]
    [fund] = state["special_funds"]
    assert (result.outputs["order_no"], result.outputs["serial_no"]) == (
        placed["order_no"], fund["serial_no"])
    assert result.outputs["access_number"] == fund["access_number"]
