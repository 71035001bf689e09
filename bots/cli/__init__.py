"""Command-line glue: each ``bots.cli.cmd_*`` module registers its commands on ``app``.

Commands are discovered, not listed, so adding one never touches a shared file; a module
is imported only when its command runs (``bots.cli.index``), so ``bots --help`` and
``bots run`` load only what they use.
``main`` is the single error handler: a ``BotsError`` becomes its message and exit code.
"""

from __future__ import annotations

import sys

from bots.cli.app import app, console
from bots.errors import BotsError, OrdersNeedAttention


def main() -> None:
    from bots.messages import current, libraries

    libraries.follow(current())  # before Typer's first help or error: it reads its words once
    try:
        app()
    except BotsError as error:
        from rich.text import Text  # only here: a run that ends well never loads Rich

        from bots.messages import t

        # the message is data, never markup: "[x]" in it prints as typed
        frame = t("错误") if error.exit_code != OrdersNeedAttention.exit_code else t("注意")
        console(stderr=True).print(Text.assemble((frame, "bold red"), ": ", error.message))
        sys.exit(error.exit_code)


__all__ = ["app", "main"]
