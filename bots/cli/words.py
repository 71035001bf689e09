"""What the command line says in the user's language where Typer would say English: a
misspelt command and the ones meant, a missing or bad argument or option, the help option's
help and an option's kind (``<路径>`` for ``<path>``).

Typer's own words go through gettext (:mod:`bots.messages.libraries`); the copy of Click
that Typer 0.29 carries has fixed English ones, replaced here where they are shown, through
the parameters' and errors' public attributes. ``Usage:`` and an unknown option's error
(``No such option``) stay English: nothing public reaches them. It does not know the
commands.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from bots.messages import t


class Suggesting(TyperGroup):
    """A group that names a misspelt command and the ones meant in the user's language
    (Typer's own suggestion is appended in English)."""

    def __init__(self, **attrs: Any) -> None:
        attrs["suggest_commands"] = False
        super().__init__(**attrs)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name = args[0] if args else ""
        if name and not name.startswith("-") and not ctx.resilient_parsing:
            if self.get_command(ctx, name) is None:
                from difflib import get_close_matches

                shown = [n for n, command in self.commands.items() if not command.hidden]
                message = t("没有命令'{name}'。", name=name)
                if meant := get_close_matches(name, shown):
                    commands = t("、").join(f"'{m}'" for m in meant)
                    message += t("是不是要用{commands}?", commands=commands)
                ctx.fail(message)
        return super().resolve_command(ctx, args)


def _kinds() -> dict[str, str]:
    return {
        "<str>": t("<文本>"), "<path>": t("<路径>"), "<int>": t("<整数>"), "<float>": t("<数字>"),
    }  # fmt: skip


def dress(command: Any, ctx: Any) -> None:
    """The help option's help, and each option's kind (none for a switch), in the user's
    language; a sub-group's commands with it. Arguments keep their names: errors quote them."""
    help_option = command.get_help_option(ctx)
    if help_option is not None:
        help_option.help, help_option.metavar = t("显示本帮助后退出。"), ""
    kinds = _kinds()
    for param in command.params:
        if param.param_type_name != "option" or param.metavar is not None:
            continue
        shown = param.display_type(ctx)
        param.metavar = "" if param.is_flag else kinds.get(shown, shown)
    for sub in getattr(command, "commands", {}).values():
        if isinstance(sub, typer.core.TyperCommand | TyperGroup):
            dress(sub, ctx)


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def in_words(error: typer.BadParameter, ctx: Any) -> str | None:
    """What a command's parameter met, in the user's language (None: a parameter unknown)."""
    param = error.param
    if param is None:
        return None
    if param.param_type_name == "argument":
        name = t("参数'{name}'", name=param.name)
    else:
        name = t("选项 {options}", options=" / ".join(param.opts))
    if hasattr(error, "param_type"):  # missing: Click's MissingParameter
        help_text = getattr(param, "help", None)
        message = t("缺少{name}", name=name)
        message += t(":{help}", help=t(help_text)) if help_text else t("。")
    elif _chinese(error.message):  # a message of the catalogue, from a callback
        message = t("{name} 的值不对:{message}", name=name, message=error.message)
    else:  # the library's own words, about the kind of value
        shown = param.display_type(error.ctx or ctx)
        kind = _kinds().get(shown, shown).strip("<>")
        message = t("{name} 的值不对:应为{kind}", name=name, kind=kind)
    return message
