"""How long the console's queue takes to show a page when the ledger holds many items.

    .venv/bin/python bench/bench_console.py --items 100000 [--pg postgresql:///postgres]

Fills a fresh ledger (SQLite in a temporary folder; PostgreSQL in a database of its own)
with ``--items`` orders in batches of 5,000, a tenth of them failed, then times the
queries of the queue page (``Store.page``: the count and one page of 50) for the first
page, the last page, a state filter and a text search; median of ``--rounds``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from bots.ledger import ErrorInfo, ItemQuery, NewItem, State, Store, open_store

REFUSED = ErrorInfo("business_exception", "BusinessException", "不符合办理条件")


def items(n: int) -> Iterator[NewItem]:
    for i in range(n):
        payload = {"reference": f"E9-{i:06d}", "customer": {"name": f"客户{i % 997}"}}
        yield NewItem(f"E9-{i:06d}", "e9_new_install.yaml", payload, batch=f"b{i // 5000}")


def fill(store: Store, n: int) -> None:
    store.enqueue(items(n))
    for _ in range(n // 10):
        item = store.claim("bench")
        assert item is not None
        store.fail_business(item.reference, "bench", REFUSED, token=item.lease_token)


def median_ms(call: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


@contextmanager
def ledgers(pg: str | None) -> Iterator[list[tuple[str, str]]]:
    with tempfile.TemporaryDirectory() as folder:
        found = [("SQLite", f"sqlite:///{Path(folder) / 'ledger.db'}")]
        name = f"bots_bench_{uuid.uuid4().hex[:8]}"
        if pg:
            with psycopg.connect(pg, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            found.append(("PostgreSQL", pg.rsplit("/", 1)[0] + f"/{name}"))
        try:
            yield found
        finally:
            if pg:
                with psycopg.connect(pg, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--pg", default=None, help="a PostgreSQL server's URL")
    args = parser.parse_args()
    last = (args.items - 1) // 50 * 50
    queries = {
        "first page": ItemQuery(limit=50),
        "last page": ItemQuery(offset=last, limit=50),
        "failed only": ItemQuery(states=(State.FAILED,), limit=50),
        "one batch": ItemQuery(batch="b3", limit=50),
        "text search": ItemQuery(text="客户99", limit=50),
    }
    with ledgers(args.pg) as found:
        for backend, url in found:
            store = open_store(url, check_schema=False)
            store.upgrade()
            start = time.perf_counter()
            fill(store, args.items)
            print(f"{backend}: {args.items} items in {time.perf_counter() - start:.1f} s")
            for name, query in queries.items():
                ms = median_ms(lambda q=query, s=store: s.page(q), args.rounds)  # type: ignore[misc]
                print(f"  {name:<12} {ms:8.1f} ms")
            store.close()


if __name__ == "__main__":
    main()
