"""What the portal's refusals ask of the clerk."""

from __future__ import annotations

from bots.messages import language_of
from bots.messages.refusals import advice, advice_later


def test_a_known_refusal_says_what_to_change() -> None:
    with language_of("zh"):
        assert advice("号码18937100701已被占用或不存在") == '请改选号码或填"任意"后重放'
        assert advice("串号无效") == "请核对手机串号(IMEI)后重放"
        assert advice("该受理单已收费") == "款项已收过,请在营账系统核实,切勿重复收费"
    with language_of("en"):
        assert advice("宽带账号已存在") == "choose another broadband account name, then replay"


def test_an_unknown_refusal_points_at_the_portals_words() -> None:
    with language_of("zh"):
        assert advice("客户已欠费,不能办理") == "请按营账系统的提示改正订单后重放"
    with language_of("en"):
        assert advice("客户已欠费,不能办理") == "correct the order as the portal says, then replay"


def test_a_refusal_that_passes_with_time_is_retried_first() -> None:
    with language_of("zh"):
        assert advice_later("号码已被占用") == (
            '这通常是暂时的,稍后再办即可;一直如此则请改选号码或填"任意"后重放'
        )
    with language_of("en"):
        assert advice_later("号码已被占用") == (
            'this usually passes: try again later; if it stays so, choose another number or write '
            '"任意" (any), then replay'
        )


def test_a_code_a_person_answered_wrong_is_not_the_orders_fault() -> None:
    # (it read 这通常是暂时的……一直如此则请按营账系统的提示改正订单后重放)
    with language_of("zh"):
        for refused in ("验证码错误", "审批验证码错误", "验证码已失效,请重新输入"):
            assert advice_later(refused) == (
                "回答的验证码没有通过:再次办理时会重新提问,请输入当时收到(或看到)的验证码"
            )
    with language_of("en"):
        assert advice_later("验证码错误") == (
            "the code answered was not accepted: the question is asked again when the order is "
            "done again; answer with the code received (or shown) then"
        )
