"""Legacy mode over HTTP: frameset shell, GBK in and out, captions in cells, form tokens,
the era's error pages — and the same rules and state as the modern mode."""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from mock_portal.errorpages import JAVA_TEXT, ORA_TEXT, STALE_FORM_TEXT
from tests.mock_portal import walk
from tests.mock_portal.conftest import make_client
from tests.mock_portal.legacy import GbkClerk


@pytest.fixture
def clerk(tmp_path: Path) -> GbkClerk:
    with make_client(tmp_path, legacy=True) as client:
        clerk = GbkClerk(client)
        walk.login(client)
        yield clerk


def test_the_shell_is_a_frameset_of_menu_and_tabbed_work_frame(clerk: GbkClerk) -> None:
    shell = walk.ok(clerk.get("/"))
    assert shell.headers["content-type"] == "text/html; charset=GBK"
    assert re.findall(r'<frame name="(\w+)" src="([^"]+)"', shell.text) == [
        ("topFrame", "/frame/top"), ("menuFrame", "/frame/menu"), ("mainFrame", "/frame/tabs")]
    menu = walk.ok(clerk.get("/frame/menu")).text
    assert '当前工号:<b class="staff-id">GH1001</b>' in menu
    for item, url in (("新装", "/install"), ("加装", "/addon"), ("业务查询", "/queries/orders"),
                      ("专款缴费", "/funds"), ("缴费记录查询", "/queries/payments")):
        assert f"openWork('{item}', '{url}')" in menu
    tabs = walk.ok(clerk.get("/frame/tabs")).text
    assert '<iframe class="work-tab" name="tab_0" src="/welcome"' in tabs


def test_the_frames_exist_only_in_legacy_mode(client: TestClient) -> None:
    walk.login(client)
    assert client.get("/frame/menu").status_code == 404
    assert "<frameset" not in client.get("/").text


def test_the_notice_shows_in_the_menu_frame_once(tmp_path: Path) -> None:
    with make_client(tmp_path, legacy=True, notice=True) as client:
        shell = walk.login(client)
        assert '<frame name="menuFrame" src="/frame/menu?notice=1">' in shell.text
        menu = client.get("/frame/menu?notice=1").text
        assert '<td class="notice-title">系统公告</td>' in menu and 'value="关闭"' in menu
        assert "/frame/menu?notice=1" not in client.get("/").text


def test_captions_sit_in_table_cells_without_labels(clerk: GbkClerk) -> None:
    page = walk.ok(clerk.get("/install")).text
    assert "<label" not in page
    assert re.search(r'<td class="caption"><font color="red">\*</font>客户名称：</td>\s*'
                     r'<td><input type="text" id="name" name="name"', page)
    login = clerk.client.get("/login").text
    assert "<label" not in login and '<td class="caption">工号：</td>' in login


def test_pages_are_gbk_and_gbk_forms_reach_the_state_as_chinese(clerk: GbkClerk) -> None:
    page = clerk.get("/install")
    assert "客户名称".encode("gbk") in page.content
    assert "客户名称".encode() not in page.content
    order_no = walk.install(clerk)  # type: ignore[arg-type]
    state = clerk.get("/qa/state").json()
    [order] = state["orders"]
    assert (order["order_no"], order["remark"]) == (order_no, "客户经理:王敏 业务参考:REF-1")
    [customer] = [c for c in state["customers"] if c["customer_id"] == order["customer_id"]]
    assert (customer["name"], customer["address"], customer["group"]) == (
        "张三", "郑州市金水区农业路1号", "家庭")
    [net] = [s for s in state["services"] if s["order_no"] == order_no and s["kind"] ==
             "broadband"]
    assert (net["standard_address"], net["install_address"]) == (
        "郑州市金水区花园路街道农业路1号院", "农业路1号院3号楼2单元501")


def test_a_gbk_query_string_is_read_as_gbk(clerk: GbkClerk) -> None:
    walk.install(clerk)  # type: ignore[arg-type]
    remark = quote("业务参考:REF-1", encoding="gbk")
    results = walk.ok(clerk.get(f"/queries/orders?remark={remark}")).text
    assert "客户经理:王敏 业务参考:REF-1" in results and "没有查询到数据" not in results


def test_a_form_sent_in_utf8_is_read_as_gbk_and_garbled(clerk: GbkClerk) -> None:
    walk.ok(clerk.get("/install"))
    body = "&".join(f"{k}={quote(v)}" for k, v in {**walk.customer(),
                                                   "org.apache.struts.taglib.html.TOKEN":
                                                   clerk.token}.items())
    product = walk.ok(clerk.client.post("/install/customer", content=body,
                                        headers={"content-type":
                                                 "application/x-www-form-urlencoded"}))
    assert "张三".encode().decode("gb18030") in product.text


