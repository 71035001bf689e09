"""What the bots' look-ups would cost if they looked ahead on a second page: the plain
new install, the same with the look-ups the bots make in line, and the same with the
look-ups made on a second page of the same login while the first goes on.

    .venv/bin/python bench/bench_lookahead.py [--rounds 5]

The look-ups are those of ``flows/e9_new_install.yaml``: 业务查询 by the reference before
the wizard (the guard of 提交), 业务查询 and 缴费记录查询 before the 600 (the guard of the
deposit), and 缴费记录查询 after it (the read-back, which can only follow the deposit, so
it stays in line in both). Ahead, the first look-up starts with the procedure and the
second as soon as the fee page names the access number; the procedure waits for each only
before the click its guard protects. The pages take turns as greenlets on Playwright's own
loop (``bots.worker.fibers``), as the workers of ``bots work`` do.

One Chromium, the mock portal at 0 ms; before each run the portal is reset and a fresh
context logs in (not timed); the three ways alternate (the order flips every round), and
every run must leave the order done once in ``/qa/state``. Nothing is judged: it prices
the one lever left on the guards (docs/PERFORMANCE.md §1a, tenth sitting). The runner does
not look ahead.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import BrowserContext, Page, expect, sync_playwright  # noqa: E402

from bench.common import LedgerRow, Portal, check, habit_options, print_machine  # noqa: E402
from bench.raw_procedures import WORK, login, raw_new_install  # noqa: E402
from bots.browser import launch_options  # noqa: E402
from bots.orders.model import parse_order  # noqa: E402
from bots.orders.samples import generate_orders  # noqa: E402
from bots.worker.fibers import Fibers  # noqa: E402

WAYS = ("plain", "in line", "ahead")


def look_up(page: Page, menu: str, box: str, value: str) -> str:
    """One read-only query as the bots' lookup flows make it: menu, box, 查询, the table."""
    work = page.frame_locator(WORK)
    page.get_by_role("link", name=menu).click()
    # (after another query, its table shows until the new page replaces it: the flows' `fresh`)
    expect(work.locator("table.results")).to_have_count(0)
    work.get_by_label(box).fill(value)
    work.get_by_role("button", name="查询").click()
    expect(work.locator("table.results")).to_be_visible()
    return work.locator("table.results").inner_text()


def orders(page: Page, reference: str) -> str:
    return look_up(page, "业务查询", "备注", f"业务参考:{reference}")


def payments(page: Page, access: str) -> str:
    return look_up(page, "缴费记录查询", "接入号码", access)


def in_line(page: Page, reference: str) -> Callable[[str, str], None]:
    def at(point: str, access: str) -> None:
        if point == "start":
            orders(page, reference)
        elif point == "before_deposit":
            orders(page, reference)
            payments(page, access)
        elif point == "end":
            payments(page, access)

    return at


def ahead(
    pw: Any, context: BrowserContext, page: Page, base: str, data: dict[str, Any]
) -> dict[str, str]:
    fibers = Fibers(pw)
    looked: set[str] = set()
    second: list[Page] = []

    def wait(what: str) -> None:
        while what not in looked:
            fibers.sleep(0.002)

    def before_submit() -> None:
        second.append(context.new_page())
        second[0].goto(base)
        orders(second[0], data["reference"])
        looked.add("submit")

    def before_deposit(access: str) -> None:
        orders(second[0], data["reference"])
        payments(second[0], access)
        looked.add("deposit")

    def at(point: str, access: str) -> None:
        if point == "start":
            fibers.spawn(before_submit)
        elif point == "before_submit":
            wait("submit")
        elif point == "entered":
            fibers.spawn(lambda: before_deposit(access))
        elif point == "before_deposit":
            wait("deposit")
        elif point == "end":
            payments(page, access)

    outputs: dict[str, dict[str, str]] = {}
    fibers.spawn(lambda: outputs.setdefault("run", raw_new_install(page, base, data, at)))
    fibers.join()
    return outputs["run"]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    order = next(o for o in generate_orders(2, seed=0, start_index=100)
                 if o.procedure == "new_install")  # fmt: skip
    data = parse_order(order.model_dump(mode="json"), "bench")[0]
    print_machine()
    print(f"{args.rounds} rounds; portal latency 0 ms; medians of rounds", flush=True)
    times: dict[str, list[float]] = {way: [] for way in WAYS}
    with tempfile.TemporaryDirectory(prefix="bench-ahead-") as folder, sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_options())  # type: ignore[arg-type]
        portal = Portal(Path(folder) / "portal.sqlite3", *habit_options())
        with portal:
            for n in range(args.rounds + 1):  # round 0 warms up and is not counted
                for way in WAYS if n % 2 else WAYS[::-1]:
                    portal.reset()
                    context = browser.new_context(viewport={"width": 1280, "height": 900})
                    context.set_default_timeout(10_000)
                    page = context.new_page()
                    login(page, portal.url)
                    began = time.perf_counter()
                    if way == "ahead":
                        outputs = ahead(pw, context, page, portal.url, data)
                    else:
                        at = in_line(page, data["reference"]) if way == "in line" else None
                        outputs = raw_new_install(page, portal.url, data, at)
                    seconds = time.perf_counter() - began
                    context.close()
                    row = LedgerRow(order.reference, "new_install", "done", outputs=outputs)
                    verdict = check([row], portal.state())
                    if not verdict.ok or verdict.done != [order.reference]:
                        raise RuntimeError(f"{way}: portal state wrong: {verdict.problems()}")
                    if n:
                        times[way].append(seconds)
            print(f"  {args.rounds} rounds done", flush=True)
    plain = statistics.median(times["plain"])
    print("| way | median s | / plain | rounds s |")
    print("|---|---|---|---|")
    for way in WAYS:
        middle = statistics.median(times[way])
        rounds = " ".join(f"{s:.2f}" for s in times[way])
        print(f"| {way} | {middle:.2f} | {middle / plain:.3f} | {rounds} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
