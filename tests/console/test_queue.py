"""The queue page: filters, what needs a person first, paging — on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date

from bots.ledger import NewItem
from tests.fixtures.console import ConsoleKit, fail_next, sample_items, text_of


def _refs(html: str) -> list[str]:
    return re.findall(r'<td><a href="/orders/[^"]+">([^<]+)</a></td>', html)


def test_filters_and_what_needs_a_person_first(console: ConsoleKit) -> None:
    items = sample_items()
    console.store.enqueue(items)
    assert fail_next(console.store, "不符合办理条件") == "E9-20261127-0001"
    fail_next(console.store, "提交时中断", kind="unknown_outcome")  # → needs_review
    console.sign_in("wang", "operator")
    page = console.client.get("/queue").text
    assert _refs(page)[:3] == ["E9-20261127-0002", "E9-20261127-0001", "E9-20261127-0003"]
    assert "共11单,待人工核查和失败的排在前面" in text_of(page)
    assert _refs(console.client.get("/queue?state=failed").text) == ["E9-20261127-0001"]
    renewals = _refs(console.client.get("/queue?procedure=renewal").text)
    assert renewals == [f"E9-20261127-{n:04d}" for n in (7, 8, 9, 10, 11, 12)]
    assert _refs(console.client.get("/queue?q=刘海燕").text) == ["E9-20261127-0011"]
    assert _refs(console.client.get("/queue?q=0012").text) == ["E9-20261127-0012"]
    today = date.today().isoformat()
    assert len(_refs(console.client.get(f"/queue?day={today}").text)) == 11
    assert _refs(console.client.get("/queue?day=2001-01-01").text) == []
    assert "没有符合条件的订单" in console.client.get("/queue?batch=other").text


def test_pages_of_fifty(console: ConsoleKit) -> None:
    [sample] = sample_items()[:1]
    console.store.enqueue(
        NewItem(f"P-{n:03d}", sample.flow, {**sample.payload, "reference": f"P-{n:03d}"})
        for n in range(120)
    )
    console.sign_in("wang", "operator")
    first = console.client.get("/queue").text
    assert len(_refs(first)) == 50 and _refs(first)[0] == "P-000"
    assert "第1页,共3页" in text_of(first) and 'href="/queue?page=2" rel="next"' in first
    last = console.client.get("/queue?page=3").text
    assert _refs(last) == [f"P-{n:03d}" for n in range(100, 120)]
    assert _refs(console.client.get("/queue?q=P-1").text) == [f"P-{n}" for n in range(100, 120)]
    filtered = console.client.get("/queue?q=P-0").text
    assert 'href="/queue?q=P-0&amp;page=2" rel="next"' in filtered  # the filter is kept
    second = console.client.get("/queue?q=P-0&page=2").text
    assert _refs(second) == [f"P-{n:03d}" for n in range(50, 100)]


def test_waiting_orders_with_no_worker_running_say_so(console: ConsoleKit) -> None:
    console.sign_in("wang", "clerk")
    assert 'id="idle"' not in console.client.get("/queue").text  # nothing waits
    console.store.enqueue(sample_items()[:2])
    page = console.client.get("/queue").text
    assert re.search(r'<p class="warning" id="idle">([^<]+)</p>', page).group(1) == (  # type: ignore[union-attr]
        "现在没有工作进程在运行:订单要等有人运行 bots work 才会处理"
    )
    console.store.workers_started("vm-1-aaaaaa", "vm-1", 4242, [("vm-1-aaaaaa/0", "GH1001")])
    assert 'id="idle"' not in console.client.get("/queue").text
