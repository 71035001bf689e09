"""The peer bench: ``bots run`` vs Robot Framework Browser vs a plain Playwright script, on
the new-install procedure, the same sample order, side by side in one run (issue 16).

    .venv/bin/pip install -e '.[bench]' && .venv/bin/rfbrowser init --skip-browsers
    .venv/bin/python bench/bench_peer.py [--rounds 5] [--quick] [--latency 0]

Each tool runs as its own process, as a user would start it:

* ``bots run flows/e9_new_install.yaml --input ORDER.yaml --screenshots off|on_failure|
  every_step`` (three entries, one per policy);
* ``robot bench/peer/new_install.robot`` (Robot Framework Browser, the same clicks keyword
  for keyword; Browser's defaults: a screenshot on failure, output.xml, log.html,
  report.html);
* ``python bench/peer/plain_new_install.py`` (the clicks of ``bench/raw_procedures.py``).

All three launch the same Chromium binary with the same flags (``bots.browser``) and a
1280×900 zh-CN context, and log in themselves. One round runs the five entries once each, in
an order that rotates every round; before every run the portal is reset (``POST
/qa/reset``), and after it the portal's own state (``GET /qa/state``, ``bench.common.check``)
must hold exactly one order of that reference with its fees collected and its 600 deposited,
with the order and serial numbers the tool reported — or the bench stops (exit 2).

**Time inside the tool** (what the targets are judged on) is the procedure as the portal
sees it: from the arrival of the tool's first request (its first page: the login page, or
for ``bots run`` the shell, which sends it to the login) to the moment the portal answers
its last one (the special-fund submit). The portal keeps that clock
(``bench/peer/clocked_portal.py``: the mock portal unchanged, plus one outer middleware),
so every tool is timed by the same outside clock, and everything a tool does between its
first and last request counts: logging in, clicks, waits, marker looks, screenshots, log
lines, the trace. Not in it, and printed beside it (not judged): start-up (process start →
first request: interpreter, imports, loading the flow, launching Chromium) and what
follows the last answer (reading the serial number, bots' run.json and report.html, RF's
output.xml, log.html and report.html, closing the browser); the whole process (start →
exit) is printed with its own ratios, and so is its CPU: user + system of the tool's
process and every process it waited for (Playwright's driver or RF's Node side, Chromium),
from ``getrusage(RUSAGE_CHILDREN)`` — the figure a loaded machine moves least. The start-up
target has its own bench (``bench/bench_startup.py``).

Ratios are medians of the per-round ratios. Targets (issue 16): bots/plain ≤ 1.05 with
screenshots off and on_failure, ≤ 1.20 with every_step; RF/bots ≥ 1.2 against off, ≥ 1.0
against every_step. Exit 1 when one is missed; with fewer than 5 rounds (``--quick`` is 1
round, no warm-up) the figures are printed and nothing is judged.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    FLOWS,
    ROOT,
    LedgerRow,
    Portal,
    check,
    first_step_start,
    habit_options,
    http_json,
    print_machine,
)
from bench.raw_procedures import PASSWORD, STAFF  # noqa: E402

PEER = ROOT / "bench" / "peer"
ORDER = ROOT / "examples" / "orders" / "E9-20261127-0001.yaml"
POLICIES = ("off", "on_failure", "every_step")
TOOLS = ("plain", "rf", *(f"bots {p}" for p in POLICIES))
# (numerator, denominator, "le" | "ge", bound)
TARGETS = (
    ("bots off", "plain", "le", 1.05),
    ("bots on_failure", "plain", "le", 1.05),
    ("bots every_step", "plain", "le", 1.20),
    ("rf", "bots off", "ge", 1.2),
    ("rf", "bots every_step", "ge", 1.0),
)
MIN_ROUNDS = 5
# what only the bots do in the new install (the others neither guard nor read back): the
# look-ups before a commit (steps of a guard: "enter_order.guard/query", and the deposit
# guard's two look-ups, "deposit.guard/order" and "deposit.guard/payment", each counted
# whole) and the read-back of the 600 after it ("deposit_records", counted whole)
READ_BACKS = ("deposit_records",)
RUN_TIMEOUT_S = 180
VIEWPORT = {"width": 1280, "height": 900}


class RunFailed(RuntimeError):
    """A tool's run failed, or the portal does not hold what it should after it."""


class ClockedPortal(Portal):
    """The bench's portal: ``python -m mock_portal`` with the clock of clocked_portal.py."""

    def command(self) -> list[str]:
        command = super().command()
        at = command.index("-m")
        return [sys.executable, str(PEER / "clocked_portal.py"), *command[at + 2 :]]

    def clock(self) -> dict[str, Any]:
        result: dict[str, Any] = http_json(self.url + "bench/clock")
        return result