def test_a_form_without_its_token_is_refused_and_nothing_done(clerk: GbkClerk) -> None:
    walk.ok(clerk.get("/install"))
    refused = clerk.post("/install/customer", data=walk.customer(), token="")
    assert STALE_FORM_TEXT in refused.text and refused.status_code == 200
    customer_page = clerk.get("/install/customer").text
    assert 'value="张三"' not in customer_page  # the draft did not take the customer
    forged = clerk.post("/install/customer", data=walk.customer(),
                        token=clerk.token[:-1] + ("0" if clerk.token[-1] != "0" else "1"))
    assert STALE_FORM_TEXT in forged.text


def test_an_expired_token_is_refused_and_nothing_saved(tmp_path: Path) -> None:
    with make_client(tmp_path, legacy=True, form_token_ttl_s=0.3) as client:
        clerk = GbkClerk(client)
        walk.login(client)
        walk.install_until_members(clerk)  # type: ignore[arg-type]
        walk.ok(walk.install_mobile(clerk))  # type: ignore[arg-type]
        walk.ok(walk.install_broadband(clerk))  # type: ignore[arg-type]
        time.sleep(0.4)
        stale = clerk.post("/install/submit")
        assert STALE_FORM_TEXT in stale.text
        assert client.get("/qa/state").json()["orders"] == []
        walk.ok(clerk.get("/install/members"))  # the form again: a fresh token
        walk.submit(clerk, "/install/submit")  # type: ignore[arg-type]
        assert len(client.get("/qa/state").json()["orders"]) == 1


def test_a_form_sent_twice_creates_one_order(clerk: GbkClerk) -> None:
    walk.install_until_members(clerk)  # type: ignore[arg-type]
    walk.ok(walk.install_mobile(clerk))  # type: ignore[arg-type]
    walk.ok(walk.install_broadband(clerk))  # type: ignore[arg-type]
    token = clerk.token
    walk.submit(clerk, "/install/submit")  # type: ignore[arg-type]
    again = clerk.post("/install/submit", token=token)
    assert STALE_FORM_TEXT in again.text
    assert len(clerk.get("/qa/state").json()["orders"]) == 1


def test_a_token_belongs_to_its_session(tmp_path: Path) -> None:
    with make_client(tmp_path, legacy=True) as client:
        clerk = GbkClerk(client)
        walk.login(client)
        walk.ok(clerk.get("/install"))
        walk.login(client)  # a new session: the page's token was another session's
        walk.ok(client.get("/install"))
        assert STALE_FORM_TEXT in clerk.post("/install/customer", data=walk.customer()).text


@pytest.mark.parametrize(("style", "status", "text", "charset"), [
    ("ora", 200, ORA_TEXT, "text/html; charset=GBK"),
    ("java", 500, JAVA_TEXT, "text/html; charset=utf-8"),
    ("busy", 200, "系统繁忙,请稍后再试", "text/html; charset=utf-8"),
])
def test_busy_answers_look_like_the_era_chosen(client: TestClient, style: str, status: int,
                                               text: str, charset: str) -> None:
    walk.login(client)
    client.post("/qa/habits", json={"busy_share": 1.0, "error_pages": style})
    page = client.get("/install")
    assert (page.status_code, page.headers["content-type"]) == (status, charset)
    assert text in page.text
    ajax = client.get("/install/plans", headers={"X-Requested-With": "XMLHttpRequest"})
    assert ajax.json() == {"error": "系统繁忙,请稍后再试", "busy": True}


def test_pickers_are_modal_dialogs_without_a_polyfill(clerk: GbkClerk) -> None:
    walk.install_until_members(clerk)  # type: ignore[arg-type]
    mobile = walk.ok(clerk.get("/install/mobile")).text
    assert '<script src="/static/legacy.js"></script>' in mobile
    script = clerk.get("/static/legacy.js").text
    assert "window.showModalDialog(url" in script and "window.returnValue = fields" in script
    assert "showModalDialog =" not in script  # the portal ships no polyfill


@pytest.mark.parametrize("legacy", [False, True], ids=["modern", "legacy"])
def test_a_release_that_renamed_a_caption(tmp_path: Path, legacy: bool) -> None:
    with make_client(tmp_path, legacy=legacy, renamed_captions={"联系地址": "通讯地址"}) as client:
        walk.login(client)
        page = walk.ok(client.get("/install")).text
        assert "通讯地址" in page and "联系地址" not in page
        assert ('<label for="address">通讯地址</label>' in page) is not legacy
