"""选号 refusals on the mock portal: a taken or unknown number is the order's fault and named;
an "any number" order picks another; and one refused order never poisons the next one on
the same worker. Every check reads the portal's own state."""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from rich.console import Console

from bots.errors import BusinessException
from bots.ledger import Backoff, NewItem, State, open_store
from bots.orders.rules import reference_in_remark
from bots.worker.credentials import Credential
from bots.worker.loop import WorkerConfig
from bots.worker.pool import run_workers
from mock_portal.fixtures import iccid
from tests.e2e import orders
from tests.e2e.test_transient import hold_number
from tests.fixtures.portal import PortalClient

pytestmark = pytest.mark.browser
UNKNOWN = "18937101701"  # the pool is 18937100000 … 18937100999


def entered(state: dict[str, Any]) -> dict[str, str]:
    """Reference → mobile number of every order the portal holds."""
    numbers = {s["order_no"]: s["number"] for s in state["services"] if s["kind"] == "mobile"}
    return {
        str(reference_in_remark(o["remark"])): numbers[o["order_no"]] for o in state["orders"]
    }


@pytest.mark.parametrize("flow,order", [
    ("e9_new_install.yaml", orders.new_install(61, number=UNKNOWN)),
    ("e9_renewal.yaml", {**orders.renewal(62), "mobile": {**orders.renewal(62)["mobile"],
                                                          "number": UNKNOWN}}),
])  # fmt: skip
def test_an_unknown_number_is_a_business_refusal_naming_it(
    page: Page, portal: PortalClient, tmp_path: Path, flow: str, order: dict[str, Any]
) -> None:
    result = orders.run(page, portal.url, flow, order, tmp_path)
    assert type(result.error) is BusinessException
    assert result.error.exit_code == 5
    assert result.error.message == f"the portal refused: 号码{UNKNOWN}已被占用或不存在"
    failed = [(s["id"], s["attempts"]) for s in result.steps if s["status"] == "failed"]
    # refused by the search at once: not retried, and no popup time-out
    assert failed == [("enter_order", 1), ("enter_order/number_query", 1)]
    assert portal.state()["orders"] == []


@pytest.fixture
def chromium_tmp() -> Iterator[Path]:
    # short: Chromium aborts when its profile path is long (xdist's tmp paths are)
    path = Path(tempfile.mkdtemp(prefix="bn-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_refused_number_never_poisons_the_next_order_on_the_same_worker(
    portal: PortalClient, tmp_path: Path, chromium_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(chromium_tmp))
    first = orders.new_install(63, number="18937100000")
    taken = orders.new_install(64, number="18937100000")  # the number the first one takes
    unknown = orders.new_install(65, number=UNKNOWN)
    valid = orders.new_install(66)
    pick_any = orders.new_install(67, number="any")
    db = f"sqlite:///{tmp_path / 'ledger.db'}"
    store = open_store(db)
    queue = (first, taken, unknown, valid, pick_any)
    store.enqueue([NewItem(o["reference"], "e9_new_install.yaml", o) for o in queue])
    store.close()
    config = WorkerConfig(
        db_url=db, flows_dir=orders.FLOWS, portal_url=portal.url, runs_dir=tmp_path / "runs",
        screenshots="off", lease_seconds=30, poll_seconds=0.1,
        backoff=Backoff(base=0.2, factor=1, cap=0.2),
    )  # fmt: skip
    summary = run_workers(
        config, [Credential("GH1004", "Tele@1004")], 1, "t",
        console=Console(file=io.StringIO(), width=120),
    )  # fmt: skip
    assert summary.stop_kind is None, summary.stop_reason

    store = open_store(db)
    items = {item.reference: item for item in store.items()}
    store.close()
    for order in (taken, unknown):
        item = items[order["reference"]]
        number = order["mobile"]["number"]
        assert (item.state, item.attempts) == (State.FAILED, 1)
        assert item.error_message == f"the portal refused: 号码{number}已被占用或不存在"
    # the orders after a refusal are done on their first attempt: the 选号 window the
    # refusal left open was closed, not reused
    for order in (first, valid, pick_any):
        assert (items[order["reference"]].state, items[order["reference"]].attempts) == (
            State.DONE, 1,
        )  # fmt: skip
    placed = entered(portal.state())
    assert placed == {
        first["reference"]: "18937100000",
        valid["reference"]: valid["mobile"]["number"],
        # "any number": the first free one, not the one the first order took
        pick_any["reference"]: "18937100001",
    }
    assert len(portal.state()["special_funds"]) == 3


def test_an_any_number_order_picks_another_when_its_number_is_taken_meanwhile(
    page: Page, portal: PortalClient, tmp_path: Path
) -> None:
    class TakeItMeanwhile:
        """Once the order chose its number, another live session takes that number."""

        taken: list[str] = []

        def on_step_complete(self, step: Any, record: dict[str, Any]) -> None:
            if record["id"] == "enter_order/mobile_number" and not self.taken:
                self.taken.append(record["outputs"]["number"])
                hold_number(portal.url, "GH1009", "Tele@1009", self.taken[0], iccid(91))

    order = orders.new_install(68, number="any")
    result = orders.run(page, portal.url, "e9_new_install.yaml", order, tmp_path,
                        hooks=TakeItMeanwhile())  # fmt: skip
    assert result.ok, result.error
    statuses = [(s["id"], s["status"]) for s in result.steps if s["id"].endswith("mobile_next")]
    # the portal refused the number at 下一步; the screen was done again with another one
    assert statuses == [
        ("enter_order/mobile_next", "redone"), ("enter_order/mobile_next", "passed"),
    ]  # fmt: skip
    assert entered(portal.state()) == {order["reference"]: "18937100001"}
