"""A fast in-process portal (FastAPI's TestClient) for the HTTP-level tests.

Fixtures are generated once per process into a template state, then copied for each
test: a test gets a fresh state in milliseconds.
"""

from __future__ import annotations

import sqlite3
import tempfile
import warnings
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from mock_portal import fixtures
from mock_portal.app import create_app
from mock_portal.config import Habits, PortalConfig

# Starlette nudges towards httpx2, which is not installed here; the TestClient works.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
from fastapi.testclient import TestClient  # noqa: E402

BUSINESS_DATE = date(2026, 5, 15)
SEED = 7
_template: list[Path] = []


def _fresh_state(target: Path) -> None:
    if not _template:
        path = Path(tempfile.mkdtemp(prefix="portal-template-")) / "template.sqlite3"
        fixtures.reset(path, SEED, BUSINESS_DATE)
        _template.append(path)
    source, dest = sqlite3.connect(_template[0]), sqlite3.connect(target)
    try:
        source.backup(dest)
    finally:
        source.close()
        dest.close()


def make_client(tmp_path: Path, qa: bool = True, **habits: object) -> TestClient:
    state = tmp_path / "state.sqlite3"
    _fresh_state(state)
    config = PortalConfig(state_path=state, qa=qa, seed=SEED, business_date=BUSINESS_DATE,
                          habits=Habits())
    config.habits.update(habits)
    return TestClient(create_app(config))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    with make_client(tmp_path) as test_client:
        yield test_client
