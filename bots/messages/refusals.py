"""What the portal's refusals ask of the clerk: the advice that follows a refusal's text.

It knows the refusals the portal words (``号码…已被占用或不存在``, ``串号无效``, …) and
what a clerk does about each — change the order's data and replay, or look in the portal
before anything else. It does not know where the text was read (a marker of the selector
repository) or what the runner does with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bots.messages import t

# (a pattern of the portal's words, what to do) — the first that matches speaks
ADVICE: tuple[tuple[str, Callable[[], str]], ...] = (
    (r"号码.*(已被占用|不存在)", lambda: t('请改选号码或填"任意"后重放')),
    # the 选号 search's empty answer: the number is held by another live session (the only
    # marker that shows these words; selectors/popups.yaml retries it later)
    (r"^没有查询到数据$", lambda: t('请改选号码或填"任意"后重放')),
    (r"该卡不在库存中或已使用", lambda: t("请换一张在库的UIM卡(ICCID)后重放")),
    (r"串号", lambda: t("请核对手机串号(IMEI)后重放")),
    (r"宽带账号已存在", lambda: t("请换一个宽带账号后重放")),
    (r"宽带账号格式不正确", lambda: t("请把宽带账号改为6-20位小写字母或数字后重放")),
    (r"宽带接入号不存在", lambda: t("请核对宽带接入号后重放")),
    (r"证件号码格式不正确", lambda: t("请核对证件号码后重放")),
    (r"联系电话格式不正确", lambda: t("请核对联系电话后重放")),
    (r"不是当期到期用户", lambda: t("该用户本期不能续费,请与客户确认;不办的请取消订单")),
    (r"已办理组合产品包", lambda: t("该用户已办理过,请在营账系统核实;重复的请取消订单")),
    (r"已收费", lambda: t("款项已收过,请在营账系统核实,切勿重复收费")),
    (r"密码错误", lambda: t("请检查这个工号的密码(凭据文件,或 BOTS_STAFF_PASSWORD)")),
)


def advice(text: str) -> str:
    """What to do about the portal's refusal ``text``; for one it does not know, the
    portal's own words are the guide."""
    for pattern, said in ADVICE:
        if re.search(pattern, text):
            return said()
    return t("请按营账系统的提示改正订单后重放")


def answer_refused(text: str) -> bool:
    """Does the portal's refusal ``text`` refuse a person's answer to a question the run
    asked (a 验证码, an approval code)? No order data is at fault then."""
    return re.search(r"验证码", text) is not None


def advice_later(text: str) -> str:
    """For a refusal that passes with time (another session holds the number): worded for
    every caller — a queue that tries again by itself, ``bots run``, a failed order after
    its last attempt — and the usual advice holds if it never passes."""
    if answer_refused(text):
        return t("回答的验证码没有通过:再次办理时会重新提问,请输入当时收到(或看到)的验证码")
    return t("这通常是暂时的,稍后再办即可;一直如此则{advice}", advice=advice(text))
