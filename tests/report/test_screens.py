"""A run's steps cut into screens: by picture with every_step, by the procedure's parts
without pictures; the screen of the failure is the one of the deepest failed step."""

from __future__ import annotations

from typing import Any

from bots.report.screens import by_part, by_picture, failure_of, screens_of


def step(n: int, sid: str, action: str = "fill", status: str = "passed", **kw: Any) -> dict:
    return {"n": n, "id": sid, "name": f"步骤{n}", "action": action, "status": status,
            "ms": 100, "screenshot": None, **kw}  # fmt: skip


def numbers(screens) -> list[list[int]]:
    return [[s["n"] for s in screen.steps] for screen in screens]


def test_steps_without_a_picture_go_with_the_next_one_the_last_ones_with_the_last() -> None:
    steps = [
        step(1, "open", "goto", screenshot="screens/001.jpg"),
        step(2, "logged_in", "wait_for"),
        step(3, "name", screenshot="screens/004.jpg"),
        step(4, "id", screenshot="screens/004.jpg"),
        step(5, "next", "click", screenshot="screens/006.jpg"),
        step(6, "read", "extract"),
        step(7, "check", "assert"),
    ]
    screens = by_picture(steps)
    assert numbers(screens) == [[1], [2, 3, 4], [5, 6, 7]]
    assert [s.picture for s in screens] == ["screens/001.jpg", "screens/004.jpg", "screens/006.jpg"]
    assert screens[1].title == "步骤2 … 步骤4"
    assert screens[1].ms == 300
    assert failure_of(screens) is None


def test_a_failed_sub_flow_header_leaves_its_picture_to_the_step_that_failed() -> None:
    steps = [
        step(1, "open", "goto", screenshot="screens/001.jpg"),
        step(2, "enter_order", "run", "failed", screenshot="screens/002_enter_order.jpg"),
        step(3, "enter_order/query", "click", screenshot="screens/004.jpg"),
        step(4, "enter_order/eligible", "fail", "failed", screenshot="screens/004_eligible.jpg"),
    ]
    screens = by_picture(steps)
    assert numbers(screens) == [[1], [2, 3], [4]]
    assert not screens[1].failed  # only its header failed, because of step 4
    assert failure_of(screens) is screens[2]
    assert screens[2].picture == "screens/004_eligible.jpg"


def test_without_pictures_a_screen_is_a_sub_flow_with_the_steps_of_its_own_sub_flows() -> None:
    steps = [
        step(1, "open", "goto"),
        step(2, "logged_in", "wait_for"),
        step(3, "enter_order", "run"),
        step(4, "enter_order/name"),
        step(5, "enter_order/product", "run"),
        step(6, "product/brand", "select"),
        step(7, "enter_order/submit", "click"),
        step(8, "order_no", "extract"),
        step(9, "collect", "click", "failed", screenshot="screens/009_collect.jpg"),
        step(10, "deposit", "run"),
    ]
    screens = by_part(steps)
    assert numbers(screens) == [[1, 2], [3, 4, 5, 6, 7], [8, 9], [10]]
    assert screens[1].title == "步骤3"  # the sub-flow's own name
    assert failure_of(screens) is screens[2]
    assert screens[2].picture == "screens/009_collect.jpg"


def test_the_run_s_screenshot_mode_chooses_the_cut() -> None:
    steps = [step(1, "a", screenshot="screens/001.jpg"), step(2, "b", screenshot="screens/002.jpg")]
    assert numbers(screens_of({"screenshots": "every_step", "steps": steps})) == [[1], [2]]
    assert numbers(screens_of({"screenshots": "on_failure", "steps": steps})) == [[1, 2]]
