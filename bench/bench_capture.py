"""What one step picture costs, by the way it is taken: the runner's (Chrome's own JPEG
capture over CDP at quality 60), cheaper settings of the same call, and Playwright's
masked screenshot (what the runner uses when a sensitive element is on screen).

    .venv/bin/python bench/bench_capture.py [--shots 30]

One Chromium, the mock portal, logged in with the 新装 screen's first form filled in (the
shell and its work iframe: what most pictures show). Each way is timed ``--shots`` times,
the ways interleaved; medians, the CPU of this process, Playwright's driver and Chromium
per picture (``bench.common.tree_cpu``: what noise moves least) and the file's size.
Nothing here changes the runner: it prices the choices for a later change
(docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import base64
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Page, sync_playwright  # noqa: E402

from bench.common import Portal, habit_options, print_machine, tree_cpu  # noqa: E402
from bench.raw_procedures import WORK, login  # noqa: E402
from bots.browser import VIEWPORT, launch_options  # noqa: E402


def cdp_way(page: Page, params: dict[str, Any]) -> Callable[[Path], object]:
    cdp = page.context.new_cdp_session(page)

    def take(path: Path) -> None:
        shot = cdp.send("Page.captureScreenshot", params)
        path.write_bytes(base64.b64decode(shot["data"]))

    return take


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--shots", type=int, default=30)
    args = parser.parse_args()
    print_machine()
    with tempfile.TemporaryDirectory(prefix="bench-capture-") as tmp, sync_playwright() as pw:
        folder = Path(tmp)
        browser = pw.chromium.launch(**launch_options())  # type: ignore[arg-type]
        with Portal(folder / "portal.sqlite3", *habit_options()) as portal:
            page = browser.new_context(locale="zh-CN", viewport=VIEWPORT).new_page()  # type: ignore[arg-type]
            login(page, portal.url)
            page.get_by_role("link", name="新装", exact=True).click()
            work = page.frame_locator(WORK)
            work.get_by_label("客户名称").fill("张伟")
            mask = [work.get_by_label("证件号码"), work.get_by_label("联系电话")]
            half = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": VIEWPORT["height"]}
            ways: dict[str, Callable[[Path], object]] = {
                "runner's: CDP JPEG q60, optimizeForSpeed": cdp_way(
                    page, {"format": "jpeg", "quality": 60, "optimizeForSpeed": True}
                ),
                "CDP JPEG q40": cdp_way(
                    page, {"format": "jpeg", "quality": 40, "optimizeForSpeed": True}
                ),
                "CDP JPEG q60 at half scale (clip scale 0.5)": cdp_way(
                    page,
                    {
                        "format": "jpeg",
                        "quality": 60,
                        "optimizeForSpeed": True,
                        "clip": {**half, "scale": 0.5},
                    },
                ),  # fmt: skip
                "CDP WebP q60": cdp_way(page, {"format": "webp", "quality": 60}),
                "Playwright JPEG q60, two masks (sensitive screen)": lambda path: page.screenshot(
                    path=str(path),
                    type="jpeg",
                    quality=60,
                    mask=mask,
                    scale="css",
                    caret="initial",
                    timeout=10_000,
                ),  # fmt: skip
                "Playwright JPEG q60, no mask": lambda path: page.screenshot(
                    path=str(path), type="jpeg", quality=60, scale="css", caret="initial"
                ),
            }
            times: dict[str, list[float]] = {name: [] for name in ways}
            cpus: dict[str, list[float]] = {name: [] for name in ways}
            assert portal.process is not None
            skip = portal.process.pid
            sizes: dict[str, int] = {}
            for n in range(args.shots + 1):
                for i, (name, take) in enumerate(ways.items()):
                    path = folder / f"{i}.img"
                    cpu, began = tree_cpu(skip), time.perf_counter()
                    take(path)
                    if n:  # the first round warms each way up
                        times[name].append(time.perf_counter() - began)
                        cpus[name].append(tree_cpu(skip) - cpu)
                    sizes[name] = path.stat().st_size
        browser.close()
    print(f"\n{args.shots} pictures each, interleaved:\n")
    print("| way | ms a picture (median) | min..max | CPU ms a picture (mean) | file KB |")
    print("|---|---|---|---|---|")
    for name, took in times.items():
        cpu = statistics.mean(cpus[name]) * 1000  # 10 ms ticks: the mean, not the median
        print(f"| {name} | {statistics.median(took) * 1000:.1f} | {min(took) * 1000:.1f}.."
              f"{max(took) * 1000:.1f} | {cpu:.0f} | {sizes[name] / 1024:.0f} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
