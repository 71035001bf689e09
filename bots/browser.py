"""Find a Chromium to drive, without ever downloading one.

Order: an explicit setting (``BOTS_CHROMIUM``), Playwright's own installed Chromium,
then Debian's system Chromium. Machines here have no internet, so ``playwright install``
is never the answer; the error says what to install instead.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bots.errors import SetupError

ENV_VAR = "BOTS_CHROMIUM"
# The real binary first: the /usr/bin wrapper script adds flags and a shell start-up.
SYSTEM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")

# Without these Chromium keeps dialling Google's hosts, which this network refuses.
LAUNCH_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--disable-gpu",
)

INSTALL_HINT = (
    "install Debian's Chromium and a CJK font: "
    "apt-get install -y chromium fonts-noto-cjk "
    f"(or point {ENV_VAR} at a Chromium/Chrome binary)"
)


def _playwright_chromium() -> str | None:
    root = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache/ms-playwright"))
    if not root.is_dir():
        return None
    for candidate in sorted(root.glob("chromium-*/chrome-linux*/chrome"), reverse=True):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def find_chromium() -> str:
    """Return the path of the Chromium binary to launch, or raise SetupError saying what to do."""
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        if os.access(explicit, os.X_OK):
            return explicit
        raise SetupError(
            f"{ENV_VAR}={explicit} is not an executable file; fix the path or unset it",
            code="browser_missing",
        )
    bundled = _playwright_chromium()
    if bundled:
        return bundled
    for candidate in SYSTEM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    raise SetupError(f"no Chromium found; {INSTALL_HINT}", code="browser_missing")


def launch_options(headed: bool = False) -> dict[str, object]:
    """Keyword arguments for ``playwright.chromium.launch``."""
    return {
        "executable_path": find_chromium(),
        "headless": not headed,
        "args": list(LAUNCH_ARGS),
    }


def _die_with_parent() -> None:
    """Runs in the child before exec: if ``bots work`` is killed (even with SIGKILL), the
    kernel kills its Chromium too, so no browser is left running."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


PR_SET_PDEATHSIG = 1
GRACE = 10.0  # seconds Chromium gets to close on SIGTERM before its processes are killed


class SharedChromium:
    """One Chromium process that several threads drive through CDP.

    Playwright's sync API binds a browser to the thread that launched it, so N worker
    threads cannot share one launched browser. Instead the worker starts Chromium itself
    with a DevTools port and each thread connects its own Playwright to it: one browser,
    N contexts. (``bots work`` gives each worker thread one of its own: see
    ``worker_context``.) The parent-death signal follows the thread that started it.
    """

    def __init__(self, headed: bool = False) -> None:
        self.headed = headed
        self.endpoint = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._profile = ""

    def __enter__(self) -> SharedChromium:
        # Chromium aborts at start-up when its profile path is very long (deep TMPDIRs).
        base = tempfile.gettempdir()
        self._profile = tempfile.mkdtemp(
            prefix="bots-chromium-", dir=base if len(base) <= 40 else "/tmp"
        )
        args = [
            find_chromium(),
            "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={self._profile}",
            "--no-sandbox",
            *LAUNCH_ARGS,
            "about:blank",
        ]
        if not self.headed:
            args.insert(1, "--headless=new")
        self._process = subprocess.Popen(
            args,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        port_file = Path(self._profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self.__exit__()
                raise SetupError(
                    f"Chromium exited at start-up (code {code}); "
                    f"try `{args[0]} --headless=new about:blank` by hand",
                    code="browser_failed",
                )
            text = port_file.read_text() if port_file.exists() else ""
            if text.strip():
                self.endpoint = f"http://127.0.0.1:{text.split()[0]}"
                return self
            time.sleep(0.02)
        self.__exit__()
        raise SetupError(
            "Chromium did not open its DevTools port within 30 s", code="browser_failed"
        )

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
            # Its helpers (GPU, network, crashpad) may outlive the main process and keep
            # writing into the profile: end the whole group (its own session) first.
            _end_group(process.pid)
            self._process = None
        if self._profile:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = ""


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _end_group(pgid: int) -> None:
    deadline = time.monotonic() + GRACE
    while _group_alive(pgid) and time.monotonic() < deadline:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:  # the last one ended between the two calls
            return
        time.sleep(0.05)


@contextmanager
def worker_context(headed: bool = False) -> Iterator[Any]:
    """A browser context in a Chromium of this thread's own, driven over CDP.

    Not one Chromium shared by the threads: every CDP connection sees every page of the
    browser, and Playwright dismisses any dialog its own connection has no listener for,
    so the threads cancelled each other's "确定提交吗?" confirms. Started by us (not by
    Playwright) so that it lives in its own session: a Ctrl-C at the terminal reaches the
    worker, which stops between steps, and not the browser under it.
    """
    from playwright.sync_api import sync_playwright

    with SharedChromium(headed=headed) as chromium, sync_playwright() as pw:
        browser = pw.chromium.connect_over_cdp(chromium.endpoint)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        try:
            yield context
        finally:
            context.close()
