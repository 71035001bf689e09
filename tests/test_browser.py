"""Browser provisioning: the search order, the error text, and Chinese that really renders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from bots import browser as browser_mod
from bots.errors import SetupError


def test_explicit_setting_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "chrome"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    monkeypatch.setenv("BOTS_CHROMIUM", str(fake))
    assert browser_mod.find_chromium() == str(fake)


def test_explicit_setting_that_is_not_executable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BOTS_CHROMIUM", str(tmp_path / "nope"))
    with pytest.raises(SetupError) as caught:
        browser_mod.find_chromium()
    assert str(caught.value) == (
        f"BOTS_CHROMIUM={tmp_path / 'nope'} 不是可执行文件:改正路径,或去掉这个设置"
    )


def test_the_headless_shell_named_explicitly_cannot_run_headed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shell = tmp_path / "chromium-headless-shell"
    shell.write_text("#!/bin/sh\n")
    shell.chmod(0o755)
    monkeypatch.setenv("BOTS_CHROMIUM", str(shell))
    assert browser_mod.find_chromium() == str(shell)
    with pytest.raises(SetupError) as caught:
        browser_mod.find_chromium(headed=True)
    assert str(caught.value) == (
        f"BOTS_CHROMIUM={shell} 是无界面的 headless shell,不能 --headed:"
        "--headed 时把 BOTS_CHROMIUM 指向完整的 Chromium,或去掉这个设置"
    )


def test_playwright_browser_before_system(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    chrome = tmp_path / "chromium-1200" / "chrome-linux" / "chrome"
    chrome.parent.mkdir(parents=True)
    chrome.write_text("#!/bin/sh\n")
    chrome.chmod(0o755)
    monkeypatch.delenv("BOTS_CHROMIUM", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    assert browser_mod.find_chromium() == str(chrome)


def test_the_newest_playwright_download_comes_first(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("BOTS_CHROMIUM", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    _executable(tmp_path / "chromium-999" / "chrome-linux" / "chrome")
    newest = _executable(tmp_path / "chromium-1200" / "chrome-linux" / "chrome")
    assert browser_mod.find_chromium(headed=True) == str(newest)


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_headless_the_headless_shell_comes_first_headed_the_browser(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("BOTS_CHROMIUM", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "downloads"))
    shell = _executable(tmp_path / "lib" / "chromium-headless-shell")
    full = _executable(tmp_path / "lib" / "chromium")
    monkeypatch.setattr(browser_mod, "SYSTEM_HEADLESS", (str(tmp_path / "none"), str(shell)))
    monkeypatch.setattr(browser_mod, "SYSTEM_CANDIDATES", (str(full),))
    assert browser_mod.find_chromium() == str(shell)
    assert browser_mod.find_chromium(headed=True) == str(full)
    monkeypatch.setenv("DISPLAY", ":0")
    assert browser_mod.launch_options(headed=True)["executable_path"] == str(full)
    # Playwright's own downloads go before the system's, each kind in its place
    downloads = tmp_path / "downloads"
    bundled_shell = _executable(
        downloads / "chromium_headless_shell-1200" / "chrome-linux" / "headless_shell"
    )
    bundled = _executable(downloads / "chromium-1200" / "chrome-linux" / "chrome")
    assert browser_mod.find_chromium() == str(bundled_shell)
    assert browser_mod.find_chromium(headed=True) == str(bundled)


def test_a_window_without_a_desktop_says_so_before_chromium_starts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(browser_mod.sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert browser_mod.launch_options()["headless"] is True  # headless needs no desktop
    with pytest.raises(SetupError) as caught:
        browser_mod.launch_options(headed=True)
    assert caught.value.message == (
        "--headed 要打开浏览器窗口,但这台机器没有图形桌面(DISPLAY 和 WAYLAND_DISPLAY 都没有设置):"
        "去掉 --headed,或在桌面会话里运行;没有桌面的机器可以用 xvfb-run 包住这条命令"
    )
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    assert browser_mod.launch_options(headed=True)["headless"] is False


def test_without_a_headless_shell_headless_runs_use_the_browser(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("BOTS_CHROMIUM", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    full = _executable(tmp_path / "lib" / "chromium")
    monkeypatch.setattr(browser_mod, "SYSTEM_HEADLESS", (str(tmp_path / "none"),))
    monkeypatch.setattr(browser_mod, "SYSTEM_CANDIDATES", (str(full),))
    assert browser_mod.find_chromium() == str(full)


@pytest.mark.usefixtures("english")
def test_no_browser_says_what_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("BOTS_CHROMIUM", raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    monkeypatch.setattr(browser_mod, "SYSTEM_CANDIDATES", (str(tmp_path / "none"),))
    monkeypatch.setattr(browser_mod, "SYSTEM_HEADLESS", (str(tmp_path / "no-shell"),))
    with pytest.raises(SetupError) as caught:
        browser_mod.find_chromium()
    assert str(caught.value) == (
        "no Chromium found; install Debian's Chromium and a CJK font: "
        "apt-get install -y chromium chromium-headless-shell fonts-noto-cjk "
        "(or point BOTS_CHROMIUM at a Chromium/Chrome binary)"
    )


def test_system_chromium_is_found_here() -> None:
    path = browser_mod.find_chromium()
    assert os.access(path, os.X_OK)


def _render(page: Page, text: str, font: str) -> bytes:
    page.set_content(
        f'<div id="t" style="font: 40px {font}; display:inline-block; padding:4px">{text}</div>'
    )
    return page.locator("#t").screenshot(type="png")


def test_chinese_glyphs_render_distinctly(page: Page) -> None:
    """With no CJK font, every Han character renders as the same tofu box.

    Two different strings of equal length therefore give identical pictures; with a CJK
    font they differ. A private-use code point always renders as a box: the Chinese
    rendering must differ from that too.
    """
    first = _render(page, "营账系统", "sans-serif")
    second = _render(page, "专款缴费", "sans-serif")
    boxes = _render(page, "\ue000\ue001\ue002\ue003", "sans-serif")
    assert first != second
    assert first != boxes


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:  # ended while we looked
            continue
        if stat:
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


def _browser_command_line(browser: Browser) -> list[str]:
    """The launched Chromium's own command line (Chromium rewrites it space-separated)."""
    for pid in _descendants(os.getpid()):
        try:
            words = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").split()
        except OSError:
            continue
        if b"--remote-debugging-pipe" in words and not any(w.startswith(b"--type=") for w in words):
            return [w.decode() for w in words]
    raise AssertionError("no Chromium browser process below this test process")


