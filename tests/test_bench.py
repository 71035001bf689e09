"""The benches are not run in CI (they time things), but each must still import: a module
they borrow from may move (bench_capture, profile_run and bench_startup once imported a
VIEWPORT that had gone)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p.relative_to(ROOT).with_suffix("") for p in (ROOT / "bench").rglob("*.py"))


def test_there_are_benches_to_import() -> None:
    assert len(SCRIPTS) >= 15


@pytest.mark.parametrize("script", SCRIPTS, ids=str)
def test_a_bench_script_imports(script: Path) -> None:
    module = importlib.import_module(".".join(script.parts))
    assert module.__file__ is not None and Path(module.__file__).stem == script.name
