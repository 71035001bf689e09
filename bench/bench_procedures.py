"""The real procedures, run by the flow engine vs a plain hand-written Playwright script
doing the same clicks: runner/raw per procedure and screenshot policy, from one run.

    .venv/bin/python bench/bench_procedures.py [--rounds 5] [--latency 0]

One process, one Chromium, one portal. Each round, for each procedure (新装, 续费) and each
screenshot policy (off, on_failure, every_step), a raw run and a runner run alternate (the
order flips every round, so drift hits both sides alike); before every run the portal is
reset (``POST /qa/reset``), a fresh browser context logs in (not timed), and then only the
procedure is timed. The runner runs ``flows/e9_new_install.yaml`` / ``e9_renewal.yaml`` as
``bots run`` does (run folder, log.jsonl, run.json, report.html, trace kept on failure).
The raw script never takes screenshots: the targets compare the runner with its pictures
against a script without any (≤ 1.05 off / on_failure, ≤ 1.30 every_step). Both sides must
leave the order done once in the portal's QA state, or the bench fails.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loguru import logger  # noqa: E402
from playwright.sync_api import FrameLocator, Page, expect, sync_playwright  # noqa: E402

from bench.common import FLOWS, LedgerRow, Portal, check, habit_options, print_machine  # noqa: E402
from bots.browser import launch_options  # noqa: E402
from bots.flow import load_flow  # noqa: E402
from bots.orders.model import parse_order  # noqa: E402
from bots.orders.samples import generate_orders  # noqa: E402
from bots.runner import Runner  # noqa: E402

POLICIES = ("off", "on_failure", "every_step")
TARGETS = {"off": 1.05, "on_failure": 1.05, "every_step": 1.30}
STAFF, PASSWORD = "GH1001", "Tele@1001"
TIMEOUT_MS = 10_000
WORK = "iframe[name=workarea]"


def login(page: Page, base: str) -> None:
    page.goto(base + "login")
    page.get_by_label("工号").fill(STAFF)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".topbar .staff-id")).to_have_text(STAFF)


def row_button(work: FrameLocator, row: str, button: str) -> Any:
    return work.locator(f'role=row[name=/^{row}/] >> role=button[name="{button}"]')


def pick_number(page: Page, work: FrameLocator, number: str) -> None:
    with page.expect_popup() as info:
        work.get_by_role("button", name="选号").click()
    popup = info.value
    popup.get_by_label("号码前缀").fill(number)
    popup.get_by_role("button", name="查询").click()
    expect(popup.get_by_role("button", name="选择")).to_be_visible()
    popup.get_by_role("button", name="选择").click()
    expect(work.get_by_label("手机号码")).to_have_value(number)


def card_and_remark(work: FrameLocator, data: dict[str, Any]) -> None:
    work.get_by_label("UIM卡号").fill(data["mobile"]["uim"])
    work.get_by_role("button", name="选卡").click()
    expect(work.get_by_role("status")).to_be_visible()
    work.get_by_label("备注").fill(data["remark"])
    if work.get_by_label("EVDO上网").count():  # absent with the portal's defect
        work.get_by_label("EVDO上网").check()


def device(work: FrameLocator, data: dict[str, Any], then: Any) -> None:
    work.get_by_role("button", name="增加").click()
    work.get_by_label("串号").fill(data["phone"]["imei"])
    work.get_by_label("终端型号").fill(data["phone"]["model"])
    work.get_by_role("button", name="保存").click()
    expect(then).to_be_visible()
    expect(work.get_by_role("status")).to_have_text("套餐内手机保存成功")


def submit(page: Page, work: FrameLocator) -> str:
    page.once("dialog", lambda dialog: dialog.accept())
    work.get_by_role("button", name="提交").click()
    expect(work.locator(".order-no")).to_be_visible()
    return work.locator(".order-no").inner_text()


def lower(work: FrameLocator, line: str, fee: dict[str, Any]) -> None:
    work.locator(f'role=row[name=/^{line}/] >> role=button[name="下调"]').click()
    work.get_by_label("下调后金额").fill(str(fee["final"]))
    work.get_by_label("下调原因").fill(fee["reason"])
    work.get_by_role("button", name="确定").click()
    expect(work.get_by_role("button", name="收费")).to_be_visible()


def collect(work: FrameLocator) -> str:
    work.get_by_role("button", name="收费").click()
    expect(work.locator(".panel.receipt")).to_be_visible()
    return work.locator("table.fees .total").inner_text()


def special_fund(page: Page, work: FrameLocator, access: str, data: dict[str, Any]) -> str:
    page.get_by_role("link", name="专款缴费").click()
    work.get_by_label("宽带接入号").fill(access)
    work.get_by_role("button", name="查询").click()
    expect(work.locator("table.user-info")).to_contain_text(access)
    work.get_by_label("专款类型").select_option(label=data["special_fund"]["type"])
    work.get_by_label("账本").select_option(label=data["special_fund"]["ledger"])
    work.get_by_label("金额").fill(str(data["special_fund"]["amount"]))
    page.once("dialog", lambda dialog: dialog.accept())
    work.get_by_role("button", name="提交").click()
    expect(work.locator(".serial-no")).to_be_visible()
    return work.locator(".serial-no").inner_text()


def raw_new_install(page: Page, base: str, data: dict[str, Any]) -> dict[str, str]:
    """flows/e9_new_install.yaml + new_install_order.yaml + special_fund.yaml, by hand."""
    page.goto(base)
    expect(page.locator(".topbar .staff-id")).to_be_visible()
    work = page.frame_locator(WORK)
    page.get_by_role("link", name="新装", exact=True).click()
    customer = data["customer"]
    work.get_by_label("客户名称").fill(customer["name"])
    work.get_by_label("证件类型").select_option(label="身份证")
    work.get_by_label("证件号码").fill(customer["id_number"])
    work.get_by_label("联系电话").fill(customer["contact_phone"])
    work.get_by_label("联系地址").fill(customer["address"])
    work.get_by_label("客户分群").select_option(label=customer["group"])
    work.get_by_role("button", name="下一步").click()
    work.get_by_label("品牌").select_option(label=data["brand"])
    work.get_by_label("计划").select_option(label=data["plan_label"])
    work.get_by_role("button", name="下一步").click()
    row_button(work, "套餐内手机", "增加").click()
    pick_number(page, work, data["mobile"]["number"])
    card_and_remark(work, data)
    work.get_by_role("button", name="增加").click()
    work.get_by_label("预存金额").fill(str(data["free_credit"]))
    work.get_by_role("button", name="下一步").click()
    device(work, data, row_button(work, "套餐内宽带", "增加"))
    row_button(work, "套餐内宽带", "增加").click()
    broadband = data["broadband"]
    with page.expect_popup() as info:
        work.get_by_role("button", name="选择地址").click()
    popup = info.value
    popup.get_by_label("地址编码或名称").fill(broadband["standard_address"])
    popup.get_by_role("button", name="查询").click()
    expect(popup.get_by_role("button", name="选择")).to_be_visible()
    popup.get_by_role("button", name="选择").click()
    expect(work.get_by_label("标准化地址")).not_to_have_value("")
    work.get_by_label("宽带账号").fill(broadband["account"])
    work.get_by_label("带宽").select_option(label=broadband["bandwidth"])
    work.get_by_label("装机地址").fill(broadband["install_address"])
    work.get_by_role("button", name="下一步").click()
    work.get_by_label("随套餐内手机", exact=False).check()
    work.get_by_role("button", name="下一步").click()
    expect(work.get_by_text("宽带信息确认")).to_be_visible()
    work.get_by_role("button", name="保存").click()
    expect(work.get_by_role("status")).to_have_text("套餐内宽带保存成功")
    order_no = submit(page, work)
    found = re.search(r"0371\d{8}", work.locator(".access-numbers").inner_text())
    assert found, "no broadband access number on the fee page"
    work.locator("td.access-numbers + th + td").inner_text()
    lower(work, "UIM卡费", data["fees_to_lower"][0])
    collect(work)
    serial = special_fund(page, work, found.group(0), data)
    return {"order_no": order_no, "serial_no": serial}


def raw_renewal(page: Page, base: str, data: dict[str, Any]) -> dict[str, str]:
    """flows/e9_renewal.yaml + renewal_order.yaml + special_fund.yaml, by hand."""
    page.goto(base)
    expect(page.locator(".topbar .staff-id")).to_be_visible()
    work = page.frame_locator(WORK)
    access = data["broadband"]["access_number"]
    page.get_by_role("link", name="加装", exact=True).click()
    work.get_by_label("宽带接入号").fill(access)
    work.get_by_role("button", name="查询").click()
    work.locator("table.user-info tr:nth-child(2) td:nth-child(7)").inner_text()
    work.locator(".business-date").inner_text()
    work.get_by_role("button", name="组合产品包").click()
    work.get_by_label(data["plan"]).check()
    work.get_by_role("button", name="下一步").click()
    work.get_by_role("button", name="变更").click()
    address = work.locator("table.original tr:nth-child(2) td:nth-child(4)").inner_text()
    work.get_by_role("button", name="下一步").click()
    work.get_by_label("品牌").select_option(label=data["brand"])
    work.get_by_role("button", name="查询").click()
    expect(work.locator("table.promotions tbody tr").first).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    work.get_by_role("button", name="保存").click()
    dialog = work.get_by_role("dialog", name="用户属性信息")
    dialog.get_by_label("联系人").fill(data["customer"]["name"])
    dialog.get_by_label("联系电话").fill(data["customer"]["contact_phone"])
    dialog.get_by_label("装机地址").fill(address)
    dialog.get_by_label("用户类型").select_option(label="家庭用户")
    dialog.get_by_role("button", name="确定").click()
    expect(work.get_by_role("row", name="老宽带用户", exact=False)).to_contain_text(data["brand"])
    row_button(work, "套餐内手机", "增加").click()
    pick_number(page, work, data["mobile"]["number"])
    card_and_remark(work, data)
    work.get_by_role("button", name="下一步").click()
    work.get_by_label("所用账户", exact=False).check()
    work.get_by_role("button", name="增加").click()
    work.get_by_label("预存金额").fill(str(data["free_credit"]))
    work.get_by_role("button", name="下一步").click()
    device(work, data, work.get_by_role("button", name="提交"))
    order_no = submit(page, work)
    work.locator("td.access-numbers + th + td").inner_text()
    for line, fee in zip(("安装调测费", "UIM卡费", "手机费用"), data["fees_to_lower"], strict=True):
        lower(work, line, fee)
    collect(work)
    serial = special_fund(page, work, access, data)
    return {"order_no": order_no, "serial_no": serial}


PROCEDURES: dict[str, tuple[str, Callable[[Page, str, dict[str, Any]], dict[str, str]]]] = {
    "new_install": ("e9_new_install.yaml", raw_new_install),
    "renewal": ("e9_renewal.yaml", raw_renewal),
}


class Bench:
    def __init__(self, browser: Any, portal: Portal, runs: Path) -> None:
        self.browser, self.portal, self.runs = browser, portal, runs
        self.count = 0
        self.guard_steps = 0

    def one(self, procedure: str, order: Any, side: str, policy: str) -> float:
        """Reset the portal, log in a fresh context, time one procedure, check the portal."""
        self.portal.reset()
        context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        login(page, self.portal.url)
        flow_name, raw = PROCEDURES[procedure]
        data = order.model_dump(mode="json")
        self.count += 1
        began = time.perf_counter()
        if side == "raw":
            outputs = raw(page, self.portal.url, FLOW_DATA[order.reference])
        else:
            result = Runner(
                page, FLOW[flow_name], {"order": data},
                secrets={"staff_id": STAFF, "password": PASSWORD},
                portal_url=self.portal.url, run_dir=self.runs / f"{self.count:04d}",
                screenshots=policy,
            ).run()  # fmt: skip
            if not result.ok:
                raise RuntimeError(f"runner failed {procedure}: {result.error} ({result.run_dir})")
            outputs = dict(result.outputs)
            self.guard_steps += sum(".guard/" in str(s.get("id")) for s in result.steps)
        elapsed = time.perf_counter() - began
        context.close()
        access = data["broadband"]["access_number"]
        row = LedgerRow(order.reference, procedure, "done", access_number=access, outputs=outputs)
        verdict = check([row], self.portal.state())
        if not verdict.ok or verdict.done != [order.reference]:
            raise RuntimeError(f"{side} {procedure}: portal state wrong: {verdict.problems()}")
        return elapsed


FLOW: dict[str, Any] = {}
FLOW_DATA: dict[str, dict[str, Any]] = {}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency", type=int, default=0, help="fixed portal latency, ms")
    parser.add_argument("--procedures", default="new_install,renewal")
    args = parser.parse_args()
    logger.remove()  # the runner's console lines would time the terminal, not the runner
    procedures = args.procedures.split(",")
    orders = {o.procedure: o for o in generate_orders(2, seed=0, start_index=100)}
    for name in procedures:
        flow_name = PROCEDURES[name][0]
        FLOW[flow_name] = load_flow(FLOWS / flow_name)
        data = orders[name].model_dump(mode="json")
        FLOW_DATA[orders[name].reference] = parse_order(data, "bench")[0]  # what flows see
    print_machine()
    print(f"{args.rounds} rounds; portal latency {args.latency} ms; medians of rounds", flush=True)
    times: dict[tuple[str, str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-proc-") as folder, sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_options())  # type: ignore[arg-type]
        portal = Portal(Path(folder) / "portal.sqlite3", *habit_options())
        with portal:
            portal.habits(latency_ms=[args.latency, args.latency])
            bench = Bench(browser, portal, Path(folder) / "runs")
            for name in procedures:  # warm-up: first loads, caches, flow compilation
                bench.one(name, orders[name], "raw", "off")
                bench.one(name, orders[name], "runner", "off")
            for n in range(args.rounds):
                for name in procedures:
                    for policy in POLICIES:
                        sides = ("raw", "runner") if n % 2 == 0 else ("runner", "raw")
                        for side in sides:
                            seconds = bench.one(name, orders[name], side, policy)
                            times.setdefault((name, policy, side), []).append(seconds)
                print(f"  round {n + 1}/{args.rounds} done", flush=True)
        browser.close()
    print()
    print("| procedure | screenshots | raw s (median) | runner s (median) | runner/raw | "
          "target | met |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    met = True
    for name in procedures:
        for policy in POLICIES:
            raw = statistics.median(times[(name, policy, "raw")])
            run = statistics.median(times[(name, policy, "runner")])
            ratio = run / raw
            ok = ratio <= TARGETS[policy]
            met = met and ok
            print(f"| {name} | {policy} | {raw:.2f} | {run:.2f} | {ratio:.3f} | "
                  f"≤ {TARGETS[policy]:.2f} | {'yes' if ok else 'no'} |")  # fmt: skip
    print(f"guard look-up steps the runner ran in these fresh runs: {bench.guard_steps}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