def test_our_disabled_features_keep_playwrights(browser: Browser) -> None:
    """Chromium reads only the last --disable-features: ours must hold every feature
    Playwright's own switch disables, and ours."""
    lists = [
        set(word.split("=", 1)[1].split(","))
        for word in _browser_command_line(browser)
        if word.startswith("--disable-features=")
    ]
    assert len(lists) == 2, lists
    playwrights, ours = lists
    assert playwrights - ours == set()
    assert set(browser_mod.LEAN_FEATURES) <= ours


def test_a_context_opens_no_browser_ui_pages(browser: Browser) -> None:
    """The address bar's WebUI popups (a renderer per context) are not made."""
    context = browser.new_context()
    try:
        context.new_page().goto("about:blank")
        cdp = browser.new_browser_cdp_session()
        kinds = sorted(t["type"] for t in cdp.send("Target.getTargets")["targetInfos"])
        cdp.detach()
    finally:
        context.close()
    assert "browser_ui" not in kinds, kinds
    assert "page" in kinds


@pytest.mark.parametrize("ours", [True, False])
def test_a_context_s_text_boxes_keep_a_steady_caret_and_their_pages_are_untouched(
    browser: Browser, pages_url: str, ours: bool
) -> None:
    """The caret does not blink (a repaint twice a second per window), in frames too; the
    portal's own pages gain no element or style sheet a selector or script could see."""
    context = browser_mod.new_context(browser) if ours else browser.new_context()
    try:
        page = context.new_page()
        page.goto(pages_url + "shell.html")
        box = page.frame_locator("iframe#main").locator("#user")
        box.fill("王敏")
        caret = box.evaluate("e => getComputedStyle(e).caretAnimation")
        seen = box.evaluate("e => [document.styleSheets.length, document.querySelectorAll("
                            "'style, link').length, document.activeElement === e]")
    finally:
        context.close()
    assert caret == ("manual" if ours else "auto")
    assert seen == [1, 1, True]  # form.html's one <style>, and the box has the focus

