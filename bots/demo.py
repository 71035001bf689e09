"""``bots demo``: the whole job on the embedded defaults, against the bundled mock portal.

Start the mock portal (QA mode, free port, its own state file), enqueue the sample batch
into a fresh SQLite ledger, work it with several workers, write the batch report.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bots.errors import SetupError
from bots.messages import t
from mock_portal.process import PortalProcess, PortalStartError


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
