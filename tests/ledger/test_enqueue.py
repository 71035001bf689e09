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
    assert [h.note for h in store.history("E9-001")] == ["录入"]


def test_a_reference_already_queued_is_refused_by_name_and_nothing_is_touched(
    store: Store,
) -> None:
    store.enqueue([order("E9-001", plan="e9-C")])
    with pytest.raises(DuplicateReference) as caught:
        store.enqueue([order("E9-009"), order("E9-001", plan="e9-G")])
    assert str(caught.value) == (
        "业务参考号 E9-001 已在账本中\n"
        "什么都没有录入:用 --skip-existing 跳过已在队列中的行,录入其余的"
    )
    assert caught.value.context["references"] == ["E9-001"]
    assert caught.value.exit_code == 4
    assert store.get("E9-001").payload["plan"] == "e9-C"
    with pytest.raises(NotFound):
        store.get("E9-009")
    assert sum(store.counts().values()) == 1


def test_a_reference_twice_in_one_batch_is_refused(store: Store) -> None:
    with pytest.raises(DuplicateReference) as caught:
        store.enqueue([order("E9-001"), order("E9-002"), order("E9-001")])
    assert str(caught.value) == (
        "业务参考号 E9-001 在这次录入中已经出现过\n什么都没有录入:每单要有自己的业务参考号"
    )
    assert sum(store.counts().values()) == 0


def test_a_reference_in_another_letter_case_is_the_same_order(store: Store) -> None:
    # typed e9-001 for E9-001: the portal would get the order twice (its guards look for the
    # reference as written), so the ledger refuses it as it refuses E9-001 itself
    store.enqueue([order("E9-001")])
    with pytest.raises(DuplicateReference) as caught:
        store.enqueue([order("E9-009"), order("e9-001")])
    assert str(caught.value).splitlines()[0] == "业务参考号 e9-001 已在账本中(写作 E9-001)"
    assert caught.value.context["references"] == ["e9-001"]
    with pytest.raises(DuplicateReference) as caught:
        store.enqueue([order("E9-002"), order("e9-002")])
    assert str(caught.value).splitlines()[0] == (
        "业务参考号 e9-002 在这次录入中已经出现过(写作 E9-002)"
    )
    assert store.existing(["e9-001", "E9-001", "E9-009"]) == {"e9-001", "E9-001"}
    with store.enqueuing(skip_known=True) as adding:
        adding.add(order("e9-001"))
        adding.add(order("E9-003"))
    assert adding.skipped == [("e9-001", None)]
    assert [i.reference for i in store.items()] == ["E9-001", "E9-003"]


def test_a_large_batch_is_checked_in_chunks(store: Store) -> None:
    store.enqueue([order(f"B-{n:04}") for n in range(1200)])
    with pytest.raises(DuplicateReference) as caught:
        store.enqueue([order(f"C-{n:04}") for n in range(1100)] + [order("B-1199")])
    assert str(caught.value).splitlines()[0] == "业务参考号 B-1199 已在账本中"
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
    assert store.history("A-1")[0].note == "录入,批次 mon"


def test_an_unknown_reference_is_named(store: Store) -> None:
    with pytest.raises(NotFound) as caught:
        store.history("NOPE-1")
    assert str(caught.value) == "没有业务参考号为NOPE-1的订单"


def test_a_refusal_names_the_file_and_row_each_item_came_from(store: Store) -> None:
    store.enqueue([order("E9-001")])
    with pytest.raises(DuplicateReference) as caught:
        with store.enqueuing() as adding:
            adding.add(order("E9-002"), ("new.csv", 2, "row"))
            adding.add(order("E9-001"), ("new.csv", 3, "row"))
            adding.add(order("E9-002"), ("other.csv", 5, "row"))
    assert str(caught.value) == (
        "other.csv:第5行:业务参考号 E9-002 在这次录入中已经出现过\n"
        "什么都没有录入:每单要有自己的业务参考号"
    )
    with pytest.raises(DuplicateReference) as caught:
        with store.enqueuing() as adding:
            adding.add(order("E9-001"), ("new.csv", 3, "row"))
    assert str(caught.value).splitlines()[0] == "new.csv:第3行:业务参考号 E9-001 已在账本中"
    assert sum(store.counts().values()) == 1


def test_skip_known_lists_the_references_already_queued_and_adds_the_rest(store: Store) -> None:
    store.enqueue([order("E9-001", plan="e9-C")])
    with store.enqueuing(skip_known=True) as adding:
        adding.add(order("E9-001", plan="e9-G"), ("again.csv", 2, "row"))
        adding.add(order("E9-002"), ("again.csv", 3, "row"))
    assert adding.skipped == [("E9-001", ("again.csv", 2, "row"))]
    assert adding.added == 1
    assert store.get("E9-001").payload["plan"] == "e9-C"  # what was queued is untouched
    assert store.get("E9-002").state is State.PENDING


def test_rejects_are_kept_with_their_personal_data_masked(store: Store) -> None:
    row = {"reference": "E9-9", "customer": {"id_number": "410101199001011234", "name": "张三"}}
    with store.enqueuing() as adding:
        adding.reject(
            "o.csv", 3, "号码无效", reference="E9-9", field="证件号码", data=row, batch="b1"
        )
        adding.reject("p.csv", None, "是空文件")
    assert [(r.batch, r.file, r.row, r.reference, r.field, r.reason) for r in store.rejects()] == [
        ("b1", "o.csv", 3, "E9-9", "证件号码", "号码无效"),
        (None, "p.csv", None, None, None, "是空文件"),
    ]
    (kept,) = store.rejects(batch="b1")
    assert kept.data == {"reference": "E9-9", "customer": {"id_number": "******", "name": "张三"}}
    assert store.rejects(batch="other") == []
