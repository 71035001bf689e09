"""Memory per added worker, measured side by side for ways of launching ``bots work``.

    .venv/bin/python bench/bench_workers_memory.py [--workers 1 2 4 8] [--rounds 2]
        [--levers] [--threads]

* **shipped** (what ``bots work`` runs): one Playwright (one Node driver) and one Chromium
  per process, launched with ``bots.browser``'s flags; each worker is a fiber with a
  context of its own (``bots.worker.fibers``).
* **before**: the same without ``bots.browser.LEAN_FEATURES`` (Chromium's WebUI omnibox
  popups left on), as ``bots work`` ran before issue 16.
* ``--levers``: more launch flags and context options, each added alone to *shipped*:
  the ones measured and not kept (docs/PERFORMANCE.md, section 2a).
* ``--threads`` (the design before the fibers): each worker a thread with a Playwright
  and a Chromium of its own.

Each worker logs in to the bundled mock portal with the real login flow and opens the
新装 screen (the shell and its work iframe), as it is between two orders. With all N
there, the bench sums memory over this Python process and every process below it except
the portal: RSS (counts shared pages once per process, so it overstates) and PSS (shares
them out; the honest total). It prints the totals, the cost per added worker from the
first row, (total(N) - total(first)) / (N - first), and, as the figure to quote, the slope
of a least-squares line through every row (one noisy row moves it less). The ways
alternate within a round; the summary gives the median slope of each over the rounds.
Target (issue 16): shipped <= 60 MB per added worker; exit status 1 when missed.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loguru import logger
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bots import browser as browser_mod  # noqa: E402
from bots.browser import VIEWPORT, launch_options  # noqa: E402
from bots.demo import demo_staff  # noqa: E402
from bots.flow import load_flow  # noqa: E402
from bots.runner.runner import Runner  # noqa: E402
from bots.worker.fibers import Fibers  # noqa: E402
from mock_portal.process import PortalProcess  # noqa: E402

TARGET_MB = 60.0  # PSS per added worker, issue 16
SETTLE = 1.0  # seconds for start-up helpers and spare renderers to come and go
LOGIN = load_flow(ROOT / "flows" / "login.yaml")


def children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended while we looked
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB, from smaps_rollup."""
    values = {"Rss:": 0, "Pss:": 0}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, rest = line.partition(" ")
            if key in values:
                values[key] = int(rest.split()[0])
    except OSError:
        pass
    return values["Rss:"], values["Pss:"]


def kind(pid: int) -> str:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "gone"
    if pid == os.getpid():
        return "python"
    if b"mock_portal" in cmdline:
        return "portal"  # the portal under test, not part of any worker
    if b"run-driver" in cmdline:
        return "driver"
    return "chromium"


def measure() -> dict[str, tuple[int, int]]:
    tree = children()
    seen, todo = [], [os.getpid()]
    while todo:
        pid = todo.pop()
        seen.append(pid)
        todo.extend(tree.get(pid, []))
    totals: dict[str, tuple[int, int]] = {}
    for pid in seen:
        name = kind(pid)
        if name == "portal":
            continue
        rss, pss = memory_kb(pid)
        old = totals.get(name, (0, 0))
        totals[name] = (old[0] + rss, old[1] + pss)
    return totals


@dataclass(frozen=True)
class Way:
    """A way to launch: what it does to ``bots.browser``'s flags, and context options
    added to ``bots.browser.new_context``'s."""

    name: str
    args: Callable[[list[str]], list[str]] = lambda args: args
    context: dict[str, Any] = field(default_factory=dict)


def _without_lean(args: list[str]) -> list[str]:
    features = "--disable-features=" + ",".join(browser_mod.PLAYWRIGHT_DISABLED_FEATURES)
    return [features if a.startswith("--disable-features=") else a for a in args]


def _with_features(*more: str) -> Callable[[list[str]], list[str]]:
    def add(args: list[str]) -> list[str]:
        return [f"{a},{','.join(more)}" if a.startswith("--disable-features=") else a
                for a in args]  # fmt: skip

    return add


def _plus(*flags: str) -> Callable[[list[str]], list[str]]:
    return lambda args: [*args, *flags]


SHIPPED = Way("shipped")
BEFORE = Way("before", _without_lean)
LEVERS = [
    Way("+ V8 young generation 1 MB", _plus("--js-flags=--max-semi-space-size=1")),
    Way("+ V8 without JIT", _plus("--js-flags=--jitless")),
    Way("+ one raster thread", _plus("--num-raster-threads=1")),
    Way("+ no top-chrome WebUI preload", _with_features("PreloadTopChromeWebUI")),
    Way("+ renderer process limit 1", _plus("--renderer-process-limit=1")),
    Way("+ no site-isolation trials", _plus("--disable-site-isolation-trials")),
    Way("+ service workers blocked", context={"service_workers": "block"}),
]


