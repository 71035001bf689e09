"""Find a Chromium to drive, without ever downloading one.

Order: an explicit setting (``BOTS_CHROMIUM``), Playwright's own installed Chromium,
then Debian's system Chromium. Machines here have no internet, so ``playwright install``
is never the answer; the error says what to install instead.
"""

from __future__ import annotations

import os
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


VIEWPORT = {"width": 1280, "height": 900}


def new_context(browser: Any) -> Any:
    """A worker's context: the portal's locale and a desk-sized window."""
    return browser.new_context(locale="zh-CN", viewport=VIEWPORT)
