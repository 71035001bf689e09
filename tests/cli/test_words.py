"""The command line speaks the user's language where Typer would speak English: its panels
and defaults (gettext, bots.messages.libraries), the help option, an option's kind, a
misspelt command, a missing or bad argument or option. Run as `bots` runs, in a process of
its own: Typer reads its panel titles once, at its first help."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAIN = "import sys; from bots.cli import main; sys.argv = ['bots', *sys.argv[1:]]; main()"


def bots(*args: str, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BOTS_LANG", "LANGUAGE")}
    env.update(COLUMNS="200", TERM="dumb", NO_COLOR="1")
    if lang:
        env["BOTS_LANG"] = lang
    return subprocess.run(
        [sys.executable, "-c", MAIN, *args], cwd=ROOT, capture_output=True, text=True,
        timeout=60, env=env,
    )  # fmt: skip


def error_line(out: subprocess.CompletedProcess[str]) -> str:
    """The line in Typer's error panel."""
    assert out.returncode == 2, out.stderr
    lines = [line.strip("│ ") for line in out.stderr.splitlines() if line.startswith("│")]
    assert len(lines) == 1, out.stderr
    return lines[0]


def test_the_help_reads_chinese_with_its_panels_its_help_option_and_option_kinds():
    out = bots("run", "--help")
    assert out.returncode == 0, out.stderr
    for word in ("╭─ 参数 ", "╭─ 选项 ", "[必填]", "显示本帮助后退出。", "<路径>", "<文本>"):
        assert word in out.stdout
    for word in ("Arguments", "Options", "required", "Show this message", "<bool>", "<path>"):
        assert word not in out.stdout
    assert "[默认:guards]" in out.stdout
    listing = bots("--help").stdout
    assert "╭─ 命令 " in listing and "Commands" not in listing


def test_the_help_reads_english_when_asked():
    out = bots("--lang", "en", "run", "--help")
    assert out.returncode == 0, out.stderr
    for word in ("╭─ Options ", "[required]", "Show this message and exit.", "<path>", "<text>"):
        assert word in out.stdout
    assert "选项" not in out.stdout


@pytest.mark.parametrize(
    ("args", "lang", "line"),
    [
        (["stauts"], None, "没有命令'stauts'。是不是要用'status'?"),
        (["xyzzy"], None, "没有命令'xyzzy'。"),
        (["db", "stauts"], None, "没有命令'stauts'。是不是要用'status'?"),
        (["stauts"], "en", "No such command 'stauts'. Did you mean 'status'?"),
        (["enqueue"], None, "缺少参数'files':订单文件:CSV、XLSX、YAML 或 JSON"),
        (["enqueue"], "en", "Missing argument 'files': CSV, XLSX, YAML or JSON order files"),
        (["show"], None, "缺少参数'ref':订单的业务参考号,例如 E9-20261127-0001"),
        (["work", "-n", "x"], None, "选项 --workers / -n 的值不对:应为整数"),
        (["work", "-n", "x"], "en", "Invalid value for option --workers / -n: expected integer"),
        (["--lang", "xx", "status"], None, "选项 --lang 的值不对:未知语言xx:可选 zh, en"),
    ],
)
def test_a_command_line_mistake_is_named_in_the_user_s_language(args, lang, line):
    out = bots(*args, lang=lang)
    assert error_line(out) == line
    hint = "Try 'bots" if lang == "en" else "用'bots"
    assert hint in out.stderr
