"""The run report: the failure first with its screen open, data as text (never escaped),
each picture in the page once and put on it only when its screen is opened, a page that fits
a 1,366 px screen (measured in Chromium), words in Chinese or, when asked, English."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser

from bots.messages import language_of
from bots.report import render_report, write_report

LONG = "郑州市金水区花园路街道农业路1号院" * 12  # no place to break but between characters


def run_of(steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "run_id": "r1",
        "flow_name": "e9新装(新装用户参与活动)",
        "status": "failed",
        "started": "2026-11-30T07:25:14.275+00:00",
        "ms": 7463,
        "screenshots": "every_step",
        "inputs": {
            "order": {
                "reference": "E9-20261127-0001",
                "customer": {"name": "马丽", "id_number": "***", "address": LONG},
                "procedure": "new_install",
                "fees": [{"name": "UIM卡费", "original": 100, "action": "waive", "final": 0}],
                "fees_to_lower": [{"name": "UIM卡费", "original": 100, "action": "waive",
                                   "final": 0, "reason": "e9活动"}],
                "special_fund": {"amount": 600, "type": "宽带专款", "ledger": "专款账本"},
                "mobile": {"pick_any": False},
            }
        },
        "outputs": {"order_no": "3712026113000002", "notice": "温馨提示:宽带次月停机"},
        "trace": "trace.zip",
        "steps": steps,
        "error": {
            "type": "BusinessException",
            "kind": "business_exception",
            "code": "portal_refused",
            "message": "号码18937100701已被占用或不存在",
            "step": "enter_order/number",
            "next": "an operator decides",
        },
        **extra,
    }


def step(n: int, sid: str, status: str = "passed", **kw: Any) -> dict[str, Any]:
    return {"n": n, "id": sid, "name": f"第{n}步 " + sid, "action": "fill", "status": status,
            "ms": 120, "attempts": 1, "healed": [], "outputs": {}, "screenshot": None,
            "error": None, **kw}  # fmt: skip


def steps_with_pictures(folder: Path, picture: bytes) -> list[dict[str, Any]]:
    (folder / "screens").mkdir()
    for name in ("001_open.jpg", "003_plan.jpg", "005_number.jpg"):
        (folder / "screens" / name).write_bytes(picture)
    return [
        step(1, "open", screenshot="screens/001_open.jpg",
             healed=["form.x: healed via candidate 2"]),
        step(2, "name", screenshot="screens/003_plan.jpg"),
        step(3, "plan", screenshot="screens/003_plan.jpg", outputs={"plan": "e9-C"}),
        step(4, "enter_order/evdo", "optional_skipped", follow_up="人工开通EVDO"),
        step(5, "enter_order/number", "failed", screenshot="screens/005_number.jpg",
             error={"message": "号码18937100701已被占用或不存在"}),
    ]  # fmt: skip


def test_the_failure_comes_first_with_its_screen_open_then_every_screen_closed(
    tmp_path: Path,
) -> None:
    html = render_report(tmp_path, run_of(steps_with_pictures(tmp_path, b"\xff\xd8jpeg")))
    failure = html.index("出了什么问题")
    everything = html.index("全部画面")
    assert failure < everything
    box = html[failure:everything]
    assert '<p class="reason">号码18937100701已被占用或不存在</p>' in box
    assert "步骤:第5步 enter_order/number <code>enter_order/number</code>" in box
    assert '<details class="screen failed" id="screen-3" open>' in box
    assert "画面3 · 第4步 enter_order/evdo … 第5步 enter_order/number · 2步 · 0.2秒" in box
    # the other screens are closed, in the order they ran; the failure's is pointed to
    rest = html[everything:]
    assert re.findall(r'<details class="screen[^"]*" id="screen-(\d)"( open)?>', rest) == [
        ("1", ""), ("2", ""),
    ]  # fmt: skip
    assert '<a href="#failure">✗ 画面3:失败所在画面,见上方</a>' in rest
    assert "form.x: healed via candidate 2(请修改选择器文件)" in html
    assert "可选步骤未完成,后续:人工开通EVDO" in html
    assert "Playwright 跟踪:trace.zip(用 playwright show-trace trace.zip 打开)" in html
    assert "http://" not in html and "https://" not in html  # opens offline


def test_inputs_and_outputs_are_text_never_escaped(tmp_path: Path) -> None:
    html = render_report(tmp_path, run_of([step(1, "open")]))
    assert "\\u" not in html
    assert "<th>客户姓名</th><td>马丽</td>" in html
    assert f"<th>客户地址</th><td>{LONG}</td>" in html
    assert "<th>受理单号</th><td>3712026113000002</td>" in html
    assert "<th>任选号码</th><td>否</td>" in html
    # a list of records is a table with a row each, by the names and words of the portal
    assert ("<tr><th>费用项目</th><th>原始金额</th><th>处理</th><th>应收金额</th></tr>"
            "<tr><td>UIM卡费</td><td>100</td><td>免收</td><td>0</td></tr>") in html
    assert "<th>办理类型</th><td>新装</td>" in html
    # the lines to lower, and the special fund, as the portal names them too
    assert ("<tr><th>费用项目</th><th>原始金额</th><th>处理</th><th>应收金额</th><th>下调原因</th>"
            "</tr><tr><td>UIM卡费</td><td>100</td><td>免收</td><td>0</td><td>e9活动</td></tr>"
            ) in html  # fmt: skip
    assert "<tr><th>金额</th><td>600</td></tr><tr><th>专款类型</th><td>宽带专款</td>" in html


def test_a_step_says_what_it_does_and_a_dialog_what_it_was_in_words(tmp_path: Path) -> None:
    clicked = step(1, "submit", action="click",
                   dialogs=[{"type": "confirm", "action": "accept", "message": "确认提交?"}])
    text = re.sub(r"<[^>]+>", " ", render_report(tmp_path, run_of([clicked])))
    assert "submit  点击" in text
    assert "对话框(确认框,确定):确认提交?" in text


def test_what_a_step_read_is_named_as_the_portal_names_it(tmp_path: Path) -> None:
    read = step(1, "order/entered_at", action="extract",
                outputs={"entered_at": "2026-12-01 18:46:49", "status": "已收费"})
    text = re.sub(r"<[^>]+>", " ", render_report(tmp_path, run_of([read])))
    assert "受理时间: 2026-12-01 18:46:49" in text and "受理单状态: 已收费" in text


def test_each_picture_is_in_the_page_once_and_only_as_an_inert_template(tmp_path: Path) -> None:
    shared = b"\xff\xd8shared-screen"
    html = render_report(tmp_path, run_of(steps_with_pictures(tmp_path, shared)))
    encoded = base64.b64encode(shared).decode()
    # three picture files of the same bytes: each file once, each in a <template>
    assert html.count(encoded) == 3
    assert len(re.findall(r'<template id="picture-\d"><img alt="[^"]*" src="data:image/jpeg;'
                          r"base64," + re.escape(encoded), html)) == 3  # fmt: skip
    assert "<img" not in re.sub(r"<template.*?</template>", "", html, flags=re.S)
    assert html.count('data-picture="picture-2"') == 1  # steps 2 and 3 share a screen


def test_a_missing_picture_file_is_left_out(tmp_path: Path) -> None:
    html = render_report(tmp_path, run_of([step(1, "open", screenshot="screens/x.jpg")]))
    assert "<template id=" not in html and 'data-picture="' not in html


def test_the_mask_runs_over_the_written_page(tmp_path: Path) -> None:
    def mask(text: str) -> str:
        return text.replace("马丽", "**")

    path = write_report(tmp_path, run_of([step(1, "open")]), mask)
    page = path.read_text(encoding="utf-8")
    assert "马丽" not in page and "<th>客户姓名</th><td>**</td>" in page


def test_english_when_asked(tmp_path: Path) -> None:
    with language_of("en"):
        html = render_report(tmp_path, run_of(steps_with_pictures(tmp_path, b"\xff\xd8x")))
    assert "What went wrong" in html and "出了什么问题" not in html
    assert "Screen 3 · 第4步 enter_order/evdo … 第5步 enter_order/number · 2 steps · 0.2 s" in html
    assert '<html lang="en">' in html


@pytest.mark.browser
def test_it_fits_1366_px_and_a_picture_is_loaded_when_its_screen_is_opened(
    tmp_path: Path, browser: Browser
) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.set_content("<body style='background:#48c'><h1>营账系统</h1></body>")
        picture = page.screenshot(type="jpeg")
        steps = steps_with_pictures(tmp_path, picture)
        steps[1]["error"] = {"message": "x" * 400}  # one long word in a step's notes
        write_report(tmp_path, run_of(steps))
        page.goto((tmp_path / "report.html").as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        # the failure's screen is open: its picture is there and decoded; no other is
        loaded = "[...document.images].filter(i => i.complete && i.naturalWidth > 0).length"
        assert page.evaluate(loaded) == 1
        assert page.locator("#screen-3 .picture img").evaluate("i => i.naturalWidth") == 1366
        assert page.locator("#screen-1 img").count() == 0
        page.locator("#screen-1 > summary").click()
        page.wait_for_function(f"{loaded} === 2")
        assert page.locator("#screen-1 .picture img").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    finally:
        page.close()
