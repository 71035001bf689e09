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
