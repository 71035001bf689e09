"""What a look into the work area costs through a frame locator (Playwright finds the
iframe again on every call: what a plain script and the runner before 2026-11-30 did) and
on the frame itself (what ``bots.actions.frames.FrameChains.scope`` builds on now).

    .venv/bin/python bench/bench_frames.py [--calls 60]

One Chromium, the mock portal, logged in with the 新装 screen open in the work iframe. Four
calls the runner makes all the time — ``count`` (a marker look, the sensitive look before a
picture), ``is_visible`` (after a wait), ``wait_for`` of an element already there, and
``fill`` — each made ``--calls`` times both ways, interleaved. Medians of the wall time,
the mean CPU of this process, Playwright's driver and Chromium per call
(``bench.common.tree_cpu``), and the ratio frame / frame locator. Nothing is judged: it
prices the lever of docs/PERFORMANCE.md §1c.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench.common import Portal, habit_options, print_machine, tree_cpu  # noqa: E402
from bench.raw_procedures import WORK, login  # noqa: E402
from bots.browser import launch_options, new_context  # noqa: E402

WAYS = ("frame locator", "frame")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=60)
    args = parser.parse_args()
    print_machine()
    with tempfile.TemporaryDirectory(prefix="bench-frames-") as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_options())  # type: ignore[arg-type]
        with Portal(Path(tmp) / "portal.sqlite3", *habit_options()) as portal:
            assert portal.process is not None
            skip = portal.process.pid
            page = new_context(browser).new_page()
            login(page, portal.url)
            page.get_by_role("link", name="新装", exact=True).click()
            located = page.frame_locator(WORK)
            located.get_by_label("客户名称").fill("张伟")
            frame = page.frame(name="workarea")
            assert frame is not None
            calls: dict[str, Callable[..., object]] = {
                "count": lambda scope: scope.get_by_label("客户名称").count(),
                "is_visible": lambda scope: scope.get_by_label("客户名称").is_visible(),
                "wait_for (already there)": lambda scope: scope.get_by_label("客户名称")
                .wait_for(timeout=1000),
                "fill": lambda scope: scope.get_by_label("客户名称").fill("张伟"),
            }  # fmt: skip
            walls: dict[tuple[str, str], list[float]] = {}
            cpus: dict[tuple[str, str], list[float]] = {}
            for n in range(args.calls + 1):
                for name, call in calls.items():
                    for way, scope in zip(WAYS, (located, frame), strict=True):
                        cpu, began = tree_cpu(skip), time.perf_counter()
                        call(scope)
                        if n:  # the first round warms each call up
                            walls.setdefault((name, way), []).append(time.perf_counter() - began)
                            cpus.setdefault((name, way), []).append(tree_cpu(skip) - cpu)
        browser.close()
    print(f"\n{args.calls} calls each way, interleaved:\n")
    print("| call | frame locator ms | frame ms | ratio | frame locator CPU ms | frame CPU ms "
          "| ratio |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for name in calls:
        wall = [statistics.median(walls[name, way]) * 1000 for way in WAYS]
        cpu = [statistics.mean(cpus[name, way]) * 1000 for way in WAYS]  # 10 ms ticks: mean
        print(f"| {name} | {wall[0]:.2f} | {wall[1]:.2f} | {wall[1] / wall[0]:.2f} | "
              f"{cpu[0]:.1f} | {cpu[1]:.1f} | {cpu[1] / cpu[0]:.2f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
