"""The real procedures, run by the flow engine vs a plain hand-written Playwright script
doing the same clicks: runner/raw per procedure and screenshot policy, from one run.

    .venv/bin/python bench/bench_procedures.py [--rounds 5] [--latency 0]

One process, one Chromium, one portal. Each round, for each procedure (新装, 续费) and each
screenshot policy (off, on_failure, every_step), a raw run and a runner run alternate (the
order flips every round, so drift hits both sides alike); before every run the portal is
reset (``POST /qa/reset``), a fresh browser context logs in (not timed), and then only the
procedure is timed. The runner runs ``flows/e9_new_install.yaml`` / ``e9_renewal.yaml`` as
``bots run`` does (run folder, log.jsonl, run.json, report.html, trace kept on failure).
The raw script (``bench/raw_procedures.py``) never takes screenshots: the targets compare
the runner with its pictures against a script without any (≤ 1.05 off / on_failure, ≤ 1.30
every_step). Both sides must
leave the order done once in the portal's QA state, or the bench fails.
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

from loguru import logger  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402

from bench.common import FLOWS, LedgerRow, Portal, check, habit_options, print_machine  # noqa: E402
from bench.raw_procedures import PASSWORD, STAFF, login, raw_new_install, raw_renewal  # noqa: E402
from bots.browser import launch_options  # noqa: E402
from bots.flow import load_flow  # noqa: E402
from bots.orders.model import parse_order  # noqa: E402
from bots.orders.samples import generate_orders  # noqa: E402
from bots.runner import Runner  # noqa: E402

POLICIES = ("off", "on_failure", "every_step")
TARGETS = {"off": 1.05, "on_failure": 1.05, "every_step": 1.30}
TIMEOUT_MS = 10_000


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
