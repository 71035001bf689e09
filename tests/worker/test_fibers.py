"""Workers as fibers on one Playwright: they interleave at every browser call and pause,
keep their own dialogs, and one worker's error waits for the others to stop. These pin the
private parts of the sync API the fibers use, so the Playwright version is bounded to the
ones they passed on (pyproject.toml; README, "Moving the Playwright bound")."""

from __future__ import annotations

import re
import time
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright

from bots.browser import new_context
from bots.pause import pause
from bots.worker.fibers import Fibers

CONFIRM = (
    "<button onclick=\"document.body.dataset.answer = confirm('确定提交吗?')\">提交</button>"
)


def test_each_worker_answers_its_own_confirms(
    playwright_instance: Playwright, browser: Browser
) -> None:
    answers: dict[int, list[str]] = {}

    def worker(n: int) -> None:
        context = new_context(browser)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.set_content(CONFIRM)
        answers[n] = []
        for _ in range(5):
            page.click("button")
            answers[n].append(page.evaluate("document.body.dataset.answer"))
        context.close()

    fibers = Fibers(playwright_instance)
    for n in range(3):
        fibers.spawn(lambda n=n: worker(n))
    fibers.join()
    assert answers == {n: ["true"] * 5 for n in range(3)}


def test_a_pausing_worker_lets_the_others_run(
    playwright_instance: Playwright, browser: Browser
) -> None:
    events: list[str] = []

    def sleeper() -> None:
        # a pause that slept the thread would keep the clicker from ever running here
        events.append("sleeper pauses")
        deadline = time.monotonic() + 10
        while len(events) < 2 and time.monotonic() < deadline:
            pause(0.05)
        events.append("sleeper wakes")

    def clicker() -> None:
        context = new_context(browser)
        page = context.new_page()
        page.set_content("<p>工号 GH1001</p>")
        events.append(f"clicker reads {page.inner_text('p')}")
        context.close()

    fibers = Fibers(playwright_instance)
    fibers.spawn(sleeper)
    fibers.spawn(clicker)
    fibers.join()
    assert events == ["sleeper pauses", "clicker reads 工号 GH1001", "sleeper wakes"]


def test_an_error_is_raised_once_every_worker_has_stopped(
    playwright_instance: Playwright, browser: Browser
) -> None:
    finished: list[str] = []

    def broken() -> None:
        raise RuntimeError("worker 0 hit a bug")

    def steady() -> None:
        pause(0.2)
        finished.append("worker 1 finished its step")

    fibers = Fibers(playwright_instance)
    fibers.spawn(broken)
    fibers.spawn(steady)
    with pytest.raises(RuntimeError, match="^worker 0 hit a bug$"):
        fibers.join()
    assert finished == ["worker 1 finished its step"]


def test_outside_the_workers_pause_sleeps_the_thread(playwright_instance: Playwright) -> None:
    Fibers(playwright_instance).join()  # nothing spawned: returns, and uninstalls its pause
    started = time.monotonic()
    pause(0.05)
    assert time.monotonic() - started >= 0.05


def test_the_installed_playwright_is_within_the_bound_these_tests_cover() -> None:
    """Fails for a Playwright outside ``pyproject.toml``'s bound: once the tests above pass
    on it, move the bound (that is the whole procedure)."""
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    dependencies = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    (bound,) = [d for d in dependencies if d.startswith("playwright")]
    found = re.fullmatch(r"playwright>=(\d+)\.(\d+),<(\d+)\.(\d+)", bound)
    assert found is not None, f"{bound}: keep the bound as playwright>=X.Y,<X.Z"
    low, high = (int(found[1]), int(found[2])), (int(found[3]), int(found[4]))
    installed = tuple(int(part) for part in version("playwright").split(".")[:2])
    assert low <= installed < high, (
        f"playwright {version('playwright')} is outside {bound}: move the bound once the "
        "tests above pass on it"
    )
