from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bots.flow import yamlsafe
from bots.flow.problems import DefinitionProblems

ROOT = Path(__file__).resolve().parents[2]
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
        "bad.yaml:3:4: =====> invalid YAML: expected <block end>, but found "
        "'<block mapping start>' (while parsing a block collection); check the indentation"
    )
