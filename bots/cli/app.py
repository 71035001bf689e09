"""The Typer application every command module registers on."""

from __future__ import annotations

import typer

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
