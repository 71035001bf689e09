"""The Typer application every command module registers on.

Its group (``bots.cli.index.LazyGroup``) lists the commands from the index of the
``cmd_*`` modules and imports a module only when its command runs.
"""

from __future__ import annotations

import typer

from bots.cli.index import LazyGroup

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
