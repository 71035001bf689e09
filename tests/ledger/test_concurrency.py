"""Eight real processes claim from one ledger at once: every item is claimed exactly once."""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

from bots.ledger import Store, open_store
from tests.fixtures.ledger import order

CLAIMERS = 8
ITEMS = 160


def _claim_all(url: str, worker: str, start: Any, results: Any) -> None:
    store = open_store(url)
    start.wait()
    mine = []
    while (item := store.claim(worker)) is not None:
        mine.append(item.reference)
        time.sleep(0.002)  # the work: without it one SQLite process can win every lock race
        store.complete(item.reference, worker, {"by": worker}, token=item.lease_token)
    store.close()
    results.put((worker, mine))


def test_no_item_is_claimed_twice(store: Store, ledger_url: str) -> None:
    store.enqueue([order(f"E9-{n:04}") for n in range(ITEMS)])
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Barrier(CLAIMERS), ctx.Queue()
    procs = [
        ctx.Process(target=_claim_all, args=(ledger_url, f"w{n}", start, results))
        for n in range(CLAIMERS)
    ]
    for proc in procs:
        proc.start()
    claims = dict(results.get(timeout=60) for _ in procs)
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    claimed = [ref for refs in claims.values() for ref in refs]
    assert len(claimed) == ITEMS
    assert sorted(set(claimed)) == sorted(f"E9-{n:04}" for n in range(ITEMS))
    assert sum(1 for refs in claims.values() if refs) > 1, "one process took everything"
    owner = {ref: worker for worker, refs in claims.items() for ref in refs}
    for item in store.items():
        assert (item.state.value, item.attempts, item.outputs) == (
            "done", 1, {"by": owner[item.reference]},
        )  # fmt: skip


def test_two_enqueues_of_one_order_in_other_letter_cases_let_one_in(
    store: Store, ledger_url: str
) -> None:
    # the review's race: A has added E9-RACE-1 and not committed; B adds e9-race-1. Both
    # looked before the other inserted, and the unique key tells the spellings apart
    import threading

    from bots.ledger import DuplicateReference

    other = open_store(ledger_url)
    added = threading.Event()
    outcome: list[str] = []

    def second() -> None:
        added.wait(10)
        try:
            with other.enqueuing() as adding:
                adding.add(order("e9-race-1"))
            outcome.append("in")
        except DuplicateReference as refused:
            outcome.append(str(refused).splitlines()[0])

    thread = threading.Thread(target=second)
    thread.start()
    with store.enqueuing() as adding:
        adding.add(order("E9-RACE-1"))
        adding.payloads(["E9-RACE-1"])  # (flushed: inserted, not yet committed)
        added.set()
        time.sleep(0.5)  # B starts meanwhile, and must not pass
    thread.join(20)
    other.close()
    assert outcome == ["业务参考号 e9-race-1 已在账本中(写作 E9-RACE-1)"]
    assert [i.reference for i in store.items()] == ["E9-RACE-1"]
