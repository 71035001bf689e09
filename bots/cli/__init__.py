"""Command-line glue: each ``bots.cli.cmd_*`` module registers its commands on ``app``.

Commands are discovered, not listed, so adding one never touches a shared file.
``main`` is the single error handler: a ``BotsError`` becomes its message and exit code.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from rich.text import Text

from bots.cli.app import app, console
from bots.errors import BotsError

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _module.name.startswith("cmd_"):
        importlib.import_module(f"{__name__}.{_module.name}")


def main() -> None:
    try:
        app()
    except BotsError as error:
        # the message is data, never markup: "[x]" in it prints as typed
        console(stderr=True).print(Text.assemble(("error", "bold red"), ": ", error.message))
        sys.exit(error.exit_code)


__all__ = ["app", "main"]
