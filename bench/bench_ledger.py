"""Claims per second with 8 concurrent claimer processes, SQLite and PostgreSQL side by side.

    .venv/bin/python bench/bench_ledger.py [--items 2000] [--claimers 8] [--rounds 3]
        [--backends sqlite,postgresql] [--pg postgresql:///postgres]

Each round and backend gets a fresh ledger with ``--items`` pending items; the claimers
start together and loop claim → complete until the queue is empty. PostgreSQL uses
``--pg`` (default ``$BOTS_TEST_PG_URL``, else ``postgresql:///postgres``): a throw-away
database is created there and dropped afterwards. Backends alternate within a round, so
both see the same machine load; one Markdown row per round and backend.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bots.ledger import NewItem, open_store


def _claimer(url: str, worker: str, start: Any, results: Any) -> None:
    store = open_store(url)
    start.wait()
    n = 0
    while (item := store.claim(worker)) is not None:
        store.complete(item.reference, worker, {"order_no": f"P{n}"}, token=item.lease_token)
        n += 1
    store.close()
    results.put(n)


def run(url: str, items: int, claimers: int) -> tuple[float, list[int]]:
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
    counts = [results.get(timeout=600) for _ in procs]
    elapsed = time.perf_counter() - began
    for proc in procs:
        proc.join()
    done = store.counts()
    store.close()
    assert sum(counts) == items and sum(done.values()) == items, (counts, done)
    return elapsed, counts


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
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--pg", default=os.environ.get("BOTS_TEST_PG_URL") or "postgresql:///postgres"
    )
    args = parser.parse_args()
    backends = args.backends.split(",")
    if unknown := [b for b in backends if b not in BACKENDS]:
        parser.error(f"--backends: unknown {', '.join(unknown)} (sqlite, postgresql)")
    print(f"{args.items} items, {args.claimers} claimer processes, claim + complete each, "
          f"{args.rounds} round(s)")  # fmt: skip
    print("| round | backend | seconds | claims/s | per process min..max |")
    print("|---|---|---|---|---|")
    for n in range(1, args.rounds + 1):
        for backend in backends:
            name, location = BACKENDS[backend]
            with location(args.pg) as url:
                elapsed, counts = run(url, args.items, args.claimers)
            print(f"| {n} | {name} | {elapsed:.2f} | {args.items / elapsed:.0f} | "
                  f"{min(counts)}..{max(counts)} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
