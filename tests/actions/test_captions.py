"""The ``caption`` candidate: the form field beside a table cell's text, with and without
``<label for>`` (bots/actions/captions.py), on a small local page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from bots.actions.captions import caption_xpath, literal

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("caption", "exact", "field"), [
    ("客户名称", True, "name"),          # <th>*<label for>客户名称</label></th>: the modern form
    ("证件号码", True, "id_number"),     # <td>*证件号码：</td>, a hidden field and a button beside
    ("备注", True, "remark"),            # a half-width colon, a textarea
    ("品牌", True, "brand"),             # a select
    ("e9-C", True, "pack"),              # a radio in the cell before its caption
    ("随套餐内手机", False, "account"),  # the only field of its row, three cells away
    ("联系电话", True, "phone"),         # two captioned fields in one row
    ("联系地址", True, "address"),
    ("装机地址", True, "install_address"),  # inside a layout table
    ('It\'s "quoted"', True, "quoted"),
])
def test_a_caption_finds_the_field_beside_it(page: Page, pages_url: str, caption: str,
                                             exact: bool, field: str) -> None:
    page.goto(pages_url + "captions.html")
    found = page.locator(caption_xpath(caption, exact))
    assert found.count() == 1
    assert found.get_attribute("name") == field


@pytest.mark.parametrize(("caption", "exact"), [
    ("宽带接入号", True),   # a table header: no field beside it
    ("终端型号", True),     # only a button beside it
    ("客户", True),         # a part of a caption, asked for exactly
    ("随套餐内手机", True),
])
def test_no_field_no_match(page: Page, pages_url: str, caption: str, exact: bool) -> None:
    page.goto(pages_url + "captions.html")
    assert page.locator(caption_xpath(caption, exact)).count() == 0


def test_literals_of_every_kind_of_quote() -> None:
    assert (literal("客户"), literal("it's"), literal('say "x"')) == (
        "'客户'", '"it\'s"', "'say \"x\"'")
    assert literal("it's \"x\"") == "concat('it', \"'\", 's \"x\"')"
