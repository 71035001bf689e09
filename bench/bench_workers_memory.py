"""Memory per added worker, measured side by side for two designs of ``bots work``.

    .venv/bin/python bench/bench_workers_memory.py [--workers 1 2 4 8]

* **fibers** (what ``bots work`` runs): one Playwright (one Node driver) and one Chromium
  per process; each worker is a fiber with a context of its own (``bots.worker.fibers``).
* **threads** (the previous design, for comparison): each worker is a thread with a
  Playwright and a Chromium of its own.

Each worker logs in to the bundled mock portal with the real login flow and opens the
新装 screen (the shell and its work iframe), as it is between two orders. With all N
there, the bench sums memory over this Python process and every process below it except
the portal: RSS (counts shared pages once per process, so it overstates) and PSS (shares
them out; the honest total). It prints the totals, the cost per added worker from the
first row, (total(N) - total(first)) / (N - first), and, as the figure to quote, the slope
of a least-squares line through every row (one noisy row moves it less). Target: <= 150 MB
per added worker.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from loguru import logger
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bots.browser import launch_options, new_context  # noqa: E402
from bots.demo import demo_staff  # noqa: E402
from bots.flow import load_flow  # noqa: E402
from bots.runner.runner import Runner  # noqa: E402
from bots.worker.fibers import Fibers  # noqa: E402
from mock_portal.process import PortalProcess  # noqa: E402

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


def log_in(browser: Any, staff: tuple[str, str], url: str, runs: Path) -> Any:
    """A worker between two orders: logged in, the 新装 screen open in the work frame."""
    context = new_context(browser)
    page = context.new_page()
    secrets = {"staff_id": staff[0], "password": staff[1]}
    result = Runner(
        page, LOGIN, secrets, secrets=secrets, portal_url=url,
        run_dir=runs / uuid.uuid4().hex, screenshots="off", trace="off",
    ).run()  # fmt: skip
    if not result.ok:
        raise SystemExit(f"login failed: {result.error}")
    page.get_by_role("link", name="新装").click()
    page.frame_locator("iframe").locator("form").first.wait_for()
    return context


def with_fibers(n: int, url: str, runs: Path) -> dict[str, tuple[int, int]]:
    totals: dict[str, tuple[int, int]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_options())  # type: ignore[arg-type]
        contexts: list[Any] = []
        fibers = Fibers(pw)
        for staff in demo_staff(n):
            fibers.spawn(lambda staff=staff: contexts.append(log_in(browser, staff, url, runs)))
        fibers.join()
        time.sleep(SETTLE)
        totals = measure()
        browser.close()
    return totals


def with_threads(n: int, url: str, runs: Path) -> dict[str, tuple[int, int]]:
    ready = threading.Barrier(n + 1)
    measured = threading.Event()

    def worker(staff: tuple[str, str]) -> None:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(**launch_options())  # type: ignore[arg-type]
            log_in(browser, staff, url, runs)
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


DESIGNS = {"fibers": with_fibers, "threads": with_threads}


def least_squares_slope(points: list[tuple[int, float]]) -> float:
    mean_n = sum(n for n, _ in points) / len(points)
    mean_m = sum(m for _, m in points) / len(points)
    spread = sum((n - mean_n) ** 2 for n, _ in points)
    return sum((n - mean_n) * (m - mean_m) for n, m in points) / spread if spread else math.nan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8])
    args = parser.parse_args()
    logger.remove()  # the login runs' step lines would bury the table
    mb = 1024
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        portal = PortalProcess(Path(tmp) / "portal.db")
        portal.start()
        try:
            print(f"{'design':>8} {'workers':>7} {'python':>7} {'drivers':>8} "
                  f"{'chromium':>9} {'RSS MB':>7} {'PSS MB':>7} {'PSS/added':>10}")  # fmt: skip
            slope: dict[str, float] = {}
            for design, run in DESIGNS.items():
                points: list[tuple[int, float]] = []
                first: float | None = None
                first_n = args.workers[0]
                for n in args.workers:
                    totals = run(n, portal.url, Path(tmp) / "runs")
                    pss = {k: v[1] / mb for k, v in totals.items()}
                    rss_total = sum(v[0] for v in totals.values()) / mb
                    pss_total = sum(pss.values())
                    if first is None:
                        first = pss_total
                    per = (pss_total - first) / (n - first_n) if n != first_n else float("nan")
                    points.append((n, pss_total))
                    print(f"{design:>8} {n:>7} {pss.get('python', 0):>7.0f} "
                          f"{pss.get('driver', 0):>8.0f} "
                          f"{pss.get('chromium', 0):>9.0f} {rss_total:>7.0f} {pss_total:>7.0f} "
                          f"{per:>10.1f}")  # fmt: skip
                slope[design] = least_squares_slope(points)
        finally:
            portal.stop()
    print(f"PSS per added worker (slope over {args.workers}): fibers {slope['fibers']:.1f} MB, "
          f"threads {slope['threads']:.1f} MB, fibers/threads "
          f"{slope['fibers'] / slope['threads']:.2f}; target <= 150 MB")  # fmt: skip


if __name__ == "__main__":
    main()
