"""Playwright's errors as reasons a person reads (what happened: what to do next) and the
detail the run folder keeps; the portal gone for good; both languages."""

from __future__ import annotations

import pytest
from playwright.sync_api import Error
from playwright.sync_api import TimeoutError as PwTimeout

from bots.actions import failures
from bots.actions.markers import Markers
from bots.messages import language_of, t


def said(error: Error, lang: str) -> tuple[str, str, str | None]:
    with language_of(lang):
        doing = t("点击{element}").format(element=t('"{name}"按钮', name="收费"))
        found = failures.translate(error, doing, 30000, "fees.collect")
    return found.code, found.message, found.detail


@pytest.mark.parametrize("lang,reason", [
    ("zh", '点击"收费"按钮超时(30秒):'
           "营账系统可能繁忙或变慢,稍后重放;反复超时请查看运行报告中的截图"),
    ("en", 'clicking the "收费" button timed out (30 s): the portal may be busy or slow; replay '
           "later, and if it keeps timing out, look at the screenshots in the run report"),
])  # fmt: skip
def test_a_timeout(lang: str, reason: str) -> None:
    error = PwTimeout("Locator.click: Timeout 30000ms exceeded.\nCall log:\n  - typed 4101…")
    # only Playwright's first line is kept: its call log can echo what was typed
    assert said(error, lang) == (
        "timeout", reason, "fees.collect: Locator.click: Timeout 30000ms exceeded."
    )


@pytest.mark.parametrize("lang,reason", [
    ("zh", '点击"收费"按钮时营账系统没有响应:稍后重放;一直如此请确认营账系统是否在运行'),
    ("en", 'the portal did not answer while clicking the "收费" button: replay later; if it '
           "stays so, check that the portal is running"),
])  # fmt: skip
def test_the_portal_not_answering(lang: str, reason: str) -> None:
    refused = Error("net::ERR_CONNECTION_REFUSED at http://portal/fees")
    assert said(refused, lang) == (
        "unreachable", reason, "fees.collect: net::ERR_CONNECTION_REFUSED at http://portal/fees"
    )
    reset = Error("net::ERR_CONNECTION_RESET at http://portal/fees")
    assert said(reset, lang)[0] == "connection_lost"


def test_a_detached_element_two_matches_and_anything_else() -> None:
    assert said(Error("Element is not attached to the DOM"), "zh")[:2] == (
        "detached", '点击"收费"按钮时页面发生了变化:稍后重放'
    )
    assert said(Error("strict mode violation: resolved to 2 elements"), "zh")[:2] == (
        "not_unique",
        '点击"收费"按钮时页面上有不止一个这样的元素:请按运行报告修正选择器文件,使它只匹配一个元素',
    )
    assert said(Error("Target crashed"), "en") == (
        "browser_error",
        'the browser failed while clicking the "收费" button: replay later; if it happens again, '
        "hand the run folder to a technician",
        "fees.collect: Target crashed",
    )


@pytest.mark.parametrize("lang,reason", [
    ("zh", "营账系统0.2秒内一直连不上(连接被拒绝):"
           "它可能正在重启或已停机;稍后重放,一直如此请联系营账系统的管理员"),
    ("en", "the portal refused every connection for 0.2 s: it may be restarting or down; replay "
           "later, and if it stays so, call the portal's administrators"),
])  # fmt: skip
def test_the_portal_away_for_good(monkeypatch, lang: str, reason: str) -> None:
    monkeypatch.setattr("bots.actions.markers.DOWN_BUDGET_S", 0.2)

    def load() -> None:
        raise Error("Frame.goto: net::ERR_CONNECTION_REFUSED at http://portal/")

    with language_of(lang), pytest.raises(failures.SystemException) as caught:
        Markers(None).patiently(load, t("打开{url}", url="http://portal/"), 5000,  # type: ignore[arg-type]
                                where="http://portal/")  # fmt: skip
    assert (caught.value.code, caught.value.message) == ("portal_unavailable", reason)
    assert caught.value.detail == (
        "http://portal/: Frame.goto: net::ERR_CONNECTION_REFUSED at http://portal/; "
        "it did not answer for 0.2 s"
    )
    assert caught.value.context["retryable"] is False


def test_a_portal_that_takes_requests_and_never_answers_is_said_silent(monkeypatch) -> None:
    # a connection taken and dropped without an answer is not a refusal: the words differ
    monkeypatch.setattr("bots.actions.markers.DOWN_BUDGET_S", 0.2)

    def load() -> None:
        raise Error("Frame.goto: net::ERR_EMPTY_RESPONSE at http://portal/")

    with pytest.raises(failures.SystemException) as caught:
        Markers(None).patiently(load, t("打开{url}", url="http://portal/"), 5000)  # type: ignore[arg-type]
    assert (caught.value.code, caught.value.message) == (
        "portal_unavailable",
        "营账系统0.2秒内一直没有响应:它可能正在重启或已停机;稍后重放,一直如此请联系营账系统的管理员",
    )
