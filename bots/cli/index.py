"""The index of commands: which ``bots.cli.cmd_*`` module registers which command, read
from the modules' source (``ast``) without importing them, and the group that imports a
module only when its command runs.

So ``bots --help`` lists every command from the index alone, and ``bots run`` imports
``cmd_run`` and what it needs — never the ledger, the batch report or the worker pool.
Commands stay discovered, not listed: a new ``cmd_*.py`` with ``@app.command()`` (or
``app.add_typer(sub, name=…)``) shows up by itself. What the index reads: the command's
name (``@app.command("name")``, else the function's, as Typer spells it), its help
(``help=``, a constant or a catalogue message ``t("…")`` whose msgid it keeps and translates
when the help is shown; else the docstring) and ``hidden=``. When one of these is not a
constant, listing imports that module instead of guessing. It does not know what a command does.
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperCommand

from bots.cli.words import Suggesting, dress, in_words

PACKAGE = "bots.cli"
FOLDER = Path(__file__).parent


@dataclass(frozen=True)
class Entry:
    name: str
    module: str  # bots.cli.cmd_run
    help: str | None  # None: not a constant in the source; import the module to know
    hidden: bool = False


def _constant(node: ast.expr | None, default: Any = None) -> Any:
    """A constant's value; for a message of the catalogue, ``t("…")``, its msgid (translated
    when the help is shown)."""
    if node is None:
        return default
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "t"
        and len(node.args) == 1
        and not node.keywords
    ):
        node = node.args[0]
    return node.value if isinstance(node, ast.Constant) else ...


def _keywords(call: ast.Call) -> dict[str, ast.expr]:
    return {k.arg: k.value for k in call.keywords if k.arg is not None}


def _is_call_on(node: ast.expr, owner: str, method: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == method
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == owner
    )


def _known(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def read_module(path: Path, module: str) -> list[Entry]:
    """The commands one ``cmd_*.py`` registers on ``app``, in the order of its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    sub_apps: dict[str, Any] = {}  # variable → help of its typer.Typer(...)
    entries: list[Entry] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Attribute) and func.attr == "Typer":
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        sub_apps[target.id] = _constant(_keywords(node.value).get("help"))
        elif isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                if not _is_call_on(decorator, "app", "command"):
                    continue
                assert isinstance(decorator, ast.Call)
                given = _keywords(decorator)
                name = _constant(decorator.args[0] if decorator.args else given.get("name"))
                help_text = _constant(given["help"]) if "help" in given else ast.get_docstring(node)
                hidden = _constant(given.get("hidden"), False)
                if name is ... or hidden is ...:
                    raise ValueError(f"{path}: the command of {node.name}() is not a constant")
                name = name or node.name.lower().replace("_", "-")
                entries.append(Entry(name, module, _known(help_text), bool(hidden)))
        elif isinstance(node, ast.Expr) and _is_call_on(node.value, "app", "add_typer"):
            assert isinstance(node.value, ast.Call)
            given = _keywords(node.value)
            name = _constant(given.get("name"))
            if not isinstance(name, str):
                raise ValueError(f"{path}:{node.lineno}: add_typer without a constant name=")
            first = node.value.args[0] if node.value.args else None
            help_text = (
                _constant(given["help"])
                if "help" in given
                else sub_apps.get(first.id, ...)
                if isinstance(first, ast.Name)
                else ...
            )
            hidden = _constant(given.get("hidden"), False)
            entries.append(Entry(name, module, _known(help_text), hidden is True))
    return entries


@cache
def entries() -> dict[str, Entry]:
    """Every command of every ``cmd_*`` module: modules by name, commands in source order."""
    found: dict[str, Entry] = {}
    for path in sorted(FOLDER.glob("cmd_*.py")):
        for entry in read_module(path, f"{PACKAGE}.{path.stem}"):
            found.setdefault(entry.name, entry)
    return found


class LazyGroup(Suggesting):
    """The ``bots`` group: commands from the index, each module imported when its command
    is looked up for running (or its help); a listing uses the index's entries."""

    _listing = False

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        ready: dict[str, Any] = dict(self.commands)
        self.commands = {
            name: ready.pop(name, None) or Placeholder(entry) for name, entry in entries().items()
        }
        self.commands.update(ready)  # registered by other means: kept, after the index

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = self.commands.get(cmd_name)
        if isinstance(command, Placeholder) and not (self._listing and command.known):
            command = self.commands[cmd_name] = _load(command.entry)
            dress(command, ctx)
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from bots.messages import t as translate

        dress(self, ctx)
        for command in self.commands.values():
            if isinstance(command, Placeholder) and command.entry.help is not None:
                command.help = translate(command.entry.help)
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except typer.BadParameter as error:  # a command's parameters, as it parses them
            message = in_words(error, ctx)
            if message is None:
                raise
            # a usage error of the same command: Typer shows its usage and how to get help
            (error.ctx or ctx).fail(message)


class Placeholder(TyperCommand):
    """Stands for a command whose module is not imported yet: enough to be listed."""

    def __init__(self, entry: Entry) -> None:
        super().__init__(name=entry.name, help=entry.help, hidden=entry.hidden)
        self.entry = entry
        self.known = entry.help is not None


def _load(entry: Entry) -> Any:
    """Import the command's module (it registers on ``app``) and build the real command."""
    from bots.cli.app import app

    importlib.import_module(entry.module)
    group = typer.main.get_command(app)
    return group.commands[entry.name]  # type: ignore[attr-defined]
