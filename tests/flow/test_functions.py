"""Functions flows call as ``fn.<name>(...)``, the ``fail`` action, ``redo_from`` and
``goto.frame_of``: checked when the flow loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.errors import DefinitionError
from bots.flow import load_flow
from bots.flow.actions import Fail, Goto
from bots.flow.expressions import evaluate
from bots.flow.functions import FUNCTIONS, known_functions, register_function

SELECTORS = "pages:\n  p:\n    frame: 'iframe#w'\n    elements:\n      a: {css: '#a'}\n"


def _flow(tmp_path: Path, steps: str) -> Path:
    (tmp_path / "flows").mkdir(exist_ok=True)
    (tmp_path / "selectors").mkdir(exist_ok=True)
    (tmp_path / "selectors" / "s.yaml").write_text(SELECTORS, encoding="utf-8")
    path = tmp_path / "flows" / "f.yaml"
    path.write_text("inputs:\n  d: {type: string}\nsteps:\n" + steps, encoding="utf-8")
    return path


def test_the_eligibility_rule_is_callable_from_expressions() -> None:
    assert {"renewal_due", "renewal_problem"} <= set(known_functions())
    scope = {"fn": FUNCTIONS, "t": "2027-02-28", "d": "2026-11-27"}
    assert evaluate("${{ fn.renewal_due(t, d) }}", scope) is False
    assert evaluate("${{ fn.renewal_problem(t, d) }}", scope) == (
        "不是当期到期续费用户:到期日期2027-02-28不在营业月份2026-11内")


def test_the_checks_around_money_are_callable_from_expressions() -> None:
    assert {"fee_problems", "receipt_problem", "owner_problem", "deposit_problem",
            "access_number_pattern"} <= set(known_functions())
    scope = {"fn": FUNCTIONS, "total": "130.00", "due": 100}
    assert evaluate("${{ fn.receipt_problem(total, due) }}", scope) == (
        "实收金额合计130.00与e9规则应收100.00不符:费用已收取,请人工核对")
    assert evaluate("${{ fn.receipt_problem(due, due) is none }}", scope) is True


def test_functions_register_lazily_by_module_path() -> None:
    register_function("upper_test", "string:capwords")
    assert evaluate("${{ fn.upper_test('e9 order') }}", {"fn": FUNCTIONS}) == "E9 Order"


def test_fail_goto_frame_and_redo_load(tmp_path: Path) -> None:
    flow = load_flow(_flow(tmp_path, (
        "  - id: open\n    goto: {url: x, frame_of: p}\n"
        "  - id: refuse\n    if: ${{ not fn.renewal_due(d, d) }}\n"
        "    fail: {message: 'refused ${{ d }}', kind: business}\n"
        "  - id: go\n    redo_from: open\n    click: p.a\n")))
    assert isinstance(flow.steps[0].args, Goto) and flow.steps[0].args.frame_of == "p"
    assert isinstance(flow.steps[1].args, Fail) and flow.steps[1].args.kind == "business"
    assert flow.steps[2].redo_from == "open"


@pytest.mark.parametrize("steps,message", [
    ("  - id: a\n    if: ${{ fn.renewal_dew(d, d) }}\n    click: p.a\n",
     "应为已注册的函数(", ),
    ("  - id: a\n    goto: {url: x, frame_of: q}\n",
     "应为选择器库中的页面,实际为未知的页面 'q'"),
    ("  - id: a\n    redo_from: b\n    click: p.a\n  - id: b\n    click: p.a\n",
     "应为前面某一步的 id,实际为 'b'"),
])
def test_bad_references_are_named(tmp_path: Path, steps: str, message: str) -> None:
    with pytest.raises(DefinitionError) as caught:
        load_flow(_flow(tmp_path, steps))
    assert message in str(caught.value)
