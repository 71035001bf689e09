"""A worker's name: host, process id and a random part, so two ``bots work`` on one host
(or two hosts of one name) never pass for each other in the ledger, the logs or
``bots status``."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys

from bots.worker.pool import default_worker_id

ASK = "from bots.worker.pool import default_worker_id; print(default_worker_id())"


def test_the_default_name_is_host_pid_and_a_random_part() -> None:
    name = default_worker_id()
    host = re.escape(socket.gethostname())
    assert re.fullmatch(rf"{host}-{os.getpid()}-[0-9a-f]{{6}}", name), name


def test_two_processes_on_one_host_get_different_names() -> None:
    names = [
        subprocess.run(
            [sys.executable, "-c", ASK], capture_output=True, text=True, check=True, timeout=60
        ).stdout.strip()
        for _ in range(2)
    ]
    assert names[0] != names[1]
    assert all(name.startswith(f"{socket.gethostname()}-") for name in names)
