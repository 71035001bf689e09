"""``bots doctor``: what configuration is in force and where each value comes from, and
whether this machine can run bots (browser, CJK font)."""

from __future__ import annotations

import shutil
import subprocess

import typer

from bots import config
from bots.browser import find_chromium, install_hint
from bots.cli.app import app
from bots.errors import SetupError
from bots.ledger.mask import redact_url
from bots.messages import t


def cjk_fonts() -> list[str]:
    if not shutil.which("fc-list"):
        return []
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    return sorted({line.strip() for line in out.stdout.splitlines() if line.strip()})


def chinese_font(fonts: list[str]) -> str:
    """The font Simplified Chinese is drawn with (fontconfig's choice for zh-cn), when it is
    one of the Chinese ``fonts``; else the first of them (a list in alphabetical order would
    name a Hong Kong or Japanese variant of the family first)."""
    out = subprocess.run(["fc-match", "-f", "%{family[0]}", "sans-serif:lang=zh-cn"],
                         capture_output=True, text=True)  # fmt: skip
    chosen = out.stdout.strip()
    return chosen if chosen in fonts else fonts[0]


def configuration_lines(settings: config.Config) -> list[str]:
    """One line per setting: key, value in force, where it comes from, what it is."""
    if settings.file is not None:
        lines = [t("配置文件:{file}", file=settings.file)]
    else:
        looked = t("、").join(str(p) for p in settings.searched)
        lines = [t("配置文件:无(找过 {places})", places=looked)]
    for key in config.SETTINGS:
        value = settings.values[key]
        shown = "-" if value.value is None else str(value.value)
        if key == "db":
            shown = redact_url(shown)
        lines.append(f"  {key} = {shown}  [{value.shown()}]  {config.about(key)}")
    return lines


@app.command(help=t("显示生效的配置及每项的来源,并检查需要的浏览器和中文字体。"))
def doctor() -> None:
    for line in configuration_lines(config.current()):
        typer.echo(line)
    typer.echo(t("浏览器:{path}", path=find_chromium()))
    fonts = cjk_fonts()
    if not fonts:
        raise SetupError(t("没有中文字体:截图里的中文会变成方框;{hint}", hint=install_hint()))
    typer.echo(t("中文字体:{font}", font=chinese_font(fonts)))
