from __future__ import annotations

import pytest

from bots.flow.expressions import ExpressionError, evaluate, references


def test_whole_expression_keeps_its_type():
    assert evaluate("${{ steps.a.outputs.n }}", {"steps": {"a": {"outputs": {"n": 3}}}}) == 3


def test_text_around_expressions_makes_a_string():
    assert evaluate("号码 ${{ n + 1 }}!", {"n": 1}) == "号码 2!"


def test_nested_values_are_evaluated():
    assert evaluate({"a": ["${{ x }}", "y"]}, {"x": True}) == {"a": [True, "y"]}


def test_unknown_name_fails_loudly():
    with pytest.raises(ExpressionError) as caught:
        evaluate("${{ ordr.x }}", {"order": {}})
    assert str(caught.value) == "'${{ ordr.x }}': 'ordr' is undefined"


def test_sandbox_refuses_private_attributes():
    with pytest.raises(ExpressionError) as caught:
        evaluate("${{ x.__class__.__mro__ }}", {"x": "s"})
    assert str(caught.value) == (
        "'${{ x.__class__.__mro__ }}': access to attribute '__class__' of 'str' object is unsafe."
    )


def test_references_name_the_whole_attribute_chain():
    assert references("steps.a.outputs.x ~ order['b'] and ok") == [
        ("steps", ("a", "outputs", "x")),
        ("order", ("b",)),
        ("ok", ()),
    ]


def test_unparsable_expression_is_an_error():
    with pytest.raises(ExpressionError) as caught:
        references("a +")
    assert str(caught.value).startswith("cannot parse '${{ a + }}'")


def test_a_field_the_value_lacks_is_named_with_the_fields_it_has():
    # Jinja hands back a placeholder for a missing field and fails only where it is used
    # (a traceback far from the flow): the expression fails at once, saying what is missing
    with pytest.raises(ExpressionError) as caught:
        evaluate("${{ customer.segmnt }}", {"customer": {"name": "王敏", "segment": "家庭"}})
    assert str(caught.value) == (
        "'${{ customer.segmnt }}'读取的字段segmnt在customer中不存在(已有字段:name, segment);"
        "是否应为segment?"
    )
    missing = caught.value.missing
    assert missing is not None
    assert (missing.root, missing.path, missing.field) == ("customer", "customer", "segmnt")


def test_a_missing_field_inside_text_or_a_filter_is_named_too():
    scope = {"order": {"customer": {"name": "王敏"}}}
    for source in ("客户 ${{ order.customer.phone }}", "${{ order.customer.phone | upper }}"):
        with pytest.raises(ExpressionError) as caught:
            evaluate(source, scope)
        assert caught.value.missing is not None
        assert caught.value.missing.path == "order.customer"
        assert caught.value.missing.field == "phone"


def test_a_list_holding_a_missing_field_fails_too():
    with pytest.raises(ExpressionError) as caught:
        evaluate("${{ [customer.x, 1] }}", {"customer": {}})
    assert str(caught.value) == "'${{ [customer.x, 1] }}'读取的字段x在customer中不存在(已有字段:-)"
