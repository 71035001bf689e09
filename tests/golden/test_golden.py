"""Golden error messages: each folder holds a broken flow (or selector file) and the
exact message a person must see — in Chinese (``expected.txt``) and, for some, in English
(``expected.en.txt``, with ``BOTS_LANG=en``). Change a message only together with its
golden file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.errors import DefinitionError
from bots.flow import load_flow

HERE = Path(__file__).parent
CASES = sorted(p.name for p in HERE.iterdir() if (p / "expected.txt").is_file())
ENGLISH = sorted(p.name for p in HERE.iterdir() if (p / "expected.en.txt").is_file())


def test_every_required_case_exists():
    required = {
        "misspelt_action",
        "unknown_selector",
        "undeclared_variable",
        "duplicate_id",
        "bad_indentation",
        "python_object",
    }
    assert required <= set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_golden_message(case, monkeypatch):
    monkeypatch.chdir(HERE)
    expected = (HERE / case / "expected.txt").read_text(encoding="utf-8").rstrip("\n")
    with pytest.raises(DefinitionError) as caught:
        load_flow(f"{case}/flows/flow.yaml")
    assert str(caught.value) == expected


def test_some_cases_are_pinned_in_english_too():
    assert {"subflow_inputs", "bad_selector_file"} <= set(ENGLISH) <= set(CASES)


@pytest.mark.parametrize("case", ENGLISH)
def test_golden_message_in_english(case, monkeypatch):
    monkeypatch.chdir(HERE)
    monkeypatch.setenv("BOTS_LANG", "en")
    expected = (HERE / case / "expected.en.txt").read_text(encoding="utf-8").rstrip("\n")
    with pytest.raises(DefinitionError) as caught:
        load_flow(f"{case}/flows/flow.yaml")
    assert str(caught.value) == expected
