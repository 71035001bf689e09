"""Fault and load: a batch worked while the portal shows every bad habit at once — busy
pages, latency, session expiry, the notice modal, changing element ids — and is restarted
mid-batch on the same state file. Judged from the portal's own QA state.

    .venv/bin/python bench/fault_suite.py [--orders 100] [--workers 4] [--seed 3]
        [--processes 1] [--busy 0.1] [--latency 50-500] [--expiry 60] [--restart-at 0.5]
        [--down 3]
        [--db sqlite|postgresql:///postgres] [--screenshots on_failure]
        [--faults b:enter_order:before] [--ledger-cut-at 0.7 --ledger-down 3]

``--processes`` ``bots work`` processes (one Chromium each), each with ``--workers``
contexts (one staff id each, distinct across processes). When the share
``--restart-at`` of the batch has finished, the portal is stopped, stays down ``--down``
seconds and comes back on the same port and state file. A worker process that stops (for
instance "the portal looks down") while work is left is started again, as a supervisor
would; ``--faults`` also makes a process SIGKILL itself at a fixed step of its first order
to reach it (BOTS_FAULT_KILL, one fault per start). On a PostgreSQL ledger, when the share
``--ledger-cut-at`` has finished, the server ends every connection to the ledger and takes
none for ``--ledger-down`` seconds (a restart or a failover). Prints done, retried, failed by
reason, duplicates (must be 0), lost (must be 0) and wall time.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    Check,
    Portal,
    WorkerProcess,
    WorkSettings,
    check,
    credentials_file,
    enqueue_orders,
    fault_plan,
    finished_work,
    habit_options,
    ledger_counts,
    ledger_outage,
    ledger_rows,
    open_work,
    outcome_table,
    pg_database,
    print_machine,
    sqlite_url,
    staff,
    step_retries,
    steps_at,
)
from bots.orders.samples import generate_orders  # noqa: E402

MAX_WORKER_STARTS = 20


@dataclass
class Config:
    orders: int = 100
    workers: int = 4  # browser contexts per bots work process
    processes: int = 1  # bots work processes (one Chromium each)
    seed: int = 3
    busy: float = 0.1
    latency: tuple[int, int] = (50, 500)
    expiry: float = 60.0
    notice: bool = True
    random_ids: bool = True
    restart_at: float = 0.5  # share of the batch finished when the portal restarts
    down: float = 3.0  # seconds the portal stays down
    db: str = "sqlite"  # or a PostgreSQL admin URL: a fresh database is made there
    lease: float = 30.0
    retry_delay: float = 2.0
    retry_cap: float = 10.0
    max_failures: int = 10
    screenshots: str = "on_failure"
    timeout: float = 3600.0
    start_index: int = 100
    max_attempts: int | None = None  # per order; None: the ledger's default (3)
    # kills at fixed points: "<process letter a..>:<step id>:before|after", one per start
    # of that process (BOTS_FAULT_KILL); the process is started again like any other exit
    faults: tuple[str, ...] = ()
    ledger_cut_at: float = 2.0  # share finished when the ledger goes away (over 1: never)
    ledger_down: float = 3.0  # seconds it takes no connections


@dataclass
class Outcome:
    check: Check
    wall: float
    timed_out: bool
    portal_restarts: int
    worker_starts: int
    worker_exits: list[int] = field(default_factory=list)
    retried_items: int = 0
    retried_steps: int = 0
    extra_attempts: int = 0
    fault_kills: int = 0
    ledger_cuts: int = 0
    # what each run was doing when the portal was stopped (the steps under way then)
    at_stop: list[str] = field(default_factory=list)


def _work(
    workers: list[WorkerProcess],
    portal: Portal,
    db: str,
    total: int,
    config: Config,
    deadline: float,
    faults: dict[int, list[str]],
    stops: list[datetime],
    cuts: list[datetime],
) -> bool:
    started = time.monotonic()
    restarted = config.restart_at > 1
    while time.monotonic() < deadline:
        counts = ledger_counts(db)
        finished = finished_work(counts)
        if not cuts and finished >= config.ledger_cut_at * total:
            print(f"  {time.monotonic() - started:7.1f} s  ledger away {config.ledger_down:g} s "
                  f"({finished}/{total} finished)", flush=True)  # fmt: skip
            cuts.append(datetime.now(UTC))
            ledger_outage(config.db, db, config.ledger_down)
        if not restarted and finished >= config.restart_at * total:
            print(f"  {time.monotonic() - started:7.1f} s  portal restart "
                  f"({finished}/{total} finished)", flush=True)  # fmt: skip
            stops.append(datetime.now(UTC))
            portal.restart(config.down)
            restarted = True
        left = open_work(counts)
        for i, worker in enumerate(workers):
            if worker.alive:
                continue
            fault = worker.fault
            code = worker.poll()
            if code:
                killed = f" (BOTS_FAULT_KILL={fault})" if fault and code == -signal.SIGKILL else ""
                print(f"  {time.monotonic() - started:7.1f} s  {worker.name} exited {code}"
                      f"{killed}", flush=True)  # fmt: skip
            if left and worker.starts < MAX_WORKER_STARTS:
                pending = faults.get(i)
                worker.start(pending.pop(0) if pending else None)
        if not left and not any(w.alive for w in workers):
            return True
        time.sleep(0.5)
    for worker in workers:
        worker.stop(timeout=10)
    return False


def run(config: Config, root: Path, log: bool = True) -> Outcome:
    orders = generate_orders(config.orders, seed=config.seed, start_index=config.start_index)
    options = habit_options(
        latency=config.latency, busy_share=config.busy, session_expiry=config.expiry,
        notice=config.notice, random_ids=config.random_ids, seed=config.seed,
    )  # fmt: skip
    portal = Portal(root / "portal.sqlite3", *options)
    with ExitStack() as ledger:
        if config.db == "sqlite":
            db = sqlite_url(root)
        else:
            db = ledger.enter_context(pg_database(config.db))
        with portal:
            refs = enqueue_orders(db, orders, "fault-suite", config.max_attempts)
            settings = WorkSettings(
                db=db, portal=portal.url, runs_dir=root / "runs", workers=config.workers,
                lease=config.lease, screenshots=config.screenshots,
                retry_delay=config.retry_delay, retry_cap=config.retry_cap,
                max_failures=config.max_failures,
            )  # fmt: skip
            workers = []
            for n in range(config.processes):
                home = root / f"host{n}"
                home.mkdir(parents=True, exist_ok=True)
                pairs = staff(n * config.workers, config.workers)
                creds = credentials_file(home / "credentials", pairs)
                workers.append(WorkerProcess(f"faults-{chr(ord('a') + n)}", settings, creds, home))
            if log:
                print(f"{len(refs)} orders, {config.processes} × bots work --workers "
                      f"{config.workers}, habits: {' '.join(options)}", flush=True)  # fmt: skip
            faults = fault_plan(config.faults, config.processes)
            started = time.monotonic()
            stops: list[datetime] = []
            cuts: list[datetime] = []
            try:
                deadline = started + config.timeout
                finished = _work(
                    workers, portal, db, len(refs), config, deadline, faults, stops, cuts
                )
            finally:
                for worker in workers:
                    worker.cleanup()
            wall = time.monotonic() - started
            rows = ledger_rows(db)
            result = check(rows, portal.state(), refs)
    steps, extra = step_retries(root / "runs")
    return Outcome(
        check=result,
        wall=wall,
        timed_out=not finished,
        portal_restarts=portal.restarts,
        worker_starts=sum(w.starts for w in workers),
        worker_exits=[code for w in workers for code in w.exits],
        retried_items=sum(1 for r in rows if r.attempts > 1),
        retried_steps=steps,
        extra_attempts=extra,
        fault_kills=sum(w.fault_kills for w in workers),
        ledger_cuts=len(cuts),
        at_stop=[line for stop in stops for line in steps_at(root / "runs", stop)],
    )


def report(outcome: Outcome) -> str:
    done = len(outcome.check.done)
    extra = [
        ("orders run more than once (ledger attempts > 1)", outcome.retried_items),
        ("steps retried inside a run (run.json attempts > 1)", outcome.retried_steps),
        ("  extra step attempts in all", outcome.extra_attempts),
        ("portal restarts", outcome.portal_restarts),
        ("worker process starts", outcome.worker_starts),
        ("  killed at a step by BOTS_FAULT_KILL", outcome.fault_kills),
        ("ledger outages (every connection ended)", outcome.ledger_cuts),
        ("worker exit codes", outcome.worker_exits),
        ("wall time (s)", f"{outcome.wall:.1f}"),
        ("orders done per minute", f"{60 * done / outcome.wall:.1f}" if outcome.wall else "-"),
        ("timed out", "yes" if outcome.timed_out else "no"),
    ]
    under_way = [f"  under way when the portal stopped: {line}" for line in outcome.at_stop]
    return "\n".join(
        [outcome_table(outcome.check, extra), *under_way, *outcome.check.problems()]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=Config.orders)
    parser.add_argument("--workers", type=int, default=Config.workers)
    parser.add_argument("--processes", type=int, default=Config.processes)
    parser.add_argument("--seed", type=int, default=Config.seed)
    parser.add_argument("--busy", type=float, default=Config.busy)
    parser.add_argument("--latency", default="50-500")
    parser.add_argument("--expiry", type=float, default=Config.expiry)
    parser.add_argument("--restart-at", type=float, default=Config.restart_at)
    parser.add_argument("--down", type=float, default=Config.down)
    parser.add_argument("--db", default="sqlite", help="sqlite, or a PostgreSQL admin URL")
    parser.add_argument("--screenshots", default=Config.screenshots)
    parser.add_argument("--timeout", type=float, default=Config.timeout)
    parser.add_argument(
        "--faults", default="",
        help="kills at fixed points, comma-separated <process letter>:<step id>:before|after "
        "(e.g. a:collect:after): each applies to that process's next start",
    )  # fmt: skip
    parser.add_argument("--ledger-cut-at", type=float, default=Config.ledger_cut_at)
    parser.add_argument("--ledger-down", type=float, default=Config.ledger_down)
    parser.add_argument("--keep", help="keep the work folder here")
    args = parser.parse_args()
    if args.ledger_cut_at <= 1 and args.db == "sqlite":
        parser.error("--ledger-cut-at needs a PostgreSQL ledger (--db postgresql://...)")
    lo, hi = (int(x) for x in args.latency.split("-"))
    config = Config(
        orders=args.orders, workers=args.workers, processes=args.processes,
        seed=args.seed, busy=args.busy,
        latency=(lo, hi), expiry=args.expiry, restart_at=args.restart_at, down=args.down,
        db=args.db, screenshots=args.screenshots, timeout=args.timeout,
        faults=tuple(f for f in args.faults.split(",") if f),
        ledger_cut_at=args.ledger_cut_at, ledger_down=args.ledger_down,
    )  # fmt: skip
    try:
        fault_plan(config.faults, config.processes)
    except ValueError as error:
        parser.error(str(error))
    print_machine()
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        outcome = run(config, Path(args.keep))
    else:
        with tempfile.TemporaryDirectory(prefix="fault-suite-") as folder:
            outcome = run(config, Path(folder))
    print(report(outcome))
    return 0 if outcome.check.ok and not outcome.timed_out else 1


if __name__ == "__main__":
    sys.exit(main())
