"""The 选号 and 标准化地址 popups and the 选卡 check, over HTTP."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from mock_portal.fixtures import iccid
from tests.mock_portal import walk


@pytest.fixture
def clerk(client: TestClient) -> TestClient:
    walk.login(client)
    return client


def _numbers(html: str) -> list[str]:
    return re.findall(r'data-number="(\d+)"', html)


def test_number_search_by_prefix_and_pages(clerk: TestClient) -> None:
    first = walk.ok(clerk.get("/popups/numbers"))
    assert _numbers(first.text) == [f"18937100{i:03d}" for i in range(20)]
    assert "共 1000 个号码 第 1/50 页" in first.text and "下一页" in first.text
    third = walk.ok(clerk.get("/popups/numbers", params={"prefix": "189371000", "page": 3}))
    assert _numbers(third.text) == [f"18937100{i:03d}" for i in range(40, 60)]
    assert _numbers(clerk.get("/popups/numbers", params={"prefix": "1893710004"}).text) == [
        f"1893710004{i}" for i in range(10)]
    none = clerk.get("/popups/numbers", params={"prefix": "133"})
    assert _numbers(none.text) == [] and "没有查询到数据" in none.text


def test_numbers_already_used_are_not_offered(clerk: TestClient) -> None:
    walk.install(clerk)
    offered = _numbers(clerk.get("/popups/numbers", params={"prefix": "1893710000"}).text)
    assert "18937100005" not in offered and len(offered) == 9


def test_address_search_by_code_and_by_name(clerk: TestClient) -> None:
    by_code = walk.ok(clerk.get("/popups/addresses", params={"q": "4101-0003"}))
    assert 'data-code="4101-0003" data-name="郑州市金水区花园路街道农业路3号院"' in by_code.text
    by_name = walk.ok(clerk.get("/popups/addresses", params={"q": "解放路街道"}))
    table = by_name.text.split('class="grid addresses"', 1)[1].split("</table>", 1)[0]
    assert len(re.findall(r"<button", table)) == 17
    assert walk.error_of(clerk.get("/popups/addresses", params={"q": " "})) == (
        "请输入地址编码或名称")


def test_address_tree_holds_every_leaf(clerk: TestClient) -> None:
    page = walk.ok(clerk.get("/popups/addresses"))
    for district in ("金水区", "二七区", "中原区", "管城回族区"):
        assert f"<summary>{district}</summary>" in page.text
    assert len(re.findall(r'<a href="#" data-code="4101-\d{4}"', page.text)) == 200


def test_card_check(clerk: TestClient) -> None:
    ajax = {"X-Requested-With": "XMLHttpRequest"}
    assert clerk.get("/popups/card-check", params={"iccid": iccid(9)}, headers=ajax).json() == {
        "message": "选卡成功,卡号可用"}
    assert clerk.get("/popups/card-check", params={"iccid": "1234"}, headers=ajax).json() == {
        "error": "该卡不在库存中或已使用"}
    assert clerk.get("/popups/card-check", headers=ajax).json() == {"error": "UIM卡号不能为空"}


def test_a_whole_number_taken_or_unknown_says_so_and_a_held_one_lists_nothing(
    clerk: TestClient,
) -> None:
    walk.install(clerk)  # 18937100005 is used by the order it enters
    taken = walk.ok(clerk.get("/popups/numbers", params={"prefix": "18937100005"}))
    assert _numbers(taken.text) == []
    assert '<td colspan="2" class="hint refusal">号码18937100005已被占用或不存在</td>' in taken.text
    unknown = walk.ok(clerk.get("/popups/numbers", params={"prefix": "13900000000"}))
    assert "号码13900000000已被占用或不存在" in unknown.text
    # a partial prefix that finds nothing is no refusal
    partial = walk.ok(clerk.get("/popups/numbers", params={"prefix": "133"}))
    assert '<td colspan="2" class="hint">没有查询到数据</td>' in partial.text
    # another live session holds 18937100006 (its member saved, the order not submitted)
    other = TestClient(clerk.app)
    walk.login(other, "GH1002")
    walk.install_until_members(other)
    walk.ok(other.post("/install/mobile", data=walk.mobile(number="18937100006", card=2)))
    walk.ok(other.post("/install/mobile/device", data={"imei": walk.IMEI}))
    held = walk.ok(clerk.get("/popups/numbers", params={"prefix": "18937100006"}))
    assert '<td colspan="2" class="hint">没有查询到数据</td>' in held.text
