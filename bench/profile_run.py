"""Where the time of a run goes: the new install, run as ``bots run`` runs it, with a
stopwatch on each part of the runner, beside the plain script doing the same clicks.

    .venv/bin/python bench/profile_run.py [--runs 5] [--screenshots off,every_step,off/trace]
        [--guards always|replay]

One process, one Chromium, one portal (latency 0), as ``bench/bench_procedures.py``: before
each run the portal is reset and a fresh context opens (not timed); the runner run starts
on a blank page and logs in itself (as ``bots run`` does), the plain run logs in and does
``bench/raw_procedures.py``'s clicks; they alternate. Each run must leave the order done
once in ``/qa/state``. As ``bots run``: no Playwright trace (a policy written
``off/trace`` keeps one for "on failure", to price it) and the guards' look-ups before
every commit (``--guards replay``: only on a replay, as a worker's first try of an order;
before 2026-11-30 evening this bench ran that way without saying so).

The stopwatch wraps the runner's own functions (nothing in ``bots/`` changes): each part's
time is *exclusive* — a part called inside another (the sensitive-element look inside a
screenshot, the request listener inside a click) is taken out of the outer one — so the
parts add up to the run. Wall time (``perf_counter``) and this thread's CPU time
(``thread_time``: the runner, and Playwright's Python side, which runs in the same thread)
are kept per part, per step and per action. What is left of a step after its parts is the
runner's own work (records, expressions, retries, hooks). Beside the wall time of a run,
the CPU of every process that serves it — this one, Playwright's driver and Chromium (its
finished renderers included, through their parents' ``cutime``), not the portal — from
``/proc``: on two shared cores, the figure that noise moves least, and the one throughput
is made of.
"""

from __future__ import annotations

import argparse
import inspect
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loguru import logger  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from bench.common import (  # noqa: E402
    FLOWS,
    ROOT,
    LedgerRow,
    Portal,
    check,
    habit_options,
    tree_cpu,
)
from bench.raw_procedures import PASSWORD, STAFF, login, raw_new_install  # noqa: E402
from bots.browser import VIEWPORT, launch_options  # noqa: E402
from bots.flow import load_flow  # noqa: E402
from bots.flow.yamlsafe import load_yaml  # noqa: E402
from bots.orders.model import parse_order  # noqa: E402
from bots.runner import Runner  # noqa: E402

ORDER = ROOT / "examples" / "orders" / "E9-20261127-0001.yaml"
STEP = "step: the runner's own work"
# (module, class or None, function) → the part it stands for
PARTS: dict[tuple[str, str | None, str], str] = {
    ("bots.runner.runner", "Runner", "run"): "run set-up and end (Runner.run, the rest)",
    ("bots.runner.executor", "Executor", "_step"): STEP,
    ("bots.runner.scope", "StepArgs", "of"): "step arguments (expressions)",
    ("bots.actions.session", "BrowserSession", "act"): "action (Playwright: auto-wait, act)",
    ("bots.actions.markers", "Markers", "patiently"): "page load (goto)",
    ("bots.actions.session", "BrowserSession", "expect_popup"): "popup: waiting for it",
    ("bots.actions.markers", "Markers", "shown"): "marker look before an action",
    ("bots.actions.session", "BrowserSession", "wait_visible"): "wait: expected screen or marker",
    ("bots.actions.session", "BrowserSession", "visible_now"): "if_shown look",
    ("bots.actions.markers", "Markers", "on_request"): "request listener (every request)",
    ("bots.actions.camera", "Camera", "take"): "screenshot: capture",
    ("bots.actions.camera", "Camera", "_present"): "screenshot: sensitive-element look",
    ("bots.runner.runfolder", "RunFolder", "step"): "log line (console + log.jsonl)",
    ("bots.runner.runfolder", "RunFolder", "event"): "log line (console + log.jsonl)",
    ("bots.runner.runfolder", "RunFolder", "__init__"): "run folder (files)",
    ("bots.runner.runfolder", "RunFolder", "write_json"): "run folder (files)",
    ("bots.runner.runfolder", "RunFolder", "close"): "run folder (files)",
    ("bots.runner.runner", None, "write_report"): "run folder: report.html",
    ("bots.actions.session", "BrowserSession", "start_trace"): "trace (start, stop)",
    ("bots.actions.session", "BrowserSession", "stop_trace"): "trace (start, stop)",
}


