from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bots.errors import BadInput
from bots.flow import load_flow, register_type
from bots.flow.inputs import parser_for
from bots.runner.scope import parse_inputs

HERE = Path(__file__).parent / "cases"


def parse_ticket(raw, source):
    if not isinstance(raw, dict) or "code" not in raw:
        raise BadInput(f"{source}: field 'code' is missing")
    return {**raw, "code_upper": raw["code"].upper()}, [raw["pin"]]


def test_registered_model_type_parses_and_lists_sensitive_values():
    register_type("ticket", "tests.flow.test_inputs:parse_ticket")
    flow = load_flow(HERE / "flows" / "ticket.yaml")
    values, sensitive = parse_inputs(flow, {"ticket": {"code": "ab", "pin": "9876"}}, "t.yaml")
    assert values == {"ticket": {"code": "ab", "pin": "9876", "code_upper": "AB"}}
    assert sensitive == ["9876"]


def test_model_type_errors_are_bad_input():
    register_type("ticket", parse_ticket)
    flow = load_flow(HERE / "flows" / "ticket.yaml")
    with pytest.raises(BadInput) as caught:
        parse_inputs(flow, {"ticket": {"pin": "1"}}, "t.yaml")
    assert str(caught.value) == "t.yaml: input 'ticket': field 'code' is missing"


def test_order_type_is_not_imported_until_used(tmp_path):
    (tmp_path / "flows").mkdir()
    (tmp_path / "selectors").mkdir()
    (tmp_path / "selectors" / "s.yaml").write_text(
        "pages:\n  p:\n    elements:\n      a: {css: '#a'}\n", encoding="utf-8"
    )
    flow = tmp_path / "flows" / "f.yaml"
    flow.write_text(
        "inputs:\n  order: {type: order}\nsteps:\n  - id: a\n"
        "    fill: {target: p.a, value: '${{ order.reference }}'}\n",
        encoding="utf-8",
    )
    code = (
        "import sys; from bots.flow import load_flow; import bots.runner; "
        f"load_flow({str(flow)!r}); print('bots.orders' in ' '.join(sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_missing_required_input_and_wrong_scalar_type():
    flow = load_flow(HERE / "flows" / "ticket.yaml")
    with pytest.raises(BadInput) as caught:
        parse_inputs(flow, {}, "in.yaml")
    assert (
        str(caught.value)
        == "in.yaml: input 'ticket' is required (ticket); add it to the input file"
    )
    with pytest.raises(BadInput) as caught:
        parser_for("number")("x", "in.yaml: input 'n'")
    assert str(caught.value) == "in.yaml: input 'n': expected a number, found str 'x'"


def _object_flow(tmp_path):
    (tmp_path / "flows").mkdir(exist_ok=True)
    (tmp_path / "selectors").mkdir(exist_ok=True)
    (tmp_path / "selectors" / "s.yaml").write_text(
        "pages:\n  p:\n    elements:\n      a: {css: '#a'}\n", encoding="utf-8"
    )
    flow = tmp_path / "flows" / "f.yaml"
    flow.write_text(
        """
inputs:
  customer:
    type: object
    fields:
      name: {}
      segment: {required: false, default: 家庭}
      id_number: {sensitive: true}
      contact: {type: object, required: false, fields: {phone: {sensitive: true}}}
steps:
  - id: a
    fill: {target: p.a, value: "${{ customer.name }}"}
""",
        encoding="utf-8",
    )
    return load_flow(flow)


def test_declared_object_fields_are_parsed_and_sensitive_ones_listed(tmp_path):
    flow = _object_flow(tmp_path)
    raw = {"name": "王敏", "id_number": "410101199001011234", "contact": {"phone": "13937100001"}}
    values, sensitive = parse_inputs(flow, {"customer": raw}, "in.yaml")
    assert values == {
        "customer": {
            "name": "王敏",
            "segment": "家庭",
            "id_number": "410101199001011234",
            "contact": {"phone": "13937100001"},
        }
    }
    assert sensitive == ["410101199001011234", "13937100001"]


def test_a_declared_object_refuses_a_missing_or_unknown_field(tmp_path):
    flow = _object_flow(tmp_path)
    with pytest.raises(BadInput) as caught:
        parse_inputs(flow, {"customer": {"name": "王敏"}}, "in.yaml")
    assert str(caught.value) == "in.yaml: input 'customer':缺少字段id_number(string)"
    with pytest.raises(BadInput) as caught:
        parse_inputs(
            flow, {"customer": {"name": "王敏", "id_number": "1", "segmnt": "x"}}, "in.yaml"
        )
    assert str(caught.value) == (
        "in.yaml: input 'customer':未声明的字段segmnt(声明的字段:name, segment, id_number, "
        "contact);是否应为segment?"
    )
