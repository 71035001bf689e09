"""The workers page: who is alive with the order each holds, who went silent, and the
processes the portal stopped — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.fixtures.console import ConsoleKit, sample_items, text_of


def test_alive_silent_and_stopped_workers(console: ConsoleKit) -> None:
    store = console.store
    now = datetime.now(UTC)
    store.clock = lambda: now - timedelta(minutes=5)  # type: ignore[method-assign]
    store.workers_started("old-1", "robot-02", 77, [("old-1/0", "GH1009")])
    store.clock = lambda: now - timedelta(minutes=3)  # type: ignore[method-assign]
    store.workers_started("down-1", "robot-03", 88, [("down-1/0", "GH1011")])
    store.workers_stopped("down-1", "portal_down", "down-1/0: 5 system exceptions in a row "
                          "(last: 系统繁忙); the portal looks down — stopping")  # fmt: skip
    store.clock = lambda: now  # type: ignore[method-assign]
    store.workers_started("h-1-ab", "robot-01", 4242, [("h-1-ab/0", "GH1001"),
                                                        ("h-1-ab/1", "GH1002")])  # fmt: skip
    store.enqueue(sample_items()[:1])
    held = store.claim("h-1-ab/1")
    assert held is not None
    console.sign_in("li", "clerk")
    page = console.client.get("/workers").text
    text = text_of(page)
    assert "营账系统疑似故障:down-1在" in text
    assert "the portal looks down — stopping" in text
    alive = text[text.index("运行中(2)"):text.index("没有心跳(1)")]
    assert "h-1-ab/0 robot-01(进程 4242) GH1001 -" in alive
    assert f"h-1-ab/1 robot-01(进程 4242) GH1002 {held.reference}" in alive
    silent = text[text.index("没有心跳(1)"):text.index("最近一天停止的")]
    assert "old-1/0 robot-02(进程 77) GH1009 -" in silent and "没有心跳:进程可能已中断" in silent
    stopped = text[text.index("最近一天停止的"):]
    assert "down-1/0 robot-03(进程 88) GH1011 -" in stopped
    assert "已停止:营账系统疑似故障" in stopped
