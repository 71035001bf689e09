"""Each habit of real portals, on and off, showing its effect (HTTP level)."""

from __future__ import annotations

import re
import time
from pathlib import Path

from fastapi.testclient import TestClient

from tests.mock_portal import walk
from tests.mock_portal.conftest import make_client
from tests.mock_portal.test_funds import FUND

BUSY = '<div class="busy error" role="alert">系统繁忙,请稍后再试</div>'


def _habits(client: TestClient, **changes: object) -> None:
    assert client.post("/qa/habits", json=changes).status_code == 200


def test_evdo_checkbox_absent_with_the_defect(client: TestClient) -> None:
    walk.login(client)
    walk.install_until_members(client)
    assert "EVDO上网" not in walk.ok(client.get("/install/mobile")).text
    order = walk.install(client, evdo="1")  # a forged tick is ignored: there is no box
    mobile = next(s for s in client.get("/qa/state").json()["services"]
                  if s["order_no"] == order and s["kind"] == "mobile")
    assert mobile["evdo"] is False


def test_evdo_checkbox_present_without_the_defect(client: TestClient) -> None:
    _habits(client, evdo_defect=False)
    walk.login(client)
    walk.install_until_members(client)
    page = walk.ok(client.get("/install/mobile"))
    assert re.search(r'<label for="evdo">EVDO上网</label>', page.text)
    assert 'type="checkbox" id="evdo" name="evdo"' in page.text
    order = walk.install(client, evdo="1")
    mobile = next(s for s in client.get("/qa/state").json()["services"]
                  if s["order_no"] == order and s["kind"] == "mobile")
    assert mobile["evdo"] is True


def test_marketing_plan_query_empty_with_the_defect(client: TestClient) -> None:
    walk.login(client)
    ajax = {"X-Requested-With": "XMLHttpRequest"}
    reply = client.get("/addon/promotions", params={"brand": "我的E家"}, headers=ajax)
    assert reply.json() == {"promotions": []}
    _habits(client, plan_defect=False)
    reply = client.get("/addon/promotions", params={"brand": "我的E家"}, headers=ajax)
    assert [p["name"] for p in reply.json()["promotions"]] == ["加装功能费", "宽带调整月租"]


def _timed(client: TestClient, path: str) -> float:
    start = time.perf_counter()
    walk.ok(client.get(path))
    return time.perf_counter() - start


def test_latency(client: TestClient) -> None:
    walk.login(client)
    assert _timed(client, "/welcome") < 0.15
    _habits(client, latency_ms=[200, 250])
    assert 0.2 <= _timed(client, "/welcome") < 1.0


def test_busy_page_does_nothing(client: TestClient) -> None:
    walk.login(client)
    _habits(client, busy_share=1.0)
    page = client.post("/funds", data=FUND)
    assert page.status_code == 200 and BUSY in page.text
    ajax = client.get("/install/plans", headers={"X-Requested-With": "XMLHttpRequest"})
    assert ajax.json() == {"error": "系统繁忙,请稍后再试", "busy": True}
    assert client.get("/qa/state").json()["special_funds"] == []
    _habits(client, busy_share=0.0)
    assert BUSY not in walk.ok(client.post("/funds", data=FUND)).text


def _busy_pattern(client: TestClient) -> str:
    return "".join("B" if BUSY in client.get("/login").text else "." for _ in range(40))


def test_busy_share_is_seeded(tmp_path: Path) -> None:
    patterns = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        with make_client(tmp_path / run, busy_share=0.5) as client:
            patterns.append(_busy_pattern(client))
    assert patterns[0] == patterns[1]
    assert 8 <= patterns[0].count("B") <= 32


def test_session_expiry(client: TestClient) -> None:
    # the expiry is set before the login, and is a second: a loaded machine (CI) took more
    # than 0.3 s between a login and the next request
    _habits(client, session_expiry_s=1.0)
    walk.login(client)
    walk.ok(client.get("/welcome"))
    time.sleep(1.3)
    expired = client.get("/install", headers={"Sec-Fetch-Dest": "iframe"})
    assert str(expired.url).endswith("/login?reason=timeout")
    assert walk.error_of(expired) == "会话已超时,请重新登录"
    assert not next(s for s in client.get("/qa/state").json()["staff"]
                    if s["staff_id"] == "GH1001")["logged_in"]


def test_no_session_expiry_when_off(client: TestClient) -> None:
    walk.login(client)
    time.sleep(0.4)
    walk.ok(client.get("/welcome"))
    assert "/login" not in str(client.get("/welcome").url)


def test_notice_modal_after_login(client: TestClient) -> None:
    assert 'aria-label="系统公告"' not in walk.login(client).text
    _habits(client, notice=True)
    shell = walk.login(client)
    assert 'aria-label="系统公告"' in shell.text and ">关闭</button>" in shell.text
    assert 'aria-label="系统公告"' not in walk.ok(client.get("/")).text  # once per login


def _ids(html: str) -> list[str]:
    return re.findall(r' id="([^"]+)"', html)


def test_random_ids_change_on_every_load(client: TestClient) -> None:
    walk.login(client)
    walk.ok(client.get("/install"))
    plain = walk.ok(client.get("/install/customer")).text
    assert 'for="name"' in plain and 'id="name"' in plain
    assert _ids(plain) == _ids(walk.ok(client.get("/install/customer")).text)
    _habits(client, random_ids=True)
    first, second = (walk.ok(client.get("/install/customer")).text for _ in range(2))
    assert _ids(first) != _ids(second)
    assert all(re.fullmatch(r"ext-gen\d+", i) for i in _ids(first))
    for_targets = re.findall(r' for="([^"]+)"', first)
    assert for_targets and set(for_targets) <= set(_ids(first))
    assert "客户名称" in first


def test_second_login_ends_the_first_session(tmp_path: Path) -> None:
    with make_client(tmp_path) as first:
        walk.login(first, "GH1005")
        walk.login(TestClient(first.app), "GH1005")
        page = first.get("/welcome")
        assert walk.error_of(page) == "您的工号已在别处登录"


def test_same_number_taken_twice(tmp_path: Path) -> None:
    with make_client(tmp_path) as first:
        second = TestClient(first.app)
        walk.login(first, "GH1001")
        walk.login(second, "GH1002")
        for clerk in (first, second):
            walk.install_until_members(clerk)
        walk.ok(first.post("/install/mobile", data=walk.mobile(card=1)))
        walk.ok(second.post("/install/mobile", data=walk.mobile(card=2)))
        walk.ok(first.post("/install/mobile/device", data={"imei": walk.IMEI}))
        lost = second.post("/install/mobile/device", data={"imei": walk.IMEI})
        assert walk.error_of(lost) == "号码已被占用"
        picker = walk.ok(second.get("/popups/numbers", params={"prefix": "189371000"}))
        assert "18937100005" not in picker.text and "18937100006" in picker.text
