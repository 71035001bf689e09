from __future__ import annotations

import os
from pathlib import Path

import pytest

from bots.errors import DefinitionError
from bots.flow import load_flow
from bots.flow.actions import Click, Fill, Sleep

HERE = Path(__file__).parent / "cases"


def test_steps_become_one_immutable_class_per_action(tmp_path):
    flow = load_flow(HERE / "flows" / "shapes.yaml")
    kinds = [(s.id, type(s.args)) for s in flow.steps]
    assert kinds == [("a", Click), ("b", Fill), ("c", Sleep)]
    assert flow.steps[0].args.target == "p.a"
    assert flow.steps[2].args.reason == "the portal animates the menu"
    assert flow.steps[1].sensitive is True
    assert flow.steps[0].follow_up == "check it by hand"


def test_loading_is_cached_per_path():
    assert load_flow(HERE / "flows" / "shapes.yaml") is load_flow(HERE / "flows" / "shapes.yaml")


def test_editing_a_selector_file_reloads_the_flow(tmp_path):
    (tmp_path / "flows").mkdir()
    (tmp_path / "selectors").mkdir()
    selectors = tmp_path / "selectors" / "s.yaml"
    selectors.write_text("pages:\n  p:\n    elements:\n      a: {css: '#a'}\n", encoding="utf-8")
    flow_file = tmp_path / "flows" / "f.yaml"
    flow_file.write_text("steps:\n  - id: x\n    click: p.a\n", encoding="utf-8")
    first = load_flow(flow_file)
    assert load_flow(flow_file) is first
    selectors.write_text("pages:\n  p:\n    elements:\n      b: {css: '#b'}\n", encoding="utf-8")
    os.utime(selectors, (1, 1))
    with pytest.raises(DefinitionError) as caught:
        load_flow(flow_file)
    assert str(caught.value).endswith("实际为未知的选择器 'p.a';这个页面的元素有:b")
