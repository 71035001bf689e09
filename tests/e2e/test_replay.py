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


LAST_YEAR = {
    "serial_no": "LS20251118000042", "access_number": orders.DUE_USER,
    "fund_type": orders.FUND_TYPE, "ledger": "账户账本", "amount": 600,
    "staff_id": "GH1001", "time": "2025-11-18 10:12:00",
}  # fmt: skip


def _this_years(state: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in state["special_funds"] if f["serial_no"] != LAST_YEAR["serial_no"]]


@pytest.mark.parametrize("stop", [None, "collect"])
def test_a_renewing_line_s_deposit_of_last_year_is_not_this_order_s(
    page: Page, portal: PortalClient, tmp_path: Path, stop: str | None
) -> None:
    # the guard looks (bots run looks before every commit; a replay too) and must not take
    # last year's 600 on the same line for this order's
    portal.fixtures(special_funds=[LAST_YEAR])
    order = orders.renewal(23)
    if stop is not None:
        with pytest.raises(Stopped):
            orders.run(page, portal.url, "e9_renewal.yaml", order, tmp_path,
                       hooks=StopAfter(stop), guard="always")
        result = orders.run(page, portal.url, "e9_renewal.yaml", order, tmp_path, replay=True)
    else:
        result = orders.run(page, portal.url, "e9_renewal.yaml", order, tmp_path, guard="always")

    assert result.ok, result.error
    state = portal.state()
    [made] = _this_years(state)
    assert (made["access_number"], made["amount"], made["staff_id"]) == (
        orders.DUE_USER, 600, orders.STAFF)
    assert result.outputs["serial_no"] == made["serial_no"]
    assert len(state["special_funds"]) == 2
    deposit = next(s for s in result.steps if s["id"] == "deposit")
    assert deposit["status"] == "passed"
    assert deposit["guard"]["outputs"]["found"] is False


def test_the_guard_finds_this_order_s_deposit_beside_last_year_s(
    page: Page, portal: PortalClient, tmp_path: Path
) -> None:
    portal.fixtures(special_funds=[LAST_YEAR])
    order = orders.renewal(24)
    with pytest.raises(Stopped):
        orders.run(page, portal.url, "e9_renewal.yaml", order, tmp_path,
                   hooks=StopAfter("deposit"))
    [made] = _this_years(portal.state())

    result = orders.run(page, portal.url, "e9_renewal.yaml", order, tmp_path, replay=True)

    assert result.ok, result.error
    assert {s["id"]: s["status"] for s in result.steps}["deposit"] == "already_done"
    assert _this_years(portal.state()) == [made]
    assert result.outputs["serial_no"] == made["serial_no"]
