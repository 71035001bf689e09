"""Inputs and secrets a run cannot start without: a reason that says what is missing and
what to do, in Chinese by default and in English with BOTS_LANG=en."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.errors import BadInput, SetupError
from bots.flow import load_flow
from bots.messages import language_of
from bots.runner.scope import Secrets, parse_inputs, secrets_from_env, secrets_not_set

FLOW = load_flow(Path(__file__).parent / "flows" / "bad_expression.yaml")  # input: count
LANGS = [("zh", 0), ("en", 1)]


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_an_input_the_flow_does_not_declare(lang: str, i: int) -> None:
    with language_of(lang), pytest.raises(BadInput) as caught:
        parse_inputs(FLOW, {"count": 2, "cuont": 3}, "order.yaml")
    assert caught.value.code == "unknown_input"
    assert caught.value.message == (
        "order.yaml 有未知的输入 cuont(流程声明的输入:count):请删去或改正后重放",
        "order.yaml has an unknown input 'cuont' (the flow declares: count): remove or correct "
        "it, then replay",
    )[i]


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_a_required_input_left_out(lang: str, i: int) -> None:
    with language_of(lang), pytest.raises(BadInput) as caught:
        parse_inputs(FLOW, {}, "order.yaml")
    assert caught.value.code == "missing_input"
    assert caught.value.message == (
        "order.yaml 缺少输入 count(number):请在输入中补上后重放",
        "order.yaml lacks input 'count' (number): add it to the input, then replay",
    )[i]


@pytest.mark.parametrize("lang,i", LANGS, ids=[lang for lang, _ in LANGS])
def test_a_secret_that_is_not_set(lang: str, i: int) -> None:
    with language_of(lang), pytest.raises(SetupError) as caught:
        Secrets({"staff_id": "GH1001"}).pin  # noqa: B018 - the lookup is what raises
    assert caught.value.code == "secret_missing"
    assert caught.value.message == (
        "这台机器人电脑没有设置密钥 pin:请在机器人电脑上设置环境变量 BOTS_SECRET_PIN",
        "secret 'pin' is not set on this robot's computer: set the environment variable "
        "BOTS_SECRET_PIN there",
    )[i]
    with language_of(lang), pytest.raises(SetupError) as caught:
        Secrets({}).password  # noqa: B018 - the staff login has its own variable
    assert ("BOTS_STAFF_PASSWORD" in caught.value.message, "SECRET" in caught.value.message) == (
        True, False,
    )


def test_a_secret_set_empty_is_not_set() -> None:
    # (BOTS_STAFF_ID= typed into the portal came back as 工号不能为空, blamed on the order)
    environ = {"BOTS_STAFF_ID": "", "BOTS_STAFF_PASSWORD": "Tele@1001", "BOTS_SECRET_PIN": "",
               "BOTS_SECRET_APPROVER": "GH2001", "PATH": "/usr/bin"}  # fmt: skip
    assert secrets_from_env(environ) == {"password": "Tele@1001", "approver": "GH2001"}


def test_the_secrets_the_flows_name_and_this_computer_lacks(tmp_path) -> None:
    # said before anything runs: a run met BOTS_SECRET_APPROVER missing only after 提交
    (tmp_path / "a.yaml").write_text(
        "steps:\n  - fill: {value: '${{ secrets.approver }}'}\n"
        "  - fill: {value: '${{ secrets.staff_id }} ${{ secrets.pin }}'}\n", encoding="utf-8"
    )
    files = [tmp_path / "a.yaml", tmp_path / "gone.yaml"]
    with language_of("zh"):
        assert secrets_not_set(files, {"BOTS_SECRET_PIN": "1"}) == [
            "approver(BOTS_SECRET_APPROVER)"
        ]
    assert secrets_not_set(files, {"BOTS_SECRET_PIN": "1", "BOTS_SECRET_APPROVER": "x"}) == []
