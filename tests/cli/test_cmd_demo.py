"""``bots demo`` leaves the operator console running on the demo's ledger, with a demo
operator account printed once, until Ctrl-C; ``--no-console`` ends with the batch."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path

import httpx
import pytest

from tests.fixtures.console import CSRF, EXAMPLES, ROOT

pytestmark = pytest.mark.browser
ACCOUNT = re.compile(r"演示运维员账号:(\w+) 密码:([A-Za-z0-9_-]+)")


def one_order(folder: Path) -> Path:
    lines = (EXAMPLES / "orders.csv").read_text(encoding="utf-8-sig").splitlines()
    path = folder / "one.csv"
    path.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    return path


def demo(folder: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bots", "demo", "--orders", str(one_order(folder)),
         "--workers", "1", "--out", str(folder / "demo"), "--screenshots", "off", *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "TMPDIR": str(folder)},
    )  # fmt: skip


def test_the_demo_leaves_the_console_running_until_ctrl_c(tmp_path: Path) -> None:
    process = demo(tmp_path)
    assert process.stdout is not None
    seen: deque[str] = deque(maxlen=60)
    found: dict[str, str] = {}
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line.rstrip())
            if line.startswith("控制台:"):
                found["url"] = line.split(":", 1)[1].strip()
            if match := ACCOUNT.search(line):
                found["name"], found["password"] = match.groups()
            if "按 Ctrl-C 结束" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(300), "\n".join(seen)
        url = found["url"]
        assert found["name"] == "demo"
        with httpx.Client(base_url=url, timeout=30) as web:
            token = CSRF.search(web.get("login").text)
            assert token is not None
            signed = web.post("login", data={"name": "demo", "password": found["password"],
                                             "csrf": token.group(1)})  # fmt: skip
            assert signed.status_code == 303
            queue = web.get("queue")
            assert queue.status_code == 200 and "E9-20261127-0001" in queue.text
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert sum(1 for line in seen if found["password"] in line) == 1  # printed once
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "login", timeout=5)


def test_no_console_ends_with_the_batch(tmp_path: Path) -> None:
    process = demo(tmp_path, "--no-console")
    output, _ = process.communicate(timeout=300)
    assert process.returncode == 0, output
    assert "batch report:" in output and "控制台" not in output
