"""The portal as a child process: ``python -m mock_portal`` started, found and stopped.

The demo, the test fixture and the benches all run the portal this way, so the start-up
rules live here once:

* the URL comes from the banner line (``mock portal serving at http://…/``), which the
  server prints only once it accepts connections;
* stdout and stderr are read for the server's whole life — a full pipe would block the
  server in the middle of a request;
* a portal that dies or stays silent at start-up raises ``PortalStartError`` with the
  tail of what it wrote, so the cause is in the error, not in a lost pipe;
* ``restart`` comes back on the same port and state file: clients keep their URL (and
  their cookies), the portal keeps its data.

Usage::

    with PortalProcess(tmp / "portal.sqlite3", "--latency", "0-50") as portal:
        httpx.get(portal.url + "qa/state")
        portal.restart(down=1)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import IO, Self

BANNER = re.compile(r"mock portal serving at (http://\S+/)")
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
TAIL_LINES = 20
# `python -m mock_portal` imports the package from the working directory when it is not
# installed: run it from the folder that holds the package
PACKAGE_ROOT = Path(__file__).resolve().parents[1]


class PortalStartError(RuntimeError):
    """The portal did not come up; the message carries the tail of its output."""


class PortalProcess:
    """One ``python -m mock_portal`` child on a fixed state file.

    ``options`` are passed on unchanged (habits, ``--seed``, ``--business-date``…).
    ``log``, when given, receives everything the portal writes, across restarts.
    """

    def __init__(
        self,
        state: Path,
        *options: str,
        qa: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        log: Path | None = None,
        start_timeout: float = START_TIMEOUT_S,
    ) -> None:
        # the child runs in the package's folder: a relative path would land there
        self.state_path = state.resolve()
        self.options = list(options)
        self.qa = qa
        self.host = host
        self.port = port
        self.log_path = log
        self.start_timeout = start_timeout
        self.url = ""
        self.restarts = 0
        self.process: subprocess.Popen[str] | None = None
        self._tail: deque[str] = deque(maxlen=TAIL_LINES)
        self._banner = threading.Event()
        self._readers: list[threading.Thread] = []
        self._log: IO[str] | None = None
        self._lock = threading.Lock()

    # ---- life ---------------------------------------------------------------------
    def command(self) -> list[str]:
        qa = ["--qa"] if self.qa else []
        return [
            sys.executable, "-m", "mock_portal", *qa, "--host", self.host,
            "--port", str(self.port), "--state", str(self.state_path), *self.options,
        ]  # fmt: skip

    def start(self) -> Self:
        """Start the server and wait for its banner; ``url`` and ``port`` are then set."""
        if self.alive:
            raise RuntimeError(f"the mock portal is already running at {self.url}")
        self._tail.clear()
        self._banner.clear()
        if self.log_path is not None:
            self._log = self.log_path.open("a", encoding="utf-8")
        self.process = subprocess.Popen(
            self.command(), cwd=PACKAGE_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(stream,), daemon=True)
            for stream in (self.process.stdout, self.process.stderr)
        ]
        for reader in self._readers:
            reader.start()
        deadline = time.monotonic() + self.start_timeout
        while not self._banner.wait(0.05):
            code = self.process.poll()
            if code is not None:
                self._finish_readers()
                self.process = None
                self._close_log()
                raise PortalStartError(
                    f"the mock portal exited with code {code} before serving:\n{self.tail()}"
                )
            if time.monotonic() >= deadline:
                self.stop()
                raise PortalStartError(
                    f"the mock portal printed no banner within {self.start_timeout:g} s:\n"
                    f"{self.tail()}"
                )
        return self

    def _read(self, stream: IO[str]) -> None:
        """Drain one pipe until the server closes it; note the banner and the last lines."""
        for line in stream:
            with self._lock:
                self._tail.append(line.rstrip("\n"))
                if self._log is not None:
                    self._log.write(line)
                    self._log.flush()
            match = BANNER.search(line)
            if match and not self._banner.is_set():
                self.url = match.group(1)
                self.port = int(self.url.rsplit(":", 1)[1].strip("/"))
                self._banner.set()

    def _finish_readers(self) -> None:
        for reader in self._readers:
            reader.join(timeout=STOP_TIMEOUT_S)
        self._readers = []

    def _close_log(self) -> None:
        with self._lock:
            if self._log is not None:
                self._log.close()
                self._log = None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def tail(self) -> str:
        """The last lines the portal wrote (stdout and stderr, in arrival order)."""
        with self._lock:
            return "\n".join(self._tail)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if the server is still there after 10 s."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._finish_readers()
        self.process = None
        self._close_log()

    def restart(self, down: float = 0.0, attempts: int = 20) -> None:
        """Stop, stay down ``down`` seconds, start again on the same port and state file.

        The port is the one clients know, so it is retried for a while: another process
        may hold it a moment (the server sets SO_REUSEADDR, so TIME_WAIT does not)."""
        self.stop()
        time.sleep(down)
        for attempt in range(attempts):
            try:
                self.start()
                break
            except PortalStartError:
                if attempt == attempts - 1:
                    raise
                time.sleep(0.5)
        self.restarts += 1

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
