"""What run.json keeps of an error (the reason, the detail beside it, what to do next for its
kind) and a finished step's console line, in Chinese by default and in English."""

from __future__ import annotations

import pytest

from bots.errors import (
    BadInput,
    BusinessException,
    DefinitionError,
    ReviewNeeded,
    SelectorError,
    SystemException,
    UnknownOutcome,
)
from bots.messages import language_of
from bots.runner.records import error_record, step_line

NEXT = {
    BusinessException: (
        "营账系统或订单规则拒绝了:由操作员决定(不会自动重试)",
        "the portal or a rule of the order refused: an operator decides (no automatic retry)",
    ),
    SystemException: (
        "可能会自行恢复:稍后重放;一直失败请查看营账系统",
        "it may pass: replay later; if it keeps failing, look at the portal",
    ),
    UnknownOutcome: (
        "提交步骤进行中:重放前先在营账系统中核实",
        "a commit step was under way: look in the portal before replaying",
    ),
    ReviewNeeded: (
        "款项已变动:由操作员在营账系统中核对",
        "money has moved: an operator must check in the portal",
    ),
    BadInput: ("改正输入数据后重放", "fix the input data, then replay"),
    DefinitionError: ("修正流程或选择器文件后重放", "fix the flow or selector files, then replay"),
    SelectorError: (
        "修改选择器文件:按各候选的匹配数改正这个元素;重试无用",
        "fix the selector file: correct this element using each candidate's match count; "
        "retrying will not help",
    ),
}


@pytest.mark.parametrize("cls", list(NEXT), ids=lambda c: c.__name__)
@pytest.mark.parametrize("lang,i", [("zh", 0), ("en", 1)], ids=["zh", "en"])
def test_each_kind_says_what_to_do_next(cls, lang: str, i: int) -> None:
    error = cls.said("号码已被占用", "请改选号码后重放", detail="form.error: 号码已被占用")
    with language_of(lang):
        record = error_record(error, "check")
    assert record == {
        "type": cls.__name__,
        "kind": cls.kind,
        "code": cls.kind,
        # the reason was worded when the error was made; only "next" is worded here
        "message": "号码已被占用:请改选号码后重放",
        "detail": "form.error: 号码已被占用",
        "step": "check",
        "next": NEXT[cls][i],
    }


def test_an_error_that_is_not_ours_counts_as_a_system_exception() -> None:
    record = error_record(KeyError("x"), None)
    assert (record["kind"], record["detail"], record["next"]) == (
        "system_exception", None, "可能会自行恢复:稍后重放;一直失败请查看营账系统",
    )  # fmt: skip


def test_a_step_line_in_both_languages() -> None:
    record = {
        "n": 3, "id": "fill_user", "name": "填写工号", "ms": 41, "attempts": 2,
        "status": "optional_skipped", "healed": [], "error": None,
    }  # fmt: skip
    # (the step's result in the same words as the run report's)
    assert step_line(record) == "– 003 fill_user 填写工号 · 41 毫秒 · 尝试2次 · 可选步骤未完成"
    with language_of("en"):
        assert step_line(record) == (
            "– 003 fill_user 填写工号 · 41 ms · attempts: 2 · optional step not done"
        )
