"""Where the console listens: an address it cannot take is one line with what to do, never
a traceback."""

from __future__ import annotations

import socket

import pytest

from bots.console.server import listen, url_of
from bots.errors import SetupError


def test_a_free_port_is_taken_and_named() -> None:
    sock = listen("127.0.0.1", 0)
    try:
        assert url_of(sock).startswith("http://127.0.0.1:")
    finally:
        sock.close()


def test_an_address_the_console_cannot_take_is_named_with_what_to_do() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        with pytest.raises(SetupError) as busy:
            listen("127.0.0.1", port)
    assert str(busy.value) == (
        f"控制台无法在127.0.0.1:{port}上监听:这个端口已被占用;"
        "换一个 --port,或用 --host 给出本机的地址"
    )
    assert busy.value.exit_code == 8
    with pytest.raises(SetupError) as elsewhere:
        listen("192.0.2.7", 0)  # (TEST-NET-1: never this machine's)
    assert "上监听:本机没有这个地址;" in str(elsewhere.value)
    with pytest.raises(SetupError) as no_port:
        listen("127.0.0.1", 99999)
    assert str(no_port.value) == "端口99999不存在:端口应在0到65535之间(0:任选一个空闲的)"
