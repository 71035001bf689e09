"""Start-up: ``bots --help`` in CPU seconds, and ``bots run`` from process start to its
first step, less the browser launch (issue 16: under 0.3 s of CPU; under 0.8 s).

    .venv/bin/python bench/bench_startup.py [--runs 5] [--bytecode] [--bots "COMMAND"]

* ``bots --help``: the CPU time (user + system) of the whole process, from
  ``getrusage(RUSAGE_CHILDREN)``, and its wall time; median of ``--runs`` × 2.
* ``bots run flows/e9_new_install.yaml --input <sample order> --screenshots off`` against a
  mock portal: from just before the process is spawned to the ``start`` of its first step
  (``log.jsonl``); median of ``--runs``. Beside it, the CPU time the bots process itself
  (not Chromium, not Playwright's driver) had used when its first step's line appeared
  (``/proc/<pid>/stat``, 10 ms ticks): a figure a loaded machine inflates far less. The
  browser launch is measured here, in this process, the same number of times, the way
  ``bots run`` launches it
  (``bots.actions.launch.open_page``: start Playwright's driver, launch Chromium, a new
  context, a new page); the target is judged on "first step − launch".

``PYTHONDONTWRITEBYTECODE=1`` is set on this project's machines, so by default every start
compiles the project's own modules (site-packages were compiled by pip). ``--bytecode`` also
measures with byte-code allowed, kept under a temporary ``PYTHONPYCACHEPREFIX`` (never in the
work tree), after one run that writes it. ``--bots`` measures another command that starts
bots (e.g. an older checkout, for a before/after figure). Exit 1 when a target is missed
(judged on the figures without byte-code: the machines' default).
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    FLOWS,
    ROOT,
    Portal,
    first_step_start,
    habit_options,
    print_machine,
)
from bench.raw_procedures import PASSWORD, STAFF  # noqa: E402

ORDER = ROOT / "examples" / "orders" / "E9-20261127-0001.yaml"
HELP_CPU_S = 0.3
RUN_START_S = 0.8


COMMAND: list[str] = []  # how bots is started: --bots, else this environment's script


def bots() -> list[str]:
    if COMMAND:
        return COMMAND
    path = Path(sys.executable).parent / "bots"
    return [str(path)] if path.exists() else [sys.executable, "-m", "bots"]


def help_once(env: dict[str, str]) -> tuple[float, float]:
    """(CPU s, wall s) of one ``bots --help``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run([*bots(), "--help"], env=env, cwd=ROOT, capture_output=True, check=True)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def run_once(env: dict[str, str], portal: Portal, runs: Path) -> tuple[float, float]:
    """(seconds from spawning ``bots run`` to the start of its first step, CPU seconds the
    bots process itself had used when its first step's line appeared)."""
    portal.reset()
    runs = runs / f"{time.time_ns()}"
    spawn = time.time()
    process = subprocess.Popen(
        [*bots(), "run", str(FLOWS / "e9_new_install.yaml"), "--input", str(ORDER),
         "--portal", portal.url, "--screenshots", "off", "--runs-dir", str(runs)],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    cpu = float("nan")
    while process.poll() is None:
        if any(log.stat().st_size for log in runs.glob("*/log.jsonl")):
            cpu = _cpu_of(process.pid)
            break
        time.sleep(0.005)
    out, _ = process.communicate(timeout=180)
    if process.returncode != 0:
        raise RuntimeError(f"bots run exited {process.returncode}:\n{out[-3000:]}")
    (run_dir,) = {log.parent for log in runs.glob("*/run.json")}  # its one run
    from datetime import datetime

    return datetime.fromisoformat(first_step_start(run_dir)).timestamp() - spawn, cpu


def _cpu_of(pid: int) -> float:
    """User + system CPU seconds of one process so far (its own, not its children's)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def launch_once() -> float:
    """Seconds for what ``open_page`` does before the first step: driver, Chromium,
    context, page."""
    from playwright.sync_api import sync_playwright

    from bots.browser import VIEWPORT, launch_options

    began = time.perf_counter()
    pw = sync_playwright().start()
    browser = pw.chromium.launch(**launch_options())  # type: ignore[arg-type]
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORT)  # type: ignore[arg-type]
    context.new_page()
    took = time.perf_counter() - began
    browser.close()
    pw.stop()
    return took


def row(label: str, values: list[float], target: str = "", ok: bool | None = None) -> None:
    met = "" if ok is None else "yes" if ok else "no"
    span = f"{min(values):.3f}..{max(values):.3f}"
    print(f"| {label} | {statistics.median(values):.3f} | {span} | {target} | {met} |")


def measure(label: str, env: dict[str, str], runs: int, portal: Portal, folder: Path) -> bool:
    helps = [help_once(env) for _ in range(runs * 2)]
    cpu = statistics.median(c for c, _ in helps)
    starts, cpus, launches = [], [], []
    for _ in range(runs):  # alternating, so load drifts hit both alike
        took, used = run_once(env, portal, folder / "runs")
        starts.append(took)
        cpus.append(used)
        launches.append(launch_once())
    start, launch = statistics.median(starts), statistics.median(launches)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    help_ok, run_ok = cpu < HELP_CPU_S, start - launch < RUN_START_S
    print(f"\n{label} (load average {load}):")
    print("| measure | median | min..max | target | met |")
    print("|---|---|---|---|---|")
    row("bots --help, CPU s", [c for c, _ in helps], f"< {HELP_CPU_S}", help_ok)
    row("bots --help, wall s", [w for _, w in helps])
    row("bots run: process start → first step, s", starts)
    row("bots run: CPU of the bots process to its first step's line, s", cpus)
    row("browser launch (driver, Chromium, context, page), s", launches)
    print(f"| bots run: first step − launch, s | {start - launch:.3f} | | < {RUN_START_S} | "
          f"{'yes' if run_ok else 'no'} |")  # fmt: skip
    return help_ok and run_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bytecode", action="store_true", help="also with byte-code allowed")
    parser.add_argument("--bots", default="", help="the command that starts bots")
    args = parser.parse_args()
    COMMAND[:] = shlex.split(args.bots)
    print_machine()
    print(f"bots started as: {' '.join(bots())}")
    base = {**os.environ, "BOTS_STAFF_ID": STAFF, "BOTS_STAFF_PASSWORD": PASSWORD}
    no_bytecode = {**base, "PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        folder = Path(tmp)
        with Portal(folder / "portal.sqlite3", *habit_options()) as portal:
            launch_once()  # warm-up: Chromium's files in the page cache
            met = measure("without byte-code (PYTHONDONTWRITEBYTECODE=1)", no_bytecode,
                          args.runs, portal, folder)  # fmt: skip
            if args.bytecode:
                cached = {**base, "PYTHONPYCACHEPREFIX": str(folder / "pycache")}
                cached.pop("PYTHONDONTWRITEBYTECODE", None)
                help_once(cached)  # writes the byte-code
                run_once(cached, portal, folder / "runs")
                measure("with byte-code", cached, args.runs, portal, folder)
    print("\ntargets: " + ("met" if met else "NOT met"))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
