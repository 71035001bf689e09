"""showModalDialog in Chromium (bots/actions/modal.py): the dialog opens as a popup the
flow drives, gets its dialogArguments, and its caller runs again with the returnValue —
on small local pages that use it the way IE-era portals did, not on the mock portal."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bots.actions import BrowserSession
from bots.flow import load_flow
from bots.runner import Runner
from tests.fixtures.windows import click_closing

pytestmark = pytest.mark.browser

SELECTORS = """
pages:
  caller:
    frames: [[], ["frame[name=work]"]]
    elements:
      number: [{caption: 手机号码}]
      pick: [{role: button, name: 选号}]
      after: [{css: "#after"}]
  dialog:
    popup: dialog
    elements:
      prefix: [{css: "#prefix"}]
      choose: [{role: button, name: 选择 18937100001}]
"""
FLOW = """
name: 选号 in a modal dialog
inputs:
  page: {type: string}
defaults:
  timeout: 5
  retry: {attempts: 1}
steps:
  - id: open
    goto: ${{ page }}
  - id: pick
    click: caller.pick
    opens: dialog
  - id: prefix
    extract: {target: dialog.prefix, into: prefix}
  - id: choose
    click: caller.pick
    page: dialog
  - id: picked
    extract: {target: caller.number, source: value, into: number}
  - id: once
    assert: {target: caller.after, text: "1"}
outputs:
  prefix: ${{ steps.prefix.outputs.prefix }}
  number: ${{ steps.picked.outputs.number }}
"""


def test_chromium_has_no_show_modal_dialog(page: Page, pages_url: str) -> None:
    page.goto(pages_url + "modal_caller.html")
    with page.expect_event("pageerror") as error:
        page.get_by_role("button", name="选号", exact=True).click()
    assert "showModalDialog is not a function" in str(error.value)
    assert len(page.context.pages) == 1  # no dialog of any kind


def _pick(page: Page, opener: Page, button: str) -> Page:
    with page.expect_popup() as popup:
        opener.get_by_role("button", name=button, exact=True).click()
    return popup.value


def test_the_dialog_is_a_popup_and_its_caller_gets_the_value(page: Page, pages_url: str) -> None:
    session = BrowserSession(page, None)
    page.goto(pages_url + "modal_caller.html")
    dialog = _pick(page, page, "选号")
    expect(dialog.locator("#prefix")).to_have_text("1893710")  # dialogArguments
    click_closing(dialog, dialog.get_by_role("button", name="选择 18937100001"))
    expect(page.locator("#number")).to_have_value("18937100001")
    # the caller ran twice up to the call, once after it: with the dialog's value
    assert (page.locator("#before").inner_text(), page.locator("#after").inner_text()) == (
        "2", "1")
    session.close()


def test_a_dialog_closed_without_a_value_gives_undefined(page: Page, pages_url: str) -> None:
    BrowserSession(page, None).close()
    page.goto(pages_url + "modal_caller.html")
    dialog = _pick(page, page, "选号")
    click_closing(dialog, dialog.get_by_role("button", name="取消"))
    expect(page.locator("#number")).to_have_value("(取消)")
    dialog = _pick(page, page, "选号")
    dialog.close()  # its window's own X: noticed by polling
    expect(page.locator("#after")).to_have_text("2")
    expect(page.locator("#number")).to_have_value("(取消)")


def test_a_caller_without_an_event_is_called_again(page: Page, pages_url: str) -> None:
    BrowserSession(page, None).close()
    page.goto(pages_url + "modal_caller.html")
    dialog = _pick(page, page, "稍后选号")  # showModalDialog called from a timer
    click_closing(dialog, dialog.get_by_role("button", name="选择 18937100001"))
    expect(page.locator("#number")).to_have_value("18937100001")
    expect(page.locator("#after")).to_have_text("1")


def test_it_works_in_a_frame_of_a_page_that_was_open_before(page: Page, pages_url: str) -> None:
    page.goto(pages_url + "modal_frames.html")
    work = page.frame(name="work")
    assert work is not None
    expect(work.locator("#before")).to_have_text("0")
    BrowserSession(page, None).close()  # installed now: into the frames already shown too
    with page.expect_popup() as popup:
        work.get_by_role("button", name="选号", exact=True).click()
    click_closing(popup.value, popup.value.get_by_role("button", name="选择 18937100001"))
    expect(work.locator("#number")).to_have_value("18937100001")


@pytest.mark.parametrize("start", ["modal_caller.html", "modal_frames.html"])
def test_a_flow_drives_the_dialog_like_a_popup(page: Page, pages_url: str, tmp_path: Path,
                                               start: str) -> None:
    (tmp_path / "selectors").mkdir()
    (tmp_path / "selectors" / "modal.yaml").write_text(SELECTORS, encoding="utf-8")
    flow_file = tmp_path / "pick.yaml"
    flow_file.write_text(FLOW.replace("click: caller.pick\n    page: dialog",
                                      "click: dialog.choose"), encoding="utf-8")
    result = Runner(page, load_flow(flow_file), {"page": pages_url + start},
                    run_dir=tmp_path / "run", screenshots="every_step", trace="off").run()
    assert result.status == "passed", result.error
    assert result.outputs == {"prefix": "1893710", "number": "18937100001"}
