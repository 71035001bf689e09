"""Many hosts, one queue: several ``bots work`` processes (as if on different machines)
share one PostgreSQL ledger and one portal while they are SIGKILLed and restarted at
random moments; afterwards every order must be done exactly once or wait for an operator
with its reason — judged from the portal's own QA state.

    .venv/bin/python bench/many_hosts.py [--pg postgresql:///postgres] [--orders 60]
        [--hosts 3] [--workers 1] [--kills 6] [--seed 7] [--lease 15] [--latency 0-0]
        [--faults a:collect:after,b:enter_order:before]

Each host has its own ``--worker-id``, its own 0600 credentials file with its own staff
ids, its own runs and temp folders. A fresh database is created on the ``--pg`` server
(and dropped at the end unless ``--keep``). Kill moments are seeded: kill ``i`` fires a
seeded 0–4 s after a seeded share of the batch has finished, on a seeded host; the killed
host comes back a seeded 0.5–3 s later. ``--faults`` adds kills at fixed points: the
runner's ``BOTS_FAULT_KILL`` makes a host's process SIGKILL itself at that step of its
first order to reach it (one fault per start of that host). When the queue holds nothing
but failed and needs_review items, the operator step runs (``bots replay --needs-review``)
and one host works the replays. Then the table.
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    Check,
    Portal,
    WorkerProcess,
    WorkSettings,
    bots,
    check,
    credentials_file,
    enqueue_orders,
    fault_plan,
    finished_work,
    habit_options,
    ledger_counts,
    ledger_rows,
    open_work,
    outcome_table,
    pg_database,
    print_machine,
    staff,
)
from bots.orders.samples import generate_orders  # noqa: E402

CRASH_LOOP = 4  # failed exits without any progress in between before giving up
MAX_STARTS = 50


@dataclass
class Config:
    pg: str = "postgresql:///postgres"
    orders: int = 60
    hosts: int = 3
    workers: int = 1  # browser contexts per host
    kills: int = 6
    seed: int = 7
    lease: float = 15.0
    latency: tuple[int, int] = (0, 0)
    timeout: float = 1800.0  # the whole run, both phases
    start_index: int = 100
    screenshots: str = "off"
    keep: bool = False
    replay: bool = True  # the operator step: replay needs_review, work again
    # deterministic kills: "<host letter>:<step id>:before|after", e.g. "a:collect:after";
    # a host's faults apply to its successive starts (BOTS_FAULT_KILL, see WorkerProcess)
    faults: tuple[str, ...] = ()


@dataclass
class Kill:
    share: float  # of the batch finished before it fires
    delay: float  # seconds after that
    host: int
    due: float | None = None  # monotonic time once armed
    fired_on: str | None = None


@dataclass
class Outcome:
    check: Check
    kills: int
    restarts: int
    replayed: int
    wall: float
    phase_one: float
    timed_out: bool
    hosts: dict[str, dict[str, object]] = field(default_factory=dict)
    needs_review_before_replay: int = 0
    retried: int = 0
    fault_kills: int = 0
    orphans: int = 0


def kill_plan(config: Config) -> list[Kill]:
    rng = random.Random(config.seed)
    shares = sorted(rng.uniform(0.05, 0.8) for _ in range(config.kills))
    return [Kill(s, rng.uniform(0.0, 4.0), rng.randrange(config.hosts)) for s in shares]


def _supervise(
    hosts: list[WorkerProcess],
    db: str,
    total: int,
    plan: list[Kill],
    rng: random.Random,
    started: float,
    deadline: float,
    faults: dict[int, list[str]] | None = None,
) -> bool:
    """Run the hosts until nothing is open and none is alive; fire the kills; restart what
    died while work was left, each start with its host's next fault if any. False when
    the deadline came first."""
    faults = faults or {}
    back_at: dict[int, float] = {}
    progress_at_start: dict[int, int] = {}
    fruitless = 0  # exits with an error and no progress since that host started
    while time.monotonic() < deadline and fruitless <= CRASH_LOOP:
        counts = ledger_counts(db)
        finished = finished_work(counts)
        now = time.monotonic()
        for kill in plan:
            if kill.due is None and finished >= kill.share * total:
                kill.due = now + kill.delay
            if kill.due is not None and kill.fired_on is None and now >= kill.due:
                order = [(kill.host + k) % len(hosts) for k in range(len(hosts))]
                target = next((i for i in order if hosts[i].alive), None)
                if target is None:
                    continue  # everyone is down right now: fire when one is back
                hosts[target].kill()
                kill.fired_on = hosts[target].name
                back_at[target] = now + rng.uniform(0.5, 3.0)
                print(f"  {now - started:7.1f} s  SIGKILL {hosts[target].name} "
                      f"({finished}/{total} finished)", flush=True)  # fmt: skip
        left = open_work(counts)
        for i, host in enumerate(hosts):
            if host.alive:
                continue
            fault = host.fault
            code = host.poll()
            if code == -signal.SIGKILL and fault:
                print(f"  {now - started:7.1f} s  {host.name} killed itself at {fault} "
                      f"({finished}/{total} finished)", flush=True)  # fmt: skip
            elif code is not None and code != 0:
                print(f"  {now - started:7.1f} s  {host.name} exited {code}", flush=True)
                stuck = finished == progress_at_start.get(i)
                fruitless = fruitless + 1 if stuck else 0
                if stuck:
                    print(f"    {host.log_tail(3)}", flush=True)
            if left and now >= back_at.get(i, 0) and host.starts < MAX_STARTS:
                progress_at_start[i] = finished
                pending = faults.get(i)
                host.start(pending.pop(0) if pending else None)
        if not left and not any(h.alive for h in hosts):
            return True
        time.sleep(0.5)
    for host in hosts:
        host.stop()
    return False


def run(config: Config, root: Path, log: bool = True) -> Outcome:
    """The whole scenario in ``root``; returns the judged outcome."""
    rng = random.Random(config.seed + 1)
    orders = generate_orders(config.orders, seed=config.seed, start_index=config.start_index)
    portal = Portal(root / "portal.sqlite3", *habit_options(latency=config.latency))
    with pg_database(config.pg, keep=config.keep) as db, portal:
        refs = enqueue_orders(db, orders, batch="many-hosts")
        settings = WorkSettings(
            db=db, portal=portal.url, runs_dir=root / "runs", workers=config.workers,
            lease=config.lease, screenshots=config.screenshots, retry_delay=1.0, retry_cap=5.0,
        )  # fmt: skip
        hosts = []
        for h in range(config.hosts):
            name = f"host-{chr(ord('a') + h)}"
            home = root / name
            home.mkdir(parents=True, exist_ok=True)
            creds = credentials_file(
                home / "credentials", staff(h * config.workers, config.workers)
            )
            hosts.append(WorkerProcess(name, settings, creds, home))
        plan = kill_plan(config)
        faults = fault_plan(config.faults, config.hosts)
        started = time.monotonic()
        deadline = started + config.timeout
        if log:
            print(f"{len(refs)} orders, {config.hosts} hosts × {config.workers} workers, "
                  f"{len(plan)} kills and {len(config.faults)} faults planned, "
                  f"lease {config.lease:g} s", flush=True)  # fmt: skip
        try:
            finished = _supervise(hosts, db, len(refs), plan, rng, started, deadline, faults)
            phase_one = time.monotonic() - started
            counts = ledger_counts(db)
            review = counts.get("needs_review", 0)
            replayed = 0
            if finished and review and config.replay:
                out = bots("replay", "--needs-review", "--db", db, "--actor", "bench-operator")
                replayed = review
                if log:
                    print(f"  {time.monotonic() - started:7.1f} s  operator: {out.stdout.strip()}")
                finished = _supervise(hosts[:1], db, len(refs), [], rng, started, deadline)
            wall = time.monotonic() - started
        finally:
            for host in hosts:
                host.cleanup()
        rows = ledger_rows(db)
        result = check(rows, portal.state(), refs)
    return Outcome(
        check=result,
        kills=sum(h.kills for h in hosts) + sum(h.fault_kills for h in hosts),
        restarts=sum(h.starts for h in hosts) - len(hosts),
        replayed=replayed,
        wall=wall,
        phase_one=phase_one,
        timed_out=not finished,
        hosts={
            h.name: {"starts": h.starts, "kills": h.kills + h.fault_kills, "exits": h.exits}
            for h in hosts
        },
        needs_review_before_replay=review,
        retried=sum(1 for r in rows if r.attempts > 1),
        fault_kills=sum(h.fault_kills for h in hosts),
        orphans=sum(h.orphans for h in hosts),
    )


def report(outcome: Outcome) -> str:
    extra = [
        ("SIGKILLs", outcome.kills),
        ("  of which BOTS_FAULT_KILL at a step", outcome.fault_kills),
        ("processes left behind by a dead bots work (ended)", outcome.orphans),
        ("restarts", outcome.restarts),
        ("orders claimed more than once", outcome.retried),
        ("needs_review before the operator's replay", outcome.needs_review_before_replay),
        ("wall time, kills until queue settled (s)", f"{outcome.phase_one:.1f}"),
        ("wall time, with replay (s)", f"{outcome.wall:.1f}"),
        ("timed out", "yes" if outcome.timed_out else "no"),
    ]
    lines = [outcome_table(outcome.check, extra)]
    for name, host in outcome.hosts.items():
        lines.append(f"{name}: starts {host['starts']}, kills {host['kills']}, "
                     f"exit codes {host['exits']}")  # fmt: skip
    lines += outcome.check.problems()
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default=Config.pg)
    parser.add_argument("--orders", type=int, default=Config.orders)
    parser.add_argument("--hosts", type=int, default=Config.hosts)
    parser.add_argument("--workers", type=int, default=Config.workers)
    parser.add_argument("--kills", type=int, default=Config.kills)
    parser.add_argument("--seed", type=int, default=Config.seed)
    parser.add_argument("--lease", type=float, default=Config.lease)
    parser.add_argument("--latency", default="0-0", help="portal latency LO-HI ms")
    parser.add_argument("--timeout", type=float, default=Config.timeout)
    parser.add_argument(
        "--faults", default="",
        help="deterministic kills, comma-separated <host letter>:<step id>:before|after "
        "(e.g. a:collect:after,b:enter_order:before): each applies to that host's next start",
    )  # fmt: skip
    parser.add_argument("--keep", help="keep the work folder (and database) here")
    args = parser.parse_args()
    if args.orders < 1 or args.hosts * args.workers > 16:
        parser.error("need ≥ 1 order and at most 16 staff logins (hosts × workers)")
    lo, hi = (int(x) for x in args.latency.split("-"))
    config = Config(
        pg=args.pg, orders=args.orders, hosts=args.hosts, workers=args.workers,
        kills=args.kills, seed=args.seed, lease=args.lease, latency=(lo, hi),
        timeout=args.timeout, keep=bool(args.keep),
        faults=tuple(f for f in args.faults.split(",") if f),
    )  # fmt: skip
    try:
        fault_plan(config.faults, config.hosts)
    except ValueError as error:
        parser.error(str(error))
    print_machine()
    if args.keep:
        root = Path(args.keep)
        root.mkdir(parents=True, exist_ok=True)
        outcome = run(config, root)
    else:
        with tempfile.TemporaryDirectory(prefix="many-hosts-") as folder:
            outcome = run(config, Path(folder))
    print(report(outcome))
    return 0 if outcome.check.ok and not outcome.timed_out else 1


if __name__ == "__main__":
    sys.exit(main())
