"""Between two orders a worker's context keeps one window, on the known screen."""

from __future__ import annotations

import pytest

from bots.actions.hygiene import KNOWN_SCREEN, tidy

pytestmark = pytest.mark.browser


def test_tidy_closes_every_other_window_and_shows_the_known_screen(page, form_app):
    page.goto(form_app.url + "opener.html?q=none")
    with page.expect_popup() as opened:
        page.get_by_role("button", name="选号").click()
    numbers = opened.value  # 没有查询到数据: it stays open, named "numbers"
    other = page.context.new_page()
    main = tidy(page)
    assert main is page
    assert page.context.pages == [page]
    assert numbers.is_closed() and other.is_closed()
    assert page.url == KNOWN_SCREEN


def test_tidy_brings_a_new_page_when_the_main_one_was_closed(page):
    context = page.context
    page.close()
    fresh = tidy(page)
    assert not fresh.is_closed()
    assert context.pages == [fresh]
    assert fresh.url == KNOWN_SCREEN