@dataclass
class Run:
    tool: str
    spawn: float
    exit: float
    first: float
    last: float
    requests: int
    first_step: float | None = None  # bots only: the first step's start (its log.jsonl)
    checks: float = 0.0  # bots only: seconds in its guards and read-back (its log.jsonl)
    outputs: dict[str, Any] = field(default_factory=dict)
    cpu: float = 0.0  # the whole process tree's user + system seconds

    @property
    def procedure(self) -> float:
        return self.last - self.first

    @property
    def startup(self) -> float:
        return self.first - self.spawn

    @property
    def after(self) -> float:
        return self.exit - self.last

    @property
    def total(self) -> float:
        return self.exit - self.spawn


def script(name: str, module: str) -> list[str]:
    """A console script of this environment as a user types it (``bots``, ``robot``)."""
    path = Path(sys.executable).parent / name
    return [str(path)] if path.exists() else [sys.executable, "-m", module]


class Bench:
    def __init__(self, portal: ClockedPortal, folder: Path, order: Path) -> None:
        from bots.browser import launch_options
        from bots.flow.yamlsafe import load_yaml
        from bots.orders.model import parse_order

        self.portal, self.folder, self.order = portal, folder, order
        raw, _ = load_yaml(order)
        self.reference = str(raw["reference"])
        seen = parse_order(raw, str(order))[0]  # the order as flows see it
        launch = launch_options()
        self.run_file = folder / "run.json"
        self.run_file.write_text(
            json.dumps(
                {
                    # plain_new_install.py
                    "portal": portal.url, "order": seen, "launch": launch,
                    # new_install.robot (a variable file)
                    "PORTAL": portal.url, "ORDER": seen, "VIEWPORT": VIEWPORT,
                    "CHROMIUM": launch["executable_path"], "CHROMIUM_ARGS": launch["args"],
                    "STAFF": STAFF, "PASSWORD": PASSWORD,
                },
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )  # fmt: skip
        self.count = 0

    def command(self, tool: str, out: Path) -> list[str]:
        if tool == "plain":
            return [sys.executable, str(PEER / "plain_new_install.py"), str(self.run_file)]
        if tool == "rf":
            return [
                *script("robot", "robot"), "--outputdir", str(out), "--variablefile",
                str(self.run_file), str(PEER / "new_install.robot"),
            ]  # fmt: skip
        policy = tool.split()[1]
        return [
            *script("bots", "bots"), "run", str(FLOWS / "e9_new_install.yaml"),
            "--input", str(self.order), "--portal", self.portal.url,
            "--screenshots", policy, "--runs-dir", str(out),
        ]  # fmt: skip

    def one(self, tool: str) -> Run:
        """Reset the portal, run the tool to its end, read the clock, check the portal."""
        self.count += 1
        out = self.folder / f"{self.count:03d}-{tool.replace(' ', '-')}"
        out.mkdir()
        self.portal.reset()
        self.portal.clock()  # start counting from here
        env = {**os.environ, "BOTS_STAFF_ID": STAFF, "BOTS_STAFF_PASSWORD": PASSWORD}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        spawn = time.time()
        done = subprocess.run(
            self.command(tool, out), cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=RUN_TIMEOUT_S,
        )  # fmt: skip
        ended = time.time()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        clock = self.portal.clock()
        if done.returncode != 0 or clock["first"] is None:
            tail = "\n".join((done.stdout + done.stderr).splitlines()[-25:])
            raise RunFailed(f"{tool} exited {done.returncode} ({out}):\n{tail}")
        run = Run(tool, spawn, ended, clock["first"], clock["last"], clock["requests"])
        run.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if tool == "plain" or tool == "rf":
            found = re.search(r"outputs (\{.*?\})", done.stdout)
            if found is None:
                raise RunFailed(f"{tool} printed no outputs line ({out}):\n{done.stdout[-2000:]}")
            run.outputs = json.loads(found.group(1))
        else:
            (run_dir,) = {log.parent for log in out.glob("*/run.json")}  # its one run
            run.outputs = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["outputs"]
            run.first_step = _timestamp(first_step_start(run_dir))
            run.checks = checks_seconds(run_dir)
        row = LedgerRow(self.reference, "new_install", "done", outputs=run.outputs)
        verdict = check([row], self.portal.state())
        if not verdict.ok or verdict.done != [self.reference]:
            raise RunFailed(f"{tool}: the portal's state is wrong: {verdict.problems()}")
        shutil.rmtree(out)  # pictures and logs of a passed run: not kept
        return run


def checks_seconds(run_dir: Path) -> float:
    """Seconds a bots run spent in its guards' look-ups and its read-back: the steps of a
    guard (a sub-flow's step counted whole, not its own steps again) and READ_BACKS."""
    total = 0
    for line in (run_dir / "log.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        step = str(record.get("id", ""))
        if record.get("event") != "step":
            continue
        head, _, rest = step.partition(".guard/")
        if (rest and "/" not in head and "/" not in rest) or step in READ_BACKS:
            total += int(record["ms"])
    return total / 1000


def _timestamp(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def median_ratio(rounds: list[dict[str, Run]], a: str, b: str, measure: str) -> float:
    return statistics.median(getattr(r[a], measure) / getattr(r[b], measure) for r in rounds)


def report(rounds: list[dict[str, Run]]) -> bool:
    def med(tool: str, measure: str) -> float:
        return statistics.median(getattr(r[tool], measure) for r in rounds)

    print()
    print("| tool | inside the tool s | start-up s | after the last answer s | whole "
          "process s | its CPU s | portal requests |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for tool in TOOLS:
        requests = statistics.median(r[tool].requests for r in rounds)
        figures = [med(tool, m) for m in ("procedure", "startup", "after", "total", "cpu")]
        print(f"| {tool} | " + " | ".join(f"{x:.2f}" for x in figures) + f" | {requests:.0f} |")
    for policy in POLICIES:
        tool = f"bots {policy}"
        to_step = statistics.median((r[tool].first_step or 0) - r[tool].spawn for r in rounds)
        print(f"{tool}: process start → first step {to_step:.2f} s (median)")
    print()
    print("What only the bots do — the look-ups before a commit and the read-back of the 600 "
          "after it (8 of their portal requests) — and the rest (not judged):")  # fmt: skip
    print()
    print("| tool | guards and read-back s | inside the tool less them s | "
          "that / plain (median of per-round ratios) |")  # fmt: skip
    print("|---|---|---|---|")
    for policy in POLICIES:
        tool = f"bots {policy}"
        rest = [(r[tool].procedure - r[tool].checks) / r["plain"].procedure for r in rounds]
        print(f"| {tool} | {med(tool, 'checks'):.2f} | "
              f"{statistics.median(r[tool].procedure - r[tool].checks for r in rounds):.2f} | "
              f"{statistics.median(rest):.3f} |")  # fmt: skip
    print()
    print("| ratio (median of per-round ratios) | inside the tool | target | met | "
          "whole process (not judged) | CPU (not judged) |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    met = True
    for a, b, how, bound in TARGETS:
        inside = median_ratio(rounds, a, b, "procedure")
        whole = median_ratio(rounds, a, b, "total")
        cpu = median_ratio(rounds, a, b, "cpu")
        ok = inside <= bound if how == "le" else inside >= bound
        met = met and ok
        sign = "≤" if how == "le" else "≥"
        print(f"| {a} / {b} | {inside:.3f} | {sign} {bound:.2f} | {'yes' if ok else 'no'} | "
              f"{whole:.3f} | {cpu:.3f} |")  # fmt: skip
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=MIN_ROUNDS)
    parser.add_argument("--quick", action="store_true", help="1 round, no warm-up, not judged")
    parser.add_argument("--latency", type=int, default=0, help="fixed portal latency, ms")
    parser.add_argument("--order", type=Path, default=ORDER, help="a new-install order file")
    args = parser.parse_args()
    rounds_wanted = 1 if args.quick else args.rounds
    if shutil.which("robot", path=str(Path(sys.executable).parent)) is None:
        print("Robot Framework is not installed here: pip install -e '.[bench]' and "
              "rfbrowser init --skip-browsers", file=sys.stderr)  # fmt: skip
        return 2
    print_machine()
    print(f"{rounds_wanted} rounds; portal latency {args.latency} ms; load average {_load()}",
          flush=True)  # fmt: skip
    rounds: list[dict[str, Run]] = []
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as tmp:
        folder = Path(tmp)
        with ClockedPortal(folder / "portal.sqlite3", *habit_options()) as portal:
            portal.habits(latency_ms=[args.latency, args.latency])
            bench = Bench(portal, folder, args.order.resolve())
            try:
                if not args.quick:
                    for tool in TOOLS:  # warm-up: file caches, Chromium's first start
                        bench.one(tool)
                for n in range(rounds_wanted):
                    order = TOOLS[n % len(TOOLS) :] + TOOLS[: n % len(TOOLS)]
                    runs = {tool: bench.one(tool) for tool in order}
                    rounds.append(runs)
                    loads.append(os.getloadavg()[0])
                    shown = " · ".join(f"{t} {runs[t].procedure:.2f}" for t in TOOLS)
                    print(f"  round {n + 1}/{rounds_wanted} ({', '.join(order)}): {shown} s; "
                          f"load {_load()}", flush=True)  # fmt: skip
            except RunFailed as error:
                print(f"bench stopped: {error}", file=sys.stderr)
                return 2
    met = report(rounds)
    print(f"\nload average (1 min) during the runs: {min(loads):.2f}–{max(loads):.2f}; "
          f"every run checked on /qa/state: {bench.count} runs, all done once")  # fmt: skip
    if len(rounds) < MIN_ROUNDS:
        print(f"fewer than {MIN_ROUNDS} rounds: targets not judged")
        return 0
    print("targets: " + ("all met" if met else "NOT all met"))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
