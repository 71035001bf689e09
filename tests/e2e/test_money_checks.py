"""The checks before and after money moves, against portal variants that make each one
necessary: a fee page that differs from the rules, a receipt that differs from the page, a
broadband owned by someone else, a deposit recorded otherwise than asked, access numbers
outside Zhengzhou, and the order's remark.

Each variant is worked by ``bots work``'s workers (in this process) from a ledger; what is
asserted is the portal's own state (``/qa/state``) and what an operator reads: the ledger's
state and reason, ``bots show`` and the batch report.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page
from rich.console import Console
from typer.testing import CliRunner

from bots.batch import write_batch_report
from bots.cli import app
from bots.demo import demo_staff
from bots.intake import work_item
from bots.ledger import Backoff, State, WorkItem, open_store
from bots.orders.model import load_order
from bots.worker.credentials import Credential
from bots.worker.loop import WorkerConfig
from bots.worker.pool import run_workers
from tests.e2e import orders
from tests.fixtures.portal import PortalClient

pytestmark = pytest.mark.browser
FUND = {"fund_type": orders.FUND_TYPE, "ledger": "账户账本"}
# the fee table and the receipt read the same on the legacy portal (cells, GBK, frames)
BOTH_MODES = pytest.mark.parametrize("legacy", [False, True], ids=["modern", "legacy"])


class Desk:
    """A ledger, the real flows and one worker against the test's portal; what the back
    office and the operator see afterwards."""

    def __init__(self, portal: PortalClient, root: Path, chromium_tmp: Path) -> None:
        self.portal, self.root, self.chromium_tmp = portal, root, chromium_tmp
        self.db = f"sqlite:///{root / 'ledger.db'}"

    def work(self, *raw_orders: dict[str, Any]) -> dict[str, WorkItem]:
        store = open_store(self.db)
        try:
            store.enqueue([work_item(load_order(raw, "test")) for raw in raw_orders])
        finally:
            store.close()
        config = WorkerConfig(
            db_url=self.db, flows_dir=orders.FLOWS, portal_url=self.portal.url,
            runs_dir=self.root / "runs", screenshots="off", trace="on_failure", lease_seconds=30,
            poll_seconds=0.1, backoff=Backoff(base=0.2, factor=1, cap=0.2),
        )  # fmt: skip
        staff = [Credential(s, p) for s, p in demo_staff(1)]
        run_workers(config, staff, 1, "t", console=Console(file=io.StringIO()))
        return self.items()

    def items(self) -> dict[str, WorkItem]:
        store = open_store(self.db)
        try:
            return {item.reference: item for item in store.items()}
        finally:
            store.close()

    def show(self, reference: str) -> str:
        result = CliRunner().invoke(app, ["show", reference, "--db", self.db])
        assert result.exit_code == 0, result.output
        return result.output

    def report(self) -> str:
        paths = write_batch_report(list(self.items().values()), self.root / "report")
        return paths["html"].read_text(encoding="utf-8")


@pytest.fixture
def desk(portal: PortalClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    # Chromium's profile path must stay short (xdist's tmp paths are long)
    chromium_tmp = Path(tempfile.mkdtemp(prefix="bm-", dir="/tmp"))
    monkeypatch.setenv("TMPDIR", str(chromium_tmp))
    yield Desk(portal, tmp_path, chromium_tmp)
    shutil.rmtree(chromium_tmp, ignore_errors=True)


def _fees(state: dict[str, Any]) -> list[tuple[str, float, float, bool]]:
    return [(f["line"], f["original_amount"], f["final_amount"], f["collected"])
            for f in state["fees"]]


def _refused(desk: Desk, item: WorkItem, step: str, reason: str, state: State) -> None:
    """The operator sees the reason in the ledger, in ``bots show`` and in the report."""
    assert item.state is state, item.reason
    assert item.error_step == step
    assert item.error_message == reason
    assert reason in desk.show(item.reference)
    report = desk.report()
    assert reason in report
    assert {"failed": "失败", "needs_review": "待人工核查"}[state.value] in report


@BOTH_MODES
def test_a_fee_page_that_differs_is_refused_before_anything_is_collected(
        desk: Desk, legacy: bool) -> None:
    desk.portal.habits(legacy=legacy, fee_changes={"安装调测费": 68, "选号费": 50})
    order = orders.new_install(41)
    item = desk.work(order)[order["reference"]]

    state = desk.portal.state()
    [placed] = state["orders"]
    assert placed["status"] == "待收费"
    # nothing collected, nothing lowered (the UIM card fee was not even waived), no deposit
    assert _fees(state) == [("安装调测费", 68, 68, False), ("UIM卡费", 20, 20, False),
                            ("自由话费", 100, 100, False), ("选号费", 50, 50, False)]
    assert state["special_funds"] == []
    _refused(desk, item, "fees_checked",
             "费用与e9规则不符:安装调测费 应收58.00 实际68.00;多出 选号费 50.00", State.FAILED)


@BOTH_MODES
def test_a_renewal_with_an_extra_fee_line_is_refused_before_any_lowering(
        desk: Desk, legacy: bool) -> None:
    desk.portal.habits(legacy=legacy, fee_changes={"加装功能费": 30})
    order = orders.renewal(42)
    item = desk.work(order)[order["reference"]]

    state = desk.portal.state()
    assert [o["status"] for o in state["orders"]] == ["待收费"]
    assert _fees(state) == [("安装调测费", 58, 58, False), ("UIM卡费", 20, 20, False),
                            ("手机费用", 298, 298, False), ("自由话费", 100, 100, False),
                            ("加装功能费", 30, 30, False)]
    assert {f["lowered_by"] for f in state["fees"]} == {None}
    assert state["special_funds"] == []
    _refused(desk, item, "fees_checked", "费用与e9规则不符:多出 加装功能费 30.00", State.FAILED)


def test_a_broadband_owned_by_someone_else_changes_nothing(desk: Desk) -> None:
    owner_name, owner_id = orders.owner_of(orders.DUE_USER)
    stranger = ("赵敏", "410105197504210622")
    before = desk.portal.state()
    order = orders.renewal(43, owner=stranger)
    item = desk.work(order)[order["reference"]]

    state = desk.portal.state()
    del state["staff"], before["staff"]  # the worker logged in: nothing else may change
    assert state == before
    _refused(desk, item, "enter_order/owner",
             f"宽带接入号 {orders.DUE_USER}的客户({_masked(owner_name)})与订单客户(赵*)不符",
             State.FAILED)
    # the owner's ID number was read in full to compare it, and is in no artifact
    runs = desk.root / "runs" / order["reference"]
    files = [p for p in runs.rglob("*") if p.is_file()]
    assert any(p.name == "trace.zip" for p in files)
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                data = b"".join(archive.read(n) for n in archive.namelist())
        assert owner_id.encode() not in data, path


def test_a_deposit_into_someone_elses_broadband_is_refused(
        portal: PortalClient, page: Any, tmp_path: Path) -> None:
    name, id_number = orders.owner_of(orders.DUE_USER)
    with_owner = {"access_number": orders.DUE_USER, "amount": 600, **FUND}
    result = orders.run_flow(page, portal.url, "special_fund.yaml", {
        **with_owner, "customer_name": "赵敏", "customer_id_number": "410105197504210622"},
        tmp_path)
    assert result.failed_step == "owner_checked"
    assert str(result.error) == (
        f"宽带接入号 {orders.DUE_USER}的客户({_masked(name)})与订单客户(赵*)不符")
    assert portal.state()["special_funds"] == []
    # the same deposit by the owner goes through
    result = orders.run_flow(page, portal.url, "special_fund.yaml", {
        **with_owner, "customer_name": name, "customer_id_number": id_number}, tmp_path)
    assert result.ok, result.error
    assert [(f["access_number"], f["amount"]) for f in portal.state()["special_funds"]] == [
        (orders.DUE_USER, 600)]


@BOTH_MODES
def test_a_receipt_that_differs_goes_to_an_operator(
        desk: Desk, legacy: bool) -> None:
    desk.portal.habits(legacy=legacy, collect_surcharge=5)
    order = orders.new_install(44)
    item = desk.work(order)[order["reference"]]

    state = desk.portal.state()
    assert [o["status"] for o in state["orders"]] == ["已收费"]  # the money has moved
    assert _fees(state)[-1] == ("手续费", 5, 5, True)
    assert state["special_funds"] == []  # and nothing more was done
    _refused(desk, item, "receipt_checked",
             "实收金额合计163.00与e9规则应收158.00不符:费用已收取,请人工核对",
             State.NEEDS_REVIEW)


def test_a_deposit_recorded_twice_goes_to_an_operator(desk: Desk) -> None:
    desk.portal.habits(deposit_defect="twice")
    order = orders.renewal(45)
    item = desk.work(order)[order["reference"]]

    funds = desk.portal.state()["special_funds"]
    assert [(f["access_number"], f["amount"]) for f in funds] == [(orders.DUE_USER, 600)] * 2
    found = ";".join(f"{f['serial_no']} 600.00 {orders.FUND_TYPE} 账户账本" for f in funds)
    _refused(desk, item, "deposit_checked",
             f"专款缴费记录不符:{orders.DUE_USER}应有一笔 600.00 {orders.FUND_TYPE} 账户账本,"
             f"实际2笔:{found}", State.NEEDS_REVIEW)


def test_a_deposit_in_another_ledger_goes_to_an_operator(desk: Desk) -> None:
    desk.portal.habits(deposit_defect="wrong_ledger")
    order = orders.new_install(46)
    item = desk.work(order)[order["reference"]]

    [fund] = desk.portal.state()["special_funds"]
    assert (fund["ledger"], fund["amount"]) == ("专款账本", 600)
    _refused(desk, item, "deposit_checked",
             f"专款缴费记录不符:{fund['access_number']}应有一笔 600.00 {orders.FUND_TYPE} "
             f"账户账本,实际1笔:{fund['serial_no']} 600.00 {orders.FUND_TYPE} 专款账本",
             State.NEEDS_REVIEW)


def test_orders_outside_zhengzhou_with_their_remark(desk: Desk) -> None:
    luoyang_owner = ("钱秀英", "410305198204150029")
    desk.portal.habits(area_code="0379")  # new broadband lines of 洛阳
    desk.portal.fixtures(broadband_users=[{
        "access_number": "037960010001", "name": luoyang_owner[0],
        "id_number": luoyang_owner[1], "term_end": _period_end(desk.portal)}])
    new = {**orders.new_install(47), "note": "客户要求周末上门装机"}
    renewal = orders.renewal(48, access_number="037960010001", owner=luoyang_owner)
    items = desk.work(new, renewal)
    assert {ref: item.state for ref, item in items.items()} == {
        new["reference"]: State.DONE, renewal["reference"]: State.DONE}

    state = desk.portal.state()
    by_kind = {o["kind"]: o for o in state["orders"]}
    nets = {s["order_no"]: s["number"] for s in state["services"] if s["kind"] == "broadband"}
    new_line = nets[by_kind["新装"]["order_no"]]
    assert new_line == "037970000001"
    assert sorted((f["access_number"], f["amount"]) for f in state["special_funds"]) == [
        ("037960010001", 600), (new_line, 600)]
    paid = {}
    for fee in state["fees"]:
        assert fee["collected"]
        paid[fee["order_no"]] = paid.get(fee["order_no"], 0) + fee["final_amount"]
    assert paid == {by_kind["新装"]["order_no"]: 158, by_kind["加装"]["order_no"]: 100}
    assert items[new["reference"]].outputs["access_number"] == new_line  # type: ignore[index]
    # the remark reaches the portal's 备注 (after the manager and the reference) and the report
    assert by_kind["新装"]["remark"] == (
        f"客户经理:王敏 业务参考:{new['reference']} 客户要求周末上门装机")
    assert "<div>备注:客户要求周末上门装机</div>" in desk.report()


def _masked(name: str) -> str:
    return name[0] + "*" * (len(name) - 1)


def _period_end(portal: PortalClient) -> str:
    due = {s["number"]: s["term_end"] for s in portal.state()["services"]}
    return str(due[orders.DUE_USER])


@pytest.mark.parametrize("flow,order,checks", [
    ("e9_new_install.yaml", orders.new_install(41),
     ["fees_checked", "fees_final_checked", "receipt_checked", "deposit_checked"]),
    ("e9_renewal.yaml", orders.renewal(42),
     ["enter_order/eligible", "enter_order/owner", "fees_checked", "fees_final_checked",
      "receipt_checked", "deposit_checked"]),
])  # fmt: skip
def test_a_check_that_finds_nothing_wrong_says_it_passed(
    page: Page, portal: PortalClient, tmp_path: Path, flow: str, order: dict[str, Any],
    checks: list[str],
) -> None:  # fmt: skip
    # a clerk reading "核对费用与e9规则 … 未执行" takes the fees as never checked
    result = orders.run(page, portal.url, flow, order, tmp_path, screenshots="off")
    assert result.ok, result.error
    by_id = {s["id"]: s["status"] for s in result.steps}
    assert {check: by_id[check] for check in checks} == {check: "passed" for check in checks}
