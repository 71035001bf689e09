"""Enqueue: unique business references, all-or-nothing batches, and the operator queries."""

from __future__ import annotations

import pytest

from bots.ledger import DuplicateReference, NewItem, NotFound, State, Store
from tests.fixtures.ledger import order


def test_enqueued_items_wait_as_pending(store: Store) -> None:
    assert store.enqueue([order("E9-001"), order("E9-002", plan="e9-C")]) == 2
    item = store.get("E9-002")
    assert (item.state, item.attempts, item.max_attempts, item.flow) == (
        State.PENDING, 0, 3, "new_install",
    )  # fmt: skip
    assert item.payload == {
        "reference": "E9-002", "customer": "张三", "id_number": "410101199001011234",
        "plan": "e9-C",
    }  # fmt: skip
    assert store.counts()[State.PENDING] == 2
    assert [h.note for h in store.history("E9-001")] == ["enqueued"]


def test_a_reference_already_queued_is_refused_by_name_and_nothing_is_touched(
    store: Store,
) -> None:
    store.enqueue([order("E9-001", plan="e9-C")])
    with pytest.raises(DuplicateReference) as caught:
        store.enqueue([order("E9-009"), order("E9-001", plan="e9-G")])
    assert str(caught.value) == "already in the ledger: E9-001; nothing was enqueued"
    assert caught.value.exit_code == 4
    assert store.get("E9-001").payload["plan"] == "e9-C"
    with pytest.raises(NotFound):
        store.get("E9-009")
    assert sum(store.counts().values()) == 1


def test_a_reference_twice_in_one_batch_is_refused(store: Store) -> None:
    with pytest.raises(DuplicateReference) as caught:
        store.enqueue([order("E9-001"), order("E9-002"), order("E9-001")])
    assert str(caught.value) == (
        "reference given twice in this batch: E9-001; nothing was enqueued"
    )
    assert sum(store.counts().values()) == 0


def test_a_large_batch_is_checked_in_chunks(store: Store) -> None:
    store.enqueue([order(f"B-{n:04}") for n in range(1200)])
    with pytest.raises(DuplicateReference) as caught:
        store.enqueue([order(f"C-{n:04}") for n in range(1100)] + [order("B-1199")])
    assert str(caught.value) == "already in the ledger: B-1199; nothing was enqueued"
    assert sum(store.counts().values()) == 1200


def test_counts_cover_every_state(store: Store) -> None:
    assert store.counts() == {state: 0 for state in State}


def test_items_by_state_and_by_batch(store: Store) -> None:
    store.enqueue([NewItem("A-1", "renewal", {}, batch="mon"), NewItem("A-2", "renewal", {})])
    store.enqueue([NewItem("A-3", "renewal", {}, batch="mon")])
    store.cancel("A-2")
    assert [i.reference for i in store.items(batch="mon")] == ["A-1", "A-3"]
    assert [i.reference for i in store.items(states=[State.CANCELLED])] == ["A-2"]
    assert [i.reference for i in store.items()] == ["A-1", "A-2", "A-3"]
    assert store.history("A-1")[0].note == "enqueued in batch mon"


def test_an_unknown_reference_is_named(store: Store) -> None:
    with pytest.raises(NotFound) as caught:
        store.history("NOPE-1")
    assert str(caught.value) == "no work item with reference NOPE-1"
