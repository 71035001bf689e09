"""Orders per minute at 1/2/4/8 workers, on SQLite and on PostgreSQL, at portal latency 0
and 300 ms — every combination in one run, printed with the ratio to one worker.

    .venv/bin/python bench/bench_throughput.py [--workers 1,2,4,8] [--latency 0,300]
        [--backends sqlite,postgresql] [--pg postgresql:///postgres]
        [--per-worker 2] [--extra 4] [--screenshots off]

Each run: the one portal reset (``POST /qa/reset``: fresh fixtures) and set to a fixed
latency; a fresh ledger (a new SQLite file / a new PostgreSQL database); ``per_worker ×
workers + extra`` generated orders (half new installs, half renewals); one ``bots work
--workers N`` process with N staff ids, timed from its start to its exit (Chromium start-up
and N logins included: what an operator waits for). "steady" is the same count over the
span from the first claim to the last finish, from the ledger's own timestamps. Every run is
judged by the portal's QA state: a duplicate or a lost order fails the bench.

At the end (also when stopped early: Ctrl-C or SIGTERM) it prints every run's row, then
one summary table — a row per latency and ledger, a column per worker count, orders per
minute with the ratio to the first worker count — and names the runs it did not reach.
With ``--screenshots every_step`` and a 300 ms run it judges issue 16's target (≥ 1,000
orders an hour, the best such run, start-up included) and exits 1 when it is missed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import product
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    Portal,
    WorkerProcess,
    WorkSettings,
    check,
    credentials_file,
    enqueue_orders,
    habit_options,
    ledger_rows,
    pg_database,
    print_machine,
    sqlite_url,
    staff,
    table,
)
from bots.ledger import open_store  # noqa: E402
from bots.orders.samples import generate_orders  # noqa: E402

RUN_TIMEOUT = 1200.0
# issue 16: orders an hour on this machine with every_step pictures at 300 ms latency
TARGET_PER_HOUR, TARGET_LATENCY, TARGET_SCREENSHOTS = 1000, 300, "every_step"
LEDGER_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass
class Measure:
    mode: str  # fibers: one bots work --workers N; processes: N × bots work --workers 1
    backend: str
    latency: int
    workers: int
    orders: int
    done: int
    wall: float
    steady: float
    problems: list[str]  # duplicates, lost orders, a failed worker: the bench fails
    notes: list[str]  # orders parked for an operator: fewer done, not wrong

    @property
    def per_minute(self) -> float:
        return 60.0 * self.done / self.wall if self.wall else 0.0

    @property
    def steady_per_minute(self) -> float:
        return 60.0 * self.done / self.steady if self.steady else 0.0


@contextmanager
def ledger(backend: str, folder: Path, pg: str) -> Iterator[str]:
    if backend == "sqlite":
        yield sqlite_url(folder)
    else:
        with pg_database(pg) as url:
            yield url


def ledger_span(db: str) -> float:
    """Seconds from the first attempt's start to the last finish, from the ledger."""
    store = open_store(db)
    try:
        starts, ends = [], []
        for item in store.items():
            starts += [e.started_at for e in store.history(item.reference) if e.kind == "attempt"]
            if item.finished_at:
                ends.append(item.finished_at)
    finally:
        store.close()
    if not starts or not ends:
        return 0.0
    return (max(ends) - min(starts)).total_seconds()


