"""Which renewals are due: the term ends in the portal's business month — the one rule the
bot's eligibility step and the mock portal apply (PROCEDURES.md), boundaries on both sides."""

from __future__ import annotations

from datetime import date
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
    assert str(result.error) == (
        f"不是当期到期续费用户:到期日期{term_end}不在营业月份{date.today():%Y-%m}内")
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


OWNER = ("郭建华", "410105197001010012")


def _user(access_number: str, term_end: str) -> dict[str, str]:
    return {"access_number": access_number, "name": OWNER[0], "id_number": OWNER[1],
            "term_end": term_end}


@pytest.mark.parametrize(("term_end", "due"), [
    ("2027-05-31", True),   # the last day of the business month
    ("2027-05-14", True),   # mid-month: the portal used to refuse it
    ("2027-05-01", True),   # the first day of the business month
    ("2027-06-01", False),  # the first day of the next month
    ("2027-04-30", False),  # the last day of the month before
], ids=["last-day", "mid-month", "first-day", "next-month", "month-before"])
def test_the_bot_and_the_portal_apply_one_due_rule(
        page: Page, portal: PortalClient, tmp_path: Path, term_end: str, due: bool) -> None:
    portal.reset(business_date="2027-05-10")
    portal.fixtures(broadband_users=[_user("037960020001", term_end)])
    before = portal.state()
    order = orders.renewal(20, access_number="037960020001", owner=OWNER)
    result = orders.run(page, portal.url, "e9_renewal.yaml", order, tmp_path)
    state = portal.state()
    if due:
        assert result.ok, result.error
        assert [o["status"] for o in state["orders"]] == ["已收费"]
        assert [(f["access_number"], f["amount"]) for f in state["special_funds"]] == [
            ("037960020001", 600)]
    else:
        assert isinstance(result.error, BusinessException)
        assert str(result.error) == (
            f"不是当期到期续费用户:到期日期{term_end}不在营业月份2027-05内")
        assert result.failed_step == "enter_order/eligible"
        del state["staff"], before["staff"]  # the run logged in: nothing else may change
        assert state == before
