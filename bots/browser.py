"""Find a Chromium to drive, without ever downloading one, and how to launch it.

Order: an explicit setting (``BOTS_CHROMIUM``), Playwright's own installed Chromium,
then Debian's system Chromium. Headless, the headless shell comes first (Playwright's
``chromium-headless-shell``, Debian's package of that name): the same Blink, without the
full browser around it, so it renders the portal's screens and pictures for about a third
less CPU and runs more workers on two cores (docs/PERFORMANCE.md §2). Machines here have no
internet, so ``playwright install`` is never the answer; the error says what to install
instead. The launch flags keep
Chromium off the network and leave out what a clerk's screen does not need; what each
saves is measured in docs/PERFORMANCE.md (section 2a), not assumed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from bots.errors import SetupError
from bots.messages import t

ENV_VAR = "BOTS_CHROMIUM"
# The real binary first: the /usr/bin wrapper script adds flags and a shell start-up.
SYSTEM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser")
SYSTEM_HEADLESS = ("/usr/lib/chromium/chromium-headless-shell", "/usr/bin/chromium-headless-shell")
# Playwright's downloads: the headless shell (two layouts over its versions), the browser
PLAYWRIGHT_HEADLESS = (
    "chromium_headless_shell-*/chrome-linux*/headless_shell",
    "chromium_headless_shell-*/chrome-headless-shell-linux64/chrome-headless-shell",
)
PLAYWRIGHT_BROWSER = ("chromium-*/chrome-linux*/chrome",)

# Playwright passes a --disable-features of its own, and Chromium reads only the last
# --disable-features it is given: ours repeats Playwright's list (Playwright 1.65's
# chromiumSwitches) before adding to it. tests/test_browser.py fails if Playwright's grows.
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding",
    "ThirdPartyStoragePartitioning", "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin", "OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled",
    "PreconnectToSearch", "msForceBrowserSignIn", "msEdgeUpdateLaunchServicesPreferredVersion",
)  # fmt: skip
# Chromium 156 preloads, for every window (so for every worker's context), the address
# bar's suggestion popup and its AI-mode popup as web pages, in a renderer process of
# their own: about 40 MB per worker for a box that a bot never opens. Without them the
# address bar (headed runs have one) falls back to its built-in popup.
LEAN_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup")

# Without these Chromium keeps dialling Google's hosts, which this network refuses.
LAUNCH_ARGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--disable-features=" + ",".join((*PLAYWRIGHT_DISABLED_FEATURES, *LEAN_FEATURES)),
)


def install_hint() -> str:
    """What to install, in the user's language."""
    return t(
        "安装 Debian 的 Chromium 和中文字体:"
        "apt-get install -y chromium chromium-headless-shell fonts-noto-cjk"
        "(或把 {name} 指向一个 Chromium/Chrome 可执行文件)",
        name=ENV_VAR,
    )


def _revision(path: Path, root: Path) -> int:
    """The revision Playwright names its download folder after (``chromium-1200``)."""
    folder = path.relative_to(root).parts[0]
    digits = folder.rpartition("-")[2]
    return int(digits) if digits.isdigit() else -1


def _playwright_chromium(patterns: tuple[str, ...]) -> str | None:
    root = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache/ms-playwright"))
    if not root.is_dir():
        return None
    for pattern in patterns:
        # the newest first: by revision number, where text order puts 999 after 1200
        found = sorted(root.glob(pattern), key=lambda p: _revision(p, root), reverse=True)
        for candidate in found:
            if os.access(candidate, os.X_OK):
                return str(candidate)
    return None


def find_chromium(headed: bool = False) -> str:
    """Return the path of the Chromium binary to launch (``headed``: with windows, so never
    the headless shell), or raise SetupError saying what to do."""
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        if headed and "headless" in Path(explicit).name:
            # the shell opens no window: say so before Chromium fails with a stack trace
            raise SetupError(
                t("{name}={path} 是无界面的 headless shell,不能 --headed:"
                  "--headed 时把 {name} 指向完整的 Chromium,或去掉这个设置",
                  name=ENV_VAR, path=explicit),  # fmt: skip
                code="browser_missing",
            )
        if os.access(explicit, os.X_OK):
            return explicit
        raise SetupError(
            t("{name}={path} 不是可执行文件:改正路径,或去掉这个设置", name=ENV_VAR, path=explicit),
            code="browser_missing",
        )
    shells = () if headed else PLAYWRIGHT_HEADLESS
    bundled = _playwright_chromium((*shells, *PLAYWRIGHT_BROWSER))
    if bundled:
        return bundled
    for candidate in (*(() if headed else SYSTEM_HEADLESS), *SYSTEM_CANDIDATES):
        if os.access(candidate, os.X_OK):
            return candidate
    raise SetupError(t("找不到 Chromium:{hint}", hint=install_hint()), code="browser_missing")


def check_display(headed: bool) -> None:
    """A window needs a desktop: on Linux without one, Chromium would only say that the
    browser "has been closed" as it starts."""
    if not headed or not sys.platform.startswith("linux"):
        return
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return
    raise SetupError.said(
        t(
            "--headed 要打开浏览器窗口,但这台机器没有图形桌面"
            "(DISPLAY 和 WAYLAND_DISPLAY 都没有设置)"
        ),
        t("去掉 --headed,或在桌面会话里运行;没有桌面的机器可以用 xvfb-run 包住这条命令"),
        code="browser_missing",
    )


def launch_options(headed: bool = False) -> dict[str, object]:
    """Keyword arguments for ``playwright.chromium.launch``."""
    check_display(headed)
    return {
        "executable_path": find_chromium(headed),
        "headless": not headed,
        "args": list(LAUNCH_ARGS),
    }


VIEWPORT = {"width": 1280, "height": 900}

# A text box with the focus repaints its window twice a second for its blinking caret,
# the whole time between a fill and the next click: a dozen workers' windows kept both
# cores about 4 % busy doing nothing else (docs/PERFORMANCE.md §2). A steady caret looks
# the same in a picture. An adopted style sheet leaves the portal's DOM as it is (no
# element a selector or a portal script could see); an old portal's document.write
# drops it, and the caret blinks again: a cost, never a fault.
STEADY_CARET = """
try {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync("* { caret-animation: manual !important; }");
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
} catch (e) {}
"""


def new_context(browser: Any) -> Any:
    """A run's or a worker's context: the portal's locale, a desk-sized window and a
    steady caret."""
    context = browser.new_context(locale="zh-CN", viewport=VIEWPORT)
    context.add_init_script(STEADY_CARET)
    return context
