"""``bots demo``: the whole job on the embedded defaults, against the bundled mock portal.

Start the mock portal (QA mode, free port, its own state file), enqueue the sample batch
into a fresh SQLite ledger, work it with several workers, write the batch report; then
leave the operator console running on the demo's ledger, with a demo operator account.
"""

from __future__ import annotations

import errno
import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bots.errors import SetupError
from bots.ledger.store import open_store
from bots.messages import t
from mock_portal.process import PortalProcess, PortalStartError

DEMO_OPERATOR = "demo"
CONSOLE_PORT = 8600


@contextmanager
def mock_portal(state: Path, *args: str) -> Iterator[str]:
    """Run the bundled portal (QA mode, a free port) as a real HTTP server in a child
    process; yield its URL."""
    portal = PortalProcess(state, *args)
    try:
        portal.start()
    except PortalStartError as error:
        raise SetupError(t("模拟营账系统没有启动:{error}", error=error)) from error
    try:
        yield portal.url
    finally:
        portal.stop()


def write_credentials(path: Path, staff: list[tuple[str, str]]) -> Path:
    """A 0600 credentials file: created with that mode, never world-readable for an instant."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.writelines(f"{staff_id}:{password}\n" for staff_id, password in staff)
    return path


def demo_staff(n: int) -> list[tuple[str, str]]:
    """The mock portal's fixture staff (docs/CONTRACTS.md): GH1001… with Tele@1001…"""
    return [(f"GH{1001 + i}", f"Tele@{1001 + i}") for i in range(n)]


def demo_operator(db_url: str) -> tuple[str, str]:
    """The demo's operator account on its ledger, with a new random password (the demo
    prints it once)."""
    from bots.console.passwords import hash_password

    password = secrets.token_urlsafe(9)
    with open_store(db_url) as store:
        if store.user(DEMO_OPERATOR) is None:
            store.add_user(DEMO_OPERATOR, "operator", hash_password(password))
        else:
            store.update_user(DEMO_OPERATOR, password_hash=hash_password(password))
    return DEMO_OPERATOR, password


def console_server(db_url: str, port: int = CONSOLE_PORT) -> tuple[Any, socket.socket, str]:
    """The console over the demo's ledger on ``port`` (another free one if it is taken):
    the server (``run(sockets=[sock])`` serves until Ctrl-C), its socket and its URL."""
    from bots.console import ConsoleConfig
    from bots.console.server import listen, server, url_of

    try:
        sock = listen("127.0.0.1", port)
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        sock = listen("127.0.0.1", 0)
    return server(ConsoleConfig(db_url=db_url), sock), sock, url_of(sock)
