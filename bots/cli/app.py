"""The Typer application every command module registers on, and the console they print with."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="bots",
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
    space at the break — so lines are never wrapped here (a terminal wraps them itself)."""
    return Console(stderr=stderr, highlight=False, soft_wrap=True)
