"""``bots.demo.mock_portal``: the demo's portal comes up in QA mode, or says why not."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bots.demo import mock_portal
from bots.errors import SetupError


def test_the_demo_portal_serves_its_qa_state_until_the_block_ends(tmp_path: Path) -> None:
    with mock_portal(tmp_path / "portal.sqlite3", "--business-date", "2026-05-15") as url:
        state = httpx.get(url + "qa/state", timeout=30).json()
        assert state["orders"] == []
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "qa/state", timeout=5)


def test_a_portal_that_cannot_start_is_a_setup_error(tmp_path: Path) -> None:
    with pytest.raises(SetupError) as raised:
        with mock_portal(tmp_path / "missing" / "portal.sqlite3"):
            pass
    folder = tmp_path / "missing"
    assert str(raised.value).startswith(
        "模拟营账系统没有启动:the mock portal exited with code 2 before serving:\n"
    )
    assert str(raised.value).endswith(
        f"--state {folder / 'portal.sqlite3'}: folder {folder} does not exist"
    )
