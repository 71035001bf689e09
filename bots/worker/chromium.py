"""The shared Chromium as ``bots work`` needs it stopped: every process of it gone before
its profile folder is removed.

``SharedChromium`` waits only for Chromium's main process; its helpers (GPU, network,
crashpad) may still be writing into the profile then, and removing the folder fails with
"Directory not empty" — after the items were handled, but as a traceback and a wrong exit
code. Chromium runs in its own session, so its process group is exactly its processes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

from bots.browser import SharedChromium

GRACE = 10.0  # seconds Chromium gets to close on SIGTERM before it is killed


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


class WorkerChromium(SharedChromium):
    def __exit__(self, *exc: object) -> None:
        process = self._process
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=GRACE)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            self._end_group(process.pid)
        super().__exit__(*exc)

    @staticmethod
    def _end_group(pgid: int) -> None:
        deadline = time.monotonic() + GRACE
        while _group_alive(pgid):
            if time.monotonic() > deadline:
                break
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:  # the last one ended between the two calls
                return
            time.sleep(0.05)
