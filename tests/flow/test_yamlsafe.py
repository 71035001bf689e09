"""Safe YAML loading: aliases are built, but never past a small bound (a billion laughs is
refused at the alias, file:line:col), whether the file is a flow or a selector file."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from bots.errors import DefinitionError
from bots.flow import load_flow, yamlsafe
from bots.flow.problems import DefinitionProblems
from bots.flow.yamlsafe import MAX_ALIASED, load_yaml

BOMBS = Path(__file__).parent / "bombs"
ROOT = Path(__file__).resolve().parents[2]
REFUSAL = "=====> 别名*lol1展开超过1000个值(别名里又套别名):把值直接写出来,或少用几层别名"
REFUSAL_EN = (
    "=====> the alias *lol1 expands past 1000 values (aliases nested in aliases): write the "
    "values out, or use fewer levels of aliases"
)


@pytest.mark.parametrize("name", ["laughs_flow.yaml", "laughs_selectors.yaml"])
def test_a_billion_laughs_is_refused_at_the_alias(name: str) -> None:
    path = BOMBS / name
    tracemalloc.start()
    try:
        with pytest.raises(DefinitionError) as caught:
            load_yaml(path, f"bombs/{name}")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # line 9 is "lol2: &lol2 [*lol1, ...]": its first *lol1 is the alias named
    assert str(caught.value) == f"bombs/{name}:9:20: {REFUSAL}"
    assert peak < 4 * 2**20


def test_the_flow_loader_and_bots_validate_refuse_it_too() -> None:
    with pytest.raises(DefinitionError) as caught:
        load_flow(BOMBS / "laughs_flow.yaml")
    assert str(caught.value).endswith(f"laughs_flow.yaml:9:20: {REFUSAL}")
    done = subprocess.run(
        [sys.executable, "-m", "bots", "validate", "tests/flow/bombs/laughs_flow.yaml"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "300", "BOTS_LANG": "en"},
    )  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert done.stdout == f"tests/flow/bombs/laughs_flow.yaml:9:20: {REFUSAL_EN}\n"


def test_aliases_used_as_a_person_would_still_load() -> None:
    data, marks = load_yaml(BOMBS / "anchors_ok.yaml")
    retries = [step["retry"] for step in data["steps"]]
    assert retries == [{"attempts": 3, "delay": 1}] * 31
    assert marks.key_at(("steps", 5, "retry")).line == 20  # where the alias is used


def test_the_bound_counts_values_built_through_aliases(tmp_path: Path) -> None:
    """Exactly ``MAX_ALIASED`` values through aliases load; one more is refused."""
    per_alias = 10  # a list of nine scalars: the list and its items
    uses = MAX_ALIASED // per_alias
    anchor = "base: &b [" + ", ".join(["x"] * (per_alias - 1)) + "]\n"
    (tmp_path / "at.yaml").write_text(anchor + f"uses: [{', '.join(['*b'] * uses)}]\n")
    data, _ = load_yaml(tmp_path / "at.yaml")
    assert len(data["uses"]) == uses
    (tmp_path / "over.yaml").write_text(anchor + f"uses: [{', '.join(['*b'] * (uses + 1))}]\n")
    with pytest.raises(DefinitionError) as caught:
        load_yaml(tmp_path / "over.yaml")
    assert str(caught.value).startswith(f"{tmp_path / 'over.yaml'}:2:8: =====> 别名*b展开")


FILES = sorted((ROOT / "flows").glob("*.yaml")) + sorted((ROOT / "selectors").glob("*.yaml"))


def loaded(path: Path) -> tuple[Any, dict[Any, Any], dict[Any, Any]]:
    data, marks = yamlsafe.load_yaml(path)
    return data, marks._at, marks._keys


@pytest.mark.skipif(yamlsafe._FAST is None, reason="PyYAML was built without libyaml")
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_libyaml_gives_the_data_and_marks_pyyaml_gives(path, monkeypatch):
    fast = loaded(path)
    monkeypatch.setattr(yamlsafe, "_FAST", None)
    assert fast == loaded(path)


def test_a_file_libyaml_refuses_gets_pyyamls_words(tmp_path):
    # libyaml's own words would be "did not find expected '-' indicator"
    path = tmp_path / "bad.yaml"
    path.write_text("steps:\n  - id: a\n   goto: /\n", encoding="utf-8")
    with pytest.raises(DefinitionProblems) as caught:
        yamlsafe.load_yaml(path, "bad.yaml")
    assert str(caught.value) == (
        "bad.yaml:3:4: =====> YAML 格式错误:缩进与上文不一致(while parsing a block collection: "
        "expected <block end>, but found '<block mapping start>');请检查缩进"
    )


MISTAKES = [
    ("goto: {url: /x\n",
     "2:1: =====> YAML 格式错误:花括号 { } 没有闭合,或两项之间少了逗号(while parsing a flow "
     "mapping: expected ',' or '}', but got '<stream end>');请补上括号,或在两项之间加逗号;含冒号、"
     "逗号或括号的值请加引号"),
    ("steps: [a, b\nx: 1\n",
     "2:2: =====> YAML 格式错误:方括号 [ ] 里的列表没有闭合(while parsing a flow sequence: "
     "expected ',' or ']', but got ':');请补上括号,或在两项之间加逗号;含冒号、逗号或括号的值"
     "请加引号"),
    ("key: @x\n",
     "1:6: =====> YAML 格式错误:值以 YAML 不允许的字符开头(while scanning for the next token: "
     "found character '@' that cannot start any token);请给这个值加上引号"),
    ("steps:\n\t- id: a\n",
     "2:1: =====> YAML 格式错误:有 Tab 字符(while scanning for the next token: found "
     "character '\\t' that cannot start any token);缩进只能用空格,不能用 Tab"),
    ("id: 'a\n",
     "2:1: =====> YAML 格式错误:文件意外结束(引号或括号没有闭合)(while scanning a quoted "
     "scalar: found unexpected end of stream);请补上没有闭合的引号或括号"),
    ("a: *y\n",
     "1:4: =====> YAML 格式错误:用了没有定义的别名(found undefined alias 'y');以 * 开头的文字"
     "请加上引号;别名要先用 &名字 定义"),
    ("a: *重要*\n",
     "1:5: =====> YAML 格式错误:以 * 开头的值被当成了别名(while scanning an alias: expected "
     "alphabetic or numeric character, but found '重');以 * 开头的文字请加上引号;别名要先用 "
     "&名字 定义"),
]  # fmt: skip


@pytest.mark.parametrize("text,said", MISTAKES)
def test_each_usual_yaml_mistake_is_said_with_its_fix(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionProblems) as caught:
        yamlsafe.load_yaml(path, "bad.yaml")
    assert str(caught.value) == f"bad.yaml:{said}"


def test_a_file_saved_in_gbk_is_refused_where_it_stops_being_utf_8(tmp_path: Path) -> None:
    # Notepad on a Chinese Windows may save a flow so; it read as a traceback
    path = tmp_path / "gbk.yaml"
    path.write_bytes("name: 续费\nsteps: []\n".encode("gbk"))
    with pytest.raises(DefinitionProblems) as caught:
        load_yaml(path, "flows/gbk.yaml")
    assert str(caught.value) == (
        "flows/gbk.yaml:1:7: =====> "
        "不是 UTF-8 文本:请用编辑器另存为 UTF-8 编码(例如记事本的“另存为”)"
    )


def test_a_long_file_may_reuse_an_anchor_in_every_item(tmp_path: Path) -> None:
    # an order file: 400 orders, each merging defaults that hold a nested mapping — 1,600
    # values built through aliases, past a short file's bound, within this one's length
    head = "defaults: &d {broadband: {bandwidth: 500M, standard_address: 4101-0101}}\norders:\n"
    items = "".join(
        f"  - {{<<: *d, reference: E9-{n:04d}, note: 第{n}单:客户周末在家,请提前电话联系}}\n"
        for n in range(400)
    )
    (tmp_path / "orders.yaml").write_text(head + items, encoding="utf-8")
    data, _ = load_yaml(tmp_path / "orders.yaml")
    assert len(data["orders"]) == 400
    shared = {"bandwidth": "500M", "standard_address": "4101-0101"}
    assert data["orders"][399]["broadband"] == shared
