"""``bots portal``: what it says in the user's language where ``python -m mock_portal``
speaks English (the serving itself is tests/mock_portal/test_server.py's)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bots.cli import app
from bots.errors import BadInput, SetupError


@pytest.mark.parametrize("args,said", [
    (["--business-date", "2026-13-01"],
     "--business-date 应是 YYYY-MM-DD 格式的日期,实际为“2026-13-01”"),
    (["--error-pages", "xx"], "--error-pages 应是 busy, ora, java 之一,实际为“xx”"),
    (["--latency", "abc"],
     "模拟营账系统的选项不对:latency must be LO-HI in milliseconds, e.g. 50-300, not 'abc'"),
    (["--port", "99999"], "模拟营账系统的选项不对:--port 99999: must be 0..65535"),
])  # fmt: skip
def test_a_wrong_option_is_said_before_anything_serves(args: list[str], said: str) -> None:
    result = CliRunner().invoke(app, ["portal", *args])
    assert type(result.exception) is BadInput
    assert str(result.exception) == said


def test_a_port_in_use_says_what_to_do(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            app, ["portal", "--port", str(port), "--state", str(tmp_path / "s.sqlite3")]
        )
    assert type(result.exception) is SetupError
    assert str(result.exception) == (
        f"模拟营账系统无法在 127.0.0.1:{port} 监听(Address already in use):"
        "换一个 --port,或用 --port 0 任选一个空闲端口"
    )
