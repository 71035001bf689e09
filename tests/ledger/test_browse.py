"""The queue's pages, batches and counts as the console reads them, on both backends."""

from __future__ import annotations

from datetime import timedelta

from bots.ledger import ErrorInfo, ItemQuery, NewItem, State, Store
from tests.fixtures.ledger import START, FakeClock

REFUSED = ErrorInfo(kind="business_exception", type="BusinessException", message="不符合办理条件")


def item(
    ref: str, name: str, batch: str | None = "b1", flow: str = "e9_new_install.yaml"
) -> NewItem:
    payload = {"reference": ref, "customer": {"name": name, "id_number": "410101199001011234"}}
    return NewItem(reference=ref, flow=flow, payload=payload, batch=batch)


def _fail(store: Store, worker: str = "w") -> str:
    claimed = store.claim(worker)
    assert claimed is not None
    store.fail_business(claimed.reference, worker, REFUSED, token=claimed.lease_token)
    return claimed.reference


def test_what_needs_a_person_comes_first_then_the_oldest(store: Store, clock: FakeClock) -> None:
    store.enqueue([item(f"R-{n}", "张三") for n in range(1, 7)])
    assert _fail(store) == "R-1"
    assert _fail(store) == "R-2"
    running = store.claim("w")
    assert running is not None and running.reference == "R-3"
    store.commit_started("R-3", "w", "submit", token=running.lease_token)
    store.fail_unknown("R-3", "w", ErrorInfo("unknown_outcome", "X", "died"),
                       token=running.lease_token)  # fmt: skip
    store.review("R-1", actor="王敏", note="客户已撤单")
    items, total = store.page(ItemQuery())
    assert total == 6
    assert [(i.reference, i.state) for i in items] == [
        ("R-3", State.NEEDS_REVIEW), ("R-2", State.FAILED), ("R-4", State.PENDING),
        ("R-5", State.PENDING), ("R-6", State.PENDING), ("R-1", State.FAILED),
    ]  # fmt: skip
    reviewed = store.get("R-1")
    assert (reviewed.reviewed_by, reviewed.reviewed_at) == ("王敏", START)


def test_filters_and_paging(store: Store, clock: FakeClock) -> None:
    store.enqueue([item(f"A-{n:03d}", "李四") for n in range(120)])
    clock.advance(24 * 3600)
    store.enqueue([
        item("B-1", "王_芳", batch="b2", flow="e9_renewal.yaml"),
        item("B-2", "100%王", batch="b2"),
    ])  # fmt: skip
    first, total = store.page(ItemQuery(limit=50))
    assert total == 122 and [i.reference for i in first][:2] == ["A-000", "A-001"]
    last, _ = store.page(ItemQuery(offset=100, limit=50))
    assert [i.reference for i in last][-3:] == ["A-119", "B-1", "B-2"]
    assert store.page(ItemQuery(batch="b2"))[1] == 2
    assert [i.reference for i in store.page(ItemQuery(flows=("e9_renewal.yaml",)))[0]] == ["B-1"]
    day_two = START + timedelta(days=1)
    assert store.page(ItemQuery(since=day_two))[1] == 2
    assert store.page(ItemQuery(before=day_two))[1] == 120
    # text: part of the reference (any case) or of the customer's name; % and _ are literal
    assert store.page(ItemQuery(text="a-11"))[1] == 10
    assert [i.reference for i in store.page(ItemQuery(text="王_"))[0]] == ["B-1"]
    assert [i.reference for i in store.page(ItemQuery(text="0%"))[0]] == ["B-2"]
    assert store.page(ItemQuery(text="李四", states=(State.FAILED,)))[1] == 0


def test_batches_counts_and_finishes(store: Store, clock: FakeClock) -> None:
    store.enqueue([item("A-1", "甲"), item("A-2", "乙"), item("X-1", "丙", batch=None)])
    clock.advance(60)
    store.enqueue([item("B-1", "丁", batch="b2")])
    assert [(b.batch, b.items, b.first_enqueued) for b in store.batches()] == [
        ("b2", 1, START + timedelta(seconds=60)), ("b1", 2, START),
    ]  # fmt: skip
    assert _fail(store) == "A-1"
    counts = store.counts(batch="b1")
    assert (counts[State.FAILED], counts[State.PENDING], counts[State.DONE]) == (1, 1, 0)
    assert store.counts()[State.PENDING] == 3
    assert store.finished_since(START, batch="b1") == 1
    assert store.finished_since(START, batch="b2") == 0
    assert store.finished_since(START + timedelta(seconds=61)) == 0
    # the batch's first attempt (its claim, a minute after the enqueue); none yet in b2
    assert (store.first_attempt("b1"), store.first_attempt("b2")) == (
        START + timedelta(seconds=60), None)
    assert store.existing(["A-1", "B-1", "Z-9", "A-1"]) == {"A-1", "B-1"}
