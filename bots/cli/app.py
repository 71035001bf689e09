"""The Typer application every command module registers on, the root options every command
shares (``--config``, ``--lang``), and the console commands print with.

Its group (``BotsGroup``, a ``bots.cli.index.LazyGroup``) lists the commands from the index
of the ``cmd_*`` modules and imports a module only when its command runs. Once the root
options are read — before a command's module is imported, so its help texts come in the
chosen language — it loads the configuration (``bots.config.configure``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from bots.cli.index import LazyGroup
from bots.messages import t
from bots.messages import t as translate

if TYPE_CHECKING:
    from rich.console import Console


def about() -> str:
    return t("把电信e9订单录入营账系统:YAML流程,Playwright浏览器,工作账本。")


class BotsGroup(LazyGroup):
    """The ``bots`` group: configured as soon as its own options are parsed."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, args)
        from bots import config

        config.configure(ctx.params.get("config_file"), ctx.params.get("lang"))
        return list(rest)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        if "bots.lang" not in ctx.meta:
            _language_of_the_file(ctx.params.get("config_file"))
        # the texts were read (or written) as Chinese msgids: translated at display
        self.help = about()
        for param in self.params:
            if getattr(param, "help", None):
                param.help = translate(param.help)  # type: ignore[attr-defined]
        super().format_help(ctx, formatter)


def _language_of_the_file(file: Path | None) -> None:
    """``bots --help`` ends before the options are read: its language still follows
    ``BOTS_LANG`` and ``bots.toml``; a broken file is for the commands to report."""
    from bots import config
    from bots.errors import BotsError
    from bots.messages import use

    try:
        use(config.load(file)["lang"])
    except BotsError:
        return


def _chosen_language(ctx: typer.Context, value: str | None) -> str | None:
    if value is None:
        return None
    from bots.messages import use

    try:
        use(value)
    except ValueError as error:
        name = t("选项 {options}", options="--lang")
        ctx.fail(t("{name} 的值不对:{message}", name=name, message=str(error)))
    ctx.meta["bots.lang"] = value
    return value


app = typer.Typer(
    name="bots",
    cls=BotsGroup,
    help=about(),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    config_file: Path | None = typer.Option(
        None,
        "--config",
        is_eager=True,
        help=t("配置文件(默认:当前文件夹的 bots.toml,再找 ~/.config/bots/bots.toml)"),
    ),
    lang: str | None = typer.Option(
        None,
        "--lang",
        is_eager=True,
        callback=_chosen_language,
        help=t("界面语言:zh(简体中文,默认)或 en;也可设 BOTS_LANG"),
    ),
) -> None:
    """The configuration is loaded by ``BotsGroup.parse_args``; nothing left to do here."""


def console(*, stderr: bool = False) -> Console:
    """The console commands print messages with: one message, one line. Rich would wrap at
    the terminal's width — at 80 columns when the output is a pipe, a log or CI, losing the
    space at the break — so lines are never wrapped here (a terminal wraps them itself).
    Rich is imported here, not at start-up: ``bots --help`` never needs it."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def folder(path: Path, option: str) -> Path:
    """``path`` as a folder to write into (:func:`bots.config.made_folder`), the ``option``
    to change named when it cannot be one."""
    from bots.config import made_folder

    return made_folder(path, t("换一个 {option}", option=option))