class Stopwatch:
    """Exclusive wall and CPU time per part and per (innermost) step."""

    def __init__(self) -> None:
        self.stack: list[list[Any]] = []  # [part, wall start, cpu start, child wall, child cpu]
        self.steps: list[dict[str, Any]] = []  # records of the steps being run, innermost last
        self.parts: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
        self.by_action: dict[str, dict[str, list[float]]] = defaultdict(
            lambda: defaultdict(lambda: [0.0, 0.0, 0])
        )
        self.step_count: dict[str, int] = defaultdict(int)

    def wrap(self, part: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        watch = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            if fn.__name__ == "_step":
                record = {"action": args[2].action}
                watch.steps.append(record)
                watch.step_count[record["action"]] += 1
            watch.stack.append([part, time.perf_counter(), time.thread_time(), 0.0, 0.0])
            try:
                return fn(*args, **kwargs)
            finally:
                name, wall0, cpu0, child_wall, child_cpu = watch.stack.pop()
                wall, cpu = time.perf_counter() - wall0, time.thread_time() - cpu0
                watch.add(name, wall - child_wall, cpu - child_cpu)
                if watch.stack:
                    watch.stack[-1][3] += wall
                    watch.stack[-1][4] += cpu
                if fn.__name__ == "_step":
                    watch.steps.pop()

        return timed

    def add(self, part: str, wall: float, cpu: float) -> None:
        totals = self.parts[part]
        totals[0] += wall
        totals[1] += cpu
        totals[2] += 1
        action = self.steps[-1]["action"] if self.steps else "(outside steps)"
        here = self.by_action[action][part]
        here[0] += wall
        here[1] += cpu
        here[2] += 1


def install(watch: Stopwatch) -> None:
    import importlib

    for (module, owner, name), part in PARTS.items():
        where: Any = importlib.import_module(module)
        if owner is not None:
            where = getattr(where, owner)
        timed = watch.wrap(part, getattr(where, name))
        static = isinstance(inspect.getattr_static(where, name), staticmethod)
        setattr(where, name, staticmethod(timed) if static else timed)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--screenshots", default="off,every_step")
    parser.add_argument("--guards", choices=("always", "replay"), default="always")
    args = parser.parse_args()
    policies = args.screenshots.split(",")
    logger.remove()
    console = open("/dev/null", "w", encoding="utf-8")  # noqa: SIM115 - as bots run's stdout
    logger.add(console, format="{message}", level="INFO", colorize=False)
    raw, _ = load_yaml(ORDER)
    seen = parse_order(raw, str(ORDER))[0]
    flow = load_flow(FLOWS / "e9_new_install.yaml")
    watches = {policy: Stopwatch() for policy in policies}
    times: dict[str, list[float]] = defaultdict(list)
    cpus: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="profile-") as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_options())  # type: ignore[arg-type]
        with Portal(Path(tmp) / "portal.sqlite3", *habit_options()) as portal:

            def one(side: str, count: int) -> float:
                assert portal.process is not None
                portal.reset()
                context = browser.new_context(locale="zh-CN", viewport=VIEWPORT)  # type: ignore[arg-type]
                context.set_default_timeout(10_000)
                page = context.new_page()
                cpu = tree_cpu(portal.process.pid)
                began = time.perf_counter()
                if side == "plain":
                    login(page, portal.url)
                    outputs = raw_new_install(page, portal.url, seen)
                else:
                    result = Runner(
                        page, flow, {"order": raw}, secrets={"staff_id": STAFF,
                        "password": PASSWORD}, portal_url=portal.url,
                        run_dir=Path(tmp) / f"run-{count}", screenshots=side.split("/")[0],
                        trace="on_failure" if side.endswith("/trace") else "off",
                        guard=args.guards,
                    ).run()  # fmt: skip
                    if not result.ok:
                        raise RuntimeError(f"the run failed: {result.error}")
                    outputs = dict(result.outputs)
                took = time.perf_counter() - began
                cpus[side].append(tree_cpu(portal.process.pid) - cpu)
                context.close()
                row = LedgerRow(str(raw["reference"]), "new_install", "done", outputs=outputs)
                verdict = check([row], portal.state())
                if not verdict.ok or not verdict.done:
                    raise RuntimeError(f"{side}: the portal's state is wrong: {verdict.problems()}")
                return took

            one("plain", 0)  # warm-up
            one(policies[0], 0)
            for n in range(args.runs):
                times["plain"].append(one("plain", n))
                for policy in policies:
                    originals = snapshot()
                    install(watches[policy])
                    try:
                        times[policy].append(one(policy, n))
                    finally:
                        restore(originals)
        browser.close()
    report(args.runs, times, cpus, watches)
    return 0


