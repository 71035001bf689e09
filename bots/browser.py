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
from bots.messages import t

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


def install_hint() -> str:
    """What to install, in the user's language."""
    return t(
        "安装 Debian 的 Chromium 和中文字体:apt-get install -y chromium fonts-noto-cjk"
        "(或把 {name} 指向一个 Chromium/Chrome 可执行文件)",
        name=ENV_VAR,
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
            t("{name}={path} 不是可执行文件:改正路径,或去掉这个设置", name=ENV_VAR, path=explicit),
            code="browser_missing",
        )
    bundled = _playwright_chromium()
    if bundled:
        return bundled
    for candidate in SYSTEM_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return candidate
    raise SetupError(t("找不到 Chromium:{hint}", hint=install_hint()), code="browser_missing")


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
