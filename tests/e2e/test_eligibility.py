"""A renewal for a user whose term does not end in the portal's current period."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from bots.errors import BusinessException
from bots.flow import load_flow
from bots.runner import Runner
from tests.e2e import orders
from tests.fixtures.portal import PortalClient

pytestmark = pytest.mark.browser


def test_renewal_of_a_user_not_due_changes_nothing(page: Page, portal: PortalClient,
                                                   tmp_path: Path) -> None:
    login = Runner(page, load_flow(orders.FLOWS / "login.yaml"),
                   {"staff_id": orders.SECRETS["staff_id"], "password": orders.SECRETS["password"]},
                   portal_url=portal.url, runs_dir=tmp_path, screenshots="off").run()
    assert login.ok, login.error
    before = portal.state()
    term_end = {s["number"]: s for s in before["services"]}[orders.NOT_DUE_USER]["term_end"]

    result = orders.run(page, portal.url, "e9_renewal.yaml",
                        orders.renewal(9, access_number=orders.NOT_DUE_USER), tmp_path)

    assert isinstance(result.error, BusinessException)
    assert str(result.error) == f"not a current-period renewal: term ends {term_end}"
    assert result.failed_step == "enter_order/eligible"
    assert result.last_commit is None
    assert portal.state() == before


def test_a_user_due_at_the_end_of_the_business_month_is_renewed(
        page: Page, portal: PortalClient, tmp_path: Path) -> None:
    # the period is the portal's business month, not the robot's clock
    portal.reset(business_date="2027-05-10")
    term_end = {s["number"]: s for s in portal.state()["services"]}[orders.DUE_USER]["term_end"]
    assert term_end == "2027-05-31"
    result = orders.run(page, portal.url, "e9_renewal.yaml", orders.renewal(10), tmp_path)
    assert result.ok, result.error
    state = portal.state()
    assert [o["status"] for o in state["orders"]] == ["已收费"]
    assert [f["amount"] for f in state["special_funds"]] == [600]