def snapshot() -> list[tuple[Any, str, Any]]:
    import importlib

    found = []
    for module, owner, name in PARTS:
        where: Any = importlib.import_module(module)
        if owner is not None:
            where = getattr(where, owner)
        found.append((where, name, inspect.getattr_static(where, name)))
    return found


def restore(originals: list[tuple[Any, str, Any]]) -> None:
    for where, name, fn in originals:
        setattr(where, name, fn)


def report(
    runs: int,
    times: dict[str, list[float]],
    cpus: dict[str, list[float]],
    watches: dict[str, Stopwatch],
) -> None:
    plain, plain_cpu = statistics.median(times["plain"]), statistics.median(cpus["plain"])
    print(f"\nplain script, the same clicks: {plain:.2f} s, CPU of all its processes "
          f"{plain_cpu:.2f} s (medians of {runs})")  # fmt: skip
    for policy, watch in watches.items():
        run, cpu = statistics.median(times[policy]), statistics.median(cpus[policy])
        print(f"\n### runner, screenshots {policy}: {run:.2f} s, CPU {cpu:.2f} s (medians of "
              f"{runs}); runner − plain {run - plain:+.2f} s, "
              f"CPU {cpu - plain_cpu:+.2f} s\n")  # fmt: skip
        print("| part | ms a run | CPU ms a run | calls a run | ms a call |")
        print("|---|---|---|---|---|")
        for part, (wall, cpu, calls) in sorted(watch.parts.items(), key=lambda kv: -kv[1][0]):
            per_call = wall / calls * 1000 if calls else 0
            print(f"| {part} | {wall / runs * 1000:.0f} | {cpu / runs * 1000:.0f} | "
                  f"{calls / runs:.0f} | {per_call:.1f} |")  # fmt: skip
        total = sum(w for w, _, _ in watch.parts.values())
        print(f"| all parts | {total / runs * 1000:.0f} | "
              f"{sum(c for _, c, _ in watch.parts.values()) / runs * 1000:.0f} | | |")  # fmt: skip
        print("\nper step, by action (ms a step; the parts that take most):\n")
        print("| action | steps a run | ms a step | of which |")
        print("|---|---|---|---|")
        for action, parts in sorted(watch.by_action.items(), key=lambda kv: kv[0]):
            steps = watch.step_count.get(action, 0) / runs
            wall = sum(w for w, _, _ in parts.values()) / runs * 1000
            top = sorted(parts.items(), key=lambda kv: -kv[1][0])[:4]
            shown = "; ".join(f"{p} {w / runs * 1000 / max(steps, 1):.1f}" for p, (w, _, _) in top)
            per = wall / steps if steps else wall
            print(f"| {action} | {steps:.0f} | {per:.1f} | {shown} |")


if __name__ == "__main__":
    sys.exit(main())
