"""The main failure reasons, as an operator reads them: what happened, then what to do next,
in Chinese by default and in English with ``BOTS_LANG=en``; the technical detail (the
locator, Playwright's words, the counts) stays in the run folder, never in the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bots.errors import BadInput, BusinessException, DefinitionError, SystemException
from bots.flow import load_flow
from bots.runner import Runner

FLOWS = Path(__file__).parent / "flows"
SECRETS = {"staff_id": "GH1001", "password": "Tele@1001"}

pytestmark = pytest.mark.browser


def run(page: Any, name: str, url: str, tmp_path: Path, lang: str, monkeypatch: Any, **kw: Any):
    monkeypatch.setenv("BOTS_LANG", lang)
    flow = load_flow(FLOWS / f"{name}.yaml")
    inputs = kw.pop("inputs", {})
    kw.setdefault("secrets", SECRETS)
    result = Runner(
        page, flow, inputs, portal_url=url, run_dir=tmp_path / f"{name}-{lang}",
        screenshots="off", trace="off", **kw,
    ).run()  # fmt: skip
    assert result.error is not None, "the run was meant to fail"
    # the run folder keeps the reason and, beside it, the detail
    kept = json.loads((result.run_dir / "run.json").read_text(encoding="utf-8"))["error"]
    assert (kept["message"], kept["detail"]) == (result.error.message, result.error.detail)
    return result.error


REASONS = {
    "timeout": (
        '点击"准备好了"超时(0.5秒),共尝试2次仍未成功:营账系统可能繁忙或变慢,稍后重放;'
        "反复超时请查看运行报告中的截图",
        'clicking "准备好了" timed out (0.5 s), still after 2 attempts: the portal may be busy '
        "or slow; replay later, and if it keeps timing out, look at the screenshots in the run "
        "report",
    ),
    "busy": (
        "营账系统繁忙,共尝试3次仍未成功:稍后重放",
        "the portal is busy, still after 3 attempts: replay later",
    ),
    "refused": (
        '号码已被占用:请改选号码或填"任意"后重放',
        '号码已被占用: choose another number or write "任意" (any), then replay',
    ),
    "session_lost_again": (
        "登录2次后营账系统仍要求重新登录:请确认这个工号没有在别处同时登录、密码仍有效,然后重放",
        "the portal still asks for a new login after 2 logins: check that this staff id is "
        "not logged in elsewhere and its password still works, then replay",
    ),
    "login_refused": (
        "登录后营账系统仍显示登录页面:请检查凭据中这个工号的密码是否正确、工号是否可用,然后重放",
        "the portal still shows its login page after the login: check this staff id's password "
        "in the credentials and that the staff id may log in, then replay",
    ),
    "no_popup": (
        "1秒内没有弹出窗口pick_now:营账系统可能繁忙,或浏览器拦截了弹出窗口;稍后重放",
        "the popup window pick_now did not open within 1 s: the portal may be busy, or the "
        "browser blocked the popup; replay later",
    ),
    "commit": (
        '“submit”的请求已发出,但结果不明(等待元素"form.done"出现超时(1.5秒)):'
        "请先在营账系统查询这张订单是否已办理,再决定重放或取消",
        '"submit" was sent, but its outcome is unknown (waiting for element form.done timed out '
        "(1.5 s)): look up in the portal whether this order was entered, then replay or cancel it",
    ),
    "bad_expression": (
        "步骤 share 的表达式无法计算:请按运行文件夹中的详情修正 bad_expression.yaml",
        "an expression of step 'share' cannot be evaluated: fix bad_expression.yaml as the "
        "detail in the run folder shows",
    ),
    "bad_output": (
        "bad_output.yaml 输出中的表达式无法计算:请按运行文件夹中的详情修正 bad_output.yaml",
        "an expression in the outputs of bad_output.yaml cannot be evaluated: fix bad_output.yaml "
        "as the detail in the run folder shows",
    ),
    "no_portal": (
        "不知道营账系统的地址,无法打开相对地址shell.html:"
        "请用 --portal 或 BOTS_PORTAL_URL 给出营账系统的地址",
        "the portal's address is not known, so the relative address shell.html cannot be "
        "opened: give the portal's address with --portal or BOTS_PORTAL_URL",
    ),
    "not_as_expected": (
        '"客户名称"栏与流程预期的不同:请查看运行报告中的截图,稍后重放',
        'the "客户名称" field is not what the flow expects: look at the screenshots in the run '
        "report, then replay later",
    ),
    "unreadable": (
        '元素"form.result"的文字不是流程预期的格式:请查看运行报告中的截图,稍后重放',
        "the text of element form.result is not in the form the flow expects: look at the "
        "screenshots in the run report, then replay later",
    ),
    "missing_field": (
        "步骤 segment 要读的字段 customer.segmnt 在输入中没有:输入里有相近的 'segment',"
        "若是流程写错了请修正 missing_field.yaml;否则请在输入中补上后重放",
        "step 'segment' reads field customer.segmnt, which the input lacks: the input has a near "
        "'segment', so if the flow misspells it, fix missing_field.yaml; else add the field to the "
        "input, then replay",
    ),
}
LANGS = [("zh", 0), ("en", 1)]


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_a_timeout_after_its_attempts(page, pages_url, tmp_path, monkeypatch, lang, i):
    error = run(page, "timeout", pages_url, tmp_path, lang, monkeypatch)
    assert isinstance(error, SystemException) and error.code == "timeout"
    assert error.message == REASONS["timeout"][i]
    assert error.detail == "form.later: Locator.click: Timeout 500ms exceeded."


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_busy_after_every_attempt(page, pages_url, tmp_path, monkeypatch, lang, i):
    error = run(page, "busy", pages_url, tmp_path, lang, monkeypatch, inputs={"busy": 9})
    assert isinstance(error, SystemException) and error.code == "busy"
    assert error.message == REASONS["busy"][i]


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_a_refusal_read_off_the_page(page, pages_url, tmp_path, monkeypatch, lang, i):
    error = run(page, "refused", pages_url, tmp_path, lang, monkeypatch)
    assert isinstance(error, BusinessException)
    assert (error.message, error.detail) == (REASONS["refused"][i], "form.error: 号码已被占用")


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_the_session_lost_again_after_each_login(page, pages_url, tmp_path, monkeypatch, lang, i):
    error = run(page, "session_lost_again", pages_url, tmp_path, lang, monkeypatch)
    assert error.code == "session_lost"
    assert error.message == REASONS["session_lost_again"][i]


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_a_login_the_portal_does_not_take(page, pages_url, tmp_path, monkeypatch, lang, i):
    wrong = {"staff_id": "GH1001", "password": "Wrong@1001"}
    error = run(page, "login_refused", pages_url, tmp_path, lang, monkeypatch, secrets=wrong)
    assert error.code == "session_lost"
    assert error.message == REASONS["login_refused"][i]


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_no_popup_came(page, pages_url, tmp_path, monkeypatch, lang, i):
    error = run(page, "no_popup", pages_url, tmp_path, lang, monkeypatch)
    assert isinstance(error, SystemException) and error.code == "no_popup"
    assert error.message == REASONS["no_popup"][i]
    assert error.detail == (
        'pick_now: Page.expect_popup: Timeout 1000ms exceeded while waiting for event "popup"'
    )


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_a_commit_whose_outcome_is_unknown(page, pages_url, tmp_path, monkeypatch, lang, i):
    error = run(page, "commit", pages_url, tmp_path, lang, monkeypatch, inputs={"hang": True})
    assert error.kind == "unknown_outcome"
    assert error.message == REASONS["commit"][i]


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_a_bad_expression(page, pages_url, tmp_path, monkeypatch, lang, i):
    error = run(page, "bad_expression", pages_url, tmp_path, lang, monkeypatch,
                inputs={"count": 0})  # fmt: skip
    assert isinstance(error, DefinitionError) and error.code == "expression_error"
    assert error.message == REASONS["bad_expression"][i]
    detail = {
        "zh": "表达式 '${{ 100 // count }}' 无法计算:integer division or modulo by zero",
        "en": "'${{ 100 // count }}' cannot be evaluated: integer division or modulo by zero",
    }
    assert error.detail == detail[lang]


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_a_bad_expression_among_the_outputs(page, pages_url, tmp_path, monkeypatch, lang, i):
    error = run(page, "bad_output", pages_url, tmp_path, lang, monkeypatch, inputs={"count": 0})
    assert isinstance(error, DefinitionError) and error.code == "expression_error"
    assert error.message == REASONS["bad_output"][i]


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_a_field_the_input_lacks(page, pages_url, tmp_path, monkeypatch, lang, i):
    customer = {"name": "王敏", "segment": "家庭"}
    error = run(page, "missing_field", pages_url, tmp_path, lang, monkeypatch,
                inputs={"customer": customer})  # fmt: skip
    assert isinstance(error, BadInput) and error.code == "input_field_missing"
    assert error.message == REASONS["missing_field"][i]


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_a_relative_address_without_the_portals(page, tmp_path, monkeypatch, lang, i):
    error = run(page, "bad_expression", None, tmp_path, lang, monkeypatch, inputs={"count": 1})
    assert isinstance(error, BadInput) and error.code == "portal_url_missing"
    assert error.message == REASONS["no_portal"][i]


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_a_runner_option_it_does_not_know(monkeypatch, lang, i):
    monkeypatch.setenv("BOTS_LANG", lang)
    flow = load_flow(FLOWS / "timeout.yaml")
    with pytest.raises(BadInput) as caught:
        Runner(None, flow, {}, screenshots="sometimes")
    assert caught.value.message == (
        "screenshots 不能是 'sometimes':请从 every_step, on_failure, off 中选一个",
        "screenshots cannot be 'sometimes': choose one of every_step, on_failure, off",
    )[i]


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_an_element_that_is_not_as_the_flow_expects(page, pages_url, tmp_path, monkeypatch,
                                                     lang, i):  # fmt: skip
    error = run(page, "not_as_expected", pages_url, tmp_path, lang, monkeypatch)
    assert isinstance(error, SystemException) and error.code == "assertion_failed"
    assert error.message == REASONS["not_as_expected"][i]
    # Playwright's words: what the flow expected (masked like any detail when sensitive)
    assert error.detail == "form.customer: Locator expected to have Value '李雷'"


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_a_text_that_does_not_read_as_the_flow_expects(page, pages_url, tmp_path, monkeypatch,
                                                       lang, i):  # fmt: skip
    error = run(page, "unreadable", pages_url, tmp_path, lang, monkeypatch)
    assert isinstance(error, SystemException) and error.code == "extract_no_match"
    assert error.message == REASONS["unreadable"][i]
    assert error.detail == r"form.result: the text does not match /(\d+) 件/"


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_a_pattern_an_input_makes_unreadable(page, pages_url, tmp_path, monkeypatch, lang, i):
    error = run(page, "unreadable_pattern", pages_url, tmp_path, lang, monkeypatch,
                inputs={"unit": "(件"})  # fmt: skip
    assert isinstance(error, DefinitionError) and error.code == "definition_error"
    assert error.message == (
        "步骤 'read' 的正则表达式 '(\\d+) (件' 无法编译:missing ), unterminated subpattern",
        "the regular expression '(\\d+) (件' of step 'read' does not compile: missing ), "
        "unterminated subpattern",
    )[i]
