"""The Typer application every command module registers on, and the console they print with.

Its group (``bots.cli.index.LazyGroup``) lists the commands from the index of the
``cmd_*`` modules and imports a module only when its command runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from bots.cli.index import LazyGroup

if TYPE_CHECKING:
    from rich.console import Console

app = typer.Typer(
    name="bots",
    cls=LazyGroup,
    help="Enter telecom e9 orders into a billing portal with YAML flows and Playwright.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """Enter telecom e9 orders into a billing portal with YAML flows and Playwright."""


def console(*, stderr: bool = False) -> Console:
    """The console commands print messages with: one message, one line. Rich would wrap at
    the terminal's width — at 80 columns when the output is a pipe, a log or CI, losing the
    space at the break — so lines are never wrapped here (a terminal wraps them itself).
    Rich is imported here, not at start-up: ``bots --help`` never needs it."""
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)
