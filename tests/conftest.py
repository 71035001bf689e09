"""Shared test set-up. Fixture modules live in tests/fixtures/ and are all loaded here."""

from __future__ import annotations

import os
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest

_FIXTURES = Path(__file__).parent / "fixtures"
pytest_plugins = [
    f"tests.fixtures.{m.name}" for m in pkgutil.iter_modules([str(_FIXTURES)]) if not m.ispkg
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In CI a skipped test is a failure: missing set-up must never pass silently."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (missing set-up?): {report.longrepr}"
    if call.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