def log_in(browser: Any, staff: tuple[str, str], url: str, runs: Path, way: Way) -> Any:
    """A worker between two orders: logged in, the 新装 screen open in the work frame.
    A login that fails is tried once more in a fresh context (on a machine at load 25 a
    login page was once not ready in time); the failed context is closed first, so what
    is measured is still one context a worker."""
    secrets = {"staff_id": staff[0], "password": staff[1]}
    for attempt in (1, 2):
        context = browser.new_context(locale="zh-CN", viewport=VIEWPORT, **way.context)
        page = context.new_page()
        result = Runner(
            page, LOGIN, secrets, secrets=secrets, portal_url=url,
            run_dir=runs / uuid.uuid4().hex, screenshots="off", trace="off",
        ).run()  # fmt: skip
        if result.ok:
            break
        context.close()
        print(f"login {attempt} of {staff[0]} failed: {result.error}", file=sys.stderr)
    else:
        raise SystemExit(f"login failed twice: {result.error}")
    page.get_by_role("link", name="新装").click()
    page.frame_locator("iframe").locator("form").first.wait_for()
    return context


def launch(pw: Any, way: Way) -> Any:
    options = launch_options()
    options["args"] = way.args(list(options["args"]))  # type: ignore[call-overload]
    return pw.chromium.launch(**options)


def with_fibers(n: int, url: str, runs: Path, way: Way) -> dict[str, tuple[int, int]]:
    totals: dict[str, tuple[int, int]] = {}
    with sync_playwright() as pw:
        browser = launch(pw, way)
        contexts: list[Any] = []
        fibers = Fibers(pw)

        def worker(staff: tuple[str, str]) -> Callable[[], None]:
            return lambda: contexts.append(log_in(browser, staff, url, runs, way))

        for staff in demo_staff(n):
            fibers.spawn(worker(staff))
        fibers.join()
        time.sleep(SETTLE)
        totals = measure()
        browser.close()
    return totals


def with_threads(n: int, url: str, runs: Path, way: Way) -> dict[str, tuple[int, int]]:
    ready = threading.Barrier(n + 1)
    measured = threading.Event()

    def worker(staff: tuple[str, str]) -> None:
        with sync_playwright() as pw:
            browser = launch(pw, way)
            log_in(browser, staff, url, runs, way)
            ready.wait()
            measured.wait()
            browser.close()

    threads = [threading.Thread(target=worker, args=(staff,)) for staff in demo_staff(n)]
    for thread in threads:
        thread.start()
    ready.wait()
    time.sleep(SETTLE)
    totals = measure()
    measured.set()
    for thread in threads:
        thread.join()
    return totals


def least_squares_slope(points: list[tuple[int, float]]) -> float:
    mean_n = sum(n for n, _ in points) / len(points)
    mean_m = sum(m for _, m in points) / len(points)
    spread = sum((n - mean_n) ** 2 for n, _ in points)
    return sum((n - mean_n) * (m - mean_m) for n, m in points) / spread if spread else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--levers", action="store_true", help="measure the levers not kept")
    parser.add_argument("--threads", action="store_true", help="and the threads design")
    args = parser.parse_args()
    logger.remove()  # the login runs' step lines would bury the table
    ways = [(SHIPPED, with_fibers), (BEFORE, with_fibers)]
    ways += [(way, with_fibers) for way in LEVERS] if args.levers else []
    ways += [(Way("threads"), with_threads)] if args.threads else []
    slopes: dict[str, list[float]] = {way.name: [] for way, _ in ways}
    loads: list[float] = []
    mb = 1024
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        portal = PortalProcess(Path(tmp) / "portal.db")
        portal.start()
        try:
            print("| round | way | workers | python | driver | chromium | RSS MB | PSS MB "
                  "| PSS/added | load average |")  # fmt: skip
            print("|---|---|---|---|---|---|---|---|---|---|")
            for round_no in range(1, args.rounds + 1):
                for way, run in ways:
                    points: list[tuple[int, float]] = []
                    for n in args.workers:
                        totals = run(n, portal.url, Path(tmp) / "runs", way)
                        loads.append(os.getloadavg()[0])
                        pss = {k: v[1] / mb for k, v in totals.items()}
                        rss_total = sum(v[0] for v in totals.values()) / mb
                        points.append((n, sum(pss.values())))
                        first_n, first = points[0]
                        per = (points[-1][1] - first) / (n - first_n) if n != first_n else math.nan
                        print(f"| {round_no} | {way.name} | {n} | {pss.get('python', 0):.0f} | "
                              f"{pss.get('driver', 0):.0f} | {pss.get('chromium', 0):.0f} | "
                              f"{rss_total:.0f} | {points[-1][1]:.0f} | {per:.1f} | "
                              f"{loads[-1]:.1f} |", flush=True)  # fmt: skip
                    slopes[way.name].append(least_squares_slope(points))
                    print(f"| {round_no} | {way.name} | slope | | | | | | "
                          f"**{slopes[way.name][-1]:.1f}** | |", flush=True)  # fmt: skip
        finally:
            portal.stop()
    print(f"\nPSS per added worker, least-squares slope over {args.workers} workers, median of "
          f"{args.rounds} round(s); load average {min(loads):.1f}–{max(loads):.1f}")  # fmt: skip
    print("| way | MB per added worker | rounds | vs shipped |")
    print("|---|---|---|---|")
    shipped = statistics.median(slopes[SHIPPED.name])
    for name, values in slopes.items():
        median = statistics.median(values)
        each = " / ".join(f"{v:.1f}" for v in values)
        print(f"| {name} | {median:.1f} | {each} | {median - shipped:+.1f} |")
    met = shipped <= TARGET_MB
    print(f"target: shipped <= {TARGET_MB:.0f} MB per added worker: {'met' if met else 'missed'}")
    if not met:
        sys.exit(1)


if __name__ == "__main__":
    main()