def measure(
    portal: Portal,
    mode: str,
    backend: str,
    latency: int,
    workers: int,
    n: int,
    args: argparse.Namespace,
) -> Measure:
    portal.reset(seed=args.seed)
    portal.habits(latency_ms=[latency, latency])
    orders = generate_orders(n, seed=args.seed, start_index=100)
    with tempfile.TemporaryDirectory(prefix="tp-") as name:
        folder = Path(name)
        with ledger(backend, folder, args.pg) as db:
            refs = enqueue_orders(db, orders, batch=f"{backend}-{latency}-{workers}")
            settings = WorkSettings(
                db=db, portal=portal.url, runs_dir=folder / "runs", workers=workers,
                screenshots=args.screenshots, lease=60,
            )  # fmt: skip
            procs = []
            per_process, count = (workers, 1) if mode == "fibers" else (1, workers)
            settings.workers = per_process
            for k in range(count):
                home = folder / f"p{k}"
                home.mkdir()
                pairs = staff(k * per_process, per_process)
                creds = credentials_file(home / "credentials", pairs)
                procs.append(WorkerProcess(f"tp{workers}-{k}", settings, creds, home))
            began = time.monotonic()
            for proc in procs:
                proc.start()
            try:
                while any(x.alive for x in procs) and time.monotonic() - began < RUN_TIMEOUT:
                    time.sleep(0.1)
            finally:
                for proc in procs:
                    proc.cleanup()
            wall = time.monotonic() - began
            result = check(ledger_rows(db), portal.state(), refs)
            span = ledger_span(db)
    problems = result.problems()
    problems += [f"bots work exited {x.exits[-1]}" for x in procs if x.exits and x.exits[-1]]
    notes = [f"{r}: {result.verdicts[r].reason}" for r in result.parked]
    done = len(result.done)
    return Measure(mode, backend, latency, workers, n, done, wall, span, problems, notes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4,8")
    parser.add_argument("--latency", default="0,300", help="fixed portal latencies, ms")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--modes", default="fibers",
        help="fibers (one bots work --workers N) and/or processes (N × --workers 1)",
    )  # fmt: skip
    parser.add_argument("--pg", default="postgresql:///postgres")
    parser.add_argument("--per-worker", type=int, default=2)
    parser.add_argument("--extra", type=int, default=4)
    parser.add_argument("--screenshots", default="off")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    latencies = [int(x) for x in args.latency.split(",")]
    backends = args.backends.split(",")
    modes = args.modes.split(",")
    if max(counts) > 16:
        parser.error("the portal has 16 staff ids: at most 16 workers")
    if unknown := [b for b in backends if b not in LEDGER_NAMES]:
        parser.error(f"--backends: unknown {', '.join(unknown)} (sqlite, postgresql)")
    if unknown := [m for m in modes if m not in ("fibers", "processes")]:
        parser.error(f"--modes: unknown {', '.join(unknown)} (fibers, processes)")
    print_machine()
    print(f"orders per run: {args.per_worker} × workers + {args.extra}; "
          f"screenshots {args.screenshots}", flush=True)  # fmt: skip
    results: list[Measure] = []
    plan = list(product(latencies, backends, modes, counts))
    try:
        with tempfile.TemporaryDirectory(prefix="tp-portal-") as name:
            with Portal(Path(name) / "portal.sqlite3", *habit_options()) as portal:
                for latency, backend, mode, workers in plan:
                    n = args.per_worker * workers + args.extra
                    m = measure(portal, mode, backend, latency, workers, n, args)
                    results.append(m)
                    print(f"  {mode:<9} {backend:<10} {latency:>4} ms  {workers} workers  "
                          f"{m.done}/{n} done in {m.wall:6.1f} s  "
                          f"{m.per_minute:5.1f}/min", flush=True)  # fmt: skip
                    for problem in m.problems:
                        print(f"    ! {problem}", flush=True)
                    for note in m.notes:
                        print(f"    parked {note}", flush=True)
    finally:
        # also when stopped (Ctrl-C, SIGTERM): the rows measured so far, the rest named
        missing = [k for k in plan if k not in {(m.latency, m.backend, m.mode, m.workers)
                                                 for m in results}]  # fmt: skip
        print()
        print(detail_table(results, counts[0]))
        print()
        print(summary_table(results, latencies, backends, modes, counts))
        if missing:
            print("\nnot measured (stopped first): " + ", ".join(
                f"{mode} {backend} {latency} ms × {workers}"
                for latency, backend, mode, workers in missing))  # fmt: skip
        met = judge(results, args.screenshots)
    clean = all(not m.problems for m in results)
    return 0 if clean and met is not False else 1


def judge(results: list[Measure], screenshots: str) -> bool | None:
    """Print the issue-16 target, judged on the best run it applies to (wall time,
    start-up included), and say whether it is met; None when no run applies."""
    runs = [m for m in results if m.latency == TARGET_LATENCY and not m.problems]
    if screenshots != TARGET_SCREENSHOTS or not runs:
        return None
    best = max(runs, key=lambda m: m.per_minute)
    hour, steady = best.per_minute * 60, best.steady_per_minute * 60
    met = hour >= TARGET_PER_HOUR
    print(f"\ntarget ≥ {TARGET_PER_HOUR:,} orders an hour ({screenshots}, "
          f"{TARGET_LATENCY} ms): {'met' if met else 'not met'} — {hour:,.0f} an hour "
          f"({steady:,.0f} steady), {best.workers} workers, {best.done} orders")  # fmt: skip
    return met


def _base(results: list[Measure], m: Measure, workers: int) -> Measure | None:
    """The same mode, ledger and latency at the first worker count (the ratios' base)."""
    key = (m.mode, m.backend, m.latency, workers)
    return next((b for b in results if (b.mode, b.backend, b.latency, b.workers) == key), None)


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}" if base else "-"


def detail_table(results: list[Measure], first: int) -> str:
    rows = []
    for m in results:
        base = _base(results, m, first)
        rows.append((
            m.mode, m.backend, m.latency, m.workers, f"{m.done}/{m.orders}", f"{m.wall:.1f}",
            f"{m.per_minute:.2f}", _ratio(m.per_minute, base.per_minute) if base else "-",
            f"{m.steady_per_minute:.2f}",
            _ratio(m.steady_per_minute, base.steady_per_minute) if base else "-",
        ))  # fmt: skip
    return table(
        ("mode", "ledger", "latency ms", "workers", "done", "wall s", "orders/min",
         f"× {first} worker", "steady/min", "steady ×"),
        rows,
    )  # fmt: skip


def summary_table(
    results: list[Measure],
    latencies: list[int],
    backends: list[str],
    modes: list[str],
    counts: list[int],
) -> str:
    """One row per (latency, ledger, mode), one column per worker count: orders per minute
    (wall time) and, in brackets, the ratio to the first worker count."""
    found = {(m.latency, m.backend, m.mode, m.workers): m for m in results}
    rows = []
    for latency, backend, mode in product(latencies, backends, modes):
        cells = []
        for workers in counts:
            m = found.get((latency, backend, mode, workers))
            base = found.get((latency, backend, mode, counts[0]))
            if m is None:
                cells.append("not measured")
            elif base is None or m is base:
                cells.append(f"{m.per_minute:.2f}")
            else:
                cells.append(f"{m.per_minute:.2f} ({_ratio(m.per_minute, base.per_minute)}×)")
        rows.append((f"{latency} ms", LEDGER_NAMES.get(backend, backend), mode, *cells))
    return table(("portal latency", "ledger", "mode", *(str(c) for c in counts)), rows)


if __name__ == "__main__":
    sys.exit(main())
