"""Claims per second with 8 concurrent claimer processes, SQLite and PostgreSQL side by side.

    .venv/bin/python bench/bench_ledger.py [--items 2000] [--claimers 8] [--rounds 5]
        [--backends sqlite,postgresql] [--pg postgresql:///postgres]

Each round and backend gets a fresh ledger with ``--items`` pending items; the claimers
start together and loop claim → complete until the queue is empty (a claim is counted once
its item is complete). PostgreSQL uses ``--pg`` (default ``$BOTS_TEST_PG_URL``, else
``postgresql:///postgres``): a throw-away database is created there and dropped afterwards.
Backends alternate within a round, the first of them changing every round, so both see the
same machine load; one Markdown row per round and backend, with what the machine was doing
beside it: the CPU time a claim cost (the claimer processes', and on PostgreSQL their
server processes' from ``/proc``: what the load of others does not inflate much), the
load average when the row ended, the share of the machine's CPU time that
was busy during it (``/proc/stat``, every process, ours included) and how long one
``fdatasync`` of 4 KB took just before it (median of 20, in the ledger's folder): every
commit of either backend waits for one, and SQLite, one writer at a time, for each of its
own. Then the medians per backend against the targets (issue 16: ≥ 500 claims/s on SQLite,
≥ 1,000 on PostgreSQL); exit status 1 when one is missed.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bots.ledger import LedgerUnusable, NewItem, open_store

TARGETS = {"sqlite": 500, "postgresql": 1000}  # claims a second, issue 16


def _server_cpu(store: Any) -> float:
    """CPU seconds so far of a PostgreSQL store's server process, if it runs here."""
    conn = getattr(store, "conn", None)
    if conn is None or not hasattr(conn, "info"):  # SQLite: no server, all of it is ours
        return 0.0
    pid = conn.info.backend_pid
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:  # a server on another machine
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _claimer(url: str, worker: str, start: Any, results: Any) -> None:
    store = open_store(url)
    start.wait()
    n = 0
    began = time.process_time(), _server_cpu(store)
    try:
        while (item := store.claim(worker)) is not None:
            store.complete(item.reference, worker, {"order_no": f"P{n}"}, token=item.lease_token)
            n += 1
    except LedgerUnusable as error:  # SQLite: waited out its busy timeout for the write lock
        store.close()
        results.put(f"{worker} after {n} claims: {error}")
        return
    cpu = time.process_time() - began[0] + _server_cpu(store) - began[1]
    store.close()
    results.put((n, cpu))


def run(url: str, items: int, claimers: int) -> tuple[float, list[int], float]:
    """Seconds, claims per claimer, and CPU seconds of the claimers (and of their
    PostgreSQL server processes)."""
    store = open_store(url, check_schema=False)
    store.upgrade()
    store.enqueue([NewItem(f"B-{n:06}", "new_install", {"n": n}) for n in range(items)])
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Barrier(claimers + 1), ctx.Queue()
    procs = [
        ctx.Process(target=_claimer, args=(url, f"w{n}", start, results)) for n in range(claimers)
    ]
    for proc in procs:
        proc.start()
    start.wait()
    began = time.perf_counter()
    answers = [results.get(timeout=600) for _ in procs]
    elapsed = time.perf_counter() - began
    for proc in procs:
        proc.join()
    if failed := [a for a in answers if isinstance(a, str)]:
        raise SystemExit("a claimer stopped: " + "; ".join(failed))
    counts = [n for n, _ in answers]
    done = store.counts()
    store.close()
    assert sum(counts) == items and sum(done.values()) == items, (counts, done)
    return elapsed, counts, sum(cpu for _, cpu in answers)


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot."""
    values = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def fdatasync_ms(folder: str, times: int = 20) -> float:
    path = os.path.join(folder, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    took = []
    try:
        for _ in range(times):
            os.write(fd, b"x" * 4096)
            began = time.perf_counter()
            os.fdatasync(fd)
            took.append((time.perf_counter() - began) * 1000)
    finally:
        os.close(fd)
        os.unlink(path)
    return statistics.median(took)


@contextmanager
def sqlite_url(pg: str) -> Iterator[str]:  # pg unused: one signature for BACKENDS
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/ledger.db"


@contextmanager
def postgres_url(admin: str) -> Iterator[str]:
    import psycopg

    name = f"bots_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


BACKENDS = {"sqlite": ("sqlite (WAL)", sqlite_url), "postgresql": ("postgresql", postgres_url)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--claimers", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--pg", default=os.environ.get("BOTS_TEST_PG_URL") or "postgresql:///postgres"
    )
    args = parser.parse_args()
    backends = args.backends.split(",")
    if unknown := [b for b in backends if b not in BACKENDS]:
        parser.error(f"--backends: unknown {', '.join(unknown)} (sqlite, postgresql)")
    print(f"{args.items} items, {args.claimers} claimer processes, claim + complete each, "
          f"{args.rounds} round(s), {os.cpu_count()} CPUs")  # fmt: skip
    print("| round | backend | seconds | claims/s | per process min..max | CPU ms a claim "
          "| load average | machine CPU busy | fdatasync ms |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    rates: dict[str, list[float]] = {b: [] for b in backends}
    loads: list[float] = []
    for n in range(1, args.rounds + 1):
        turn = (n - 1) % len(backends)
        for backend in backends[turn:] + backends[:turn]:
            name, location = BACKENDS[backend]
            with tempfile.TemporaryDirectory() as probe:
                sync = fdatasync_ms(probe)
            with location(args.pg) as url:
                busy, total = cpu_ticks()
                elapsed, counts, cpu = run(url, args.items, args.claimers)
                busy2, total2 = cpu_ticks()
            load = os.getloadavg()[0]
            loads.append(load)
            rates[backend].append(args.items / elapsed)
            share = (busy2 - busy) / max(total2 - total, 1)
            print(f"| {n} | {name} | {elapsed:.2f} | {args.items / elapsed:.0f} | "
                  f"{min(counts)}..{max(counts)} | {cpu / args.items * 1000:.2f} | "
                  f"{load:.1f} | {share:.0%} | "
                  f"{sync:.2f} |", flush=True)  # fmt: skip
    print(f"\nload average {min(loads):.1f}–{max(loads):.1f} over the run")
    print("| backend | median claims/s | target | met |")
    print("|---|---|---|---|")
    missed = []
    for backend in backends:
        median = statistics.median(rates[backend])
        met = median >= TARGETS[backend]
        if not met:
            missed.append(backend)
        print(f"| {BACKENDS[backend][0]} | {median:.0f} | ≥ {TARGETS[backend]} | "
              f"{'yes' if met else 'no'} |")  # fmt: skip
    if missed:
        print(f"target missed: {', '.join(missed)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
